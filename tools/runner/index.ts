// The runner-faithful harness: runs the bundled action (action.yml + dist/) the way the GitHub runner does (child
// `node`, INPUT_* env from action.yml's inputs and defaults, GITHUB_OUTPUT/STATE/ENV/PATH/STEP_SUMMARY files, stdout
// workflow commands, cancellation by SIGINT, then the post entry with STATE_*), and parses everything the runs left
// behind. Dev tooling, not a test: the tests in __tests__/ assert on what it returns, bench/ measures the action
// through it and scripts/demo.ts shows a run with it. It never imports src/ or sim/. Its own checks are in
// __tests__/runner/harness.test.ts; the command parsing is in ./commands.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { type Annotation, type CommandSink, parseKeyValueFile, processStream } from './commands.js';
import { actionNode } from './node.js';

export { type Annotation, parseKeyValueFile } from './commands.js';
export { PINNED_NODE24, actionNode } from './node.js';

export interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  post?: boolean;
  timeoutMs?: number;
  /** Send SIGINT after this many ms, as the runner does when a job is cancelled. */
  cancelAfterMs?: number;
  /** Send SIGINT once stdout/stderr matches this (cancel at a known point, e.g. while a task is awaited). */
  cancelOn?: RegExp;
  /** ACTIONS_STEP_DEBUG / RUNNER_DEBUG=1. */
  debug?: boolean;
  /** Folder holding action.yml (default: the repository root). */
  actionDir?: string;
  /** Wait after SIGINT before SIGTERM (runner: 7.5 s); then 2.5 s more before SIGKILL. */
  cancelGraceMs?: number;
  /** Keep the temp workspace/runner-file folder (removed by default once everything is parsed). */
  keepTemp?: boolean;
  /** Runs after the main step and before the post step: what the job's later steps (or other jobs) do meanwhile. */
  beforePost?: (main: StepResult) => void | Promise<void>;
  /** Node binary for the steps: '24' (the pinned devDependency), a path, or unset: ACTION_NODE, else this process's (node.ts). */
  node?: string;
}

export interface StepResult {
  exitCode: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  masks: string[];
  durationMs: number;
  /** `::group::` titles in order. */
  groups: string[];
  /** Variables the step exported through GITHUB_ENV (visible to later steps, incl. post). */
  env: Record<string, string>;
  /** Entries the step added through GITHUB_PATH. */
  path: string[];
  /** True when timeoutMs ran out and the harness stopped the process. */
  timedOut: boolean;
  /** True when the harness sent SIGINT (cancel or timeout), whatever the process did next. */
  cancelled: boolean;
}

export interface ActionRun {
  main: StepResult;
  post?: StepResult;
  /** Caller inputs action.yml does not declare (the runner warns "Unexpected input(s)" and passes them on). */
  unexpectedInputs: string[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every text captured by runAction in this process, so a suite can scan all of them for leaked secrets. */
export const allCaptured: string[] = [];

interface ActionManifest {
  inputs?: Record<string, { default?: unknown } | null>;
  runs?: { using?: string; main?: string; post?: string; 'post-if'?: string };
}

function readManifest(actionDir: string): ActionManifest {
  for (const file of ['action.yml', 'action.yaml']) {
    const p = join(actionDir, file);
    if (existsSync(p)) return (load(readFileSync(p, 'utf8')) ?? {}) as ActionManifest;
  }
  throw new Error(`no action.yml in ${actionDir}`);
}

/** Inputs declared in action.yml, defaults as the runner sees them (YAML scalars turned into strings). */
export function actionInputs(actionDir = repoRoot): Array<{ name: string; default?: string }> {
  const inputs = readManifest(actionDir).inputs ?? {};
  return Object.entries(inputs).map(([name, def]) => {
    const d = def?.default;
    return d === undefined || d === null ? { name } : { name, default: String(d) };
  });
}

/** The runner's env name for an input: spaces become `_`, upper-cased, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Resolves the few `${{ }}` contexts a default may use; anything else would need the runner's evaluator. */
function evaluateDefault(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([a-z_]+)\.([A-Za-z0-9_]+)\s*\}\}/g, (whole, ctx: string, key: string) => {
    if (ctx === 'github') return key === 'token' ? (env.GITHUB_TOKEN ?? '') : (env[`GITHUB_${key.toUpperCase()}`] ?? '');
    if (ctx === 'runner') return env[`RUNNER_${key.toUpperCase()}`] ?? '';
    if (ctx === 'env') return env[key] ?? '';
    throw new Error(`harness cannot evaluate default ${whole}`);
  });
}

