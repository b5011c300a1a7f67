// GET /nodes/{node}/qemu (vmlist), GET .../status/current and the {vmid} directory index: vmstatus fields.
import type { Ctx, VmRecord } from '../core.js';
import { loadVm, nodeOf, requireVmPriv, vmidOf } from './common.js';
import { bootDiskBytes } from './disks.js';
import { agentEnabled, cpuCount, memoryMiB } from './vm.js';

function uptimeSeconds(ctx: Ctx, vm: VmRecord): number {
  if (vm.status !== 'running' || vm.startedAt === undefined) return 0;
  return Math.floor((Date.now() - vm.startedAt) / (ctx.sim.timeScale ?? 1) / 1000);
}

/** vmstatus for one VM: the fields of GET /nodes/{node}/qemu; `full` adds what status/current shows. */
export function vmStatus(ctx: Ctx, vm: VmRecord, full: boolean): Record<string, unknown> {
  const conf = vm.config;
  const running = vm.status === 'running';
  const maxmem = memoryMiB(conf) * 1024 * 1024;
  const uptime = uptimeSeconds(ctx, vm);
  const d: Record<string, unknown> = {
    vmid: vm.vmid,
    status: vm.status,
    name: conf.name ?? `VM ${vm.vmid}`,
    cpus: cpuCount(conf),
    maxmem,
    maxdisk: bootDiskBytes(conf),
    disk: 0,
    mem: running ? Math.floor(maxmem * 0.35) : 0,
    cpu: running ? 0.012 : 0,
    uptime,
    netin: running ? uptime * 1500 : 0,
    netout: running ? uptime * 700 : 0,
    diskread: running ? uptime * 40960 : 0,
    diskwrite: running ? uptime * 20480 : 0,
  };
  if (running) d.pid = 100000 + vm.vmid;
  if (conf.template === '1') d.template = 1;
  if (conf.lock !== undefined) d.lock = conf.lock;
  if (conf.tags !== undefined) d.tags = conf.tags;
  if (Object.keys(conf).some((k) => /^serial\d+$/.test(k))) d.serial = 1;
  if (full) {
    d.qmpstatus = running ? vm.qmpstatus : 'stopped';
    d.memhost = d.mem;
    // API2/Qemu.pm `vm_status`: PVE::HA::Config::get_service_status ({ managed: 0 }, or managed with the state).
    d.ha = vm.ha ? { managed: 1, state: vm.ha.state } : { managed: 0 };
    if (agentEnabled(conf)) d.agent = 1;
    if (running) {
      d['running-machine'] = 'pc-i440fx-9.2+pve1';
      d['running-qemu'] = '9.2.0';
      d.balloon = maxmem;
      d.freemem = maxmem - (d.mem as number);
    }
  }
  return d;
}

export function listVms(ctx: Ctx): unknown {
  const node = nodeOf(ctx);
  const out: unknown[] = [];
  for (const vm of ctx.sim.state.vms.values()) {
    if (vm.node !== node) continue;
    try {
      requireVmPriv(ctx, vm.vmid, 'VM.Audit');
    } catch {
      continue;
    }
    out.push(vmStatus(ctx, vm, ctx.params.full === true || ctx.params.full === 1 || ctx.params.full === '1'));
  }
  return out;
}

export function statusCurrent(ctx: Ctx): unknown {
  requireVmPriv(ctx, vmidOf(ctx), 'VM.Audit');
  return vmStatus(ctx, loadVm(ctx), true);
}

export function vmDirIndex(): unknown {
  return [
    'config', 'cloudinit', 'pending', 'status', 'unlink', 'vncproxy', 'termproxy', 'migrate', 'resize', 'move', 'rrd',
    'rrddata', 'monitor', 'agent', 'snapshot', 'spiceproxy', 'sendkey', 'firewall', 'mtunnel', 'remote_migrate',
  ].map((subdir) => ({ subdir }));
}
