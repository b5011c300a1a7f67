// The plan's vocabulary: each Step is one PVE call (async ones end in a task the apply phase waits for).
import type { Change } from './diff.js';
import type { VmConfig, VmStatus } from './pve.js';

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

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
      /** Re-diff against the VM's config when the step runs (after a clone, the config is known only then). */
      recompute?: boolean;
      /** CI tags (vm/orphans.ts) merged into the VM's tags when the step runs (a clone gets its run's tags here). */
      addTags?: string[];
      /**
       * Whether the VM runs when the step runs (false: stopped, a template, or just cloned), and its `hotplug`
       * setting: vm/hotplug.ts decides from them whether the change can use PVE's synchronous PUT.
       */
      running?: boolean;
      hotplug?: string | number;
    }
  | { kind: 'resize'; node: string; vmid: number; disk: string; size: string; from?: string }
  | { kind: 'power'; node: string; vmid: number; action: PowerAction; params: Record<string, string> }
  | { kind: 'template'; node: string; vmid: number }
  | { kind: 'migrate'; node: string; vmid: number; target: string; params: Record<string, string> }
  | { kind: 'destroy'; node: string; vmid: number; params: Record<string, string> };

export interface Plan {
  /** The VM the step is about (undefined only when it does not exist and nothing will create it). */
  vmid?: number;
  node?: string;
  name?: string;
  /** Observed state before: absent | running | stopped | paused | hibernated | template. */
  before: string;
  steps: Step[];
  /** Message when nothing is to be done (or the module-style message of the outcome). */
  msg: string;
  notes: string[];
  warnings: string[];
  /** prune: the VMs the steps destroy (or would, with dry_run), for the `pruned` output. */
  pruned?: PrunedVm[];
  /** The VM's config and status as the plan read them (reused for the outputs when no step changes anything). */
  live?: { status: VmStatus; config: VmConfig };
}

export interface PrunedVm {
  vmid: number;
  node: string;
  name?: string;
  tags: string[];
  /** Why it was chosen: tags, age, the state of its workflow run. */
  reason: string;
}

export function describeStep(s: Step): string {
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
      return `configure VM ${s.vmid}${s.recompute ? ' (settings given with the clone)' : ''}: ${parts.join(', ') || 'nothing'}`;
    }
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
  }
}

/** JSON form of a plan for the `plan` output (secrets masked). */
export function planJson(plan: Plan, secretKeys: ReadonlySet<string>): string {
  const mask = (params: Record<string, string>) =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, secretKeys.has(k) ? '***' : v]));
  const steps = plan.steps.map((s) => {
    const base = { action: s.kind, description: describeStep(s) };
    if (s.kind === 'create' || s.kind === 'clone' || s.kind === 'migrate' || s.kind === 'destroy' || s.kind === 'power')
      return { ...base, params: mask(s.params) };
    if (s.kind === 'config')
      return {
        ...base,
        set: mask(s.set),
        delete: s.delete,
        revert: s.revert,
        changes: s.changes.map((c) => (c.secret ? { ...c, from: c.from && '***', to: '***' } : c)),
      };
    return { ...base, ...s };
  });
  return JSON.stringify({ vmid: plan.vmid, node: plan.node, name: plan.name, before: plan.before, steps, notes: plan.notes });
}
