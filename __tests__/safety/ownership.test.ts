// Destroy only what the action can prove it made: the post step's identity check (issue 8, finding 3) and prune's
// selection (findings 1 and 2), through the bundled action against the simulator.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_DURATIONS, type Simulator } from '../../sim/index.js';
import {
  DAY, GUEST, REPO_TAG, annotations, failed, isDestroy, isMutation, lifecycleSim, nowSec, ok, requests, seedVm, step, vmByName,
} from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterEach(() => {
  sim.configure({ durations: { ...DEFAULT_DURATIONS }, faults: {} });
});
afterAll(async () => {
  await sim.close();
});

const FOREIGN_UUID = '0badc0de-0000-4000-8000-000000000001';
const touches = (vmid: number | string) => (e: { method: string; path: string }) =>
  isMutation(e) && new RegExp(`/qemu/${vmid}(/|$)`).test(e.path);

/** What a parallel job does after our VM was removed: its own VM under the same id (nextid hands it out again). */
function foreignVmAt(vmid: number, name: string): void {
  sim.state.vms.delete(vmid);
  const vm = seedVm(sim, vmid, 'pve1', { name, smbios1: `uuid=${FOREIGN_UUID}`, meta: `creation-qemu=9.2.0,ctime=${nowSec()}`, ...GUEST });
  vm.status = 'running';
  vm.qmpstatus = 'running';
}

