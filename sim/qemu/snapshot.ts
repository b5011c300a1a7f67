// GET/POST .../snapshot, POST .../snapshot/{snapname}/rollback: snapshots of a VM's config (and, for a running VM
// with vmstate, its RAM) and the rollback to one. Disk snapshots themselves are not modelled beyond their time.
import { dieError, type Ctx, type TaskHandle } from '../core.js';
import { FLOCK_WAIT, bool, checkLock, loadVm, nodeOf, requireAny, requireVmPriv, scaled, str, uuid, vmidOf } from './common.js';
import { configDigest } from './configfile.js';
import { acquireFlock } from './locks.js';
import { markStarted, markStopped, startInTask, vmstateStorage } from './power.js';
import { memoryMiB, startTask } from './vm.js';
import { allocVolume } from './volumes.js';

export function listSnapshots(ctx: Ctx): unknown {
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Audit');
  const vm = loadVm(ctx);
  const out: Array<Record<string, unknown>> = [];
  for (const [name, snap] of Object.entries(vm.snapshots)) {
    const item: Record<string, unknown> = {
      name,
      snaptime: Number(snap.snaptime ?? 0),
      vmstate: snap.vmstate ? 1 : 0,
      description: snap.description ?? '',
    };
    if (snap.parent) item.parent = snap.parent;
    out.push(item);
  }
  const current: Record<string, unknown> = {
    name: 'current',
    digest: configDigest(vm),
    running: vm.status === 'running' ? 1 : 0,
    description: 'You are here!',
  };
  if (vm.config.parent) current.parent = vm.config.parent;
  out.push(current);
  return out;
}

/**
 * pve-guest-common AbstractConfig.pm `__snapshot_copy_config`: what a snapshot takes from the config and a
 * rollback gives back — everything but these (the VM's description and unused disks stay the current ones).
 */
const NOT_COPIED = /^(snapshots|snapstate|snaptime|vmstate|lock|digest|description|unused\d+)$/;
function copyConfig(from: Record<string, string>, to: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(from)) if (!NOT_COPIED.test(k)) to[k] = v;
  return to;
}

const flock = (ctx: Ctx, t: TaskHandle, vmid: number) =>
  acquireFlock(ctx.sim.state, vmid, { exclusive: true, timeoutMs: scaled(ctx, FLOCK_WAIT.config), onWait: () => t.log('trying to acquire lock...') });

/**
 * qemu-server API2/Qemu.pm `snapshot` → AbstractConfig.pm `snapshot_create`: `__snapshot_prepare` (lock
 * `snapshot`, copy the config, save the RAM of a running VM when vmstate is set: QemuConfig.pm
 * `__snapshot_save_vmstate`, a `vm-<id>-state-<snap>` volume of twice the memory + 500 MiB), disk snapshots,
 * `__snapshot_commit` (lock removed, `parent` set).
 */
export function createSnapshot(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Snapshot');
  const snapname = String(ctx.params.snapname);
  if (snapname === 'current') throw dieError("unable to use snapshot name 'current' (reserved name)");
  if (snapname.toLowerCase() === 'pending') throw dieError("unable to use snapshot name 'pending' (reserved name)");
  loadVm(ctx, node, vmid);
  const description = str(ctx.params.description);
  const vmstate = bool(ctx.params.vmstate);
  return startTask(ctx, 'qmsnapshot', vmid, async (t) => {
    const release = await flock(ctx, t, vmid);
    try {
      const vm = loadVm(ctx, node, vmid);
      checkLock(vm);
      if (vm.snapshots[snapname]) throw new Error(`snapshot name '${snapname}' already used`);
      vm.config.lock = 'snapshot';
      try {
        const snap = copyConfig(vm.config, { snaptime: String(Math.floor(Date.now() / 1000)) });
        if (description !== undefined) snap.description = description;
        let ms = ctx.sim.durations.qmsnapshot;
        if (vmstate && vm.status === 'running') {
          const storage = ctx.sim.state.storages.get(vmstateStorage(ctx, vm.config))!;
          snap.vmstate = allocVolume(ctx.sim.state, storage, vmid, (memoryMiB(vm.config) * 2 + 500) * 1024 ** 2, { name: `vm-${vmid}-state-${snapname}`, format: 'raw' });
          snap.runningmachine = 'pc-i440fx-9.2+pve1';
          t.log(`saving VM state and RAM using storage '${storage.storage}'`);
          ms += ctx.sim.durations.qmsuspend; // writing the RAM out
        }
        await t.sleep(ms);
        vm.snapshots[snapname] = snap;
        vm.config.parent = snapname;
      } finally {
        delete vm.config.lock;
      }
    } finally {
      release();
    }
  });
}

