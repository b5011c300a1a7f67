// What apply retries, and how: a step PVE refused because a lock was held (jittered backoff inside the step's
// timeout), and a create/clone whose automatic id another job took first (apply.ts picks a fresh id). Nothing else.
import type { ClientLog } from '../proxmox/client.js';
import { sleep } from '../proxmox/abort.js';
import { PveApiError } from '../proxmox/errors.js';
import { TaskFailedError } from '../proxmox/tasks.js';
import { oneLine } from '../report/text.js';

/** The text to classify an error by: PVE's message and status line, or a task's exit status. */
export function errorText(e: unknown): string {
  if (e instanceof PveApiError) return `${e.pveMessage ?? ''} ${e.statusText ?? ''} ${e.message}`;
  if (e instanceof TaskFailedError) return e.exitstatus;
  return e instanceof Error ? e.message : String(e);
}

/**
 * PVE's answers when another job took the id first: create_vm's "VM <id> already exists on node '<node>'", clone_vm's
 * "unable to create VM <id>: config file already exists" (a VM of the same node) and, for an id held by another
 * node, the clone worker's write of its temporary config, which pmxcfs refuses (qemu-server clone_vm →
 * PVE::Tools::file_set_contents; the task fails and leaves nothing behind).
 */
export function idTaken(text: string, id: number): boolean {
  return /already exists/.test(text) || new RegExp(`close \\(rename\\) atomic file '[^']*/qemu-server/${id}\\.conf' failed: File exists`).test(text);
}

// Locks that clear when the operation holding them ends. Not `destroyed` (the VM is going away) nor `suspended`:
// a hibernated VM keeps that lock until it is started again (QemuServer.pm `vm_start` resumes it and drops the
// lock), so waiting for it to clear only burns the step's timeout.
const LOCKED = /VM is locked \((?!destroyed\)|suspended\))|can't lock file '.*' - got timeout/;
const HIBERNATED = /VM is locked \(suspended\)/;

export interface RetryOptions {
  timeoutSec: number;
  signal?: AbortSignal;
  log: ClientLog;
}

/** Runs `fn`, again while PVE reports a lock conflict, with jittered backoff, until the step's timeout. */
export async function retryWhileLocked<T>(what: string, o: RetryOptions, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const deadline = started + o.timeoutSec * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const text = errorText(e);
      const left = deadline - Date.now();
      if (HIBERNATED.test(text) && e instanceof Error)
        e.message = `${what}: the VM is hibernated (lock: suspended), and PVE keeps that lock until the VM is started again: start it first (state: started resumes it), or remove it (state: absent). ${e.message}`;
      if (!LOCKED.test(text)) throw e;
      if (left <= 0) {
        if (attempt > 1 && e instanceof Error)
          e.message += ` (retried ${attempt - 1} time(s) for ${Math.round((Date.now() - started) / 1000)} s, the step's timeout)`;
        throw e;
      }
      const delay = Math.min(left, Math.min(5000, 250 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
      o.log.info(`${what}: ${oneLine(text.trim().split('\n')[0])} — retrying in ${Math.round(delay)} ms (attempt ${attempt + 1})`);
      await sleep(delay, o.signal);
    }
  }
}

/** A failed step's message, saying which step: a refused request names the call, not what for (task errors already do). */
export function stepMessage(what: string, e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.startsWith(what) ? m : `${what}: ${m}`;
}
