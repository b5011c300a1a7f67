// Carries out a plan: one PVE call per step, waiting on each task. Creates and clones with an automatic
// vmid are retried with a fresh id when another job took it first (nextid does not reserve); lock
// conflicts are retried with jittered backoff inside the step's timeout. Nothing else is retried.
import type { ClientLog, ProxmoxClient } from '../proxmox/client.js';
import { PveApiError } from '../proxmox/errors.js';
import { sleep } from '../proxmox/abort.js';
import { TaskFailedError, type TaskResult, waitForTask } from '../proxmox/tasks.js';
import type { Settings } from '../settings.js';
import { diffConfig } from './diff.js';
import { addCiTags } from './orphans.js';
import { type PlanContext, allocateId } from './plan.js';
import { PruneIncompleteError, mapLimit } from './prune.js';
import { synchronousConfig } from './hotplug.js';
import { type OwnedVm, fingerprintOf } from './ownership.js';
import { isCiTag, splitTags } from './orphans.js';
import { type VmConfig, vmConfig, vmPath } from './pve.js';
import { FOLLOW_UP_MS, type PowerStep, followUpState, forcedStopNote, pendingNote, powerWaitMs, untilState } from './settle.js';
import { type Plan, type PrunedVm, type Step, describeStep } from './steps.js';
import { oneLine } from '../report/text.js';

export interface Timings {
  apiMs: number;
  taskMs: number;
  guestMs: number;
}

export interface ApplyOptions {
  ctx: PlanContext;
  log: ClientLog;
  /**
   * Called as soon as PVE accepted a create/clone (before its task ends), so the post step may clean it up; with
   * `fingerprintCreated`, called again once the task has ended with what PVE generated for the VM (ownership.ts).
   */
  onCreated?: (vm: OwnedVm) => void;
  fingerprintCreated?: boolean;
  signal?: AbortSignal;
  timings: Timings;
}

export interface ApplyResult {
  changed: boolean;
  vmid?: number;
  node?: string;
  warnings: string[];
  /** Human lines of what was done, in order. */
  done: string[];
}

/** VMs a prune removes at once (each is its own PVE task; PVE serialises nothing across VMs). */
const PRUNE_CONCURRENCY = 4;
/**
 * PVE's answers when another job took the id first: create_vm's "VM <id> already exists on node '<node>'", clone_vm's
 * "unable to create VM <id>: config file already exists" (a VM of the same node) and, for an id held by another
 * node, the clone worker's write of its temporary config, which pmxcfs refuses (qemu-server clone_vm →
 * PVE::Tools::file_set_contents; the task fails and leaves nothing behind).
 */
function idTaken(text: string, id: number): boolean {
  return /already exists/.test(text) || new RegExp(`close \\(rename\\) atomic file '[^']*/qemu-server/${id}\\.conf' failed: File exists`).test(text);
}
// Locks that clear when the operation holding them ends. Not `destroyed` (the VM is going away) nor `suspended`:
// a hibernated VM keeps that lock until it is started again (QemuServer.pm `vm_start` resumes it and drops the
// lock), so waiting for it to clear only burns the step's timeout.
const LOCKED = /VM is locked \((?!destroyed\)|suspended\))|can't lock file '.*' - got timeout/;
const HIBERNATED = /VM is locked \(suspended\)/;


function errorText(e: unknown): string {
  if (e instanceof PveApiError) return `${e.pveMessage ?? ''} ${e.statusText ?? ''} ${e.message}`;
  if (e instanceof TaskFailedError) return e.exitstatus;
  return e instanceof Error ? e.message : String(e);
}

/** A failed step's message, saying which step: a refused request names the call, not what for (task errors already do). */
function stepMessage(what: string, e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.startsWith(what) ? m : `${what}: ${m}`;
}

export class Applier {
  private readonly client: ProxmoxClient;
  private readonly s: Settings;
  private readonly warnings: string[] = [];
  private readonly done: string[] = [];
  private changed = false;
  private vmid?: number;
  private node?: string;

  constructor(private readonly opts: ApplyOptions) {
    this.client = opts.ctx.client;
    this.s = opts.ctx.settings;
  }

