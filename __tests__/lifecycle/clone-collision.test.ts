// A clone onto an automatic vmid that another node took between /cluster/nextid and the clone request. PVE's
// clone_vm checks only its own node's config file before forking, so the request is accepted; the worker's write
// of the temporary config is then refused by pmxcfs ("close (rename) atomic file ... failed: File exists") and the
// task fails, leaving nothing behind. The step must treat that like any lost id race: retry with a fresh id.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { expectNoSecretsShown, lifecycleSim, ok, requests, seedVm, step, until } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

/** The id /cluster/nextid hands out now (the lowest free one; nothing else creates VMs in this file). */
const lowestFree = (): number => {
  let id = sim.state.nextIdRange.lower;
  while (sim.state.vms.has(id)) id++;
  return id;
};

test('the id taken on another node meanwhile: the clone task fails in pmxcfs, the step retries with a fresh id', async () => {
  seedVm(sim, 900, 'pve1', { name: 'xnode-tpl', template: '1', net0: 'virtio=BC:24:11:00:09:00,bridge=vmbr0' });
  const clonePath = '/nodes/pve1/qemu/900/clone';
  // The clone request waits in the simulator until the fault set is replaced (a line-up of two only it joins), so
  // the other job below takes the id before the clone reaches PVE, however fast or slow the step runs.
  sim.configure({ faults: { lineUp: { path: clonePath, method: 'POST', count: 2 } } });
  const since = sim.log.length;
  const pending = step(sim, { clone: 'xnode-tpl', name: 'xnode-clone', cleanup: 'always' });
  await until(() => requests(sim, since, (e) => e.path === '/cluster/nextid' && e.status === 200).length > 0, "the step's nextid");
  const taken = lowestFree();
  const other = seedVm(sim, taken, 'pve2', { name: 'other-job', memory: '1024' });
  sim.configure({ faults: {} });
  const run = await pending;

  const out = ok(run);
  expect(Number(out.vmid)).not.toBe(taken);
  expect(out.name).toBe('xnode-clone');
  expect(run.main.stdout).toContain(`vmid ${taken} was taken by someone else meanwhile; retrying with ${out.vmid}`);
  // PVE accepted both requests (its pre-fork check sees only pve1's configs); the first task failed in its worker.
  const posts = requests(sim, since, (e) => e.method === 'POST' && e.path === clonePath);
  expect(posts.map((e) => [String(e.params.newid), e.status])).toEqual([[String(taken), 200], [out.vmid, 200]]);
  const failedTask = sim.tasks().find((t) => t.type === 'qmclone' && t.log.includes(`creating a clone of VM 900 with ID ${taken}`));
  expect(failedTask?.exitstatus).toBe(`close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/${taken}.conf' failed: File exists`);
  // Nothing of the failed clone is left, and the other job's VM is as it was (the post step left it alone too).
  expect(sim.state.vms.get(taken)).toBe(other);
  expect(other).toMatchObject({ node: 'pve2', config: { name: 'other-job', memory: '1024' } });
  expect([...sim.state.volumes.values()].flatMap((v) => [...v]).filter((v) => v.includes(`-${taken}-`))).toEqual([]);
  expect(run.post?.stdout).toContain(`cleanup: VM ${out.vmid} on pve1 destroyed`);
  expect(sim.state.vms.has(Number(out.vmid))).toBe(false);
});
