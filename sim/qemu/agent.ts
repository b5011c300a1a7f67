// The simulated QEMU guest agent: PVE's four availability errors in order, then network-get-interfaces built from
// the VM's NICs (deterministic addresses per vmid, overridable through VmRecord.guest, or replaced outright by
// guest.interfacesRaw to play a hostile guest) and ping; exec, exec-status and file-read run a scriptable guest
// (VmRecord.guest.exec, .cloudInit, .files) whose processes a test can hold until it releases them.
import { dieError, type Ctx, type GuestCloudInit, type GuestExecAnswer, type VmRecord } from '../core.js';
import { loadVm, requireAny, scaled, vmidOf } from './common.js';
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

// ---- exec, exec-status, file-read -------------------------------------------------------------------------------

/** A process guest-exec started; QGA forgets it once exec-status has reported it exited. */
interface GuestProcess {
  answer: GuestExecAnswer;
  /** ms epoch before which it has not exited (durationMs). */
  readyAt: number;
  released: boolean;
}

const processes = new WeakMap<VmRecord, { next: number; table: Map<number, GuestProcess> }>();

function processTable(vm: VmRecord): { next: number; table: Map<number, GuestProcess> } {
  let t = processes.get(vm);
  if (!t) processes.set(vm, (t = { next: 1000 + (vm.vmid % 1000), table: new Map() }));
  return t;
}

/**
 * qemu-server src/PVE/QMPClient.pm cmd: an error answer dies as "<peer name> <peer type> command '<cmd>' failed -
 * <desc>"; QemuServer/Monitor.pm mon_cmd sends guest-* commands to the `qga` peer named "VM <vmid>". It dies before
 * Agent.pm check_agent_error sees the result.
 */
const qgaError = (vmid: number, cmd: string, desc: string) => dieError(`VM ${vmid} qga command '${cmd}' failed - ${desc}`);

/** QGA's own text when guest-exec cannot start the program (g_spawn_async_with_pipes' error). */
const notFound = (path: string) => `Guest agent command failed, error was 'Failed to execute child process “${path}” (No such file or directory)'`;

const CLOUD_INIT_STATUS = ['cloud-init', 'status', '--wait', '--long'];
const CLOUD_INIT_LOG = '/var/log/cloud-init-output.log';
const CLOUD_INIT_VERSION = "Cloud-init v. 24.4-0ubuntu1~24.04.2";

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

/** `cloud-init status --long` as cloud-init 24.4 prints it (cmd/status.py), for the simulated outcome. */
export function cloudInitStatusText(result: NonNullable<GuestCloudInit['result']>, at: number): string {
  const head = (status: string, extended: string) =>
    `status: ${status}\nextended_status: ${extended}\nboot_status_code: enabled-by-generator\nlast_update: ${rfc2822(at)}\ndetail: DataSourceNoCloud [seed=/dev/sr0]\n`;
  if (result === 'error')
    return (
      head('error', 'error - done') +
      "errors:\n\t- ('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))\n" +
      'recoverable_errors:\nWARNING:\n\t- Failed to run module scripts_user (scripts in /var/lib/cloud/instance/scripts)\n' +
      "\t- Running module scripts_user (<module 'cloudinit.config.cc_scripts_user' from '/usr/lib/python3/dist-packages/cloudinit/config/cc_scripts_user.py'>) failed\n"
    );
  if (result === 'degraded')
    return (
      head('done', 'degraded done') +
      "errors: []\nrecoverable_errors:\nWARNING:\n\t- Failed to set locale 'xx_XX.UTF-8': locale-gen exited 1\n"
    );
  return head('done', 'done') + 'errors: []\nrecoverable_errors: {}\n';
}

