// Runs the bundled action (dist/) as the GitHub runner does, through the runner harness (tools/runner/), with a preloaded probe
// reporting the child's own peak RSS; plus a bare spawn for measuring cold start against the request log.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { actionInputs, inputEnvName, runAction } from '../tools/runner/index.js';

/** The Node binary the action runs on (bench/run.ts sets it per pass: the pinned Node 24, then this process's). */
let benchNode = process.execPath;
export function useNode(path: string): void {
  benchNode = path;
}

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..');
const probeUrl = pathToFileURL(join(here, 'probe.mjs')).href;

/** What bench/probe.mjs reports from inside the action process. */
export interface Probe {
  maxRssKiB: number;
  /** User + system CPU time of the process up to its exit event. */
  cpuMs: number;
  /** Date.now() when Node had booted (the probe is imported before the action's bundle). */
  bootedAt: number;
  /** Date.now() at the process's exit event. */
  exitAt: number;
}

/** The action folder the runs use: a private copy, so a concurrent `npm run build` cannot change it mid-run. */
let actionDir = repoRoot;

/** Runs the action from `dir` (a folder with action.yml and dist/, e.g. an earlier snapshot), for A/B runs. */
export function useActionDir(dir: string): void {
  actionDir = dir;
}

/** Copies action.yml and dist/ to a scratch folder and runs from there; returns the bundle's SHA-256. */
export function snapshotAction(scratch: string): string {
  const bundle = join(repoRoot, 'dist/main/index.js');
  if (!existsSync(bundle) || statSync(bundle).size === 0) throw new Error(`${bundle} is missing: run npm run build first`);
  const dir = join(scratch, 'action');
  mkdirSync(dir, { recursive: true });
  cpSync(join(repoRoot, 'action.yml'), join(dir, 'action.yml'));
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  actionDir = dir;
  return createHash('sha256').update(readFileSync(join(dir, 'dist/main/index.js'))).digest('hex');
}

function readProbe(file: string): Probe | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Probe) : undefined;
}

export interface ActionStep {
  ok: boolean;
  wallMs: number;
  outputs: Record<string, string>;
  rssKiB?: number;
  cpuMs?: number;
  error?: string;
}

export async function runActionStep(inputs: Record<string, string>, timeoutMs = 300_000): Promise<ActionStep> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-probe-'));
  const probeFile = join(dir, 'probe.json');
  try {
    const { main } = await runAction({
      inputs,
      actionDir,
      env: { NODE_OPTIONS: `--import ${probeUrl}`, BENCH_PROBE_FILE: probeFile },
      timeoutMs,
      node: benchNode,
    });
    const ok = main.exitCode === 0 && !main.timedOut;
    const errors = main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    const error = ok ? undefined : (errors.join('; ') || main.stderr.slice(0, 300) || `exit ${main.exitCode}`).split('\n')[0];
    const probe = readProbe(probeFile);
    return { ok, wallMs: main.durationMs, outputs: main.outputs, rssKiB: probe?.maxRssKiB, cpuMs: probe?.cpuMs, error };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ColdStart {
  /** Date.now() right before spawn(), on the same clock as the simulator's request log. */
  spawnAt: number;
  /** Date.now() when the parent saw the child close. */
  closedAt: number;
  exitCode: number | null;
  probe?: Probe;
}

/**
 * Spawns `node dist/main/index.js` directly with the runner's INPUT_* and file-command variables, taking the
 * timestamp immediately before the spawn (the harness does file and YAML work before its spawn, which would blur
 * a start-up figure of a few tens of ms).
 */
export async function spawnActionBare(inputs: Record<string, string>, probe = true): Promise<ColdStart> {
  const root = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root, GITHUB_ACTIONS: 'true', CI: 'true', RUNNER_TEMP: root };
  for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH']) {
    env[f] = join(root, f.toLowerCase());
    writeFileSync(env[f], '');
  }
  for (const input of actionInputs(actionDir)) env[inputEnvName(input.name)] = inputs[input.name] ?? input.default ?? '';
  env.BENCH_PROBE_FILE = join(root, 'probe.json');
  if (probe) env.NODE_OPTIONS = `--import ${probeUrl}`;
  mkdirSync(join(root, 'ws'));
  try {
    const spawnAt = Date.now();
    const child = spawn(benchNode, [join(actionDir, 'dist/main/index.js')], { cwd: join(root, 'ws'), env, stdio: 'ignore' });
    const exitCode = await new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('close', (c) => res(c));
    });
    return { spawnAt, closedAt: Date.now(), exitCode, probe: readProbe(env.BENCH_PROBE_FILE) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Bare Node on this machine (`node -e 0`): the floor under any action's start-up time and memory. */
export async function bareNode(): Promise<{ ms: number; rssKiB?: number; plainMs: number }> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-node-')), 'probe.json');
  const t0 = performance.now();
  // The same minimal environment the action's runs get (not this process's: Node 20 reads NODE_EXTRA_CA_CERTS, if
  // set, at start-up, which made its `node -e 0` 70 ms instead of 28 ms here).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
  const child = spawn(benchNode, ['-e', '0'], { stdio: 'ignore', env: { ...env, NODE_OPTIONS: `--import ${probeUrl}`, BENCH_PROBE_FILE: file } });
  await new Promise((res) => child.on('close', res));
  const ms = performance.now() - t0;
  const rssKiB = readProbe(file)?.maxRssKiB;
  rmSync(dirname(file), { recursive: true, force: true });
  // The floor for the start-up ratios: the same spawn without the probe (which costs an ESM loader start itself).
  const t1 = performance.now();
  const plain = spawn(benchNode, ['-e', '0'], { stdio: 'ignore', env });
  await new Promise((res) => plain.on('close', res));
  return { ms, rssKiB, plainMs: performance.now() - t1 };
}

