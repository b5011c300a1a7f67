// planPrune's choices against a scripted cluster (reads only) and a fake GitHub API: which VMs become steps,
// which are skipped and why, and that GitHub is asked once per run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/inputs/index.js';
import type { ProxmoxClient } from '../../src/proxmox/client.js';
import type { PlanContext } from '../../src/vm/context.js';
import { GitHubApiError, RunChecker } from '../../src/vm/github-runs.js';
import { PruneError, planPrune } from '../../src/vm/prune.js';
import { Inventory } from '../../src/vm/resolve.js';
import { newPlan } from '../../src/vm/steps.js';
import { type FakeGitHub, fakeGitHub } from '../lifecycle/prune-github.js';

interface FakeVm {
  vmid: number;
  tags?: string;
  status?: 'running' | 'stopped';
  config?: Record<string, string | number>;
}

const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
const REPO = 'Octo-Org/Demo';
const REPO_TAG = 'gh-repo-octo-org.demo';

function cluster(vms: FakeVm[]) {
  const gets: string[] = [];
  const client = {
    async get(path: string) {
      gets.push(path);
      if (path === '/cluster/resources')
        return vms.map((v) => ({ type: 'qemu', vmid: v.vmid, node: 'pve1', name: `vm${v.vmid}`, status: v.status ?? 'stopped', tags: v.tags }));
      const m = /^\/nodes\/pve1\/qemu\/(\d+)\/(config|status\/current)$/.exec(path);
      const vm = m && vms.find((v) => v.vmid === Number(m[1]));
      if (!vm) throw new Error(`Configuration file 'nodes/pve1/qemu-server/${m?.[1]}.conf' does not exist`);
      if (m![2] === 'config') return { name: `vm${vm.vmid}`, ...(vm.tags ? { tags: vm.tags } : {}), ...vm.config };
      return { vmid: vm.vmid, status: vm.status ?? 'stopped' };
    },
  } as unknown as ProxmoxClient;
  return { client, gets };
}

