// Orphans through the bundled action against the simulator: the CI tags every created or cloned VM gets, and
// `prune` (by tags, by age, and only for finished runs as a fake GitHub API reports them), dry run included.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Simulator, type VmRecord, startSimulator } from '../../sim/index.js';
import { act, failed, mutations, ok, schemaClean, visibleText } from '../integration/helpers.js';
import { type FakeGitHub, fakeGitHub } from './prune-github.js';

const REPO_TAG = 'gh-repo-octo-org.proxmox-kvm-action-test'; // the harness's GITHUB_REPOSITORY
const HARNESS_RUN = '4242424242';
const DAY = 86400;

let sim: Simulator;
let gh: FakeGitHub;
beforeAll(async () => {
  sim = await startSimulator({ nodes: ['pve1', 'pve2'], timeScale: 0.02 });
  gh = await fakeGitHub({
    'octo-org/proxmox-kvm-action-test/1001': 'completed',
    'octo-org/proxmox-kvm-action-test/1002': 'in_progress',
  });
});
afterAll(async () => {
  schemaClean(sim);
  await sim.close();
  await gh.close();
});

const byName = (name: string): VmRecord | undefined => [...sim.state.vms.values()].find((v) => v.config.name === name);
const tagsOf = (name: string) => byName(name)?.config.tags?.split(';') ?? [];
const nowSec = () => Math.floor(Date.now() / 1000);
const tsOf = (tags: string[]) => Number(tags.find((t) => t.startsWith('gh-ts-'))?.slice(6));

/** A VM placed straight into the simulator, as if made long ago (pvestatd has broadcast it). */
function seed(vmid: number, config: Record<string, string>): void {
  sim.state.vms.set(vmid, {
    vmid, node: 'pve1', config: { ...config }, pending: {}, pendingDelete: {}, snapshots: {},
    status: 'stopped', qmpstatus: 'stopped', createdAt: Date.now() - 3_600_000,
  });
  sim.broadcastStats('pve1');
}

describe('CI tags', () => {
  test('a created VM carries the run, repository and creation time besides its own tags; updates keep them', async () => {
    const t0 = nowSec();
    ok(await act(sim, { node: 'pve1', name: 'tagged', tags: 'Web' }));
    const tags = tagsOf('tagged');
    expect(tags.filter((t) => !t.startsWith('gh-ts-'))).toEqual(['gh-ci', REPO_TAG, `gh-run-${HARNESS_RUN}`, 'web']);
    expect(tsOf(tags)).toBeGreaterThanOrEqual(t0);
    expect(tsOf(tags)).toBeLessThanOrEqual(nowSec());
    expect(tags).toEqual([...tags].sort()); // as PVE stores them

    // The same tags again: no drift. New user tags: merged, CI tags kept.
    const same = ok(await act(sim, { node: 'pve1', name: 'tagged', tags: 'web', update: 'yes' }));
    expect(same.changed).toBe('false');
    const upd = ok(await act(sim, { node: 'pve1', name: 'tagged', tags: 'web,db', update: 'yes' }));
    expect(upd.changed).toBe('true');
    expect(tagsOf('tagged')).toEqual([...tags, 'db'].sort());
  });

  test('ci_tags: false adds none', async () => {
    ok(await act(sim, { node: 'pve1', name: 'untagged', tags: 'web', ci_tags: 'false' }));
    expect(tagsOf('untagged')).toEqual(['web']);
  });

  test("a clone gets its own run's tags, not the source's, and keeps the source's other tags", async () => {
    ok(await act(sim, { node: 'pve1', name: 'clone-base', tags: 'base', scsi: "scsi0: 'local-lvm:1'" }, { env: { GITHUB_RUN_ID: '111' } }));
    expect(tagsOf('clone-base')).toContain('gh-run-111');
    const run = await act(sim, { node: 'pve1', clone: 'clone-base', name: 'clone-ci' });
    const out = ok(run);
    const tags = tagsOf('clone-ci');
    expect(tags.filter((t) => !t.startsWith('gh-ts-'))).toEqual(['base', 'gh-ci', REPO_TAG, `gh-run-${HARNESS_RUN}`]);
    expect(tags.filter((t) => t.startsWith('gh-ts-'))).toHaveLength(1);
    expect(tagsOf('clone-base')).toContain('gh-run-111'); // the source is untouched
    expect(JSON.parse(out.plan).steps.map((s: { action: string }) => s.action)).toEqual(['clone', 'clone-config']);
  });
});