/** /var/log/cloud-init-output.log of a boot that ended so (the stages' banners, a runcmd failure for `error`). */
export function cloudInitOutputLog(result: NonNullable<GuestCloudInit['result']>, startedAt: number, at: number): string {
  const up = (ms: number) => ((ms - startedAt) / 1000 + 4).toFixed(2);
  const stage = (name: string, ms: number) => `${CLOUD_INIT_VERSION} running '${name}' at ${rfc2822(ms)}. Up ${up(ms)} seconds.\n`;
  const stamp = new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
  let log = stage('init-local', startedAt) + stage('init', startedAt) +
    'ci-info: +++++++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++++++\n' +
    'ci-info: | Device |  Up  |   Address   |    Mask   | Scope  |     Hw-Address    |\n' +
    stage('modules:config', at) + stage('modules:final', at);
  if (result === 'error')
    log +=
      '+ apt-get install -y ngnix\nReading package lists...\nE: Unable to locate package ngnix\n' +
      `${stamp} - cc_scripts_user.py[WARNING]: Failed to run module scripts_user (scripts in /var/lib/cloud/instance/scripts)\n` +
      `${stamp} - log_util.py[WARNING]: Running module scripts_user (<module 'cloudinit.config.cc_scripts_user' from '/usr/lib/python3/dist-packages/cloudinit/config/cc_scripts_user.py'>) failed\n`;
  if (result === 'degraded') log += `${stamp} - cc_locale.py[WARNING]: Failed to set locale 'xx_XX.UTF-8'\n`;
  return log + `${CLOUD_INIT_VERSION} finished at ${rfc2822(at)}. Datasource DataSourceNoCloud [seed=/dev/sr0].  Up ${up(at)} seconds\n`;
}

/** When the simulated cloud-init has finished (ms epoch): bootMs after the agent answers. */
function cloudInitDoneAt(ctx: Ctx, vm: VmRecord): number {
  return (vm.agentUpAt ?? Date.now()) + scaled(ctx, vm.guest?.cloudInit?.bootMs ?? 0);
}

/** The default guest: cloud-init's status command, `/bin/sh -c` (exit 0, silent), and nothing else installed. */
function defaultExec(ctx: Ctx, vm: VmRecord, argv: readonly string[]): GuestExecAnswer {
  if (argv.length === CLOUD_INIT_STATUS.length && argv.every((a, i) => a === CLOUD_INIT_STATUS[i])) {
    const ci = vm.guest?.cloudInit ?? {};
    const result = ci.result ?? 'done';
    const doneAt = cloudInitDoneAt(ctx, vm);
    // --wait prints a dot every 0.25 s while cloud-init runs, then a newline and the status (cmd/status.py).
    const dots = doneAt > Date.now() ? '.'.repeat(Math.min(40, Math.ceil((doneAt - Date.now()) / 250))) + '\n' : '';
    return {
      exitcode: result === 'error' ? 1 : result === 'degraded' ? 2 : 0,
      stdout: dots + (ci.statusText ?? cloudInitStatusText(result, doneAt)),
      durationMs: Math.max(0, doneAt - Date.now()) / (ctx.sim.timeScale ?? 1),
      until: ci.until,
    };
  }
  if (argv.length === 3 && argv[0] === 'cloud-init' && argv[1] === 'status' && argv[2] === '--long') {
    // Without --wait it answers at once: `running` until the simulated boot is over (cmd/status.py).
    const ci = vm.guest?.cloudInit ?? {};
    const result = ci.result ?? 'done';
    const doneAt = cloudInitDoneAt(ctx, vm);
    if (doneAt > Date.now()) return { exitcode: 0, stdout: 'status: running\nextended_status: running\nboot_status_code: enabled-by-generator\ndetail: DataSourceNoCloud [seed=/dev/sr0]\nerrors: []\nrecoverable_errors: {}\n' };
    return { exitcode: result === 'error' ? 1 : result === 'degraded' ? 2 : 0, stdout: ci.statusText ?? cloudInitStatusText(result, doneAt) };
  }
  // journalctl as systemd prints a query without matches (journalctl -q would print nothing).
  if (argv[0] === 'journalctl') return { exitcode: 0, stdout: '-- No entries --\n' };
  if (argv[0] === '/bin/sh' || argv[0] === 'sh') return { exitcode: 0 };
  return { agentError: notFound(argv[0] ?? '') };
}

/**
 * qemu-server src/PVE/API2/Qemu/Agent.pm `exec` (POST, VM.GuestAgent.Unrestricted): PVE::QemuServer::Agent
 * qemu_exec turns `command` into guest-exec's path + arg with capture-output, and answers `{ pid }`.
 */
export function agentExec(ctx: Ctx): unknown {
  const vm = assertAgent(ctx, ['VM.GuestAgent.Unrestricted']);
  const raw = ctx.params.command;
  const argv = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
  if (argv.length === 0 && ctx.params['input-data'] === undefined) throw dieError('command or input-data (or both) required');
  const answer = vm.guest?.exec?.(argv) ?? defaultExec(ctx, vm, argv);
  if (answer.agentError !== undefined) throw qgaError(vm.vmid, 'guest-exec', answer.agentError);
  const t = processTable(vm);
  const pid = t.next++;
  const proc: GuestProcess = { answer, readyAt: Date.now() + scaled(ctx, answer.durationMs ?? 0), released: answer.until === undefined };
  answer.until?.then(
    () => (proc.released = true),
    () => (proc.released = true),
  );
  t.table.set(pid, proc);
  return { pid };
}

