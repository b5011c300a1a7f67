// keep_on_failure through the bundle (main, then post): with cleanup: always the post step keeps the VM when any step
// of the job failed (this one from the state, the others from GitHub's list of this run attempt's jobs, served by
// the fake GitHub API), destroys it when none did, and destroys it with a warning when it cannot tell. The GitHub
// client chunk is loaded by the post step only when it has to ask.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_DURATIONS, type Simulator } from '../../sim/index.js';
import type { ActionRun } from '../../tools/runner/index.js';
import { type FakeGitHub, type FakeStep, fakeGitHub, ghJob } from './prune-github.js';
import { GUEST, annotations, expectNoSecretsShown, failed, isDestroy, lifecycleSim, ok, requests, step, visibleText } from './support.js';

const REPO = 'octo-org/proxmox-kvm-action-test'; // the harness's GITHUB_REPOSITORY
const RUN = 4242424242; // its GITHUB_RUN_ID, attempt 1, RUNNER_NAME harness, GITHUB_JOB test
const JOBS_PATH = `/repos/${REPO}/actions/runs/${RUN}/attempts/1/jobs`;
const JOB_TOKEN = 'ghs_keeptoken0123456789';
const TRACE_PRELOAD = fileURLToPath(new URL('../support/trace-loads.mjs', import.meta.url));

let sim: Simulator;
let gh: FakeGitHub;
const jobs: Record<string, unknown[] | (() => unknown[])> = {};
let traceDir: string;
beforeAll(async () => {
  sim = await lifecycleSim();
  gh = await fakeGitHub({}, { jobs, maxPerPage: 2 });
  traceDir = mkdtempSync(join(tmpdir(), 'keep-loads-'));
});
afterEach(() => {
  sim.configure({ durations: { ...DEFAULT_DURATIONS }, faults: {} });
  for (const k of Object.keys(jobs)) delete jobs[k];
});
afterAll(async () => {
  await sim.close();
  await gh.close();
  rmSync(traceDir, { recursive: true, force: true });
  expectNoSecretsShown(sim);
});

const done = (name: string, conclusion: FakeStep['conclusion'] = 'success'): FakeStep => ({ name, status: 'completed', conclusion });
/** The post steps as GitHub lists them while this action's post step runs (it runs first: post steps go in reverse). */
const postSteps: FakeStep[] = [
  { name: 'Post Run ./', status: 'in_progress', conclusion: null },
  { name: 'Post Run actions/checkout@v4', status: 'queued', conclusion: null },
  { name: 'Complete job', status: 'queued', conclusion: null },
];
/**
 * This attempt's jobs, spread over pages of 2 (maxPerPage): this job (runner "harness", in progress) with `steps`,
 * two other legs of its matrix sharing the key `test` on other runners (one failed), and an earlier job that ran on
 * a runner of the same name and failed: only this job's steps may count.
 */
function listJobs(steps: FakeStep[], mine: { runner?: string; status?: string; postsDone?: FakeStep[] } = {}): unknown[] {
  const other = (name: string, runner: string | null, status: string, failedStep = false) =>
    ghJob({ repo: REPO, runId: RUN, name, status, runner, steps: [done('Set up job'), done('Run make test', failedStep ? 'failure' : 'success')] });
  return (jobs[`${REPO}/${RUN}/1`] = [
    other('lint', 'harness', 'completed', true),
    other('test (debian)', 'GitHub Actions 3', 'in_progress', true),
    other('test (alpine)', null, 'queued'),
    ghJob({ repo: REPO, runId: RUN, name: 'test (ubuntu)', status: mine.status ?? 'in_progress', runner: mine.runner ?? 'harness', steps: [...steps, ...(mine.postsDone ?? []), ...postSteps] }),
  ]);
}

const vm = (name: string, extra: Record<string, string> = {}) => ({
  node: 'pve1', name, state: 'started', cleanup: 'always', keep_on_failure: 'true', ...GUEST, ...extra,
});

let traces = 0;
/** Main + post with the job token and the fake API, tracing which bundle files the post step loaded. */
async function run(inputs: Record<string, string>, env: Record<string, string> = { GITHUB_TOKEN: JOB_TOKEN }): Promise<{ run: ActionRun; postChunks: string[] }> {
  const file = join(traceDir, `loads-${++traces}.txt`);
  const r = await step(sim, inputs, { env: { GITHUB_API_URL: gh.url, ...env, NODE_OPTIONS: `--import=${TRACE_PRELOAD}`, TRACE_LOADS_FILE: file } });
  const loaded = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(loaded.some((u) => u.endsWith('/dist/post/index.js'))).toBe(true); // the hook saw the post step
  // The post step loads chunks of its own when it has work; the GitHub client's is the one with Octokit's core.
  const github = (u: string) => readFileSync(fileURLToPath(u), 'utf8').includes('octokit-core.js');
  return { run: r, postChunks: loaded.filter((u) => /\/dist\/post\/\d+\.index\.js$/.test(u)).filter(github) };
}
const exists = (vmid: string) => sim.state.vms.has(Number(vmid));

