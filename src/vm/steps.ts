// The plan's vocabulary. A Plan is a value: the planner (plan.ts, prune.ts, cleanup.ts) fills a PlanDraft and
// `finishPlan` freezes it; the Applier (apply.ts) executes it without changing it and reports what it did as an
// ApplyResult. Each Step is one PVE call (async ones end in a task the apply phase waits for), except
// `clone-config`, which says what it needs: the clone's live config, known only once the clone exists.
import type { VmConfig, VmStatus } from './pve.js';

/** One setting the step changes: from the value the VM has (undefined: not set) to the value sent. */
export interface Change {
  key: string;
  from?: string;
  to: string;
  /** The input the value came from. */
  input: string;
  secret?: boolean;
}

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

/** Request parameters PVE checks before it changes anything: `digest` (config unchanged since read), `skiplock`. */
export type Guards = Readonly<Record<string, string>>;

export type Step =
  | { kind: 'create'; node: string; vmid: number; autoId: boolean; params: Record<string, string>; changes: Change[] }
  | { kind: 'clone'; node: string; source: number; newid: number; autoId: boolean; params: Record<string, string> }
  | {
      kind: 'config';
      node: string;
      vmid: number;
      set: Record<string, string>;
      delete?: string[];
      revert?: string[];
      changes: Change[];
      guards: Guards;
      /**
       * Whether the VM runs when the step runs (false: stopped or a template), and its `hotplug` setting:
       * vm/hotplug.ts decides from them whether the change can use PVE's synchronous PUT.
       */
      running: boolean;
      hotplug?: string | number;
    }
  | {
      /**
       * Configure a VM just cloned with the settings given beside `clone`: the changes are those between `spec` and
       * the clone's config as PVE made it, read when the step runs (vm/diff.ts `cloneDiff`, the same function that
       * made `preview` from the source's config at plan time), plus the run's CI tags; disks grow in this step too.
       */
      kind: 'clone-config';
      node: string;
      vmid: number;
      spec: Record<string, string>;
      specSource: Record<string, string>;
      addTags: string[];
      /** The changes as predicted from the clone source's config (what dry_run and the plan output show). */
      preview: Change[];
      guards: Guards;
    }
  | { kind: 'resize'; node: string; vmid: number; disk: string; size: string; from?: string; guards: Guards }
  | { kind: 'power'; node: string; vmid: number; action: PowerAction; params: Record<string, string> }
  | { kind: 'template'; node: string; vmid: number }
  | { kind: 'migrate'; node: string; vmid: number; target: string; params: Record<string, string> }
  | { kind: 'destroy'; node: string; vmid: number; params: Record<string, string> }
  | { kind: 'snapshot'; node: string; vmid: number; snapname: string; params: Record<string, string> }
  | { kind: 'rollback'; node: string; vmid: number; snapname: string; params: Record<string, string> };

export interface PrunedVm {
  vmid: number;
  node: string;
  name?: string;
  tags: readonly string[];
  /** Why it was chosen: tags, age, the state of its workflow run. */
  reason: string;
}

/** A plan while the planner builds it. */
export interface PlanDraft {
  /** The VM the step is about (undefined only when it does not exist and nothing will create it). */
  vmid?: number;
  node?: string;
  name?: string;
  /** Observed state before: absent | running | stopped | paused | hibernated | template. */
  before: string;
  steps: Step[];
  /**
   * The outcome in the module's words. `{vmid}` stands for the VM's id, filled in by `planMessage` with the id the
   * VM got (a create or clone with an automatic id may get another one when another job took it first).
   */
  msg: string;
  notes: string[];
  warnings: string[];
  /** prune: the VMs the steps destroy (or would, with dry_run). */
  pruned?: PrunedVm[];
  /**
   * The VM's steps are independent of other VMs' (a prune, a cleanup): apply runs each VM's steps in order, a few
   * VMs at a time, and one VM's failure does not stop the others.
   */
  perVm?: boolean;
  /** The VM's config and status as the plan read them (reused for the outputs when no step changes anything). */
  live?: { status: VmStatus; config: VmConfig };
}

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A planned step, as apply receives it: read-only. */
export type PlannedStep = DeepReadonly<Step>;
/** A finished plan: read-only in its type and frozen at run time, so nothing can rewrite it after planning. */
export type Plan = DeepReadonly<PlanDraft>;

