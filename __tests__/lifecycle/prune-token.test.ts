// github_token through the bundled action: its action.yml default `${{ github.token }}` (the harness evaluates it to
// the GITHUB_TOKEN a test gives as the job's token, else to '' as a run without one), masked, with GitHub's refusals
// explained; and the GitHub client (a chunk file of dist/main) is loaded only when a workflow run is really checked.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/index.js';
import type { ActionRun } from '../../tools/runner/index.js';
import { act, failed, ok, visibleText } from '../integration/helpers.js';
import { type FakeGitHub, fakeGitHub } from './prune-github.js';

const REPO = 'octo-org/proxmox-kvm-action-test'; // the harness's GITHUB_REPOSITORY
const REPO_TAG = 'gh-repo-octo-org.proxmox-kvm-action-test';
const JOB_TOKEN = 'ghs_jobtoken0123456789';
const TRACE_PRELOAD = fileURLToPath(new URL('../support/trace-loads.mjs', import.meta.url));
const MAIN_BUNDLE = fileURLToPath(new URL('../../dist/main/index.js', import.meta.url));

let sim: Simulator;
let gh: FakeGitHub;
let traceDir: string;
beforeAll(async () => {
  sim = await startSimulator({ nodes: ['pve1'], timeScale: 0.02 });
  gh = await fakeGitHub({ [`${REPO}/2001`]: 'completed', [`${REPO}/2002`]: 'in_progress' });
  traceDir = mkdtempSync(join(tmpdir(), 'trace-loads-'));
  const old = `gh-ts-${Math.floor(Date.now() / 1000) - 3 * 86400}`;
  for (const [vmid, run] of [[950, '2001'], [951, '2002']] as const) {
    sim.state.vms.set(vmid, {
      vmid, node: 'pve1', config: { name: `lazy-${run}`, tags: `gh-ci;${REPO_TAG};gh-run-${run};lazy;${old}` }, pending: {}, pendingDelete: {},
      snapshots: {}, status: 'stopped', qmpstatus: 'stopped', createdAt: Date.now() - 3_600_000,
    });
  }
  sim.broadcastStats('pve1');
});
afterAll(async () => {
  await sim.close();
  await gh.close();
  rmSync(traceDir, { recursive: true, force: true });
});

let traces = 0;
/**
 * Runs the action with a module-load hook preloaded (NODE_OPTIONS=--import): returns the run and every module URL the
 * main and post processes loaded. Not timing: a chunk is either imported by the process or it is not.
 */
