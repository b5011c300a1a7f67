// The simulated QEMU guest agent: PVE's four availability errors in order, then network-get-interfaces built from
// the VM's NICs (deterministic addresses per vmid, overridable through VmRecord.guest, or replaced outright by
// guest.interfacesRaw to play a hostile guest) and ping.
import { dieError, type Ctx, type VmRecord } from '../core.js';
import { loadVm, requireAny, vmidOf } from './common.js';
import { isNetKey, netMac } from './net.js';
import { agentEnabled } from './vm.js';

/**
 * qemu-server src/PVE/QemuServer/Agent.pm assert_agent_available: config, `agent` key, running, agent answering (its
 * texts; the last is qga_check_running's `guest-ping`). Privileges: src/PVE/API2/Qemu/Agent.pm register_command
 * (`[$perm, 'VM.GuestAgent.Unrestricted'], any => 1`).
 */
function assertAgent(ctx: Ctx, privs: string[]): VmRecord {
  const vmid = vmidOf(ctx);
  requireAny(ctx, `/vms/${vmid}`, privs);
  const vm = loadVm(ctx);
  if (vm.config.agent === undefined) throw dieError('No QEMU guest agent configured');
  if (vm.status !== 'running') throw dieError(`VM ${vmid} is not running`);
  const up =
    agentEnabled(vm.config) &&
    vm.agentUpAt !== undefined &&
    Date.now() >= vm.agentUpAt &&
    vm.qmpstatus === 'running' &&
    !vm.guest?.agentNeverUp;
  if (!up) throw dieError('QEMU guest agent is not running');
  return vm;
}

function withPrefix(addr: string, defPrefix: number): { ip: string; prefix: number } {
  const [ip, p] = addr.split('/');
  return { ip, prefix: p ? Number(p) : defPrefix };
}

/** EUI-64 link-local address from a MAC (fe80::...). */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  b[0] ^= 0x02;
  const words = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, (0xfe << 8) | b[3], (b[4] << 8) | b[5]];
  return `fe80::${words.map((w) => w.toString(16)).join(':')}`;
}

function interfaces(vm: VmRecord): unknown[] {
  const uptime = Math.max(1, Math.floor((Date.now() - (vm.startedAt ?? Date.now())) / 1000));
  const lo = {
    name: 'lo',
    'hardware-address': '00:00:00:00:00:00',
    'ip-addresses': [
      { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
      { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
    ],
    statistics: stats(uptime, 10),
  };
  const nets = Object.keys(vm.config)
    .filter(isNetKey)
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const out: unknown[] = [lo];
  nets.forEach((key, i) => {
    const mac = (netMac(vm.config[key]) ?? '00:00:00:00:00:00').toLowerCase();
    const addrs: unknown[] = [];
    if (!vm.guest?.noAddresses) {
      const v4 = vm.guest?.ipv4?.[i] ?? `10.${(vm.vmid >> 8) & 255}.${vm.vmid & 255}.${100 + i}/24`;
      const a4 = withPrefix(v4, 24);
      addrs.push({ 'ip-address': a4.ip, 'ip-address-type': 'ipv4', prefix: a4.prefix });
      const v6 = vm.guest?.ipv6?.[i] ?? `fd00::${vm.vmid.toString(16)}:${(i + 1).toString(16)}/64`;
      const a6 = withPrefix(v6, 64);
      addrs.push({ 'ip-address': a6.ip, 'ip-address-type': 'ipv6', prefix: a6.prefix });
      addrs.push({ 'ip-address': linkLocal(mac), 'ip-address-type': 'ipv6', prefix: 64 });
    }
    const iface: Record<string, unknown> = { name: `eth${i}`, 'hardware-address': mac };
    if (addrs.length) iface['ip-addresses'] = addrs;
    iface.statistics = stats(uptime, 1000 + i);
    out.push(iface);
  });
  return out;
}

function stats(uptime: number, rate: number): Record<string, number> {
  return {
    'rx-bytes': uptime * rate * 3,
    'rx-packets': uptime * 3,
    'rx-errs': 0,
    'rx-dropped': 0,
    'tx-bytes': uptime * rate,
    'tx-packets': uptime,
    'tx-errs': 0,
    'tx-dropped': 0,
  };
}

// qemu-server src/PVE/API2/Qemu/Agent.pm register_command code: `{ result => mon_cmd($vmid, "guest-$cmd") }`
// ($guest_agent_commands 'network-get-interfaces': GET, VM.GuestAgent.Audit).
export function agentNetworkGetInterfaces(ctx: Ctx): unknown {
  const vm = assertAgent(ctx, ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted']);
  if (vm.guest?.interfacesRaw !== undefined) return vm.guest.interfacesRaw;
  return { result: interfaces(vm) };
}

// qemu-server src/PVE/API2/Qemu/Agent.pm register_command ($guest_agent_commands 'ping': POST, VM.GuestAgent.Audit).
export function agentPing(ctx: Ctx): unknown {
  assertAgent(ctx, ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted']);
  return { result: {} };
}
