// Executes a Plan: one PVE call per step, waiting on each task, and reports what it did as an ApplyResult. The
// plan is frozen (steps.ts): facts known only now — the id a create got after a lost nextid race, the node a VM
// was migrated to — live in this run's Bindings, and each step runs as a bound copy. Retries: retry.ts.
import type { ClientLog, ProxmoxClient } from '../proxmox/client.js';
import { monotonicMs, sleep } from '../proxmox/abort.js';
import { PveApiError } from '../proxmox/errors.js';
import { type TaskResult, waitForTask } from '../proxmox/tasks.js';
import type { Settings } from '../settings.js';
import { isCiTag, splitTags } from './ci-tags.js';
import { mapLimit } from './concurrency.js';
import type { PlanContext } from './context.js';
import { cloneDiff } from './diff.js';
import { synchronousConfig } from './hotplug.js';
import { allocateId } from './ids.js';
import { type OwnedVm, fingerprintOf } from './ownership.js';
import { type VmConfig, vmConfig, vmPath } from './pve.js';
import { errorText, idTaken, retryWhileLocked, stepMessage } from './retry.js';
import { FOLLOW_UP_MS, type PowerStep, followUpState, forcedStopNote, pendingNote, powerWaitMs, untilState } from './settle.js';
import { type Change, type Guards, type Plan, type PlannedStep, type PrunedVm, describeStep } from './steps.js';

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

/** What apply did (the plan says what it meant to do). */
export interface ApplyResult {
  changed: boolean;
  /** Where the plan's VM is now: its id (another one than planned after a lost nextid race) and node. */
  vmid?: number;
  node?: string;
  warnings: string[];
  /** Human lines of what was done, in order, with the ids the steps ran with. */
  done: string[];
  /** The settings changed, as sent (a clone's config step: as found against the clone's own config). */
  changes: Change[];
  /** A prune: the VMs removed. */
  pruned?: PrunedVm[];
}

/** Some leftovers could not be removed; the others were. Carries what was pruned for the `pruned` output. */
export class PruneIncompleteError extends Error {
  override name = 'PruneIncompleteError';
  constructor(
    message: string,
    readonly pruned: PrunedVm[],
  ) {
    super(message);
  }
}

/** VMs a per-VM plan (prune) works on at once (each is its own PVE task; PVE serialises nothing across VMs). */
const PER_VM_CONCURRENCY = 4;

/** Where the plan's VMs really are during this run: ids picked again after a lost nextid race, nodes after a migration. */
class Bindings {
  private readonly ids = new Map<number, number>();
  private readonly nodes = new Map<number, string>();
  id = (planned: number): number => this.ids.get(planned) ?? planned;
  node = (planned: number, fallback: string): string => this.nodes.get(this.id(planned)) ?? fallback;
  rebind(planned: number, actual: number): void {
    this.ids.set(planned, actual);
  }
  moved(vmid: number, node: string): void {
    this.nodes.set(vmid, node);
  }
  /** A copy of the step with the ids and node it runs with now. */
  bind<S extends PlannedStep>(step: S): S {
    if (step.kind === 'clone') return { ...step, newid: this.id(step.newid) };
    if ('vmid' in step) return { ...step, vmid: this.id(step.vmid), node: this.node(step.vmid, step.node) };
    return step;
  }
}

export class Applier {
  private readonly client: ProxmoxClient;
  private readonly s: Settings;
  private readonly at = new Bindings();
  private readonly warnings: string[] = [];
  private readonly done: string[] = [];
  private readonly changes: Change[] = [];
  private changed = false;

  constructor(private readonly opts: ApplyOptions) {
    this.client = opts.ctx.client;
    this.s = opts.ctx.settings;
  }

  private async timed<T>(bucket: 'apiMs' | 'taskMs', fn: () => Promise<T>): Promise<T> {
    const t0 = monotonicMs();
    try {
      return await fn();
    } finally {
      this.opts.timings[bucket] += monotonicMs() - t0;
    }
  }

  private result(plan: Plan, pruned?: PrunedVm[]): ApplyResult {
    return {
      changed: this.changed,
      vmid: plan.vmid === undefined ? undefined : this.at.id(plan.vmid),
      node: plan.vmid === undefined || plan.node === undefined ? plan.node : this.at.node(plan.vmid, plan.node),
      warnings: [...plan.warnings, ...this.warnings],
      done: this.done,
      changes: this.changes,
      ...(pruned ? { pruned } : {}),
    };
  }