/**
 * The floor under the main step's figures: a Node process of the same binary that loads node:https and makes three
 * GETs on one keep-alive connection with the same token and TLS mode (no verification), spawned the same way. What
 * the action spends beyond it is its own: its bundle, the inputs, the plan.
 */
export async function minimalHttpsClient(conn: Record<string, string>, node: string, vmid: number): Promise<{ spawnAt: number; closedAt: number; exitCode: number | null }> {
  const script = [
    "const https = require('node:https');",
    'const agent = new https.Agent({ keepAlive: true });',
    `const auth = ${JSON.stringify(`PVEAPIToken=${conn.api_user}!${conn.api_token_id}=${conn.api_token_secret}`)};`,
    `const paths = ['/cluster/resources?type=vm', '/nodes/${node}/qemu/${vmid}/status/current', '/nodes/${node}/qemu/${vmid}/config'];`,
    'const next = (i) => {',
    '  if (i === paths.length) return agent.destroy();',
    `  https.request({ host: ${JSON.stringify(conn.api_host)}, port: ${Number(conn.api_port)}, path: '/api2/json' + paths[i], agent, rejectUnauthorized: false, headers: { authorization: auth } },`,
    '    (res) => { res.resume(); res.on("end", () => next(i + 1)); }).end();',
    '};',
    'next(0);',
  ].join('\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
  const spawnAt = Date.now();
  const child = spawn(benchNode, ['-e', script], { stdio: 'ignore', env });
  const exitCode = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  return { spawnAt, closedAt: Date.now(), exitCode };
}

export type PostCase = 'never' | 'nothing-created';

/**
 * The post step with nothing to do, spawned as the runner spawns it (runner variables, inputs, STATE_*), no probe:
 * `never` — main created a VM but cleanup is never; `nothing-created` — cleanup always, but main created nothing.
 */
export async function spawnPostNothing(inputs: Record<string, string>, kind: PostCase): Promise<{ ms: number; exitCode: number | null; stdout: string }> {
  const root = mkdtempSync(join(tmpdir(), 'bench-post-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root, GITHUB_ACTIONS: 'true', CI: 'true', RUNNER_TEMP: root };
  for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH']) {
    env[f] = join(root, f.toLowerCase());
    writeFileSync(env[f], '');
  }
  for (const input of actionInputs(actionDir)) env[inputEnvName(input.name)] = inputs[input.name] ?? input.default ?? '';
  if (kind === 'never') {
    env.STATE_cleanup = 'never';
    env.STATE_created = JSON.stringify({ vmid: 9999, node: 'pve1', kind: 'create', ciTags: [] });
  } else env.STATE_cleanup = 'always';
  env.STATE_main_ok = 'true';
  mkdirSync(join(root, 'ws'));
  try {
    const t0 = performance.now();
    const child = spawn(benchNode, [join(actionDir, 'dist/post/index.js')], { cwd: join(root, 'ws'), env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const exitCode = await new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('close', (c) => res(c));
    });
    return { ms: performance.now() - t0, exitCode, stdout };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
