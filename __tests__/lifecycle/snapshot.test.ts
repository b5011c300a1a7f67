// state: snapshot / rollback through the bundled action: a warm VM returned to a clean snapshot between jobs
// (qemu-server API2/Qemu.pm `snapshot`, `rollback`; pve-guest-common AbstractConfig.pm `snapshot_rollback`).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { GUEST, annotations, expectNoSecretsShown, failed, lifecycleSim, mutations, ok, step, vmByName } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const run = (inputs: Record<string, string>) => step(sim, { cleanup: 'never', ...inputs }, { post: false });

describe('snapshot and rollback', () => {
  test('a running VM is snapshotted once, changed, and rolled back: config restored, running again (start: auto)', async () => {
    ok(await run({ node: 'pve1', name: 'warm-1', memory: '1024', state: 'started' }));
    const first = ok(await run({ name: 'warm-1', state: 'snapshot', snapname: 'clean' }));
    expect(first.changed).toBe('true');
    const vm = vmByName(sim, 'warm-1')!;
    expect(Object.keys(vm.snapshots)).toEqual(['clean']);
    expect(vm.config.parent).toBe('clean');
    // Taking it again keeps the existing snapshot.
    const since = sim.log.length;
    const again = ok(await run({ name: 'warm-1', state: 'snapshot', snapname: 'clean' }));
    expect(again).toMatchObject({ changed: 'false', msg: `VM ${vm.vmid} already has snapshot 'clean' (kept as it is)` });
    expect(mutations(sim, since)).toEqual([]);
    // A job changes the VM (stopped, so the change is not pending), then the rollback undoes it.
    ok(await run({ name: 'warm-1', state: 'stopped', force: 'true' }));
    ok(await run({ name: 'warm-1', update: 'true', memory: '2048', description: 'dirty' }));
    expect(vm.config.memory).toBe('2048');
    ok(await run({ name: 'warm-1', state: 'started' }));
    const genBefore = vm.config.vmgenid;
    const back = ok(await run({ name: 'warm-1', state: 'rollback', snapname: 'clean' }));
    expect(back).toMatchObject({ changed: 'true', status: 'running' });
    expect(back.msg).toBe(`VM ${vm.vmid} rolled back to snapshot 'clean' and started`);
    expect(vm.config.memory).toBe('1024');
    expect(vm.config.description).toBe('dirty'); // PVE keeps the VM's description on rollback
    expect(vm.status).toBe('running');
    expect(vm.config.vmgenid).not.toBe(genBefore); // a new generation (QemuConfig.pm __snapshot_rollback_hook)
    expect(JSON.parse(back.plan).steps.map((s: { description: string }) => s.description)).toEqual([`roll VM ${vm.vmid} back to snapshot 'clean' and start it`]);
  });

  test('a snapshot with memory comes back running even from a stopped VM; start: false cannot stop that', async () => {
    ok(await run({ node: 'pve2', name: 'warm-2', memory: '512', state: 'started', ...GUEST }));
    ok(await run({ name: 'warm-2', state: 'snapshot', snapname: 'booted', vmstate: 'true' }));
    const vm = vmByName(sim, 'warm-2')!;
    expect(vm.snapshots.booted.vmstate).toMatch(new RegExp(`vm-${vm.vmid}-state-booted`));
    ok(await run({ name: 'warm-2', state: 'stopped', force: 'true' }));
    const r = await run({ name: 'warm-2', state: 'rollback', snapname: 'booted', start: 'false' });
    const out = ok(r);
    expect(out).toMatchObject({ status: 'running', msg: `VM ${vm.vmid} rolled back to snapshot 'booted', running from its saved memory` });
    expect(vm.status).toBe('running');
    expect(r.main.stdout).toContain("holds the VM's memory");
  });

  test('vmstate on a stopped VM: the snapshot has no memory, and the step says why', async () => {
    ok(await run({ node: 'pve1', name: 'cold-1', memory: '512' }));
    const r = await run({ name: 'cold-1', state: 'snapshot', snapname: 'disk-only', vmstate: 'true' });
    ok(r);
    expect(vmByName(sim, 'cold-1')!.snapshots['disk-only'].vmstate).toBeUndefined();
    expect(r.main.stdout).toContain('there is no memory to save');
  });

  test('rolling back to a snapshot the VM does not have fails before any change, naming those it has', async () => {
    ok(await run({ node: 'pve1', name: 'warm-3', memory: '512' }));
    ok(await run({ name: 'warm-3', state: 'snapshot', snapname: 'one' }));
    const since = sim.log.length;
    const message = failed(await run({ name: 'warm-3', state: 'rollback', snapname: 'two' }));
    expect(message).toMatch(/has no snapshot 'two' \(its snapshots: one\); take one with state: snapshot/);
    expect(mutations(sim, since)).toEqual([]);
  });

  test('dry_run plans the rollback and sends nothing', async () => {
    ok(await run({ node: 'pve1', name: 'warm-4', memory: '512' }));
    ok(await run({ name: 'warm-4', state: 'snapshot', snapname: 'base' }));
    const since = sim.log.length;
    const out = ok(await run({ name: 'warm-4', state: 'rollback', snapname: 'base', dry_run: 'true' }));
    expect(out.changed).toBe('true');
    expect(JSON.parse(out.plan).steps.map((s: { action: string }) => s.action)).toEqual(['rollback']);
    expect(mutations(sim, since)).toEqual([]);
  });

  test('cleanup: always after a rollback leaves the pool VM alone: this job did not create it', async () => {
    ok(await run({ node: 'pve1', name: 'warm-5', memory: '512' }));
    ok(await run({ name: 'warm-5', state: 'snapshot', snapname: 'base' }));
    const vmid = vmByName(sim, 'warm-5')!.vmid;
    const r = await step(sim, { name: 'warm-5', state: 'rollback', snapname: 'base', cleanup: 'always' });
    ok(r);
    expect(r.post?.exitCode).toBe(0);
    expect(sim.state.vms.get(vmid)?.config.name).toBe('warm-5');
  });

  test('input errors name the input, before any request', async () => {
    const since = sim.log.length;
    const noName = failed(await run({ name: 'warm-1', state: 'rollback' }));
    expect(noName).toMatch(/snapname.*required with 'state: rollback'/);
    const stray = failed(await run({ name: 'warm-1', state: 'present', start: 'true' }));
    expect(stray).toMatch(/Input 'start' is only used with 'state: rollback'/);
    const ram = failed(await run({ name: 'warm-1', state: 'rollback', snapname: 'clean', vmstate: 'true' }));
    expect(ram).toMatch(/Input 'vmstate' is only used with 'state: snapshot'/);
    expect(sim.log.slice(since)).toEqual([]);
  });

  test('a template cannot be snapshotted or rolled back: a clear error, nothing sent', async () => {
    ok(await run({ node: 'pve1', name: 'tpl-snap', memory: '512' }));
    ok(await run({ name: 'tpl-snap', state: 'template' }));
    const since = sim.log.length;
    expect(failed(await run({ name: 'tpl-snap', state: 'snapshot', snapname: 'snap-x' }))).toMatch(/is a template, and PVE takes no snapshot of a template/);
    expect(mutations(sim, since)).toEqual([]);
    expect(annotations(undefined, 'error')).toEqual([]);
  });
});
