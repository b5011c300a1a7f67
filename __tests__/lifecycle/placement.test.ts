// Where a new VM goes: vmid allocation under a nextid race (PVE does not reserve the id it hands out), inside
// vmid_range, and `node: auto` picking the online node with the most free memory.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { expectNoSecretsShown, failed, lifecycleSim, ok, requests, seedVm, step, until } from './support.js';

const GiB = 1024 ** 3;
let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim({
    nodes: ['pve1', 'pve2', 'pve3', 'pve4'],
    nodeInfo: {
      pve1: { maxmem: 64 * GiB, mem: 60 * GiB }, // 4 GiB free
      pve2: { maxmem: 256 * GiB, mem: 228 * GiB }, // the biggest node, 28 GiB free
      pve3: { maxmem: 512 * GiB, mem: 1 * GiB, online: false }, // most free, but offline
      pve4: { maxmem: 48 * GiB, mem: 17 * GiB }, // 31 GiB free: the pick
    },
  });
});
afterEach(() => sim.configure({ latencyMs: undefined, faults: {} }));
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

/** Both steps' first /cluster/nextid wait for each other: they are handed the same id. */
const LINE_UP_NEXTID = { lineUp: { path: '/cluster/nextid', count: 2 } };

const createPosts = (since: number) => requests(sim, since, (e) => e.method === 'POST' && /^\/nodes\/[^/]+\/qemu$/.test(e.path));
const TAKEN = /already exists/;