export const newPlan = (init: Partial<PlanDraft> = {}): PlanDraft => ({ before: 'absent', steps: [], msg: '', notes: [], warnings: [], ...init });

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Ends planning: the draft becomes the frozen Plan that apply executes. */
export const finishPlan = (draft: PlanDraft): Plan => deepFreeze(draft);

/** The plan's message for the VM id it ended up with. */
export const planMessage = (plan: Plan, vmid = plan.vmid): string => plan.msg.replaceAll('{vmid}', String(vmid ?? ''));

export function describeStep(s: PlannedStep): string {
  switch (s.kind) {
    case 'create':
      return `create VM ${s.vmid} on ${s.node}`;
    case 'clone':
      return `clone VM ${s.source} to ${s.newid}${s.params.full === '1' ? ' (full)' : s.params.full === '0' ? ' (linked)' : ''}`;
    case 'config': {
      const parts = [
        ...Object.keys(s.set),
        ...(s.delete ?? []).map((k) => `-${k}`),
        ...(s.revert ?? []).map((k) => `revert ${k}`),
      ];
      return `configure VM ${s.vmid}: ${parts.join(', ') || 'nothing'}`;
    }
    case 'clone-config':
      return `configure VM ${s.vmid} from its live config (settings given with the clone): ${[...Object.keys(s.spec), ...(s.addTags.length ? ['ci tags'] : [])].join(', ')}`;
    case 'resize':
      return `grow ${s.disk} of VM ${s.vmid} to ${s.size}`;
    case 'power':
      return `${s.action} VM ${s.vmid}`;
    case 'template':
      return `convert VM ${s.vmid} to a template`;
    case 'migrate':
      return `migrate VM ${s.vmid} from ${s.node} to ${s.target}`;
    case 'destroy':
      return `destroy VM ${s.vmid}`;
    case 'snapshot':
      return `snapshot VM ${s.vmid} as '${s.snapname}'${s.params.vmstate === '1' ? ' (with its memory)' : ''}`;
    case 'rollback':
      return `roll VM ${s.vmid} back to snapshot '${s.snapname}'${s.params.start === '1' ? ' and start it' : ''}`;
  }
}

/** The changes a plan makes, as known at plan time (a clone's config step: predicted from the source). */
export const plannedChanges = (plan: Plan): readonly Change[] =>
  plan.steps.flatMap((s) => (s.kind === 'config' || s.kind === 'create' ? s.changes : s.kind === 'clone-config' ? s.preview : []));

const maskChange = (c: Change) => (c.secret ? { ...c, from: c.from && '***', to: '***' } : c);

/** JSON form of a plan for the `plan` output (secrets masked). */
export function planJson(plan: Plan, secretKeys: ReadonlySet<string>, after: ReadonlyArray<Record<string, unknown>> = []): string {
  const mask = (params: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, secretKeys.has(k) ? '***' : v]));
  const steps = plan.steps.map((s) => {
    const base = { action: s.kind, description: describeStep(s) };
    switch (s.kind) {
      case 'clone':
        return { ...base, params: mask({ ...s.params, newid: String(s.newid) }) };
      case 'create':
      case 'migrate':
      case 'snapshot':
      case 'rollback':
      case 'destroy':
      case 'power':
        return { ...base, params: mask(s.params) };
      case 'config':
        return { ...base, set: mask(s.set), delete: s.delete, revert: s.revert, changes: s.changes.map(maskChange) };
      case 'clone-config':
        // As predicted from the source's config; the step sends what differs from the clone's own config.
        return { ...base, set: mask(Object.fromEntries(s.preview.map((c) => [c.key, c.to]))), changes: s.preview.map(maskChange) };
      default:
        return { ...base, ...s };
    }
  });
  // `after`: what the step does in the guest once the VM is ready (wait_for: cloud-init, guest_exec).
  return JSON.stringify({ vmid: plan.vmid, node: plan.node, name: plan.name, before: plan.before, steps: [...steps, ...after], notes: plan.notes });
}
