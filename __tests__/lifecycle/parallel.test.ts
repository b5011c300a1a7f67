// Many CI jobs at once against one cluster: N action processes clone one template (and wait for its IP) while N
// others create VMs without a vmid; all succeed with unique ids, and after their post steps (cleanup: always)
// nothing is left behind. N is 10 by default (20 jobs on a 2-core CI box, ~20 s); LIFECYCLE_FULL=1 runs 50 of
// each (~2 min per test), LIFECYCLE_JOBS=n any other count.
import { afterEach, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { type ActionRun, runAction } from '../../tools/runner/index.js';
import { annotations, expectNoSecretsShown, lifecycleSim, requests, seedVm } from './support.js';

const FULL = process.env.LIFECYCLE_FULL === '1';
const N = Number(process.env.LIFECYCLE_JOBS ?? (FULL ? 50 : 10));
const TEMPLATE = 9000;

let sim: Simulator | undefined;
afterEach(async () => {
  const s = sim;
  sim = undefined;
  await s?.close();
  if (s) expectNoSecretsShown(s);
});

async function cluster(): Promise<Simulator> {
  // Realistic task times scaled by 0.05: a linked clone 40 ms, a start 50 ms, the agent up 100 ms after start.
  const s = await lifecycleSim({ timeScale: 0.05 });
  seedVm(s, TEMPLATE, 'pve1', {
    name: 'ci-template',
    template: '1',
    agent: '1',
    memory: '2048',
    scsihw: 'virtio-scsi-single',
    scsi0: `local-lvm:base-${TEMPLATE}-disk-0,size=8G`,
    net0: 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
  });
  s.state.volumes.get('local-lvm')!.add(`base-${TEMPLATE}-disk-0`);
  return s;
}

/**
 * Token + certificate pin: each real job runs on its own runner, but here 2N processes share two cores, and with
 * ca_path every TLS connection of the action re-parses the CA bundle (see the report), which would dominate.
 */
function connection(s: Simulator): Record<string, string> {
  const t = s.credentials.tokens.full;
  return { api_host: s.host, api_port: String(s.port), tls_fingerprint: s.fingerprint, api_user: t.user, api_token_id: t.tokenid, api_token_secret: t.secret };
}

function problemsOf(kind: string, runs: ActionRun[]): string[] {
  return runs.flatMap((r, i) => {
    const errors = annotations(r.main, 'error').concat(annotations(r.post, 'error'), annotations(r.post, 'warning'));
    const exit = r.main.exitCode !== 0 || r.post?.exitCode !== 0 ? [`exit ${r.main.exitCode}/${r.post?.exitCode}`] : [];
    return [...exit, ...errors].map((e) => `${kind} ${i}: ${e}`);
  });
}

/** N clone jobs and N create jobs started at once, main then post each, as N*2 parallel CI jobs would. */
async function fleet(s: Simulator, extra: Record<string, string>) {
  const conn = connection(s);
  const run = (inputs: Record<string, string>) => runAction({ post: true, inputs: { ...conn, cleanup: 'always', timeout: '120', ...extra, ...inputs } });
  const clones = Array.from({ length: N }, (_, i) => run({ clone: 'ci-template', name: `job-${i}`, state: 'started', wait_for: 'ip' }));
  const creates = Array.from({ length: N }, (_, i) => run({ node: i % 2 ? 'pve2' : 'pve1', name: `new-${i}`, state: 'started', memory: '512' }));
  const [cloneRuns, createRuns] = await Promise.all([Promise.all(clones), Promise.all(creates)]);
  return { cloneRuns, createRuns };
}

function expectAllWell(s: Simulator, cloneRuns: ActionRun[], createRuns: ActionRun[], range?: [number, number]) {
  expect([...problemsOf('clone', cloneRuns), ...problemsOf('create', createRuns)]).toEqual([]);
  const ids = [...cloneRuns, ...createRuns].map((r) => r.main.outputs.vmid);
  expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
  // Without vmid_range, ids are legitimately reused: a job whose post step already destroyed its VM frees the
  // id for a slower job. Each job still got its own VM (its name below); ids are unique among live VMs.
  if (range) expect(new Set(ids).size).toBe(2 * N);
  else expect(new Set([...cloneRuns, ...createRuns].map((r) => `${r.main.outputs.vmid}:${r.main.outputs.name}`)).size).toBe(2 * N);
  createRuns.forEach((r, i) => expect(r.main.outputs.name).toBe(`new-${i}`));
  if (range) expect(ids.map(Number).filter((id) => id < range[0] || id > range[1])).toEqual([]);

  // Each clone job got its own VM, running, with its own address.
  cloneRuns.forEach((r, i) => expect(r.main.outputs.name).toBe(`job-${i}`));
  const ips = cloneRuns.map((r) => r.main.outputs.ip);
  expect(ips.every(Boolean)).toBe(true);
  // (the simulated guest's address follows its vmid, so it is unique exactly when the ids are)
  if (range) expect(new Set(ips).size).toBe(N);

  // Each post step destroyed exactly its own VM; nothing but the template (and its base disk) is left.
  for (const r of [...cloneRuns, ...createRuns])
    expect(r.post?.stdout).toContain(`cleanup: VM ${r.main.outputs.vmid} on ${r.main.outputs.node} destroyed`);
  expect([...s.state.vms.keys()]).toEqual([TEMPLATE]);
  expect([...s.state.volumes.values()].flatMap((v) => [...v])).toEqual([`base-${TEMPLATE}-disk-0`]);
  expect(s.tasks().filter((t) => t.status !== 'stopped')).toEqual([]);
}

test(`${N} clone jobs and ${N} create jobs at once with vmid_range: all succeed, unique ids, nothing left`, async () => {
  sim = await cluster();
  const { cloneRuns, createRuns } = await fleet(sim, { vmid_range: '10000-99999' });
  expectAllWell(sim, cloneRuns, createRuns, [10000, 99999]);
  // Ids were chosen at random inside the range, so /cluster/nextid (the shared lowest id) was never the source.
  expect(requests(sim, 0, (e) => e.path === '/cluster/nextid' && e.params.vmid === undefined)).toEqual([]);
}, 600_000);

// Without vmid_range every job takes the cluster's lowest free id, so N jobs race for the same id round after
// round; the losers retry with fresh ids spread above nextid until `timeout`. At 50+50 it takes ~1-2 min on two
// cores, so it runs with LIFECYCLE_FULL=1 (as .ci/run does).
test.runIf(FULL)(`${N} clone jobs and ${N} create jobs at once without vmid: all succeed, unique ids, nothing left`, async () => {
  sim = await cluster();
  const since = sim.log.length;
  const { cloneRuns, createRuns } = await fleet(sim, {});
  expectAllWell(sim, cloneRuns, createRuns);
  const refused = requests(sim, since, (e) => e.method === 'POST' && e.status === 500 && /\/qemu(\/\d+\/clone)?$/.test(e.path));
  expect(refused.length).toBeGreaterThan(0); // there were races, and they were all retried away
}, 600_000);