function settings(inputs: Record<string, string>) {
  const all: Record<string, string> = { api_host: 'pve', api_user: 'root@pam', api_password: 'pw', state: 'absent', prune: 'true', ...inputs };
  const r = readSettings((n) => all[n] ?? '', {});
  if (!r.settings) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

async function prune(vms: FakeVm[], inputs: Record<string, string>, env: Record<string, string>) {
  const { client, gets } = cluster(vms);
  const ctx: PlanContext = { client, settings: settings(inputs), secretKeys: new Set(), inventory: new Inventory(client) };
  const plan = newPlan();
  await planPrune(ctx, plan, { GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '999', ...env }, NOW);
  return { plan, gets, destroyed: plan.steps.flatMap((s) => (s.kind === 'destroy' ? [s.vmid] : [])) };
}

const run = (id: number, ageSec = 60, repo = REPO_TAG) => `ci;gh-ci;${repo};gh-run-${id};gh-ts-${NOW_S - ageSec}`;

let gh: FakeGitHub | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

describe('planPrune with github_token', () => {
  it('destroys only VMs of completed runs of this repository; every other VM needs prune_older_than', async () => {
    gh = await fakeGitHub({ 'Octo-Org/Demo/1': 'completed', 'Octo-Org/Demo/2': 'in_progress' });
    const vms: FakeVm[] = [
      { vmid: 101, tags: run(1), status: 'running' },
      { vmid: 102, tags: run(1) },
      { vmid: 103, tags: run(2) },
      { vmid: 104, tags: run(3) }, // unknown to GitHub
      { vmid: 105, tags: run(1, 60, 'gh-repo-other.repo') },
      { vmid: 106, tags: run(999) }, // this very run
      { vmid: 107, tags: run(1), config: { template: 1 } },
      { vmid: 108, tags: run(1), config: { protection: 1 } },
      { vmid: 109, tags: 'ci' }, // no run tag
      { vmid: 110, tags: run(1).replace('ci;', '') }, // lacks a wanted tag
      { vmid: 111, tags: run(1), config: { lock: 'backup' } },
    ];
    const { plan, destroyed } = await prune(vms, { prune_tags: 'CI', github_token: 'ghs_secret' }, { GITHUB_API_URL: `${gh.url}/` });
    expect(destroyed).toEqual([101, 102]);
    expect(plan.steps.map((s) => `${s.kind} ${'vmid' in s ? s.vmid : ''}`)).toEqual(['power 101', 'destroy 101', 'destroy 102']);
    expect(plan.steps[0]).toMatchObject({ action: 'stop' });
    expect(plan.steps[1]).toMatchObject({ params: { purge: '1', 'destroy-unreferenced-disks': '1' } });
    expect(plan.pruned!.map((p) => p.vmid)).toEqual([101, 102]);
    expect(plan.pruned![0]).toMatchObject({ node: 'pve1', name: 'vm101', reason: expect.stringMatching(/^tags gh-ci,gh-repo-octo-org\.demo,ci; created 1m ago; run 1 completed$/) });
    expect(plan.pruned![0].tags).toContain('gh-run-1');
    const notes = plan.notes.join('\n');
    expect(notes).toMatch(/VM 103 .*run 2 is still in progress/);
    expect(notes).toMatch(/VM 104 .*run 3 is unknown to GitHub, and no prune_older_than/);
    expect(notes).toMatch(/VM 106 .*this workflow run/);
    // Another repository's VM and one this action never tagged (no gh-ci) are not even candidates.
    expect(notes).not.toMatch(/VM 10[59]\b/);
    expect(plan.warnings).toEqual([
      'prune: VM 107 (vm107) on pve1 is a template: skipped',
      'prune: VM 108 (vm108) on pve1 is protected (protection: 1): skipped',
      'prune: VM 111 (vm111) on pve1 is locked (backup): skipped (skiplock: true overrides the lock)',
    ]);
    // one request per run, with the token; run 3's 404 made it check once that the repository is visible
    expect(gh.requests.map((r) => r.path).sort()).toEqual([
      '/repos/Octo-Org/Demo', '/repos/Octo-Org/Demo/actions/runs/1', '/repos/Octo-Org/Demo/actions/runs/2', '/repos/Octo-Org/Demo/actions/runs/3',
    ]);
    expect(new Set(gh.requests.map((r) => r.authorization))).toEqual(new Set(['token ghs_secret']));
    expect(plan.msg).toBe('pruned 2 VM(s): 101, 102');
  });

  it('with prune_scope: cluster and prune_older_than, an unknown run or another repository is judged by age; a run in progress never', async () => {
    gh = await fakeGitHub({ 'octo-org/demo/2': 'queued' });
    const vms: FakeVm[] = [
      { vmid: 201, tags: run(3, 7200) },
      { vmid: 202, tags: run(4, 7200, 'gh-repo-other.repo') },
      { vmid: 203, tags: run(2, 7200) },
      { vmid: 204, tags: run(3, 60) },
    ];
    const { plan, destroyed, gets } = await prune(vms, { prune_tags: 'gh-ci', prune_older_than: '1h', github_token: 't', dry_run: 'true', prune_scope: 'cluster' }, { GITHUB_API_URL: gh.url });
    expect(destroyed).toEqual([201, 202]);
    expect(plan.notes.join('\n')).toMatch(/VM 203 .*run 2 is still in progress/);
    expect(plan.msg).toBe('dry run: would prune 2 VM(s): 201, 202');
    // the young VM was ruled out from the listing's gh-ts- tag, without reading it
    expect(gets.some((p) => p.includes('/204/'))).toBe(false);
  });

  it('fails the plan when GitHub refuses the token, without showing it', async () => {
    gh = await fakeGitHub({}, { status: 401 });
    const err = await prune([{ vmid: 301, tags: run(1) }], { prune_tags: 'ci', github_token: 'ghs_topsecret' }, { GITHUB_API_URL: gh.url }).catch((e) => e);
    expect(err).toBeInstanceOf(PruneError);
    expect(err.message).toMatch(/github_token was refused \(401/);
    expect(err.message).not.toContain('ghs_topsecret');
  });
});

describe('planPrune by age alone (no token)', () => {
  it('uses gh-ts-, else the meta ctime; unknown age is skipped', async () => {
    const vms: FakeVm[] = [
      { vmid: 401, tags: run(1, 3 * 86400) },
      { vmid: 402, tags: run(1, 600) },
      { vmid: 403, tags: `gh-ci;${REPO_TAG}`, config: { meta: `creation-qemu=9.2.0,ctime=${NOW_S - 2 * 86400}` } },
      { vmid: 404, tags: `gh-ci;${REPO_TAG}`, config: { meta: `creation-qemu=9.2.0,ctime=${NOW_S - 60}` } },
      { vmid: 405, tags: `gh-ci;${REPO_TAG}` },
      // As old, but not made by this action (no gh-ci), or by another repository's job: never candidates.
      { vmid: 406, config: { meta: `creation-qemu=9.2.0,ctime=${NOW_S - 9 * 86400}` } },
      { vmid: 407, tags: 'gh-ci;gh-repo-other.thing', config: { meta: `creation-qemu=9.2.0,ctime=${NOW_S - 9 * 86400}` } },
    ];
    const { plan, destroyed } = await prune(vms, { prune_older_than: '1d' }, {});
    expect(destroyed).toEqual([401, 403]);
    expect(plan.pruned!.find((p) => p.vmid === 403)!.reason).toBe(`tags gh-ci,${REPO_TAG}; created 2d ago; no gh-run- tag; old enough`);
    const notes = plan.notes.join('\n');
    expect(notes).toMatch(/1 VM\(s\) with the tags are younger than 1d/);
    expect(notes).toMatch(/VM 404 .*created 1m ago/);
    expect(notes).toMatch(/VM 405 .*age is unknown/);
  });

  it('nothing to prune says so', async () => {
    const { plan } = await prune([{ vmid: 501, tags: 'web' }], { prune_tags: 'ci', prune_older_than: '1h' }, {});
    expect(plan.steps).toEqual([]);
    expect(plan.pruned).toEqual([]);
    expect(plan.msg).toBe('no VM to prune');
  });
});

describe('RunChecker', () => {
  const checker = (url: string) => new RunChecker({ apiUrl: url, repository: 'o/r', token: 'ghs_s3cr3t', timeoutMs: 5000 });

  it('maps statuses and asks once per run', async () => {
    gh = await fakeGitHub({ 'o/r/1': 'completed', 'o/r/2': 'waiting' });
    const c = checker(gh.url);
    expect(await Promise.all([c.state('1'), c.state('1'), c.state('2'), c.state('3'), c.state('4')])).toEqual(['completed', 'completed', 'active', 'unknown', 'unknown']);
    // run 3's 404 also asks once whether the repository is visible (it is: an unknown run)
    expect(gh.requests.map((r) => r.path).sort()).toEqual(['/repos/o/r', ...['1', '2', '3', '4'].map((id) => `/repos/o/r/actions/runs/${id}`)]);
  });

  it('retries a 5xx once, then fails; a 403 names the missing permission', async () => {
    gh = await fakeGitHub({}, { status: 503 });
    await expect(checker(gh.url).state('1')).rejects.toThrow(/unexpected answer 503/);
    expect(gh.requests).toHaveLength(2);
    await gh.close();
    gh = await fakeGitHub({}, { status: 403, message: 'Resource not accessible by integration' });
    const err = await checker(gh.url).state('1').catch((e) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err.message).toMatch(/403 Forbidden: github_token lacks the permission to read workflow runs; give the job `permissions: actions: read`/);
    expect(err.message).not.toContain('ghs_s3cr3t');
    expect(gh.requests).toHaveLength(1); // a 4xx is not retried
  });

  it('a 404 for the repository itself (private, not visible to the token) is explained, not taken for an unknown run', async () => {
    gh = await fakeGitHub({ 'other/repo/1': 'completed' });
    const err = await checker(gh.url).state('5').catch((e) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err.message).toMatch(/repository o\/r: 404 Not Found: github_token cannot see this repository .*private.*`permissions: actions: read`/);
    expect(gh.requests.map((r) => r.path)).toEqual(['/repos/o/r/actions/runs/5', '/repos/o/r']);
  });

  it('says when the rate limit was hit, and when it resets (403 without requests left, or 429)', async () => {
    gh = await fakeGitHub({}, { status: 403, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1800000000' } });
    await expect(checker(gh.url).state('1')).rejects.toThrow(/the GitHub API rate limit was hit \(403\); it resets at 2027-01-15T08:00:00Z\. Run the prune again later/);
    await gh.close();
    gh = await fakeGitHub({}, { status: 429, headers: { 'retry-after': '30' } });
    await expect(checker(gh.url).state('1')).rejects.toThrow(/rate limit was hit \(429\); GitHub asks to wait 30 s/);
  });

  it('honours GITHUB_API_URL with a path (GitHub Enterprise Server: https://host/api/v3)', async () => {
    gh = await fakeGitHub({});
    const c = new RunChecker({ apiUrl: `${gh.url}/api/v3/`, repository: 'o/r', token: 't', timeoutMs: 5000 });
    await c.state('1').catch(() => undefined);
    expect(gh.requests[0].path).toBe('/api/v3/repos/o/r/actions/runs/1');
  });

  it('an API that does not answer within api_timeout says so', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const c = new RunChecker({ apiUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, repository: 'o/r', token: 'ghs_s3cr3t', timeoutMs: 300 });
      await expect(c.state('1')).rejects.toThrow(/run 1 of o\/r: no answer within 0\.3 s \(api_timeout\); is GITHUB_API_URL .* reachable\?/);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('an unreachable API is named, and the token is not', async () => {
    gh = await fakeGitHub({});
    const url = gh.url;
    await gh.close();
    gh = undefined;
    const err = await checker(url).state('1').catch((e) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err.message).toMatch(/request failed .*is GITHUB_API_URL \(http:\/\/127\.0\.0\.1:\d+\) reachable\?/);
    expect(err.message).not.toContain('ghs_s3cr3t');
  });
});
