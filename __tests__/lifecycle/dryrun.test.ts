// dry_run: the plan output (JSON steps), `changed` as the plan says, the summary, and not one mutating request
// (only the login's POST /access/ticket), neither from the main step nor from the post step.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { expectNoSecretsShown, GUEST, lifecycleSim, mutations, ok, seedVm, step, visibleText } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
  seedVm(sim, 500, 'pve1', { name: 'dry-existing', memory: '1024', cores: '1', net0: 'virtio=BC:24:11:00:05:00,bridge=vmbr0' });
  seedVm(sim, 510, 'pve2', { name: 'dry-tpl', template: '1', net0: 'virtio=BC:24:11:00:05:10,bridge=vmbr0' });
  const running = seedVm(sim, 520, 'pve1', { name: 'dry-running', net0: 'virtio=BC:24:11:00:05:20,bridge=vmbr0' });
  Object.assign(running, { status: 'running', qmpstatus: 'running', startedAt: Date.now() });
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

interface PlanOut {
  vmid?: number;
  node?: string;
  before: string;
  steps: Array<{ action: string; description: string; params?: Record<string, string>; set?: Record<string, string>; changes?: Array<{ key: string; from?: string; to: string }> }>;
}

/** Runs main + post with dry_run and cleanup: always, asserting nothing but the login was sent. */
async function dry(inputs: Record<string, string>) {
  const since = sim.log.length;
  const vmsBefore = JSON.stringify([...sim.state.vms.values()].map((v) => [v.vmid, v.status, v.config]));
  const run = await step(sim, { dry_run: 'true', cleanup: 'always', ...inputs });
  const out = ok(run);
  expect(mutations(sim, since).map((e) => `${e.method} ${e.path}`)).toEqual([]);
  expect(requests(since).some((e) => e.method === 'POST' && e.path === '/access/ticket')).toBe(true);
  expect(JSON.stringify([...sim.state.vms.values()].map((v) => [v.vmid, v.status, v.config]))).toBe(vmsBefore);
  expect(run.post?.exitCode).toBe(0);
  expect(run.main.state.created).toBeUndefined();
  return { run, out, plan: JSON.parse(out.plan) as PlanOut };
}
const requests = (since: number) => sim.log.slice(since);

describe('dry_run', () => {
  test('a new VM: plan create + start, changed true, nothing created', async () => {
    const { run, out, plan } = await dry({ node: 'pve1', name: 'dry-new', state: 'started', cipassword: 'Sup3r-Secret!', ...GUEST });
    expect(out.changed).toBe('true');
    expect(plan.before).toBe('absent');
    expect(plan.steps.map((s) => s.action)).toEqual(['create', 'power']);
    expect(plan.steps[0].params).toMatchObject({ name: 'dry-new', agent: '1', net0: 'virtio,bridge=vmbr0', cipassword: '***' });
    expect(plan.steps[1].description).toBe(`start VM ${plan.vmid}`);
    expect(out.status).toBe('absent');
    expect(run.main.summary).toContain('dry run: nothing sent');
    expect(visibleText(run)).not.toContain('Sup3r-Secret!');
  });

  test('an update: the config step lists old → new, the VM keeps its config', async () => {
    const { out, plan, run } = await dry({ vmid: '500', update: 'true', memory: '2048', cores: '2' });
    expect(out.changed).toBe('true');
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ action: 'config', set: { memory: '2048', cores: '2' } });
    expect(plan.steps[0].changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'memory', from: '1024', to: '2048' }),
        expect.objectContaining({ key: 'cores', from: '1', to: '2' }),
      ]),
    );
    expect(out.status).toBe('stopped');
    expect(run.main.summary).toMatch(/\| `memory` \| memory \| `1024` \| `2048` \|/);
  });

  test('nothing to do: changed false, no steps', async () => {
    const { out, plan } = await dry({ vmid: '500', update: 'true', memory: '1024' });
    expect(out.changed).toBe('false');
    expect(plan.steps).toEqual([]);
  });

  test('a clone that would be started', async () => {
    const { out, plan } = await dry({ clone: 'dry-tpl', name: 'dry-clone', state: 'started' });
    expect(out.changed).toBe('true');
    const actions = plan.steps.map((s) => s.action);
    expect(actions[0]).toBe('clone');
    expect(actions.at(-1)).toBe('power');
    // Between them at most the settings given with the clone: here only the CI tags (ci_tags defaults to true).
    for (const s of plan.steps.slice(1, -1)) expect(Object.keys(s.set ?? {})).toEqual(['tags']);
    expect(plan.steps[0].params).toMatchObject({ name: 'dry-clone', newid: String(plan.vmid) });
    expect(plan.node).toBe('pve2');
  });

  test('state: absent of a running VM with force: plan stop + destroy, the VM keeps running', async () => {
    const { out, plan } = await dry({ vmid: '520', state: 'absent', force: 'true' });
    expect(out.changed).toBe('true');
    expect(plan.steps.map((s) => s.description)).toEqual(['stop VM 520', 'destroy VM 520']);
    expect(out.status).toBe('running');
    expect(sim.state.vms.get(520)?.status).toBe('running');
  });

  test('state: stopped of a stopped VM: changed false', async () => {
    const { out, plan } = await dry({ vmid: '500', state: 'stopped' });
    expect(out.changed).toBe('false');
    expect(plan.steps).toEqual([]);
  });
});
