// status/start|stop|shutdown|reboot|reset|suspend|resume. Start/stop/shutdown check nothing before the fork
// (a missing VM fails in the task); reboot/reset/suspend/resume refuse a VM that is not running synchronously.
import { dieError, type Ctx, type TaskHandle, type VmRecord } from '../core.js';
import { FLOCK_WAIT, bool, findVm, int, nodeOf, requireVmPriv, rootOnly, scaled, str, vmidOf } from './common.js';
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

function markStarted(ctx: Ctx, vm: VmRecord): void {
  vm.status = 'running';
  vm.qmpstatus = 'running';
  vm.startedAt = Date.now();
  vm.agentUpAt = agentEnabled(vm.config) ? Date.now() + scaled(ctx, ctx.sim.durations.agentUp) : undefined;
}

function markStopped(ctx: Ctx, vm: VmRecord): void {
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
  return startTask(ctx, 'qmstart', vmid, (t) => startInTask(ctx, t, node, vmid, { skiplock }));
}

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

/** _do_vm_stop: hard stop, or shutdown with a timeout (and forceStop). A stopped VM is a no-op. */
async function stopInTask(
  ctx: Ctx,
  t: TaskHandle,
  node: string,
  vmid: number,
  opts: { skiplock: boolean; shutdown: boolean; force: boolean; timeout?: number; abort?: Abort },
): Promise<void> {
  const release = await lockVm(ctx, t, vmid);
  try {
    const vm = findVm(ctx, node, vmid);
    if (!vm) throw new Error(notOnNodeMessage(node, vmid));
    if (vm.status !== 'running') return;
    if (!opts.skiplock && vm.config.lock !== undefined) throw new Error(`VM is locked (${vm.config.lock})`);
    if (opts.shutdown) {
      const down = /(?:^|,)down=(\d+)/.exec(vm.config.startup ?? '')?.[1];
      const timeoutMs = (opts.timeout ?? (down ? Number(down) : 60)) * 1000;
      const ignores = vm.guest?.ignoreShutdown === true;
      const wait = ignores ? timeoutMs : Math.min(ctx.sim.durations.qmshutdown, timeoutMs);
      await Promise.race([t.sleep(wait), opts.abort?.promise ?? new Promise<void>(() => undefined)]);
      if (opts.abort?.done()) throw new Error('interrupted by signal');
      if (ignores || ctx.sim.durations.qmshutdown > timeoutMs) {
        if (!opts.force) throw new Error('VM quit/powerdown failed - got timeout');
        t.warn('VM still running - terminating now with SIGTERM');
      }
    } else {
      await t.sleep(ctx.sim.durations.qmstop);
    }
    markStopped(ctx, vm);
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
    await stopInTask(ctx, t, node, vmid, { skiplock: false, shutdown: true, force: false, timeout });
    await t.sleep(ctx.sim.durations.qmreboot);
    await startInTask(ctx, t, node, vmid, {});
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
function vmstateStorage(ctx: Ctx, conf: Record<string, string>): string {
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