/** QGA's guest-exec-status: stdout/stderr are captured up to 16 MiB each (GUEST_EXEC_MAX_OUTPUT), the rest dropped. */
const MAX_CAPTURE = 16 * 1024 * 1024;

function captured(text: string | undefined): { data?: string; truncated: boolean } {
  if (!text) return { truncated: false };
  const b = Buffer.from(text, 'utf8');
  return b.length <= MAX_CAPTURE ? { data: text, truncated: false } : { data: b.subarray(0, MAX_CAPTURE).toString('utf8'), truncated: true };
}

/**
 * qemu-server src/PVE/API2/Qemu/Agent.pm `exec-status` (GET, VM.GuestAgent.Unrestricted) → Agent.pm
 * qemu_exec_status: guest-exec-status's answer with out-data/err-data base64-decoded and JSON booleans as 1/0.
 * QGA (qga/commands.c qmp_guest_exec_status) drops a process once it reported it exited; an unknown pid is
 * "Invalid parameter 'pid'".
 */
export function agentExecStatus(ctx: Ctx): unknown {
  const vm = assertAgent(ctx, ['VM.GuestAgent.Unrestricted']);
  const pid = Number(ctx.params.pid);
  const t = processTable(vm);
  const proc = t.table.get(pid);
  if (!proc) throw qgaError(vm.vmid, 'guest-exec-status', "Invalid parameter 'pid'");
  if (!proc.released || Date.now() < proc.readyAt) return { exited: 0 };
  t.table.delete(pid);
  const a = proc.answer;
  const res: Record<string, unknown> = { exited: 1 };
  if (a.signal !== undefined) res.signal = a.signal;
  else res.exitcode = a.exitcode ?? 0;
  const out = captured(a.stdout);
  const err = captured(a.stderr);
  if (out.data !== undefined) res['out-data'] = out.data;
  if (err.data !== undefined) res['err-data'] = err.data;
  if (out.truncated) res['out-truncated'] = 1;
  if (err.truncated) res['err-truncated'] = 1;
  return res;
}

/** The guest's files: the test's, plus the cloud-init output log of the simulated boot. */
function guestFile(ctx: Ctx, vm: VmRecord, path: string): string | undefined {
  const own = vm.guest?.files?.[path];
  if (own !== undefined) return own;
  if (path !== CLOUD_INIT_LOG) return undefined;
  const ci = vm.guest?.cloudInit ?? {};
  return ci.outputLog ?? cloudInitOutputLog(ci.result ?? 'done', vm.startedAt ?? Date.now(), cloudInitDoneAt(ctx, vm));
}

const MAX_READ_SIZE = 16 * 1024 * 1024;

/**
 * qemu-server src/PVE/API2/Qemu/Agent.pm `file-read` (GET, VM.GuestAgent.FileRead or VM.GuestAgent.Unrestricted):
 * guest-file-open, seek to `offset`, read up to `count` bytes (default $MAX_READ_SIZE, 16 MiB) in 1 MiB chunks until
 * QGA reports eof; answers `{ content, bytes-read }` plus `truncated: 1` when eof was not reached. QGA sets eof only
 * when a read came back short, so a read ending exactly at the end of the file is still `truncated`.
 */
export function agentFileRead(ctx: Ctx): unknown {
  const vm = assertAgent(ctx, ['VM.GuestAgent.FileRead', 'VM.GuestAgent.Unrestricted']);
  const path = String(ctx.params.file);
  const text = guestFile(ctx, vm, path);
  if (text === undefined) throw qgaError(vm.vmid, 'guest-file-open', `failed to open file '${path}' (mode: 'r'): No such file or directory`);
  const bytes = Buffer.from(text, 'utf8');
  const offset = ctx.params.offset === undefined ? 0 : Number(ctx.params.offset);
  const count = ctx.params.count === undefined ? MAX_READ_SIZE : Number(ctx.params.count);
  const chunk = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + count, bytes.length));
  const eof = offset + count > bytes.length;
  const decode = ctx.params.decode === undefined || ctx.params.decode === true || String(ctx.params.decode) === '1';
  const res: Record<string, unknown> = { content: decode ? chunk.toString('utf8') : chunk.toString('base64'), 'bytes-read': chunk.length };
  if (!eof) res.truncated = 1;
  return res;
}
