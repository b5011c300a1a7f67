// GET/PUT/POST .../config and GET .../pending.
import { PveError, dieError, paramError, type Ctx } from '../core.js';
import { FLOCK_WAIT, bool, loadVm, requireAny, requireVmPriv, scaled, str, vmidOf } from './common.js';
import { configDigest, configWithPending, pendingArray, vmConfigForOutput } from './configfile.js';
import { acquireFlock } from './locks.js';
import { applyUpdate, loadAndCheck, prepareUpdate } from './update.js';
import { startTask } from './vm.js';
import { taskErrorText } from '../tasks.js';

const CONFIG_PRIVS = [
  'VM.Config.Disk', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network',
  'VM.Config.HWType', 'VM.Config.Options', 'VM.Config.Cloudinit',
];

/** Sync handlers answer 500 with the plain text of whatever the update died with. */
export function asPveError(err: unknown): PveError {
  if (err instanceof PveError) return err;
  return dieError(err instanceof Error ? err.message : String(err));
}

// qemu-server src/PVE/API2/Qemu.pm vm_config: pending values applied unless `current`, `snapshot` excludes `current`,
// `digest` of the file (PVE::QemuConfig load_config).
export function getConfig(ctx: Ctx): unknown {
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Audit');
  const snapname = str(ctx.params.snapshot);
  const current = bool(ctx.params.current);
  if (snapname && current) {
    const msg = "cannot use 'snapshot' parameter with 'current'";
    throw paramError({ snapshot: msg, current: msg });
  }
  const vm = loadVm(ctx);
  let conf: Record<string, string>;
  if (snapname) {
    const snap = vm.snapshots[snapname];
    if (!snap) throw dieError(`snapshot '${snapname}' does not exist`);
    conf = snap;
  } else {
    conf = current ? vm.config : configWithPending(vm);
  }
  return { ...vmConfigForOutput(conf), digest: configDigest(vm) };
}

// qemu-server src/PVE/API2/Qemu.pm vm_pending (-> PVE::GuestHelpers::config_with_pending_array).
export function getPending(ctx: Ctx): unknown {
  requireVmPriv(ctx, vmidOf(ctx), 'VM.Audit');
  return pendingArray(loadVm(ctx));
}

// qemu-server src/PVE/API2/Qemu.pm update_vm (PUT, sync): $update_vm_api with $sync: early $load_and_check_config->(0),
// then PVE::QemuConfig->lock_config (10 s, pve-guest-common AbstractConfig.pm lock_config) around $updatefn; no task.
export async function putConfig(ctx: Ctx): Promise<null> {
  const vmid = vmidOf(ctx);
  requireAny(ctx, `/vms/${vmid}`, CONFIG_PRIVS);
  const req = prepareUpdate(ctx);
  loadAndCheck(ctx, req);
  let release: () => void;
  try {
    release = await acquireFlock(ctx.sim.state, vmid, { exclusive: true, timeoutMs: scaled(ctx, FLOCK_WAIT.config) });
  } catch (err) {
    throw asPveError(err);
  }
  try {
    applyUpdate(ctx, req, () => undefined, () => undefined);
  } catch (err) {
    throw asPveError(err);
  } finally {
    release();
  }
  return null;
}

// qemu-server src/PVE/API2/Qemu.pm update_vm_async (POST): $update_vm_api forks a `qmconfig` worker (fork_worker) that
// runs $updatefn under lock_config; `background_delay` waits for it and answers null, or dies `failed to update VM`.
export async function postConfig(ctx: Ctx): Promise<string | null> {
  const vmid = vmidOf(ctx);
  requireAny(ctx, `/vms/${vmid}`, CONFIG_PRIVS);
  const req = prepareUpdate(ctx);
  loadAndCheck(ctx, req);
  let finished: (status: string) => void = () => undefined;
  const done = new Promise<string>((resolve) => (finished = resolve));
  const upid = startTask(ctx, 'qmconfig', vmid, async (t) => {
    try {
      // pve-common src/PVE/Tools.pm lock_file_full prints `trying to acquire lock...` when the flock is busy.
      const release = await acquireFlock(ctx.sim.state, vmid, {
        exclusive: true,
        timeoutMs: scaled(ctx, FLOCK_WAIT.config),
        onWait: () => t.log('trying to acquire lock...'),
      });
      try {
        await t.sleep(ctx.sim.durations.qmconfig);
        // update_vm_api only uses plain `warn`s, so the task ends OK (pve-common RESTEnvironment.pm `log_warn`).
        applyUpdate(ctx, req, (l) => t.log(l), (l) => t.warn(l));
        finished('OK');
      } finally {
        release();
      }
    } catch (err) {
      finished(taskErrorText(err));
      throw err;
    }
  });
  const delay = Number(ctx.params.background_delay ?? 0);
  if (!delay) return upid;
  let timer: NodeJS.Timeout | undefined;
  const status = await Promise.race([
    done,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), scaled(ctx, delay * 1000)))),
  ]);
  clearTimeout(timer);
  if (status === undefined) return upid;
  if (status === 'OK' || status.startsWith('WARNINGS')) return null;
  throw dieError(`failed to update VM ${vmid}: ${status}`);
}
