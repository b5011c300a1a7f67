// plan → apply → reconcile from src/ (the dist/ tests are the contract; these catch a broken src before a build):
// against the simulator in-process, the plan is a frozen value that apply executes and reports on separately.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/index.js';
import { readSettings } from '../../src/inputs/index.js';
import { type ClientLog, ProxmoxClient } from '../../src/proxmox/client.js';
import { Applier, PruneIncompleteError } from '../../src/vm/apply.js';
import type { PlanContext } from '../../src/vm/context.js';
import { planFor } from '../../src/vm/plan.js';
import { reconcile } from '../../src/vm/reconcile.js';
import { Inventory } from '../../src/vm/resolve.js';
import { type Step, planJson, planMessage, plannedChanges } from '../../src/vm/steps.js';
import { conn } from '../integration/helpers.js';
import { seedVm } from '../lifecycle/support.js';

let sim: Simulator;
const clients: ProxmoxClient[] = [];
const lines: string[] = [];
const log: ClientLog = { debug: () => {}, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`) };

beforeAll(async () => {
  sim = await startSimulator({ nodes: ['pve1', 'pve2'], timeScale: 0.02 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  lines.length = 0;
});
afterAll(() => sim.close());

/** Settings as the runner gives them (catalogue defaults for what is not set), outside GitHub Actions (no CI tags). */
function context(inputs: Record<string, string>): PlanContext {
  const all: Record<string, string> = { ...conn(sim), ...inputs };
  const r = readSettings((n) => all[n] ?? '', {});
  if (!r.settings) throw new Error(JSON.stringify(r.errors));
  const client = new ProxmoxClient(r.settings.connection);
  clients.push(client);
  return { client, settings: r.settings, secretKeys: new Set(['cipassword']), inventory: new Inventory(client) };
}

const applier = (ctx: PlanContext) => new Applier({ ctx, log, timings: { apiMs: 0, taskMs: 0, guestMs: 0 } });
const writes = (since: number) => sim.log.slice(since).filter((e) => e.method !== 'GET' && !e.path.endsWith('/access/ticket'));

describe('the plan is a value', () => {
  test('planFor returns a frozen plan; apply runs it and leaves it as planned', async () => {
    const ctx = context({ node: 'pve1', name: 'u-frozen', memory: '1024', state: 'started' });
    const plan = await planFor(ctx);
    expect(plan.steps.map((s) => s.kind)).toEqual(['create', 'power']);
    expect(Object.isFrozen(plan) && Object.isFrozen(plan.steps) && Object.isFrozen(plan.steps[0])).toBe(true);
    expect(() => (plan.steps as Step[]).push({ kind: 'template', node: 'pve1', vmid: 1 })).toThrow(TypeError);
    const before = planJson(plan, ctx.secretKeys);
    const r = await applier(ctx).run(plan);
    expect(planJson(plan, ctx.secretKeys)).toBe(before);
    expect(r).toMatchObject({ changed: true, vmid: plan.vmid, node: 'pve1' });
    expect(r.done).toEqual([`create VM ${plan.vmid} on pve1`, `start VM ${plan.vmid}`]);
    expect(r.changes.map((c) => c.key)).toContain('memory');
    expect(sim.state.vms.get(plan.vmid!)?.status).toBe('running');
  });

  test('a create whose planned id another job took meanwhile gets a fresh id; the plan keeps the planned one, later steps follow the VM', async () => {
    const ctx = context({ node: 'pve1', name: 'u-race', state: 'started' });
    const plan = await planFor(ctx);
    const planned = plan.vmid!;
    seedVm(sim, planned, 'pve2', { name: 'someone-else' }); // another job's VM, made between plan and apply
    const r = await applier(ctx).run(plan);
    expect(r.vmid).not.toBe(planned);
    expect(plan.vmid).toBe(planned);
    expect(plan.steps.map((s) => ('vmid' in s ? s.vmid : undefined))).toEqual([planned, planned]);
    const mine = sim.state.vms.get(r.vmid!)!;
    expect(mine.config.name).toBe('u-race');
    expect(mine.status).toBe('running'); // the start step ran against the fresh id
    const theirs = sim.state.vms.get(planned)!;
    expect(theirs).toMatchObject({ node: 'pve2', status: 'stopped', config: { name: 'someone-else' } });
    expect(r.done).toEqual([`create VM ${r.vmid} on pve1`, `start VM ${r.vmid}`]);
    expect(planMessage(plan, r.vmid)).toBe(`VM u-race with vmid ${r.vmid} deployed; started`);
    expect(lines.some((l) => l.startsWith(`vmid ${planned} was taken by someone else meanwhile; retrying with ${r.vmid}`))).toBe(true);
  });

  test("settings given with a clone are diffed against the clone's own config when the step runs", async () => {
    const src = await reconcile({ ...context({ node: 'pve1', name: 'u-src', memory: '1024' }), log });
    await reconcile({ ...context({ name: 'u-src', state: 'template' }), log });
    const ctx = context({ clone: 'u-src', name: 'u-clone', memory: '2048', cores: '2', full: 'true' });
    const plan = await planFor(ctx);
    const cfg = plan.steps.find((s) => s.kind === 'clone-config')!;
    expect(cfg).toMatchObject({ kind: 'clone-config', vmid: plan.vmid });
    expect(plannedChanges(plan).map((c) => `${c.key}:${c.from}>${c.to}`).sort()).toEqual(['cores:undefined>2', 'memory:1024>2048']);
    // Someone edits the source between plan and apply: the clone copies memory 2048, so only cores is left to set.
    sim.state.vms.get(src.vmid!)!.config.memory = '2048';
    const since = sim.log.length;
    const r = await applier(ctx).run(plan);
    expect(r.changes.map((c) => `${c.key}:${c.from}>${c.to}`)).toEqual(['cores:undefined>2']);
    const sent = writes(since).filter((e) => e.path.endsWith(`/qemu/${r.vmid}/config`));
    expect(sent).toHaveLength(1);
    expect(sim.state.vms.get(r.vmid!)!.config).toMatchObject({ name: 'u-clone', memory: '2048', cores: '2' });
    expect(plannedChanges(plan)).toHaveLength(2); // the plan still says what it predicted
  });

  test('migrate, then update: the config step runs on the node the VM moved to', async () => {
    const made = await reconcile({ ...context({ node: 'pve1', name: 'u-mig', memory: '1024' }), log });
    const ctx = context({ name: 'u-mig', node: 'pve2', migrate: 'true', update: 'true', memory: '1536' });
    const plan = await planFor(ctx);
    expect(plan.steps.map((s) => `${s.kind}@${s.node}`)).toEqual(['migrate@pve1', 'config@pve1']);
    const since = sim.log.length;
    const r = await applier(ctx).run(plan);
    expect(r).toMatchObject({ vmid: made.vmid, node: 'pve2' });
    const configWrites = writes(since).filter((e) => /\/config$/.test(e.path)).map((e) => e.path);
    expect(configWrites).toEqual([`/nodes/pve2/qemu/${made.vmid}/config`]);
    expect(sim.state.vms.get(made.vmid!)).toMatchObject({ node: 'pve2', config: { memory: '1536' } });
    expect(plan.steps[1].node).toBe('pve1');
  });
});

describe('a per-VM plan (prune)', () => {
  test('one VM that cannot be removed does not keep the others; the plan still lists what it meant to remove', async () => {
    const old = Math.floor(Date.now() / 1000) - 7200;
    for (const id of [811, 812, 813]) seedVm(sim, id, 'pve1', { name: `u-left-${id}`, tags: `gh-ci;gh-ts-${old}` });
    const ctx = context({ state: 'absent', prune: 'true', prune_scope: 'cluster', prune_older_than: '1h', timeout: '1' });
    const plan = await planFor(ctx);
    expect(plan.pruned!.map((p) => p.vmid)).toEqual([811, 812, 813]);
    sim.state.vms.get(812)!.config.lock = 'backup'; // a backup started between plan and apply
    const e = await applier(ctx).run(plan).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PruneIncompleteError);
    expect((e as PruneIncompleteError).pruned.map((p) => p.vmid)).toEqual([811, 813]);
    expect((e as Error).message).toMatch(/1 of 3 VM\(s\) could not be removed \(pruned: 811, 813\):\n  destroy VM 812 .*locked \(backup\)/);
    expect([811, 812, 813].map((id) => sim.state.vms.has(id))).toEqual([false, true, false]);
    expect(plan.pruned!.map((p) => p.vmid)).toEqual([811, 812, 813]);
  });
});

describe('reconcile', () => {
  test('dry_run: plans, sends no write, and reports the planned changes', async () => {
    const since = sim.log.length;
    const o = await reconcile({ ...context({ node: 'pve1', name: 'u-dry', memory: '1024', cores: '2', dry_run: 'true' }), log });
    expect(writes(since)).toEqual([]);
    expect(o).toMatchObject({ changed: true, done: [] });
    expect(o.changes.map((c) => c.key).sort()).toEqual(['cores', 'memory', 'name']);
    expect(o.msg).toBe(`VM u-dry with vmid ${o.plan.vmid} deployed`);
    expect([...sim.state.vms.values()].some((v) => v.config.name === 'u-dry')).toBe(false);
  });

  test('an up-to-date VM: nothing applied, the facts come from what the plan read', async () => {
    await reconcile({ ...context({ node: 'pve1', name: 'u-same', memory: '1024' }), log });
    const since = sim.log.length;
    const o = await reconcile({ ...context({ name: 'u-same', update: 'true', memory: '1024' }), log });
    expect(o).toMatchObject({ changed: false, done: [], changes: [] });
    expect(o.facts).toMatchObject({ name: 'u-same', status: 'stopped' });
    expect(writes(since)).toEqual([]);
  });
});