interface StepPlan {
  script: string;
  env: Record<string, string>;
  cwd: string;
  fileDir: string;
  opts: RunOptions;
}

function readIfExists(p: string): string {
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Spawns one step (main or post), enforces cancel/timeout like the runner, and parses what it left. */
async function runStep(plan: StepPlan): Promise<StepResult> {
  const files = {
    GITHUB_OUTPUT: join(plan.fileDir, 'set_output'),
    GITHUB_STATE: join(plan.fileDir, 'save_state'),
    GITHUB_STEP_SUMMARY: join(plan.fileDir, 'step_summary'),
    GITHUB_ENV: join(plan.fileDir, 'set_env'),
    GITHUB_PATH: join(plan.fileDir, 'add_path'),
  };
  mkdirSync(plan.fileDir, { recursive: true });
  for (const f of Object.values(files)) writeFileSync(f, '');

  const started = performance.now();
  const child = spawn(actionNode(plan.opts.node), [plan.script], {
    cwd: plan.cwd,
    env: { ...plan.env, ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const timers: NodeJS.Timeout[] = [];
  let timedOut = false;
  let cancelled = false;
  // The runner's cancellation: SIGINT, then SIGTERM after 7.5 s, then a hard kill 2.5 s later.
  const stop = () => {
    if (cancelled) return;
    cancelled = true;
    child.kill('SIGINT');
    const grace = plan.opts.cancelGraceMs ?? 7500;
    timers.push(setTimeout(() => child.kill('SIGTERM'), grace));
    timers.push(setTimeout(() => child.kill('SIGKILL'), grace + 2500));
  };
  const watch = () => {
    if (plan.opts.cancelOn && (plan.opts.cancelOn.test(stdout) || plan.opts.cancelOn.test(stderr))) stop();
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => ((stdout += c), watch()));
  child.stderr.setEncoding('utf8').on('data', (c: string) => ((stderr += c), watch()));
  if (plan.opts.cancelAfterMs !== undefined) timers.push(setTimeout(stop, plan.opts.cancelAfterMs));
  if (plan.opts.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, plan.opts.timeoutMs),
    );
  }
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, sig) => res([code, sig]));
  });
  for (const t of timers) clearTimeout(t);
  const durationMs = performance.now() - started;

  const sink: CommandSink = { annotations: [], masks: [], groups: [], outputs: {}, state: {} };
  processStream(stdout, sink);
  sink.stopToken = undefined;
  processStream(stderr, sink);
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: { ...sink.outputs, ...parseKeyValueFile(readIfExists(files.GITHUB_OUTPUT), 'GITHUB_OUTPUT') },
    state: { ...sink.state, ...parseKeyValueFile(readIfExists(files.GITHUB_STATE), 'GITHUB_STATE') },
    summary: readIfExists(files.GITHUB_STEP_SUMMARY),
    annotations: sink.annotations,
    masks: sink.masks,
    durationMs,
    groups: sink.groups,
    env: parseKeyValueFile(readIfExists(files.GITHUB_ENV), 'GITHUB_ENV'),
    path: readIfExists(files.GITHUB_PATH).split(/\r?\n/).filter(Boolean),
    timedOut,
    cancelled,
  };
}

function failed(step: StepResult): boolean {
  return step.exitCode !== 0;
}