  private async timed<T>(bucket: 'apiMs' | 'taskMs', fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.opts.timings[bucket] += performance.now() - t0;
    }
  }

  /**
   * Sends a write and waits up to `waitMs` (default: `timeout`) for its task; resolves with the task's result, or
   * undefined when PVE answered without a task (it did the change synchronously).
   */
  private async call(
    method: 'post' | 'put' | 'delete',
    path: string,
    params: Record<string, string>,
    what: string,
    onAccepted?: (upid?: string) => void,
    waitMs = this.s.timeoutSec * 1000,
  ): Promise<TaskResult | undefined> {
    const upid = await this.timed('apiMs', () => this.client[method]<string | null>(path, params, { signal: this.opts.signal }));
    onAccepted?.(typeof upid === 'string' ? upid : undefined);
    if (typeof upid !== 'string' || !upid.startsWith('UPID:')) return undefined;
    this.opts.log.debug(`${what}: task ${upid}`);
    const r = await this.timed('taskMs', () =>
      waitForTask(this.client, upid, {
        timeoutMs: waitMs,
        signal: this.opts.signal,
        what,
        onWarning: (m) => this.warnings.push(`${what}: ${m}`),
      }),
    );
    if (r.warnings > 0) this.opts.log.warning(`${what} finished with ${r.warnings} warning(s)`);
    return r;
  }

  /**
   * After a power task: a forced shutdown says so (PVE's SIGTERM line is a plain `warn`, so the task ends OK and
   * its log is the only trace), and where PVE is not done when the task ends (settle.ts) the step waits until the
   * VM is running or stopped.
   */
  private async afterPower(step: PowerStep, task: TaskResult, waitMs: number, what: string): Promise<void> {
    const o = { signal: this.opts.signal, log: this.opts.log };
    if (task.type === 'qmshutdown' && step.params.forceStop === '1') {
      const note = await this.timed('apiMs', () => forcedStopNote(this.client, task, step, what, o));
      if (note) this.warnings.push(note);
    }
    const want = followUpState(task.type);
    if (!want) return;
    this.opts.log.info(
      task.type === 'qmreboot'
        ? `${what}: the VM is off; PVE starts it again in a task of its own - waiting until it runs`
        : `${what}: VM ${step.vmid} is HA-managed, so PVE only queued the request with the HA manager - waiting until the VM is ${want}`,
    );
    await this.timed('taskMs', () => untilState(this.client, step, want, waitMs + FOLLOW_UP_MS, what, task.type, o));
  }

  /** Retries a step while PVE reports a lock conflict, with jittered backoff, inside the step's timeout. */
  private async withLockRetry(what: string, fn: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const deadline = started + this.s.timeoutSec * 1000;
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
        this.opts.log.info(`${what}: ${oneLine(text.trim().split('\n')[0])} — retrying in ${Math.round(delay)} ms (attempt ${attempt + 1})`);
        await sleep(delay, this.opts.signal);
      }
    }
  }

  /** Replaces every later reference to a vmid/node that changed while applying (fresh id, migration). */
  private retarget(steps: Step[], from: number, to: number, node?: string) {
    for (const st of steps) {
      if ('vmid' in st && st.vmid === from) {
        st.vmid = to;
        if (node) st.node = node;
      }
    }
  }

  async run(plan: Plan): Promise<ApplyResult> {
    if (plan.pruned) return this.runPrune(plan, plan.pruned);
    this.vmid = plan.vmid;
    this.node = plan.node;
    const steps = plan.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const what = describeStep(step);
      this.opts.log.info(`→ ${what}`);
      try {
        await this.withLockRetry(what, () => this.runStep(step, steps.slice(i + 1), plan));
      } catch (e) {
        if (e instanceof PveApiError) e.message = stepMessage(what, e);
        throw e;
      }
      this.done.push(describeStep(step));
    }
    return { changed: this.changed, vmid: this.vmid, node: this.node, warnings: [...plan.warnings, ...this.warnings], done: this.done };
  }

  /**
   * A prune's VMs are independent: each one's steps (stop, destroy) run in order, a few VMs at a time, and one that
   * cannot be removed (locked, gone wrong) does not keep the others: the step fails at the end, naming it.
   */
  private async runPrune(plan: Plan, listed: PrunedVm[]): Promise<ApplyResult> {
    const byVm = new Map<number, Step[]>();
    for (const st of plan.steps) if ('vmid' in st) byVm.set(st.vmid, [...(byVm.get(st.vmid) ?? []), st]);
    const failures = new Map<number, string>();
    await mapLimit([...byVm], PRUNE_CONCURRENCY, async ([vmid, steps]) => {
      for (const step of steps) {
        const what = describeStep(step);
        this.opts.log.info(`→ ${what}`);
        try {
          await this.withLockRetry(what, () => this.runStep(step, [], plan));
          this.done.push(what);
        } catch (e) {
          if (this.opts.signal?.aborted) throw e;
          const message = stepMessage(what, e);
          failures.set(vmid, message);
          this.opts.log.warning(`prune: VM ${vmid} not removed: ${message}`);
          return;
        }
      }
    });
    const pruned = listed.filter((p) => !failures.has(p.vmid));
    plan.pruned = pruned;
    if (failures.size > 0) {
      const lines = [...failures].sort(([a], [b]) => a - b).map(([, m]) => `  ${m}`);
      throw new PruneIncompleteError(
        `prune: ${failures.size} of ${listed.length} VM(s) could not be removed` +
          `${pruned.length ? ` (pruned: ${pruned.map((p) => p.vmid).join(', ')})` : ''}:\n${lines.join('\n')}`,
        pruned,
      );
    }
    return { changed: this.changed, vmid: plan.vmid, node: plan.node, warnings: [...plan.warnings, ...this.warnings], done: this.done };
  }

  /**
   * Runs a create/clone request and records the VM as the step's own the moment PVE accepts it; once its task has
   * ended, records what PVE generated for it, so cleanup can tell it from any later VM with the same id.
   */
  private async created(vm: OwnedVm, send: (accepted: (upid?: string) => void) => Promise<unknown>): Promise<void> {
    let owned: OwnedVm | undefined;
    await send((upid) => {
      this.changed = true;
      owned = { ...vm, ...(upid ? { upid } : {}) };
      this.opts.onCreated?.(owned);
    });
    if (!owned || !this.opts.onCreated || !this.opts.fingerprintCreated) return;
    let config: VmConfig;
    try {
      config = await this.timed('apiMs', () => vmConfig(this.client, vm.node, vm.vmid));
    } catch (e) {
      // Cleanup then falls back to the weaker checks (name, tags, creation time): say why, go on.
      this.opts.log.debug(`VM ${vm.vmid}: could not read its config to record its identity: ${(e as Error).message}`);
      return;
    }
    this.opts.onCreated({ ...owned, fingerprint: fingerprintOf(config) });
  }

  /** Creates/clones with an automatic id: when another job took the id first, retry with a fresh one until `timeout`. */
  private async withFreshId(step: Step & { autoId: boolean }, later: Step[], plan: Plan, attempt: (id: number) => Promise<void>, current: () => number, set: (id: number) => void) {
    const tried = new Set<number>();
    const deadline = Date.now() + this.s.timeoutSec * 1000;
    for (let n = 1; ; n++) {
      try {
        return await attempt(current());
      } catch (e) {
        if (!step.autoId || !idTaken(errorText(e), current()) || Date.now() >= deadline) throw e;
        const old = current();
        tried.add(old);
        // A little jitter so the losers of one race do not meet again at the next id.
        await sleep(Math.random() * Math.min(500, 25 * n), this.opts.signal);
        let fresh: number | undefined;
        while (fresh === undefined) {
          try {
            fresh = await allocateId(this.opts.ctx, tried, n);
          } catch (err) {
            // Every id near nextid was taken while we looked: back off and look again, until `timeout`.
            if (Date.now() >= deadline) throw err;
            await sleep(50 + Math.random() * 250, this.opts.signal);
          }
        }
        this.opts.log.info(`vmid ${old} was taken by someone else meanwhile; retrying with ${fresh} (attempt ${n + 1})`);
        set(fresh);
        this.retarget(later, old, fresh);
        plan.vmid = fresh;
        this.vmid = fresh;
      }
    }
  }

  private async runStep(step: Step, later: Step[], plan: Plan): Promise<void> {
    const c = this.client;
    switch (step.kind) {
      case 'create':
        await this.withFreshId(
          step, later, plan,
          (id) => this.created(
            { vmid: id, node: step.node, kind: 'create', name: step.params.name, ciTags: splitTags(step.params.tags).filter(isCiTag) },
            (accepted) => this.call('post', `/nodes/${encodeURIComponent(step.node)}/qemu`, { vmid: String(id), ...step.params }, `create VM ${id}`, accepted),
          ),
          () => step.vmid,
          (id) => (step.vmid = id),
        );
        this.vmid = step.vmid;
        this.node = step.node;
        return;
      case 'clone': {
        const target = step.params.target ?? step.node;
        await this.withFreshId(
          step, later, plan,
          (id) => this.created(
            { vmid: id, node: target, kind: 'clone', name: step.params.name, ciTags: [] },
            (accepted) => this.call('post', vmPath(step.node, step.source, 'clone'), { ...step.params, newid: String(id) }, `clone VM ${step.source} to ${id}`, accepted),
          ),
          () => step.newid,
          (id) => (step.newid = id),
        );
        this.vmid = step.newid;
        this.node = target;
        return;
      }
      case 'config': {
        let set = step.set;
        if (step.recompute) {
          const rest = Object.fromEntries(Object.entries(this.s.spec).filter(([k]) => k !== 'name' && k !== 'description'));
          const live = await this.timed('apiMs', () => vmConfig(c, step.node, step.vmid));
          const d = diffConfig(rest, this.s.specSource, live, { unsafe: true, secretKeys: this.opts.ctx.secretKeys });
          set = d.set;
          if (step.addTags?.length) addCiTags(set, d.changes, live, step.addTags);
          for (const r of d.resizes) later.unshift({ kind: 'resize', node: step.node, vmid: step.vmid, disk: r.disk, size: r.size, from: r.from });
          step.changes = d.changes;
        }
        const params: Record<string, string> = { ...set };
        if (step.delete?.length) params.delete = step.delete.join(',');
        if (step.revert?.length) params.revert = step.revert.join(',');
        if (Object.keys(params).length === 0) return;
        if (this.s.digest) params.digest = this.s.digest;
        if (this.s.skiplock) params.skiplock = '1';
        // PVE: POST (a qmconfig worker) for hot-plug or storage allocation, PUT (synchronous) for the rest.
        await this.call(synchronousConfig(step.running, step.hotplug, params) ? 'put' : 'post', vmPath(step.node, step.vmid, 'config'), params, `configure VM ${step.vmid}`);
        this.changed = true;
        if (step.running) {
          const note = await this.timed('apiMs', () => pendingNote(this.client, step, `configure VM ${step.vmid}`, { signal: this.opts.signal, log: this.opts.log }));
          if (note) this.warnings.push(note);
        }
        return;
      }
      case 'resize':
        await this.call('put', vmPath(step.node, step.vmid, 'resize'), { disk: step.disk, size: step.size, ...(this.s.skiplock ? { skiplock: '1' } : {}) }, `resize ${step.disk} of VM ${step.vmid}`);
        this.changed = true;
        return;
      case 'power': {
        const what = `${step.action} VM ${step.vmid}`;
        const waitMs = powerWaitMs(step, this.s.timeoutSec);
        const task = await this.call('post', vmPath(step.node, step.vmid, 'status', step.action), step.params, what, undefined, waitMs);
        this.changed = true;
        if (task) await this.afterPower(step, task, waitMs, what);
        return;
      }
      case 'template':
        await this.call('post', vmPath(step.node, step.vmid, 'template'), {}, `convert VM ${step.vmid} to a template`);
        this.changed = true;
        return;
      case 'migrate':
        await this.call('post', vmPath(step.node, step.vmid, 'migrate'), step.params, `migrate VM ${step.vmid} to ${step.target}`);
        this.changed = true;
        this.node = step.target;
        for (const st of later) if ('vmid' in st && st.vmid === step.vmid) st.node = step.target;
        return;
      case 'destroy':
        await this.call('delete', vmPath(step.node, step.vmid), step.params, `destroy VM ${step.vmid}`);
        this.changed = true;
        return;
    }
  }
}
