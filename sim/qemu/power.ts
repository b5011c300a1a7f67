// status/start|stop|shutdown|reboot|reset|suspend|resume. Start/stop/shutdown check nothing before the fork
// (a missing VM fails in the task); reboot/reset/suspend/resume refuse a VM that is not running synchronously.
// Stop and shutdown follow qemu-server QemuServer.pm `_do_vm_stop`; a reboot ends once the VM is off and qmeventd
// starts it again in a task of its own; an HA resource's start/stop only queue a request with the HA manager.
import { dieError, paramError, type Ctx, type TaskHandle, type VmRecord } from '../core.js';
import { FLOCK_WAIT, bool, findVm, int, nodeOf, requireVmPriv, rootOnly, scaled, str, vmidOf } from './common.js';
import { type HaWorkers, haManaged, haRequest } from './ha.js';
import { acquireFlock } from './locks.js';
import { applyPending } from './pending.js';
import { agentEnabled, memoryMiB, startTask } from './vm.js';
import { allocVolume, freeVolume, splitVolid } from './volumes.js';
import { configVolids } from './disks.js';

export function notOnNodeMessage(node: string, vmid: number): string {
  return `unable to find configuration file for VM ${vmid} on node '${node}'`;
}

/** check_running: the config must be on this node; true when the VM runs. */
function checkRunning(ctx: Ctx, node: string, vmid: number): VmRecord {
  const vm = findVm(ctx, node, vmid);
  if (!vm) throw dieError(notOnNodeMessage(node, vmid));
  return vm;
}

async function lockVm(ctx: Ctx, t: TaskHandle, vmid: number): Promise<() => void> {
  return acquireFlock(ctx.sim.state, vmid, {
    exclusive: true,
    timeoutMs: scaled(ctx, FLOCK_WAIT.config),
    onWait: () => t.log('trying to acquire lock...'),
  });
}

/** qga_check_running: whether the simulated agent answers a ping (the rule of agent.ts). */
function agentUp(vm: VmRecord): boolean {
  return vm.agentUpAt !== undefined && Date.now() >= vm.agentUpAt && vm.qmpstatus === 'running' && !vm.guest?.agentNeverUp;
}

export function markStarted(ctx: Ctx, vm: VmRecord): void {
  vm.status = 'running';
  vm.qmpstatus = 'running';
  vm.startedAt = Date.now();
  vm.agentUpAt = agentEnabled(vm.config) ? Date.now() + scaled(ctx, ctx.sim.durations.agentUp) : undefined;
}

export function markStopped(ctx: Ctx, vm: VmRecord): void {
  vm.status = 'stopped';
  vm.qmpstatus = 'stopped';
  vm.startedAt = undefined;
  vm.agentUpAt = undefined;
  applyPending(ctx.sim.state, vm);
}