/**
 * qemu-server API2/Qemu.pm `rollback` (privileges VM.Snapshot or VM.Snapshot.Rollback; VM.PowerMgmt as well when
 * `start` is set) → pve-guest-common AbstractConfig.pm `snapshot_rollback`: under the config lock, a template or
 * a missing snapshot dies, the lock is checked and a running VM stopped (QemuConfig.pm `__snapshot_rollback_vm_stop`:
 * vm_stop, timeout 5), lock `rollback`; the volumes are rolled back; under the lock again the config becomes the
 * snapshot's (`__snapshot_apply_config`: description and unused disks kept, pending changes gone), `parent` is
 * set, `__snapshot_rollback_hook` gives a new vmgenid, and a snapshot with RAM starts the VM from it. Then
 * `start` starts a VM that is not running.
 */
export function rollbackSnapshot(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireAny(ctx, `/vms/${vmid}`, ['VM.Snapshot', 'VM.Snapshot.Rollback']);
  const start = bool(ctx.params.start);
  if (start) requireVmPriv(ctx, vmid, 'VM.PowerMgmt');
  const snapname = String(ctx.pathParams.snapname ?? ctx.params.snapname);
  return startTask(ctx, 'qmrollback', vmid, async (t) => {
    let release = await flock(ctx, t, vmid);
    let snap: Record<string, string>;
    try {
      const vm = loadVm(ctx, node, vmid);
      if (vm.config.template === '1') throw new Error("you can't rollback if vm is a template");
      const found = vm.snapshots[snapname];
      if (!found) throw new Error(`snapshot '${snapname}' does not exist`);
      snap = found;
      if (snap.snapstate) throw new Error(`unable to rollback to incomplete snapshot (snapstate = ${snap.snapstate})`);
      checkLock(vm);
      if (vm.status === 'running') {
        await t.sleep(ctx.sim.durations.qmstop);
        markStopped(ctx, vm);
      }
      vm.config.lock = 'rollback';
    } finally {
      release();
    }
    await t.sleep(ctx.sim.durations.qmrollback);
    release = await flock(ctx, t, vmid);
    try {
      const vm = loadVm(ctx, node, vmid);
      if (vm.config.lock !== 'rollback') throw new Error('got wrong lock');
      const kept = Object.fromEntries(Object.entries(vm.config).filter(([k]) => /^unused\d+$/.test(k) || k === 'description'));
      const conf = copyConfig(snap, kept);
      delete conf.runningmachine;
      delete conf.runningcpu;
      if (conf.vmgenid) conf.vmgenid = uuid();
      conf.parent = snapname;
      vm.config = conf;
      vm.pending = {};
      vm.pendingDelete = {};
      if (snap.vmstate) {
        t.log(`resuming VM ${vmid} from the snapshot's RAM state`);
        await t.sleep(ctx.sim.durations.qmstart);
        markStarted(ctx, vm);
        // The guest runs on from where it was saved: its agent was up then, so it answers now (no boot to wait for).
        if (vm.agentUpAt !== undefined) vm.agentUpAt = Date.now();
      }
    } finally {
      release();
    }
    if (start && loadVm(ctx, node, vmid).status !== 'running') await startInTask(ctx, t, node, vmid, {});
  });
}