/** Evaluates the `post-if` forms actions use; the runner's default is `always()`. */
function postShouldRun(condition: string | undefined, main: StepResult): boolean {
  const expr = (condition ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  const cancelled = main.cancelled;
  const values: Record<string, boolean> = {
    'always()': true,
    'success()': !failed(main) && !cancelled,
    'failure()': failed(main) && !cancelled,
    'cancelled()': cancelled,
    '!cancelled()': !cancelled,
  };
  if (!(expr in values)) throw new Error(`harness cannot evaluate post-if '${condition}'`);
  return values[expr];
}

function baseEnv(opts: RunOptions, dirs: { workspace: string; temp: string }): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dirs.temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'harness',
    RUNNER_TEMP: dirs.temp,
    RUNNER_TOOL_CACHE: join(dirs.temp, 'toolcache'),
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_REPOSITORY: 'octo-org/proxmox-kvm-action-test',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_RUN_ID: '4242424242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(dirs.temp, 'event.json'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
  };
  if (opts.debug) {
    env.RUNNER_DEBUG = '1';
    env.ACTIONS_STEP_DEBUG = 'true';
  }
  return { ...env, ...opts.env };
}

/** Runs the action's main entry (and, if asked and post-if allows, its post entry) like the runner. */
export async function runAction(opts: RunOptions = {}): Promise<ActionRun> {
  const actionDir = resolve(opts.actionDir ?? repoRoot);
  const manifest = readManifest(actionDir);
  const runs = manifest.runs ?? {};
  if (!runs.main) throw new Error(`${actionDir}/action.yml has no runs.main`);
  // The runner runs node actions with its bundled node; anything else is not a JavaScript action.
  if (!/^node\d+$/.test(runs.using ?? '')) throw new Error(`${actionDir}/action.yml: runs.using '${runs.using}' is not a node runtime`);

  const root = mkdtempSync(join(tmpdir(), 'action-run-'));
  const dirs = { workspace: join(root, 'workspace'), temp: join(root, 'temp') };
  mkdirSync(dirs.workspace, { recursive: true });
  mkdirSync(dirs.temp, { recursive: true });
  writeFileSync(join(dirs.temp, 'event.json'), JSON.stringify({ ref: 'refs/heads/main' }));
  const env = baseEnv(opts, dirs);

  const declared = actionInputs(actionDir);
  const given = opts.inputs ?? {};
  const inputEnv: Record<string, string> = {};
  for (const input of declared) {
    const value = given[input.name] ?? (input.default !== undefined ? evaluateDefault(input.default, env) : '');
    inputEnv[inputEnvName(input.name)] = value;
  }
  const declaredNames = new Set(declared.map((i) => i.name));
  const unexpectedInputs = Object.keys(given).filter((n) => !declaredNames.has(n));
  for (const name of unexpectedInputs) inputEnv[inputEnvName(name)] = given[name];

  const main = await runStep({
    script: join(actionDir, runs.main),
    env: { ...env, ...inputEnv },
    cwd: dirs.workspace,
    fileDir: join(root, 'files-main'),
    opts,
  });
  const run: ActionRun = { main, unexpectedInputs };

  if (opts.post && runs.post && postShouldRun(runs['post-if'], main)) {
    await opts.beforePost?.(main);
    const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
    const pathPrefix = [...main.path].reverse().join(':');
    const postEnv = { ...env, ...main.env, ...inputEnv, ...stateEnv };
    if (pathPrefix) postEnv.PATH = `${pathPrefix}:${postEnv.PATH}`;
    // A cancel/timeout applies to the main step only: the runner still gives post steps their own run.
    run.post = await runStep({
      script: join(actionDir, runs.post),
      env: postEnv,
      cwd: dirs.workspace,
      fileDir: join(root, 'files-post'),
      opts: { ...opts, cancelAfterMs: undefined, cancelOn: undefined },
    });
  }
  allCaptured.push(capturedText(run));
  if (!opts.keepTemp) rmSync(root, { recursive: true, force: true });
  return run;
}

function stepText(step: StepResult): string {
  const annotations = step.annotations.map((a) => `${a.message} ${Object.values(a.props).join(' ')}`);
  return [step.stdout, step.stderr, ...Object.entries(step.outputs).map(([k, v]) => `${k}=${v}`), step.summary, ...annotations].join('\n');
}

/** All text the runs emitted (stdout, stderr, outputs, summary), for secret-leak scans. */
export function capturedText(run: ActionRun): string {
  return [stepText(run.main), run.post ? stepText(run.post) : ''].join('\n');
}