/** vm_start inside a worker (also used by create start=1, resume from disk and reboot). */
export async function startInTask(
  ctx: Ctx,
  t: TaskHandle,
  node: string,
  vmid: number,
  opts: { skiplock?: boolean },
): Promise<void> {
  const release = await lockVm(ctx, t, vmid);
  try {
    const vm = findVm(ctx, node, vmid);
    if (!vm) throw new Error(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    if (vm.config.template === '1') throw new Error("you can't start a vm if it's a template");
    const resume = vm.config.lock === 'suspended' || vm.config.vmstate !== undefined;
    if (!opts.skiplock && vm.config.lock !== undefined && vm.config.lock !== 'suspended') {
      throw new Error(`VM is locked (${vm.config.lock})`);
    }
    if (vm.status === 'running') throw new Error(`VM ${vmid} already running`);
    applyPending(ctx.sim.state, vm);
    if (Object.keys(vm.config).some((k) => /cloudinit/.test(vm.config[k]) && /^(ide|sata|scsi)\d+$/.test(k))) {
      t.log('generating cloud-init ISO');
    }
    await t.sleep(ctx.sim.durations.qmstart);
    if (resume) {
      t.log(`resuming VM ${vmid} from suspended state`);
      const state = vm.config.vmstate;
      if (state && splitVolid(state)) freeVolume(ctx.sim.state, state);
      for (const k of ['vmstate', 'lock', 'runningmachine', 'runningcpu']) delete vm.config[k];
    }
    markStarted(ctx, vm);
  } finally {
    release();
  }
}

export function vmStart(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(
    ctx,
    'stateuri', 'skiplock', 'migratedfrom', 'migration_type', 'migration_network', 'targetstorage', 'force-cpu',
    'with-conntrack-state', 'nets-host-mtu',
  );
  const skiplock = bool(ctx.params.skiplock);
  // API2/Qemu.pm `vm_start`: an HA resource (PVE::HA::Config::vm_is_ha_managed) is only asked to be started.
  if (haManaged(ctx, vmid) && ctx.params.stateuri === undefined) {
    return startTask(ctx, 'hastart', vmid, async (t) => {
      t.log(`Requesting HA start for VM ${vmid}`);
      haRequest(ctx, t, vmid, { kind: 'start' }, LRM);
    });
  }
  return startTask(ctx, 'qmstart', vmid, (t) => startInTask(ctx, t, node, vmid, { skiplock }));
}

/** The HA manager's LRM does its work with the same workers as the API (Resources/PVEVM.pm). */
const LRM: HaWorkers = {
  start: (ctx, t, node, vmid) => startInTask(ctx, t, node, vmid, {}),
  stop: async (ctx, t, node, vmid, timeout) => {
    await stopInTask(ctx, t, node, vmid, { skiplock: false, shutdown: timeout > 0, force: true, timeout });
  },
};

/** A running qmshutdown that `overrule-shutdown` can interrupt. */
interface Abort {
  promise: Promise<void>;
  done: () => boolean;
}
interface ShutdownRun {
  upid: string;
  abort: () => void;
}
// Per simulator (state) and node/vmid: running shutdowns are process state, not part of the VM config.
const shutdownRuns = new WeakMap<object, Map<string, ShutdownRun[]>>();
function shutdownsOf(ctx: Ctx): Map<string, ShutdownRun[]> {
  let m = shutdownRuns.get(ctx.sim.state);
  if (!m) {
    m = new Map();
    shutdownRuns.set(ctx.sim.state, m);
  }
  return m;
}

/**
 * One `check_running` loop of `_do_vm_stop`: polled once a second up to `limitS` seconds, the process that ends after
 * `exitMs` (undefined: never) is seen gone at the first whole second after it ended, if that is before the limit.
 * Resolves whether it went; an overruling stop kills the worker (its SIGTERM handler dies "received interrupt",
 * pve-common RESTEnvironment.pm `fork_worker`).
 */
async function exits(t: TaskHandle, exitMs: number | undefined, limitS: number, abort?: Abort): Promise<boolean> {
  const seenAtS = exitMs === undefined ? Infinity : Math.ceil(exitMs / 1000);
  const gone = seenAtS < limitS;
  await work(t, (gone ? seenAtS : limitS) * 1000, abort);
  return gone;
}

/** A wait of the stop worker that an overruling stop interrupts. */
async function work(t: TaskHandle, ms: number, abort?: Abort): Promise<void> {
  await Promise.race([t.sleep(ms), abort?.promise ?? new Promise<void>(() => undefined)]);
  if (abort?.done()) throw new Error('received interrupt');
}

/**
 * QemuServer.pm `_do_vm_stop` under `vm_stop`'s config lock: nothing to do for a VM that is not running; the lock
 * check; a shutdown (the guest agent's guest-shutdown or ACPI; the guest takes `qmshutdown`, or ignores it) or a
 * `quit` (QEMU takes `qmstop`); `timeout` s (default: startup `down=` for a shutdown, else 60) polled once a second;
 * then an error, or with `force` a plain warn, SIGTERM and up to 10 s more (QEMU again takes `qmstop`), then
 * SIGKILL and 1 s. So a forced stop ends after `timeout`, not at it. Resolves whether it stopped the VM.
 */
async function stopInTask(
  ctx: Ctx,
  t: TaskHandle,
  node: string,
  vmid: number,
  opts: { skiplock: boolean; shutdown: boolean; force: boolean; timeout?: number; abort?: Abort },
): Promise<boolean> {
  const release = await lockVm(ctx, t, vmid);
  try {
    const vm = findVm(ctx, node, vmid);
    if (!vm) throw new Error(notOnNodeMessage(node, vmid));
    if (vm.status !== 'running') return false;
    if (!opts.skiplock && vm.config.lock !== undefined) throw new Error(`VM is locked (${vm.config.lock})`);
    const d = ctx.sim.durations;
    const down = /(?:^|,)down=(\d+)/.exec(vm.config.startup ?? '')?.[1];
    const timeoutS = opts.timeout ?? (opts.shutdown && down ? Number(down) : 60);
    let exitMs: number | undefined = d.qmstop;
    if (opts.shutdown) {
      if (agentEnabled(vm.config) && !agentUp(vm)) {
        // qga_check_running pings the agent (3 s), warns, and the shutdown falls back to ACPI (system_powerdown).
        await work(t, 3000, opts.abort);
        t.warn(`QEMU Guest Agent is not running - VM ${vmid} qga command 'guest-ping' failed - got timeout`);
      }
      exitMs = vm.guest?.ignoreShutdown ? undefined : d.qmshutdown;
    }
    if (!(await exits(t, exitMs, timeoutS, opts.abort))) {
      if (!opts.force) throw new Error('VM quit/powerdown failed - got timeout');
      t.warn('VM still running - terminating now with SIGTERM');
      if (!(await exits(t, d.qmstop, 10, opts.abort))) {
        t.warn('VM still running - terminating now with SIGKILL');
        await work(t, 1000, opts.abort);
      }
    }
    markStopped(ctx, vm);
    return true;
  } finally {
    release();
  }
}

export function vmStop(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock', 'keepActive', 'migratedfrom');
  const overrule = bool(ctx.params['overrule-shutdown']);
  const opts = { skiplock: bool(ctx.params.skiplock), shutdown: false, force: true, timeout: int(ctx.params.timeout) };
  // API2/Qemu.pm `vm_stop`: an HA resource gets `ha-manager crm-command stop vm:<id> 0` (a hard stop).
  if (haManaged(ctx, vmid) && ctx.params.migratedfrom === undefined) {
    if (overrule) throw paramError({ 'overrule-shutdown': 'Not applicable for HA resources.' });
    return startTask(ctx, 'hastop', vmid, async (t) => {
      t.log(`Requesting HA stop for VM ${vmid}`);
      haRequest(ctx, t, vmid, { kind: 'stop', timeout: 0 }, LRM);
    });
  }
  return startTask(ctx, 'qmstop', vmid, async (t) => {
    if (overrule) {
      const runs = shutdownsOf(ctx).get(`${node}/${vmid}`) ?? [];
      for (const r of runs) r.abort();
      if (runs.length) t.log(`overruled qmshutdown tasks: ${runs.map((r) => r.upid).join(', ')}`);
    }
    await stopInTask(ctx, t, node, vmid, opts);
  });
}

export function vmShutdown(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock', 'keepActive');
  const force = bool(ctx.params.forceStop);
  let shutdown = true;
  const vm = findVm(ctx, node, vmid);
  if (vm && vm.status === 'running' && vm.qmpstatus === 'paused') {
    if (!force) throw dieError('VM is paused - cannot shutdown');
    shutdown = false;
  }
  // API2/Qemu.pm `vm_shutdown`: an HA resource gets `ha-manager crm-command stop vm:<id> <timeout // 60>`.
  if (haManaged(ctx, vmid)) {
    const timeout = int(ctx.params.timeout) ?? 60;
    return startTask(ctx, 'hastop', vmid, async (t) => {
      t.log(`Requesting HA stop for VM ${vmid}`);
      haRequest(ctx, t, vmid, { kind: 'stop', timeout }, LRM);
    });
  }
  let aborted = false;
  let abort: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    abort = () => {
      aborted = true;
      resolve();
    };
  });
  const key = `${node}/${vmid}`;
  const run: ShutdownRun = { upid: '', abort };
  const upid = startTask(ctx, 'qmshutdown', vmid, async (t) => {
    try {
      await stopInTask(ctx, t, node, vmid, {
        skiplock: bool(ctx.params.skiplock),
        shutdown,
        force,
        timeout: int(ctx.params.timeout),
        abort: { promise, done: () => aborted },
      });
    } finally {
      const runs = shutdownsOf(ctx);
      runs.set(key, (runs.get(key) ?? []).filter((r) => r !== run));
    }
  });
  run.upid = upid;
  shutdownsOf(ctx).set(key, [...(shutdownsOf(ctx).get(key) ?? []), run]);
  return upid;
}