describe('the post step destroys only the VM its main step created', () => {
  test('a foreign VM that took the saved vmid (even with the same name) is neither stopped nor destroyed', async () => {
    let vmid = 0;
    let since = 0;
    const run = await step(sim, { node: 'pve1', name: 'own-replaced', state: 'started', cleanup: 'always' }, {
      beforePost: (main) => {
        vmid = Number(main.outputs.vmid);
        foreignVmAt(vmid, 'own-replaced');
        since = sim.log.length;
      },
    });
    ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(requests(sim, since, touches(vmid))).toEqual([]);
    expect(sim.state.vms.get(vmid)?.status).toBe('running');
    expect(sim.state.vms.get(vmid)?.config.smbios1).toBe(`uuid=${FOREIGN_UUID}`);
    expect(annotations(run.post, 'warning')).toEqual([expect.stringMatching(new RegExp(`cleanup: VM ${vmid} on pve1 left alone: .*not the VM this job created`))]);
  });

  test('the create task failed and another VM holds the id by the post step: left alone', async () => {
    sim.configure({ faults: { failTask: { type: 'qmcreate', message: 'unable to create VM - storage full' } } });
    let vmid = 0;
    let since = 0;
    const run = await step(sim, { node: 'pve1', name: 'own-failed', state: 'started', cleanup: 'always' }, {
      beforePost: (main) => {
        vmid = Number(JSON.parse(main.state.created).vmid);
        foreignVmAt(vmid, 'own-failed');
        since = sim.log.length;
      },
    });
    expect(failed(run)).toMatch(/storage full/);
    expect(requests(sim, since, touches(vmid))).toEqual([]);
    expect(sim.state.vms.get(vmid)?.status).toBe('running');
    expect(annotations(run.post, 'warning')).toEqual([expect.stringMatching(/left alone: the create task of VM \d+ did not succeed/)]);
  });

  test('its own VM is still found and destroyed after a later step migrated it to another node', async () => {
    let vmid = 0;
    const run = await step(sim, { node: 'pve1', name: 'own-moved', cleanup: 'always' }, {
      beforePost: (main) => {
        vmid = Number(main.outputs.vmid);
        sim.state.vms.get(vmid)!.node = 'pve2';
      },
    });
    ok(run);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve2 destroyed`);
    expect(sim.state.vms.has(vmid)).toBe(false);
    expect(annotations(run.post, 'warning')).toEqual([]);
  });

  test('a VM that existed before the step (found by name) is never adopted, also when cloning onto its name', async () => {
    seedVm(sim, 930, 'pve1', { name: 'precious-db', ...GUEST });
    seedVm(sim, 931, 'pve1', { name: 'golden', template: '1' });
    const since = sim.log.length;
    const present = await step(sim, { node: 'pve1', name: 'precious-db', state: 'started', cleanup: 'always' });
    ok(present);
    expect(present.main.state.created).toBeUndefined();
    const clone = await step(sim, { clone: 'golden', name: 'precious-db', cleanup: 'always' });
    expect(ok(clone).msg).toMatch(/already exists/);
    expect(clone.main.state.created).toBeUndefined();
    expect(requests(sim, since, isDestroy(930))).toEqual([]);
    expect(requests(sim, since, (e) => e.path === '/nodes/pve1/qemu/930/status/stop')).toEqual([]);
    expect(vmByName(sim, 'precious-db')?.vmid).toBe(930);
  });
});

describe('state: absent', () => {
  test('with vmid and name, a VM of another name at that id (the id was reused) is refused, before any change', async () => {
    seedVm(sim, 980, 'pve1', { name: 'someone-elses' });
    const since = sim.log.length;
    const err = failed(await step(sim, { vmid: '980', name: 'my-ci-vm', state: 'absent', force: 'true' }));
    expect(err).toMatch(/VM 980 on pve1 is named 'someone-elses', not 'my-ci-vm': not removed/);
    expect(requests(sim, since, isMutation)).toEqual([]);
    expect(sim.state.vms.has(980)).toBe(true);
    // The same name: removed as asked.
    ok(await step(sim, { vmid: '980', name: 'someone-elses', state: 'absent' }));
    expect(sim.state.vms.has(980)).toBe(false);
  });
});

describe('prune selects only this action\'s leftovers of this repository', () => {
  const old = () => `gh-ts-${nowSec() - 3 * DAY}`;
  const oldMeta = () => `creation-qemu=9.2.0,ctime=${nowSec() - 3 * DAY}`;

  test('no prune_tags: an old untagged VM and an old VM tagged prod stay; only the old gh-ci leftover goes', async () => {
    seedVm(sim, 940, 'pve1', { name: 'prod-db', meta: oldMeta() });
    seedVm(sim, 941, 'pve1', { name: 'prod-web', tags: 'prod', meta: oldMeta() });
    seedVm(sim, 942, 'pve1', { name: 'leftover', tags: `gh-ci;${REPO_TAG};gh-run-7;${old()}` });
    const since = sim.log.length;
    const out = ok(await step(sim, { state: 'absent', prune: 'true', prune_older_than: '1d' }));
    expect(JSON.parse(out.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([942]);
    expect(requests(sim, since, isMutation).map((e) => e.path)).toEqual(['/nodes/pve1/qemu/942']);
    expect(vmByName(sim, 'prod-db')).toBeDefined();
    expect(vmByName(sim, 'prod-web')).toBeDefined();
  });

  // (Whitespace alone is no input at all for the runner: prune then still selects only gh-ci VMs of this repository.)
  test.each([' ; ', ',', ' , ; ', ';;'])('a blank prune_tags (%j) is an input error, before any request', async (blank) => {
    const since = sim.log.length;
    const err = failed(await step(sim, { state: 'absent', prune: 'true', prune_tags: blank, prune_older_than: '1d' }));
    expect(err).toMatch(/prune_tags.*holds no tag/);
    expect(sim.log.length).toBe(since);
  });

  test("another repository's leftover stays; prune_scope: cluster takes it, explicitly", async () => {
    seedVm(sim, 950, 'pve1', { name: 'other-repo', tags: `gh-ci;gh-repo-other.thing;gh-run-42;${old()}` });
    const since = sim.log.length;
    const mine = ok(await step(sim, { state: 'absent', prune: 'true', prune_older_than: '1d' }));
    expect(JSON.parse(mine.pruned)).toEqual([]);
    expect(requests(sim, since, isMutation)).toEqual([]);
    expect(sim.state.vms.has(950)).toBe(true);
    const all = ok(await step(sim, { state: 'absent', prune: 'true', prune_older_than: '1d', prune_scope: 'cluster' }));
    expect(JSON.parse(all.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([950]);
    expect(sim.state.vms.has(950)).toBe(false);
  });

  test('dry_run lists the leftovers and sends no mutating request; templates and protected VMs are never listed', async () => {
    seedVm(sim, 960, 'pve1', { name: 'dry-leftover', tags: `gh-ci;${REPO_TAG};${old()}` });
    seedVm(sim, 961, 'pve1', { name: 'dry-template', template: '1', tags: `gh-ci;${REPO_TAG};${old()}` });
    seedVm(sim, 962, 'pve1', { name: 'dry-protected', protection: '1', tags: `gh-ci;${REPO_TAG};${old()}` });
    const since = sim.log.length;
    const out = ok(await step(sim, { state: 'absent', prune: 'true', prune_older_than: '1d', dry_run: 'true' }));
    expect(JSON.parse(out.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([960]);
    expect(requests(sim, since, isMutation)).toEqual([]);
    for (const id of [960, 961, 962]) expect(sim.state.vms.has(id)).toBe(true);
    sim.state.vms.delete(960);
  });

  test('outside a workflow (no GITHUB_REPOSITORY) the repository scope refuses, before any change', async () => {
    seedVm(sim, 970, 'pve1', { name: 'norepo', tags: `gh-ci;${REPO_TAG};${old()}` });
    const since = sim.log.length;
    const err = failed(await step(sim, { state: 'absent', prune: 'true', prune_older_than: '1d' }, { env: { GITHUB_REPOSITORY: '' } }));
    expect(err).toMatch(/GITHUB_REPOSITORY is not set.*prune_scope: cluster/);
    expect(requests(sim, since, isMutation)).toEqual([]);
    expect(sim.state.vms.has(970)).toBe(true);
  });
});