describe('prune', () => {
  const selector = { state: 'absent', prune: 'true', prune_tags: 'ephemeral' };

  beforeAll(async () => {
    // Run 1001 (completed): one running, one stopped, one protected; run 1002 (in progress): one.
    const made = (name: string, run: string, extra: Record<string, string> = {}) =>
      act(sim, { node: 'pve1', name, tags: 'ephemeral', ...extra }, { env: { GITHUB_RUN_ID: run } }).then(ok);
    await made('r1-running', '1001', { state: 'started' });
    await made('r1-stopped', '1001');
    await made('r1-protected', '1001', { protection: 'yes' });
    await made('r2', '1002');
    // Leftovers from days ago: one with CI tags of an unknown run, one made without CI tags (age from meta).
    seed(900, { name: 'old-tagged', tags: `ephemeral;gh-ci;${REPO_TAG};gh-run-7;gh-ts-${nowSec() - 3 * DAY}` });
    seed(901, { name: 'old-meta', tags: 'ephemeral', meta: `creation-qemu=9.2.0,ctime=${nowSec() - 2 * DAY}` });
    expect(byName('r1-running')!.status).toBe('running');
  });

  test('dry_run lists what the token-checked prune would destroy, sending nothing', async () => {
    const since = sim.log.length;
    const run = await act(sim, { ...selector, github_token: 'ghs_prunetoken', dry_run: 'true' }, { env: { GITHUB_API_URL: gh.url } });
    const out = ok(run);
    expect(mutations(sim, since)).toEqual([]);
    const pruned = JSON.parse(out.pruned) as Array<{ vmid: number; node: string; name: string; tags: string[]; reason: string }>;
    expect(pruned.map((p) => p.name).sort()).toEqual(['r1-running', 'r1-stopped']);
    const p = pruned.find((x) => x.name === 'r1-running')!;
    expect(p).toMatchObject({ vmid: byName('r1-running')!.vmid, node: 'pve1', reason: expect.stringMatching(/run 1001 completed/) });
    expect(p.tags).toContain('gh-run-1001');
    const steps = JSON.parse(out.plan).steps.map((s: { description: string }) => s.description);
    expect(steps).toEqual([
      `stop VM ${byName('r1-running')!.vmid}`,
      `destroy VM ${byName('r1-running')!.vmid}`,
      `destroy VM ${byName('r1-stopped')!.vmid}`,
    ]);
    expect(out.changed).toBe('true');
    expect(out.msg).toMatch(/^dry run: would prune 2 VM\(s\)/);
    expect(run.main.summary).toMatch(/Would prune \(dry run\)/);
    expect(byName('r1-running')).toBeDefined();
  });

  test('with github_token only the completed run\'s VMs go; the protected one is skipped with a warning', async () => {
    const ghBefore = gh.requests.length;
    const run = await act(sim, { ...selector, github_token: 'ghs_prunetoken' }, { env: { GITHUB_API_URL: gh.url } });
    const out = ok(run);
    expect(byName('r1-running')).toBeUndefined();
    expect(byName('r1-stopped')).toBeUndefined();
    for (const kept of ['r1-protected', 'r2', 'old-tagged', 'old-meta']) expect(byName(kept), kept).toBeDefined();
    expect(JSON.parse(out.pruned)).toHaveLength(2);
    const destroys = sim.log.filter((e) => e.method === 'DELETE' && /\/qemu\/\d+$/.test(e.path));
    expect(destroys.every((e) => e.params.purge === '1' && e.params['destroy-unreferenced-disks'] === '1')).toBe(true);
    const warnings = run.main.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([expect.stringMatching(/VM \d+ \(r1-protected\) on pve1 is protected/)]);
    // one question per run (1001, 1002, and 7 for old-tagged; its 404 made it check once that the repository is
    // visible), authenticated, and the token never shown
    const asked = gh.requests.slice(ghBefore);
    expect(asked.map((r) => r.path).sort()).toEqual([
      '/repos/octo-org/proxmox-kvm-action-test',
      ...['1001', '1002', '7'].map((id) => `/repos/octo-org/proxmox-kvm-action-test/actions/runs/${id}`),
    ]);
    expect(asked.every((r) => r.authorization === 'token ghs_prunetoken')).toBe(true);
    expect(visibleText(run)).not.toContain('ghs_prunetoken');
    expect(run.main.stdout).toMatch(/r2.*run 1002 is still in progress/);
  });

  test('without a token, by age alone: old leftovers of this action go, young ones stay; a VM without gh-ci never', async () => {
    const out = ok(await act(sim, { ...selector, prune_older_than: '1d' }));
    expect(JSON.parse(out.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([900]);
    expect(sim.state.vms.has(900)).toBe(false);
    // old-meta is old enough and carries the wanted tag, but this action did not make it (no gh-ci marker).
    expect(sim.state.vms.has(901)).toBe(true);
    expect(byName('r2')).toBeDefined();
    expect(byName('r1-protected')).toBeDefined();
  });

  test('without a token prune_older_than is required, checked before any request', async () => {
    const since = sim.log.length;
    expect(failed(await act(sim, selector))).toMatch(/prune_older_than/);
    expect(sim.log.length).toBe(since);
  });

  test('a leftover that cannot be removed does not keep the others: they go, the step fails naming it', async () => {
    const old = `gh-ts-${nowSec() - 3 * DAY}`;
    for (const id of [910, 911, 912]) seed(id, { name: `stuck-${id}`, tags: `gh-ci;${REPO_TAG};stuck;${old}` });
    // Someone (a backup) holds VM 911's lock for longer than the step's timeout: until the fault set is replaced.
    sim.configure({ faults: { holdLock: { vmid: 911 } } });
    try {
      const run = await act(sim, { state: 'absent', prune: 'true', prune_tags: 'stuck', prune_older_than: '1d', timeout: '2' });
      const err = failed(run);
      expect(err).toMatch(/prune: 1 of 3 VM\(s\) could not be removed \(pruned: 910, 912\)/);
      expect(err).toMatch(/destroy VM 911\b.*can't lock file '\/var\/lock\/qemu-server\/lock-911\.conf' - got timeout/);
      expect(sim.state.vms.has(910)).toBe(false);
      expect(sim.state.vms.has(912)).toBe(false);
      expect(sim.state.vms.get(911)?.config.name).toBe('stuck-911');
      expect(JSON.parse(run.main.outputs.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([910, 912]);
      expect(run.main.outputs.changed).toBe('true');
    } finally {
      sim.configure({ faults: {} });
    }
    // Once the lock is gone, the next prune takes the one that was left.
    const out = ok(await act(sim, { state: 'absent', prune: 'true', prune_tags: 'stuck', prune_older_than: '1d' }));
    expect(JSON.parse(out.pruned).map((p: { vmid: number }) => p.vmid)).toEqual([911]);
    expect(sim.state.vms.has(911)).toBe(false);
  });

  test('nothing matching: no change', async () => {
    const out = ok(await act(sim, { state: 'absent', prune: 'true', prune_tags: 'no-such-tag', prune_older_than: '1h' }));
    expect(out.changed).toBe('false');
    expect(JSON.parse(out.pruned)).toEqual([]);
    expect(out.msg).toBe('no VM to prune');
  });
});