  /**
   * Sends a write and waits up to `waitMs` (default: `timeout`) for its task; resolves with the task's result, or
   * undefined when PVE answered without a task (it did the change synchronously).
   */
  private async call(
    method: 'post' | 'put' | 'delete',
    path: string,
    params: Readonly<Record<string, string>>,
    what: string,
    onAccepted?: (upid?: string) => void,
    waitMs = this.s.timeoutSec * 1000,
  ): Promise<TaskResult | undefined> {
    const upid = await this.timed('apiMs', () => this.client[method]<string | null>(path, { ...params }, { signal: this.opts.signal }));
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

  /** Runs one step (bound to where its VM is now), retrying while PVE reports a lock; records it as done. */
  private async step(planned: PlannedStep): Promise<void> {
    const what = describeStep(this.at.bind(planned));
    this.opts.log.info(`→ ${what}`);
    try {
      await retryWhileLocked(what, { timeoutSec: this.s.timeoutSec, signal: this.opts.signal, log: this.opts.log }, () => this.runStep(planned));
    } catch (e) {
      if (e instanceof PveApiError) e.message = stepMessage(what, e);
      throw e;
    }
    this.done.push(describeStep(this.at.bind(planned)));
  }

  async run(plan: Plan): Promise<ApplyResult> {
    if (plan.perVm) return this.runPerVm(plan);
    for (const step of plan.steps) await this.step(step);
    return this.result(plan);
  }

  /**
   * A per-VM plan's VMs are independent: each one's steps (stop, destroy) run in order, a few VMs at a time, and one
   * that cannot be removed (locked, gone wrong) does not keep the others: the run fails at the end, naming it.
   */
  private async runPerVm(plan: Plan): Promise<ApplyResult> {
    const byVm = new Map<number, PlannedStep[]>();
    for (const st of plan.steps) if ('vmid' in st) byVm.set(st.vmid, [...(byVm.get(st.vmid) ?? []), st]);
    const failures = new Map<number, string>();
    await mapLimit([...byVm], PER_VM_CONCURRENCY, async ([vmid, steps]) => {
      for (const step of steps) {
        try {
          await this.step(step);
        } catch (e) {
          if (this.opts.signal?.aborted) throw e;
          const message = stepMessage(describeStep(step), e);
          failures.set(vmid, message);
          this.opts.log.warning(`VM ${vmid} not removed: ${message}`);
          return;
        }
      }
    });
    const listed = plan.pruned ?? [];
    const pruned = listed.filter((p) => !failures.has(p.vmid));
    if (failures.size > 0) {
      const lines = [...failures].sort(([a], [b]) => a - b).map(([, m]) => `  ${m}`);
      throw new PruneIncompleteError(
        `prune: ${failures.size} of ${byVm.size} VM(s) could not be removed` +
          `${pruned.length ? ` (pruned: ${pruned.map((p) => p.vmid).join(', ')})` : ''}:\n${lines.join('\n')}`,
        pruned,
      );
    }
    return this.result(plan, plan.pruned ? pruned : undefined);
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

  /**
   * Creates/clones as the planned id `planned` (bound: the id it has now); with an automatic id, when another job
   * took it first, binds a fresh one and tries again until `timeout`.
   */
  private async withFreshId(planned: number, autoId: boolean, attempt: (id: number) => Promise<void>): Promise<void> {
    const tried = new Set<number>();
    const deadline = Date.now() + this.s.timeoutSec * 1000;
    for (let n = 1; ; n++) {
      const id = this.at.id(planned);
      try {
        return await attempt(id);
      } catch (e) {
        if (!autoId || !idTaken(errorText(e), id) || Date.now() >= deadline) throw e;
        tried.add(id);
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
        this.opts.log.info(`vmid ${id} was taken by someone else meanwhile; retrying with ${fresh} (attempt ${n + 1})`);
        this.at.rebind(planned, fresh);
      }
    }
  }

  /** A config change as PVE takes it: PUT when synchronous is safe (vm/hotplug.ts), else POST and its task. */
  private async configure(
    node: string,
    vmid: number,
    request: { set: Readonly<Record<string, string>>; delete?: readonly string[]; revert?: readonly string[] },
    guards: Guards,
    vm: { running: boolean; hotplug?: string | number },
  ): Promise<boolean> {
    const params: Record<string, string> = { ...request.set };
    if (request.delete?.length) params.delete = request.delete.join(',');
    if (request.revert?.length) params.revert = request.revert.join(',');
    if (Object.keys(params).length === 0) return false;
    Object.assign(params, guards);
    const what = `configure VM ${vmid}`;
    await this.call(synchronousConfig(vm.running, vm.hotplug, params) ? 'put' : 'post', vmPath(node, vmid, 'config'), params, what);
    this.changed = true;
    if (vm.running) {
      const note = await this.timed('apiMs', () => pendingNote(this.client, { node, vmid, hotplug: vm.hotplug }, what, { signal: this.opts.signal, log: this.opts.log }));
      if (note) this.warnings.push(note);
    }
    return true;
  }

  private async resize(node: string, vmid: number, disk: string, size: string, guards: Guards): Promise<void> {
    await this.call('put', vmPath(node, vmid, 'resize'), { disk, size, ...guards }, `resize ${disk} of VM ${vmid}`);
    this.changed = true;
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

  private async runStep(planned: PlannedStep): Promise<void> {
    const c = this.client;
    switch (planned.kind) {
      case 'create':
        await this.withFreshId(planned.vmid, planned.autoId, (id) =>
          this.created(
            { vmid: id, node: planned.node, kind: 'create', name: planned.params.name, ciTags: splitTags(planned.params.tags).filter(isCiTag) },
            (accepted) => this.call('post', `/nodes/${encodeURIComponent(planned.node)}/qemu`, { vmid: String(id), ...planned.params }, `create VM ${id}`, accepted),
          ),
        );
        this.changes.push(...planned.changes);
        return;
      case 'clone': {
        const target = planned.params.target ?? planned.node;
        await this.withFreshId(planned.newid, planned.autoId, (id) =>
          this.created(
            { vmid: id, node: target, kind: 'clone', name: planned.params.name, ciTags: [] },
            (accepted) => this.call('post', vmPath(planned.node, planned.source, 'clone'), { ...planned.params, newid: String(id) }, `clone VM ${planned.source} to ${id}`, accepted),
          ),
        );
        return;
      }
    }
    const step = this.at.bind(planned);
    switch (step.kind) {
      case 'config':
        if (await this.configure(step.node, step.vmid, step, step.guards, step)) this.changes.push(...step.changes);
        return;
      case 'clone-config': {
        // Re-run after a lock conflict, this finds what an earlier attempt already changed and sends only the rest.
        const live = await this.timed('apiMs', () => vmConfig(c, step.node, step.vmid));
        const d = cloneDiff(step.spec, step.specSource, live, this.opts.ctx.secretKeys, step.addTags);
        for (const n of d.notes) this.opts.log.info(n);
        if (await this.configure(step.node, step.vmid, d, step.guards, { running: false })) this.changes.push(...d.changes);
        for (const r of d.resizes) {
          await this.resize(step.node, step.vmid, r.disk, r.size, step.guards);
          this.done.push(describeStep({ kind: 'resize', node: step.node, vmid: step.vmid, disk: r.disk, size: r.size, guards: step.guards }));
        }
        return;
      }
      case 'resize':
        await this.resize(step.node, step.vmid, step.disk, step.size, step.guards);
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
        this.at.moved(step.vmid, step.target);
        return;
      case 'destroy':
        await this.call('delete', vmPath(step.node, step.vmid), step.params, `destroy VM ${step.vmid}`);
        this.changed = true;
        return;
      case 'snapshot':
        await this.call('post', vmPath(step.node, step.vmid, 'snapshot'), { snapname: step.snapname, ...step.params }, describeStep(step));
        this.changed = true;
        return;
      case 'rollback':
        await this.call('post', vmPath(step.node, step.vmid, 'snapshot', encodeURIComponent(step.snapname), 'rollback'), step.params, describeStep(step));
        this.changed = true;
        return;
    }
  }
}
