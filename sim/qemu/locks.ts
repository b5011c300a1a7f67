// Per-VM flock layer (/var/lock/qemu-server/lock-<vmid>.conf): exclusive or shared holders, waiters and PVE's
// exact timeout message. The persistent config `lock:` property is a separate layer kept in the VM config.
import type { ClusterState } from '../core.js';

// qemu-server src/PVE/QemuConfig.pm config_file_lock: `/var/lock/qemu-server/lock-<vmid>.conf`.
export function flockPath(vmid: number): string {
  return `/var/lock/qemu-server/lock-${vmid}.conf`;
}

// pve-common src/PVE/Tools.pm lock_file_full (`can't lock file '$filename' - $@`) + run_with_timeout (`got timeout`).
export function flockTimeoutMessage(vmid: number): string {
  return `can't lock file '${flockPath(vmid)}' - got timeout`;
}

type Entry = { exclusive: boolean; holders: number; releasers: Array<() => void> };

// Who wants to hear that a lock attempt on a VM gave up (`got timeout`): the holdLock fault, to let go on that
// event rather than on a clock. Kept beside the state, not in it, so the state's shape stays PVE's.
const refusalListeners = new WeakMap<ClusterState, Map<number, Set<() => void>>>();

function onRefused(state: ClusterState, vmid: number, listener: () => void): () => void {
  let byVm = refusalListeners.get(state);
  if (!byVm) refusalListeners.set(state, (byVm = new Map()));
  let set = byVm.get(vmid);
  if (!set) byVm.set(vmid, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && byVm.get(vmid) === set) byVm.delete(vmid);
  };
}

function notifyRefused(state: ClusterState, vmid: number): void {
  for (const listener of [...(refusalListeners.get(state)?.get(vmid) ?? [])]) listener();
}

// `releasers` holds the waiters' retry callbacks: every release wakes them all, and those that still cannot take
// the lock queue up again. Like Linux flock there is no fairness, so shared holders can keep coming while an
// exclusive waiter waits (which is why a busy template blocks a config update until its wait times out).
function entryOf(state: ClusterState, vmid: number): Entry {
  let e = state.flocks.get(vmid);
  if (!e) {
    e = { exclusive: false, holders: 0, releasers: [] };
    state.flocks.set(vmid, e);
  }
  return e;
}

function tryTake(e: Entry, exclusive: boolean): boolean {
  if (e.holders === 0) {
    e.exclusive = exclusive;
    e.holders = 1;
    return true;
  }
  if (!exclusive && !e.exclusive) {
    e.holders += 1;
    return true;
  }
  return false;
}

function makeRelease(state: ClusterState, vmid: number): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const e = entryOf(state, vmid);
    e.holders -= 1;
    if (e.holders <= 0) {
      e.holders = 0;
      e.exclusive = false;
    }
    const waiters = e.releasers.splice(0);
    for (const wake of waiters) wake();
    if (e.holders === 0 && e.releasers.length === 0) state.flocks.delete(vmid);
  };
}

/**
 * pve-guest-common src/PVE/AbstractConfig.pm lock_config / lock_config_full / lock_config_shared -> pve-common
 * src/PVE/Tools.pm lock_file_full (flock LOCK_EX or LOCK_SH, waited for under run_with_timeout).
 * Acquires the VM's flock. `timeoutMs` is real (already time-scaled) wait time. Resolves to an idempotent release
 * function; rejects with PVE's `can't lock file ... - got timeout`. `onWait` is called once if the caller has to
 * wait (tasks log `trying to acquire lock...` then).
 */
export function acquireFlock(
  state: ClusterState,
  vmid: number,
  opts: { exclusive: boolean; timeoutMs: number; onWait?: () => void },
): Promise<() => void> {
  if (tryTake(entryOf(state, vmid), opts.exclusive)) return Promise.resolve(makeRelease(state, vmid));
  opts.onWait?.();
  return new Promise((resolve, reject) => {
    let settled = false;
    const wake = (): void => {
      if (settled) return;
      const e = entryOf(state, vmid);
      if (tryTake(e, opts.exclusive)) {
        settled = true;
        clearTimeout(timer);
        resolve(makeRelease(state, vmid));
      } else {
        e.releasers.push(wake);
      }
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const e = entryOf(state, vmid);
      e.releasers = e.releasers.filter((w) => w !== wake);
      if (e.holders === 0 && e.releasers.length === 0) state.flocks.delete(vmid);
      reject(new Error(flockTimeoutMessage(vmid)));
      notifyRefused(state, vmid);
    }, Math.max(0, opts.timeoutMs));
    entryOf(state, vmid).releasers.push(wake);
  });
}

/**
 * Fault injection: takes the exclusive flock of vmid (as soon as it is free) and keeps it, as a long-running
 * operation on the node (a backup, a migration) would, until the first of:
 * - `ms` real milliseconds have passed (when given);
 * - `releaseAfterRefusals` other lock attempts on the VM have given up with PVE's `can't lock file ... got timeout`
 *   (when given): the operation ends just after a client was refused, so a client that retries is bound to meet
 *   the lock once and then get it, however slow the machine is;
 * - the returned function is called (the simulator calls it when the fault set is replaced).
 */
export function holdFlock(state: ClusterState, vmid: number, opts: { ms?: number; releaseAfterRefusals?: number }): () => void {
  let release: (() => void) | undefined;
  let cancelled = false;
  let unlisten = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  const end = (): void => {
    cancelled = true;
    unlisten();
    if (timer) clearTimeout(timer);
    release?.();
  };
  const held = (r: () => void): void => {
    release = r;
    if (cancelled) return r();
    if (opts.ms !== undefined) {
      timer = setTimeout(end, Math.max(0, opts.ms));
      timer.unref?.();
    }
    const after = opts.releaseAfterRefusals;
    if (after !== undefined) {
      let refusals = 0;
      unlisten = onRefused(state, vmid, () => {
        if (++refusals >= after) end();
      });
    }
  };
  // Taken at once when free (so the hold is in place as soon as the fault is set), else as soon as it is free.
  if (tryTake(entryOf(state, vmid), true)) held(makeRelease(state, vmid));
  else acquireFlock(state, vmid, { exclusive: true, timeoutMs: 2 ** 31 - 1 }).then(held, () => undefined);
  return end;
}