async function traced(inputs: Record<string, string>, env: Record<string, string> = {}, post = false): Promise<{ run: ActionRun; loaded: string[] }> {
  const file = join(traceDir, `loads-${++traces}.txt`);
  const run = await act(sim, inputs, { post, env: { GITHUB_API_URL: gh.url, ...env, NODE_OPTIONS: `--import=${TRACE_PRELOAD}`, TRACE_LOADS_FILE: file } });
  let loaded: string[] = [];
  try {
    loaded = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing loaded: the hook did not run, which the callers' positive checks catch
  }
  return { run, loaded };
}
/**
 * The chunk files loaded that hold the GitHub client: every step loads chunks of its own (the action's code, the
 * PVE client: scripts/build.mjs), but only the one with Octokit's core (its user agent `octokit-core.js`) is GitHub's.
 */
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const isGitHubChunk = (file: string) => readFileSync(`${DIST}${file}`, 'utf8').includes('octokit-core.js');
const chunks = (loaded: string[]) =>
  loaded
    .filter((u) => /\/dist\/(main|post)\/\d+\.index\.js$/.test(u))
    .map((u) => u.replace(/^.*\/dist\//, ''))
    .filter(isGitHubChunk);
const entry = (loaded: string[]) => loaded.some((u) => u.endsWith('/dist/main/index.js'));

describe('github_token defaults to the job token', () => {
  test('an ordinary step (create, then the post step) never loads the GitHub client chunk, though a job token is there', async () => {
    const { run, loaded } = await traced({ node: 'pve1', name: 'lazy-plain' }, { GITHUB_TOKEN: JOB_TOKEN }, true);
    ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(entry(loaded)).toBe(true); // the hook saw the bundle itself
    expect(loaded.some((u) => u.endsWith('/dist/post/index.js'))).toBe(true);
    expect(chunks(loaded)).toEqual([]);
    expect(run.main.masks).toContain(JOB_TOKEN); // masked although unused
    expect(visibleText(run)).not.toContain(JOB_TOKEN);
  });

  test('without a job token (outside GitHub Actions) prune judges by age only, asks GitHub nothing and loads no chunk', async () => {
    const before = gh.requests.length;
    const { run, loaded } = await traced({ state: 'absent', prune: 'true', prune_tags: 'lazy', prune_older_than: '1d', dry_run: 'true' });
    const out = ok(run);
    expect(JSON.parse(out.pruned).map((p: { vmid: number }) => p.vmid).sort()).toEqual([950, 951]);
    expect(gh.requests.length).toBe(before);
    expect(entry(loaded)).toBe(true);
    expect(chunks(loaded)).toEqual([]);
  });

  test('a GITHUB_TOKEN in the environment is not a token: only the input (its default evaluated by the runner) is', async () => {
    const before = gh.requests.length;
    const run = await act(sim, { state: 'absent', prune: 'true', prune_tags: 'lazy', prune_older_than: '1d', dry_run: 'true', github_token: '' }, {
      env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: JOB_TOKEN },
    });
    ok(run);
    expect(gh.requests.length).toBe(before);
  });

  test('with the default token, prune asks GitHub (loading the chunk) and keeps the VM of the run in progress', async () => {
    const before = gh.requests.length;
    const { run, loaded } = await traced({ state: 'absent', prune: 'true', prune_tags: 'lazy', dry_run: 'true' }, { GITHUB_TOKEN: JOB_TOKEN });
    const out = ok(run);
    expect(JSON.parse(out.pruned).map((p: { vmid: number; reason: string }) => [p.vmid, p.reason.replace(/^.*; /, '')])).toEqual([[950, 'run 2001 completed']]);
    expect(run.main.stdout).toMatch(/VM 951 .*run 2002 is still in progress/);
    const asked = gh.requests.slice(before);
    expect(asked.map((r) => r.path).sort()).toEqual([`/repos/${REPO}/actions/runs/2001`, `/repos/${REPO}/actions/runs/2002`]);
    expect(asked.every((r) => r.authorization === `token ${JOB_TOKEN}`)).toBe(true);
    expect(run.main.masks).toContain(JOB_TOKEN);
    expect(visibleText(run)).not.toContain(JOB_TOKEN);
    // the positive control of the tests above: this step did load the GitHub client's chunk, and it is one file
    expect(chunks(loaded)).toHaveLength(1);
    expect(chunks(loaded)[0]).toMatch(/^main\/\d+\.index\.js$/);
  });
});

describe('GitHub refusals through the bundle', () => {
  let refusing: FakeGitHub | undefined;
  afterAll(async () => {
    await refusing?.close();
  });

  test('403 (the job lacks actions: read): the step fails naming the permission, without the token', async () => {
    refusing = await fakeGitHub({}, { status: 403, message: 'Resource not accessible by integration' });
    const run = await act(sim, { state: 'absent', prune: 'true', prune_tags: 'lazy', dry_run: 'true' }, { env: { GITHUB_API_URL: refusing.url, GITHUB_TOKEN: JOB_TOKEN } });
    const err = failed(run);
    expect(err).toMatch(/prune: GitHub API: run 200[12] of octo-org\/proxmox-kvm-action-test: 403 Forbidden: github_token lacks the permission to read workflow runs; give the job `permissions: actions: read`/);
    expect(visibleText(run)).not.toContain(JOB_TOKEN);
    await refusing.close();
    refusing = undefined;
  });

  test('404 for the repository (private, token without access): the step fails saying so', async () => {
    refusing = await fakeGitHub({ 'someone/else/1': 'completed' });
    const run = await act(sim, { state: 'absent', prune: 'true', prune_tags: 'lazy', dry_run: 'true', github_token: 'ghp_otherpat' }, { env: { GITHUB_API_URL: refusing.url } });
    expect(failed(run)).toMatch(/repository octo-org\/proxmox-kvm-action-test: 404 Not Found: github_token cannot see this repository/);
    expect(visibleText(run)).not.toContain('ghp_otherpat');
  });
});