describe('vmid allocation', () => {
  test('two steps racing for the same nextid: both succeed with distinct ids, the loser retried', async () => {
    // The first two /cluster/nextid requests wait for each other (lineUp), so both steps are handed the same id
    // before either create reaches PVE, however far apart the two processes start.
    sim.configure({ faults: LINE_UP_NEXTID });
    const since = sim.log.length;
    const [a, b] = await Promise.all(['race-a', 'race-b'].map((name) => step(sim, { node: 'pve1', name, cleanup: 'always' })));
    const ids = [ok(a).vmid, ok(b).vmid];
    expect(new Set(ids).size).toBe(2);
    const nextids = requests(sim, since, (e) => e.path === '/cluster/nextid' && e.params.vmid === undefined);
    expect(nextids.length).toBeGreaterThanOrEqual(3); // two at first, one more for the retry
    const posts = createPosts(since);
    const refused = posts.filter((e) => e.status === 500);
    expect(refused).toHaveLength(1);
    expect(posts.filter((e) => e.status === 200).map((e) => String(e.params.vmid)).sort()).toEqual([...ids].sort());
    const loser = [a, b].find((r) => r.main.stdout.includes('was taken by someone else meanwhile'))!;
    expect(loser.main.stdout).toMatch(new RegExp(`vmid ${refused[0].params.vmid} was taken by someone else meanwhile; retrying with ${loser.main.outputs.vmid}`));
    // Each post step removed its own VM (the id that PVE accepted, not the one first tried).
    for (const r of [a, b]) expect(r.post?.stdout).toContain(`cleanup: VM ${r.main.outputs.vmid} on pve1 destroyed`);
    expect(ids.some((id) => sim.state.vms.has(Number(id)))).toBe(false);
    expect(sim.tasks().filter((t) => t.type === 'qmcreate').every((t) => t.exitstatus === 'OK')).toBe(true);
  }, 90_000);

  test('a clone racing a create for the same id is retried the same way', async () => {
    seedVm(sim, 800, 'pve1', { name: 'race-tpl', template: '1', net0: 'virtio=BC:24:11:00:08:00,bridge=vmbr0' });
    sim.configure({ faults: LINE_UP_NEXTID });
    const since = sim.log.length;
    const [c, d] = await Promise.all([
      step(sim, { clone: 'race-tpl', name: 'race-clone', cleanup: 'always' }),
      step(sim, { node: 'pve1', name: 'race-create', cleanup: 'always' }),
    ]);
    expect(ok(c).vmid).not.toBe(ok(d).vmid);
    const nextids = requests(sim, since, (e) => e.path === '/cluster/nextid' && e.params.vmid === undefined);
    const [first, second] = nextids.map((e) => sim.log.indexOf(e));
    const clonePosts = requests(sim, since, (e) => e.method === 'POST' && e.path === '/nodes/pve1/qemu/800/clone');
    const attempts = [...clonePosts, ...createPosts(since)];
    // Both were handed the id before either attempt reached PVE, so they did race for it.
    expect(attempts.every((e) => sim.log.indexOf(e) > Math.max(first, second))).toBe(true);
    // Exactly one lost and retried with a fresh id. PVE refuses the loser either before its worker starts (the POST
    // answers 500) or, for a clone whose worker was already forked, in the worker's own check under the lock (the
    // task fails): which one depends on how the two requests interleave, so the count is of retries, not of 500s.
    const retries = (c.main.stdout + d.main.stdout).match(/was taken by someone else meanwhile; retrying with \d+/g) ?? [];
    expect(retries).toHaveLength(1);
  }, 90_000);

  // With many parallel jobs one of them can lose the nextid race many rounds in a row. The action keeps
  // retrying with a fresh id (spread above nextid, checked with nextid?vmid=) within `timeout`.
  test('a job that loses the id race 6 times in a row still gets a VM', async () => {
    sim.configure({ latencyMs: 150 }); // the window between a nextid answer and the create reaching PVE
    const since = sim.log.length;
    let seen = since;
    let stolen = 0;
    const lowestFree = () => {
      let id = sim.state.nextIdRange.lower;
      while (sim.state.vms.has(id)) id++;
      return id;
    };
    const pending = step(sim, { node: 'pve1', name: 'unlucky', timeout: '60' }, { post: false });
    let done = false;
    void pending.finally(() => (done = true));
    // Another job takes exactly the id the step was just handed (by nextid, or found free by nextid?vmid=N),
    // six times in a row: the stand-in for six faster jobs.
    const idCall = (e: { path: string; status: number }) => e.path === '/cluster/nextid' && e.status === 200;
    while (stolen < 6 && !done) {
      await until(() => done || sim.log.slice(seen).some(idCall), 'a nextid call');
      const hit = sim.log.slice(seen).findIndex(idCall);
      if (hit < 0) break;
      const call = sim.log[seen + hit];
      seen += hit + 1;
      const id = call.params.vmid !== undefined ? Number(call.params.vmid) : lowestFree();
      if (sim.state.vms.has(id)) continue;
      seedVm(sim, id, 'pve2', { name: `faster-job-${stolen}` });
      stolen++;
    }
    const run = await pending;
    expect(stolen).toBe(6);
    const out = ok(run);
    expect(run.main.stdout.match(/was taken by someone else meanwhile/g)?.length).toBeGreaterThanOrEqual(1);
    expect(sim.state.vms.get(Number(out.vmid))?.config.name).toBe('unlucky');
  }, 60_000);

  test('vmid_range: the new id lies inside the range and skips taken ids', async () => {
    for (const id of [5000, 5001, 5002, 5004, 5006]) seedVm(sim, id, 'pve2', { name: `taken-${id}` });
    const since = sim.log.length;
    const out = ok(await step(sim, { node: 'pve1', name: 'ranged', vmid_range: '5000-5009' }, { post: false }));
    const id = Number(out.vmid);
    expect(id).toBeGreaterThanOrEqual(5000);
    expect(id).toBeLessThanOrEqual(5009);
    expect([5000, 5001, 5002, 5004, 5006]).not.toContain(id);
    expect(sim.state.vms.get(id)?.config.name).toBe('ranged');
    // Ids were checked one by one (nextid?vmid=N), never taken from the plain /cluster/nextid (which gives 100+).
    expect(requests(sim, since, (e) => e.path === '/cluster/nextid' && e.params.vmid === undefined)).toEqual([]);
    expect(requests(sim, since, (e) => e.path === '/cluster/nextid').length).toBeGreaterThan(0);
  });

  test('vmid_range applies to a clone\'s newid too', async () => {
    const out = ok(await step(sim, { clone: 'race-tpl', name: 'ranged-clone', vmid_range: '7000-7099' }, { post: false }));
    expect(Number(out.vmid)).toBeGreaterThanOrEqual(7000);
    expect(Number(out.vmid)).toBeLessThanOrEqual(7099);
  });

  test('a full vmid_range: clear error, nothing created', async () => {
    for (const id of [6000, 6001, 6002]) seedVm(sim, id, 'pve2', { name: `full-${id}` });
    const count = sim.state.vms.size;
    const run = await step(sim, { node: 'pve1', name: 'no-room', vmid_range: '6000-6002' }, { post: false });
    expect(failed(run)).toMatch(/no free vmid found in 6000-6002.*vmid_range/);
    expect(sim.state.vms.size).toBe(count);
  });
});

describe('node: auto', () => {
  test('picks the online node with the most free memory', async () => {
    const out = ok(await step(sim, { node: 'auto', name: 'auto-placed' }, { post: false }));
    expect(out.node).toBe('pve4');
    expect(sim.state.vms.get(Number(out.vmid))?.node).toBe('pve4');
  });

  test('follows the cluster as memory use changes', async () => {
    sim.state.nodes.get('pve4')!.mem = 47 * GiB; // pve2 (28 GiB free) is now the best online node
    try {
      const out = ok(await step(sim, { node: 'auto', name: 'auto-placed-2' }, { post: false }));
      expect(out.node).toBe('pve2');
    } finally {
      sim.state.nodes.get('pve4')!.mem = 17 * GiB;
    }
  });
});
