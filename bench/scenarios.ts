// The compared scenarios: for each, the action in one step (where it can), the action in the same steps Ansible
// needs, and the Ansible module; plus measuring one variant run against the simulator's request log and tasks.
import { runActionStep } from './action.js';
import { runAnsible } from './ansible.js';
import { NODE, TEMPLATE, type BenchEnv } from './env.js';
import { endpointOf, taskTimeMs, type TaskTiming } from './watch.js';

export type Tool = 'action' | 'ansible';

/** What one measured run of a variant produced. */
export interface Sample {
  ok: boolean;
  error?: string;
  wallMs: number;
  taskMs: number;
  overheadMs: number;
  requests: number;
  /** Requests per endpoint (ids folded). */
  endpoints: Record<string, number>;
  rssKiB?: number;
  /** Per task the run waited for: end → the run's first poll that saw it stopped. */
  notices: Array<{ type: string; ms: number }>;
  tasks: TaskTiming[];
}

interface Outcome {
  ok: boolean;
  error?: string;
  wallMs: number;
  rssKiB?: number;
}

/** One round's VMs: each tool's own VM that update/stop/current/absent act on, and clones to tidy up. */
export class Round {
  readonly vm: Partial<Record<Tool, number>> = {};
  readonly leftovers: number[] = [];
  private next = 0;
  constructor(readonly n: number) {}
  /** Ansible needs explicit ids: a new VM's name only shows in /cluster/resources after pvestatd's ~10 s lag. */
  ansibleId(): number {
    return 3000 + this.n * 20 + this.next++;
  }
}

export interface Variant {
  id: string;
  tool: Tool;
  label: string;
  /** Workflow steps (action processes or Ansible tasks) the variant takes. */
  steps: number;
  run(env: BenchEnv, r: Round): Promise<Outcome>;
}

export interface Scenario {
  id: string;
  title: string;
  variants: Variant[];
}

type Inputs = Record<string, string>;

/** Runs action steps back to back like consecutive workflow steps; a later step may use earlier outputs. */
async function actionSteps(env: BenchEnv, steps: Array<(prev: Inputs) => Inputs>, onVmid?: (id: number) => void): Promise<Outcome> {
  let wallMs = 0;
  let rss = 0;
  let prev: Inputs = {};
  for (const [i, make] of steps.entries()) {
    const s = await runActionStep({ ...env.actionConn, ...make(prev) });
    wallMs += s.wallMs;
    rss = Math.max(rss, s.rssKiB ?? 0);
    if (s.outputs.vmid && i === 0) onVmid?.(Number(s.outputs.vmid));
    if (!s.ok) return { ok: false, error: `step ${i + 1}: ${s.error}`, wallMs, rssKiB: rss || undefined };
    prev = s.outputs;
  }
  return { ok: true, wallMs, rssKiB: rss || undefined };
}

async function ansibleTasks(env: BenchEnv, label: string, tasks: Array<Record<string, unknown>>): Promise<Outcome> {
  const r = await runAnsible(env.dir, label, tasks, env.ansibleConn);
  return { ok: r.ok, error: r.error, wallMs: r.wallMs, rssKiB: r.rssKiB };
}

const SPEC_ACTION: Inputs = { memory: '1024', cores: '2', scsihw: 'virtio-scsi-single', scsi: 'scsi0: local-lvm:8', net: 'net0: virtio,bridge=vmbr0', ostype: 'l26' };
const SPEC_ANSIBLE = { memory: 1024, cores: 2, scsihw: 'virtio-scsi-single', scsi: { scsi0: 'local-lvm:8' }, net: { net0: 'virtio,bridge=vmbr0' }, ostype: 'l26' };

function needVm(r: Round, tool: Tool): number {
  const id = r.vm[tool];
  if (id === undefined) throw new Error(`no VM to act on (this round's create+start for ${tool} failed)`);
  return id;
}

function cloneScenario(kind: 'linked' | 'full'): Scenario {
  const full = kind === 'full';
  const tag = full ? 'f' : 'l';
  return {
    id: `clone-${kind}`,
    title: `clone ${kind} + start`,
    variants: [
      {
        id: `clone-${kind}/action-1`,
        tool: 'action',
        label: 'action, 1 step',
        steps: 1,
        run: (env, r) =>
          actionSteps(env, [() => ({ clone: TEMPLATE, name: `a1${tag}-${r.n}`, node: NODE, full: String(full), state: 'started' })], (id) => r.leftovers.push(id)),
      },
      {
        id: `clone-${kind}/action-2`,
        tool: 'action',
        label: 'action, 2 steps',
        steps: 2,
        run: (env, r) =>
          actionSteps(
            env,
            [() => ({ clone: TEMPLATE, name: `a2${tag}-${r.n}`, node: NODE, full: String(full) }), (o) => ({ vmid: o.vmid, state: 'started' })],
            (id) => r.leftovers.push(id),
          ),
      },
      {
        id: `clone-${kind}/ansible`,
        tool: 'ansible',
        label: 'Ansible, 2 tasks',
        steps: 2,
        run: (env, r) => {
          const id = r.ansibleId();
          r.leftovers.push(id);
          return ansibleTasks(env, `clone-${kind}-${r.n}`, [
            { clone: TEMPLATE, name: `b${tag}-${r.n}`, node: NODE, newid: id, full },
            { vmid: id, node: NODE, state: 'started' },
          ]);
        },
      },
    ],
  };
}

