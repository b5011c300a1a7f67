// GET/POST .../snapshot, kept minimal: enough for "template with snapshots" and clones from a snapshot.
import { dieError, type Ctx } from '../core.js';
import { FLOCK_WAIT, bool, checkLock, loadVm, nodeOf, requireVmPriv, scaled, str, vmidOf } from './common.js';
import { configDigest } from './configfile.js';
import { acquireFlock } from './locks.js';
import { startTask } from './vm.js';

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
    const release = await acquireFlock(ctx.sim.state, vmid, {
      exclusive: true,
      timeoutMs: scaled(ctx, FLOCK_WAIT.config),
      onWait: () => t.log('trying to acquire lock...'),
    });
    try {
      const vm = loadVm(ctx, node, vmid);
      checkLock(vm);
      if (vm.snapshots[snapname]) throw new Error(`snapshot name '${snapname}' already used`);
      vm.config.lock = 'snapshot';
      try {
        await t.sleep(ctx.sim.durations.qmconfig);
        const snap: Record<string, string> = { ...vm.config, snaptime: String(Math.floor(Date.now() / 1000)) };
        delete snap.lock;
        if (description !== undefined) snap.description = description;
        if (vmstate && vm.status === 'running') snap.vmstate = '1';
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