export function vmReboot(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  const found = findVm(ctx, node, vmid);
  if (found?.qmpstatus === 'paused') throw dieError('VM is paused - cannot shutdown');
  const vm = checkRunning(ctx, node, vmid);
  if (vm.status !== 'running') throw dieError(`VM ${vmid} not running`);
  const timeout = int(ctx.params.timeout);
  return startTask(ctx, 'qmreboot', vmid, async (t) => {
    // QemuServer.pm `vm_reboot`: a reboot request, then `_do_vm_stop` (shutdown, no force); the task ends with the
    // VM off. qmeventd sees QEMU exit and runs `qm cleanup` (CLI/qm.pm), which waits for the config lock, finds the
    // request and starts the VM in a task of its own (root@pam) `durations.qmreboot` later.
    if (!(await stopInTask(ctx, t, node, vmid, { skiplock: false, shutdown: true, force: false, timeout }))) return;
    ctx.sim.tasks.start({
      node,
      type: 'qmstart',
      id: String(vmid),
      authid: 'root@pam',
      durationMs: 0,
      run: async (restart) => {
        await restart.sleep(ctx.sim.durations.qmreboot);
        await startInTask(ctx, restart, node, vmid, {});
      },
    });
  });
}

export function vmReset(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock');
  if (checkRunning(ctx, node, vmid).status !== 'running') throw dieError(`VM ${vmid} not running`);
  const skiplock = bool(ctx.params.skiplock);
  return startTask(ctx, 'qmreset', vmid, async (t) => {
    const release = await lockVm(ctx, t, vmid);
    try {
      const vm = findVm(ctx, node, vmid);
      if (!vm) throw new Error(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
      if (!skiplock && vm.config.lock !== undefined) throw new Error(`VM is locked (${vm.config.lock})`);
      await t.sleep(ctx.sim.durations.qmreset);
      if (vm.status === 'running') markStarted(ctx, vm);
    } finally {
      release();
    }
  });
}

/** find_vmstate_storage: vmstatestorage, else the storage of a shared disk, else of any disk, else local. */
export function vmstateStorage(ctx: Ctx, conf: Record<string, string>): string {
  if (conf.vmstatestorage) return conf.vmstatestorage;
  const sids = configVolids(conf).map((v) => splitVolid(v)!.storage);
  return sids.find((s) => ctx.sim.state.storages.get(s)?.shared) ?? sids[0] ?? 'local';
}

export function vmSuspend(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock');
  const todisk = bool(ctx.params.todisk);
  const found = checkRunning(ctx, node, vmid);
  if (found.status !== 'running') throw dieError(`VM ${vmid} not running`);
  if (todisk && haManaged(ctx, vmid)) throw dieError('Cannot suspend HA managed VM to disk');
  let statestorage = str(ctx.params.statestorage);
  if (todisk) {
    requireVmPriv(ctx, vmid, 'VM.Config.Disk');
    statestorage ??= vmstateStorage(ctx, found.config);
    if (!ctx.sim.state.storages.has(statestorage)) throw dieError(`storage '${statestorage}' does not exist`);
  }
  const skiplock = bool(ctx.params.skiplock);
  return startTask(ctx, todisk ? 'qmsuspend' : 'qmpause', vmid, async (t) => {
    const release = await lockVm(ctx, t, vmid);
    try {
      const vm = findVm(ctx, node, vmid);
      if (!vm) throw new Error(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
      if (!skiplock && vm.config.lock !== undefined) throw new Error(`VM is locked (${vm.config.lock})`);
      if (vm.status !== 'running') throw new Error(`VM ${vmid} not running`);
      if (!todisk) {
        vm.qmpstatus = 'paused';
        return;
      }
      vm.config.lock = 'suspending';
      t.log(`suspend VM ${vmid} to disk (storage '${statestorage}')`);
      await t.sleep(ctx.sim.durations.qmsuspend);
      const storage = ctx.sim.state.storages.get(statestorage!)!;
      const date = new Date().toISOString().slice(0, 10);
      const volid = allocVolume(ctx.sim.state, storage, vmid, memoryMiB(vm.config) * 2 * 1024 ** 2, {
        name: `vm-${vmid}-state-suspend-${date}`,
        format: 'raw',
      });
      vm.config.vmstate = volid;
      vm.config.runningmachine = 'pc-i440fx-9.2+pve1';
      vm.config.lock = 'suspended';
      vm.status = 'stopped';
      vm.qmpstatus = 'stopped';
      vm.startedAt = undefined;
      vm.agentUpAt = undefined;
    } finally {
      release();
    }
  });
}

export function vmResume(ctx: Ctx): string {
  const vmid = vmidOf(ctx);
  const node = nodeOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  rootOnly(ctx, 'skiplock', 'nocheck');
  const found = findVm(ctx, node, vmid);
  const toDisk = found?.config.lock === 'suspended';
  if (!toDisk && checkRunning(ctx, node, vmid).status !== 'running') throw dieError(`VM ${vmid} not running`);
  const skiplock = bool(ctx.params.skiplock);
  return startTask(ctx, 'qmresume', vmid, async (t) => {
    if (toDisk) {
      await startInTask(ctx, t, node, vmid, { skiplock });
      return;
    }
    const release = await lockVm(ctx, t, vmid);
    try {
      const vm = findVm(ctx, node, vmid);
      if (!vm) throw new Error(notOnNodeMessage(node, vmid));
      if (vm.qmpstatus === 'running') return;
      if (!skiplock && vm.config.lock !== undefined && vm.config.lock !== 'backup') {
        throw new Error(`VM is locked (${vm.config.lock})`);
      }
      await t.sleep(ctx.sim.durations.qmresume);
      vm.qmpstatus = 'running';
    } finally {
      release();
    }
  });
}