describe('keep_on_failure with cleanup: always', () => {
  test('another step of the job failed: the VM is kept, and the post step says how to reach it and what removes it', async () => {
    listJobs([done('Set up job'), done('Run actions/checkout@v4'), done('Run ./'), done('Run make test', 'failure'), done('Run upload logs', 'skipped')]);
    const before = gh.requests.length;
    const since = sim.log.length;
    const { run: r, postChunks } = await run(vm('keep-other', { wait_for: 'ip' }));
    const out = ok(r);
    expect(out.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(r.post?.exitCode).toBe(0);
    expect(exists(out.vmid)).toBe(true);
    expect(requests(sim, since, isDestroy(out.vmid))).toEqual([]);
    const [notice] = annotations(r.post, 'notice');
    expect(notice).toContain(`keep_on_failure: step Run make test (failure) of this job, so VM ${out.vmid} (keep-other) on node pve1, IP ${out.ip} was kept`);
    expect(notice).toMatch(/a later `prune` with `prune_older_than: X` removes it once it is older than X \(its gh-ts- tag says it was created at \d{4}-\d\d-\d\dT[\d:]+Z\)/);
    expect(r.post?.summary).toContain(`VM ${out.vmid} kept (keep_on_failure)`);
    expect(annotations(r.post, 'warning')).toEqual([]);
    // every page of the list was read (4 jobs, 2 a page), with the job's token
    const asked = gh.requests.slice(before);
    expect(asked.map((q) => q.path)).toEqual([`${JOBS_PATH}?per_page=100`, `${JOBS_PATH}?per_page=2&page=2`]);
    expect(asked.every((q) => q.authorization === `token ${JOB_TOKEN}`)).toBe(true);
    expect(postChunks.length).toBeGreaterThan(0); // the GitHub client was loaded to ask
    expect(visibleText(r)).not.toContain(JOB_TOKEN);
  });

  test('a cancelled step counts as a failure too', async () => {
    listJobs([done('Set up job'), done('Run ./'), done('Run make test', 'cancelled')]);
    const { run: r } = await run(vm('keep-cancelled'));
    const out = ok(r);
    expect(exists(out.vmid)).toBe(true);
    expect(annotations(r.post, 'notice').join('\n')).toContain(`step Run make test (cancelled) of this job, so VM ${out.vmid} (keep-cancelled) on node pve1 was kept`);
  });

  test('GitHub has not recorded the failed step yet: the post step asks again and keeps the VM', async () => {
    const running = listJobs([done('Set up job'), done('Run ./'), { name: 'Run make test', status: 'in_progress', conclusion: null }]);
    const failing = listJobs([done('Set up job'), done('Run ./'), done('Run make test', 'failure')]);
    let listings = 0;
    jobs[`${REPO}/${RUN}/1`] = () => (++listings === 1 ? running : failing);
    const { run: r } = await run(vm('keep-lag'));
    const out = ok(r);
    expect(listings).toBe(2);
    expect(exists(out.vmid)).toBe(true);
    expect(annotations(r.post, 'notice').join('\n')).toContain(`step Run make test (failure) of this job, so VM ${out.vmid} (keep-lag) on node pve1 was kept`);
  });

  test('GitHub never records a step as completed: after 4 tries the VM is destroyed with a warning', async () => {
    const running = listJobs([done('Set up job'), done('Run ./'), { name: 'Run make test', status: 'in_progress', conclusion: null }]);
    let listings = 0;
    jobs[`${REPO}/${RUN}/1`] = () => (++listings, running);
    const { run: r } = await run(vm('keep-lag-forever'));
    const out = ok(r);
    expect(listings).toBe(4);
    expect(exists(out.vmid)).toBe(false);
    expect(annotations(r.post, 'warning').join('\n')).toContain('GitHub still lists step Run make test of this job as not completed after 4 tries');
  });

  test('every step succeeded: the VM is destroyed (a post step that ran before this one does not count)', async () => {
    // actions/cache ran after this action, so its post step ran (and failed) before this one
    listJobs([done('Set up job'), done('Run ./'), done('Run actions/cache@v4'), done('Run make test')], { postsDone: [done('Post Run actions/cache@v4', 'failure')] });
    const { run: r } = await run(vm('keep-allok'));
    const out = ok(r);
    expect(r.post?.exitCode).toBe(0);
    expect(r.post?.stdout).toContain('keep_on_failure: no step of this job failed; cleaning up');
    expect(r.post?.stdout).toContain(`cleanup: VM ${out.vmid} on pve1 destroyed`);
    expect(exists(out.vmid)).toBe(false);
    expect(annotations(r.post, 'warning')).toEqual([]);
    expect(annotations(r.post, 'notice')).toEqual([]);
  });

  test('this step failed: the VM is kept without asking GitHub or loading its client', async () => {
    sim.configure({ durations: { agentUp: 10_000_000 } }); // the agent never answers within the test
    const before = gh.requests.length;
    const { run: r, postChunks } = await run(vm('keep-main', { wait_for: 'agent', wait_timeout: '1' }));
    expect(failed(r)).toMatch(/gave up waiting for the guest agent after 1 s/);
    const vmid = r.main.outputs.vmid;
    expect(r.post?.exitCode).toBe(0);
    expect(exists(vmid)).toBe(true);
    expect(annotations(r.post, 'notice').join('\n')).toContain(`keep_on_failure: this step failed, so VM ${vmid} (keep-main) on node pve1 was kept`);
    expect(gh.requests.length).toBe(before);
    expect(postChunks).toEqual([]);
  });

  test('GitHub answers 403 (no actions: read): the VM is destroyed with a warning naming the permission', async () => {
    const refusing = await fakeGitHub({}, { status: 403, message: 'Resource not accessible by integration' });
    try {
      const { run: r } = await run(vm('keep-403'), { GITHUB_TOKEN: JOB_TOKEN, GITHUB_API_URL: refusing.url });
      const out = ok(r);
      expect(exists(out.vmid)).toBe(false);
      expect(refusing.requests.map((q) => q.path)).toEqual([`${JOBS_PATH}?per_page=100`]);
      const [w] = annotations(r.post, 'warning');
      expect(w).toContain(`keep_on_failure: cannot tell whether another step of this job failed, so VM ${out.vmid} is cleaned up as cleanup: always says`);
      expect(w).toContain('403 Forbidden');
      expect(w).toContain('`permissions: actions: read`');
      expect(visibleText(r)).not.toContain(JOB_TOKEN);
    } finally {
      await refusing.close();
    }
  });

  test('this job is not in the list (no job in progress on this runner): the VM is destroyed with a warning', async () => {
    listJobs([done('Set up job'), done('Run make test', 'failure')], { runner: 'GitHub Actions 9' });
    const { run: r } = await run(vm('keep-nojob'));
    const out = ok(r);
    expect(exists(out.vmid)).toBe(false);
    const [w] = annotations(r.post, 'warning');
    expect(w).toContain('this job was not found: no job of attempt 1 is in progress on runner "harness" (of 4 listed)');
    expect(w).toContain('actions: read');
  });

  test('the run is unknown to GitHub (404): destroyed with a warning', async () => {
    const { run: r } = await run(vm('keep-404'));
    const out = ok(r);
    expect(exists(out.vmid)).toBe(false);
    expect(annotations(r.post, 'warning').join('\n')).toMatch(/jobs of run 4242424242 attempt 1 of octo-org\/proxmox-kvm-action-test: 404 Not Found/);
  });

  test('no token (github_token empty, e.g. outside GitHub Actions): destroyed with a warning saying what to grant, nothing asked', async () => {
    listJobs([done('Set up job'), done('Run make test', 'failure')]);
    const before = gh.requests.length;
    const { run: r, postChunks } = await run(vm('keep-notoken'), {});
    const out = ok(r);
    expect(exists(out.vmid)).toBe(false);
    expect(annotations(r.post, 'warning').join('\n')).toContain('no github_token, so the steps of this job cannot be read; give the job `permissions: actions: read`');
    expect(gh.requests.length).toBe(before);
    expect(postChunks).toEqual([]);
  });

  test('dry_run: nothing is created, so the post step has nothing to keep or destroy and asks nothing', async () => {
    const before = gh.requests.length;
    const since = sim.log.length;
    const { run: r } = await run(vm('keep-dry', { dry_run: 'true' }));
    ok(r);
    expect(r.post?.exitCode).toBe(0);
    expect(requests(sim, since, (e) => e.method !== 'GET' && e.path !== '/access/ticket')).toEqual([]);
    expect(gh.requests.length).toBe(before);
  });
});

describe('keep_on_failure with another cleanup policy is an input error', () => {
  for (const cleanup of ['never', 'on-failure']) {
    test(`cleanup: ${cleanup}`, async () => {
      const r = await step(sim, vm(`keep-${cleanup}`, { cleanup }), { post: false });
      expect(failed(r)).toMatch(cleanup === 'never' ? /'keep_on_failure' has no effect with 'cleanup: never'/ : /'keep_on_failure' contradicts 'cleanup: on-failure'/);
    });
  }
});
