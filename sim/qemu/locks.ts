// Per-VM flock layer (/var/lock/qemu-server/lock-<vmid>.conf): exclusive or shared holders, waiters and PVE's
// exact timeout message. The persistent config `lock:` property is a separate layer kept in the VM config.
import type { ClusterState } from '../core.js';

export function flockPath(vmid: number): string {
  return `/var/lock/qemu-server/lock-${vmid}.conf`;
}

export function flockTimeoutMessage(vmid: number): string {
  return `can't lock file '${flockPath(vmid)}' - got timeout`;
}

type Entry = { exclusive: boolean; holders: number; releasers: Array<() => void> };

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
    }, Math.max(0, opts.timeoutMs));
    entryOf(state, vmid).releasers.push(wake);
  });
}

/**
 * Fault injection: takes the exclusive flock of vmid (as soon as it is free) and keeps it for `ms` real
 * milliseconds, as a long-running operation on the node would.
 */
export function holdFlock(state: ClusterState, vmid: number, ms: number): void {
  acquireFlock(state, vmid, { exclusive: true, timeoutMs: 2 ** 31 - 1 }).then(
    (release) => {
      setTimeout(release, ms).unref?.();
    },
    () => undefined,
  );
}