/**
 * What a scenario must have left behind; a run that reports success without it counts as failed. Ansible's
 * proxmox_kvm decides `stopped` (and `absent`'s running check) from /cluster/resources, whose status is pvestatd's
 * (up to ~10 s old): for a VM started moments earlier it answers "already stopped" and changes nothing.
 */
type Effect = (env: BenchEnv, vmid: number) => string | undefined;
const stoppedEffect: Effect = (env, vmid) => (env.sim.state.vms.get(vmid)?.status === 'stopped' ? undefined : `reported success, but VM ${vmid} is ${env.sim.state.vms.get(vmid)?.status ?? 'gone'}`);
const goneEffect: Effect = (env, vmid) => (env.sim.state.vms.has(vmid) ? `reported success, but VM ${vmid} still exists` : undefined);

async function checked(env: BenchEnv, vmid: number, run: () => Promise<Outcome>, effect?: Effect): Promise<Outcome> {
  const out = await run();
  const missing = out.ok && effect ? effect(env, vmid) : undefined;
  return missing ? { ...out, ok: false, error: missing } : out;
}

/**
 * A scenario acting on the round's VM of each tool with the same arguments for both. pvestatd has broadcast the VMs'
 * current state first (as a real cluster does within ~10 s), so that neither tool reads a stale status.
 */
function onVm(id: string, title: string, args: Inputs, ansibleArgs: Record<string, unknown>, effect?: Effect): Scenario {
  return {
    id,
    title,
    variants: [
      {
        id: `${id}/action`,
        tool: 'action',
        label: 'action',
        steps: 1,
        run: (env, r) => {
          const vmid = needVm(r, 'action');
          env.sim.broadcastStats(NODE);
          return checked(env, vmid, () => actionSteps(env, [() => ({ vmid: String(vmid), ...args })]), effect);
        },
      },
      {
        id: `${id}/ansible`,
        tool: 'ansible',
        label: 'Ansible',
        steps: 1,
        run: (env, r) => {
          const vmid = needVm(r, 'ansible');
          env.sim.broadcastStats(NODE);
          return checked(env, vmid, () => ansibleTasks(env, `${id}-${r.n}`, [{ vmid, ...ansibleArgs }]), effect);
        },
      },
    ],
  };
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'create',
    title: 'create + start',
    variants: [
      {
        id: 'create/action-1',
        tool: 'action',
        label: 'action, 1 step',
        steps: 1,
        run: (env, r) => actionSteps(env, [() => ({ name: `a1c-${r.n}`, node: NODE, state: 'started', ...SPEC_ACTION })], (id) => (r.vm.action = id)),
      },
      {
        id: 'create/action-2',
        tool: 'action',
        label: 'action, 2 steps',
        steps: 2,
        run: (env, r) =>
          actionSteps(env, [() => ({ name: `a2c-${r.n}`, node: NODE, ...SPEC_ACTION }), (o) => ({ vmid: o.vmid, state: 'started' })], (id) => r.leftovers.push(id)),
      },
      {
        id: 'create/ansible',
        tool: 'ansible',
        label: 'Ansible, 2 tasks',
        steps: 2,
        run: (env, r) => {
          const id = r.ansibleId();
          r.vm.ansible = id;
          return ansibleTasks(env, `create-${r.n}`, [
            { vmid: id, name: `bc-${r.n}`, node: NODE, ...SPEC_ANSIBLE },
            { vmid: id, node: NODE, state: 'started' },
          ]);
        },
      },
    ],
  },
  cloneScenario('linked'),
  cloneScenario('full'),
  onVm('update', 'update (memory, cores)', { node: NODE, update: 'true', memory: '2048', cores: '4' }, { node: NODE, update: true, memory: 2048, cores: 4 }),
  onVm('stop', 'stop (graceful shutdown)', { state: 'stopped' }, { state: 'stopped' }, stoppedEffect),
  onVm('current', 'current (status only)', { state: 'current' }, { state: 'current' }),
  onVm('absent', 'absent (destroy stopped VM)', { state: 'absent' }, { state: 'absent' }, goneEffect),
];

/** Runs one variant inside a recording window and turns the window into figures. */
export async function measure(env: BenchEnv, v: Variant, r: Round): Promise<Sample> {
  env.watch.start();
  let out: Outcome;
  try {
    out = await v.run(env, r);
  } catch (e) {
    out = { ok: false, error: e instanceof Error ? e.message : String(e), wallMs: NaN };
  }
  const w = await env.watch.stop();
  const taskMs = taskTimeMs(w.tasks, Date.now());
  const endpoints: Record<string, number> = {};
  for (const q of w.requests) endpoints[endpointOf(q)] = (endpoints[endpointOf(q)] ?? 0) + 1;
  const notices = w.tasks.filter((t) => t.endAt !== undefined && t.noticedAt !== undefined).map((t) => ({ type: t.type, ms: t.noticedAt! - t.endAt! }));
  return {
    ok: out.ok,
    error: out.error,
    wallMs: out.wallMs,
    taskMs,
    overheadMs: out.wallMs - taskMs,
    requests: w.requests.length,
    endpoints,
    rssKiB: out.rssKiB,
    notices,
    tasks: w.tasks,
  };
}
