// Shared setup for the integration tests: a simulator with the spec examples' nodes and storages, and a
// runner-faithful run of the bundled action against it.
import { expect } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/index.js';
import { type ActionRun, type RunOptions, runAction } from '../../tools/runner/index.js';

export const EXAMPLE_STORAGES: NonNullable<SimulatorOptions['storages']> = [
  { storage: 'local', type: 'dir', content: 'images,rootdir,iso,vztmpl,backup,snippets' },
  { storage: 'local-lvm', type: 'lvmthin' },
  { storage: 'VMs_LVM', type: 'lvmthin' },
  { storage: 'VMs', type: 'dir', content: 'images,rootdir' },
  { storage: 'LVM_STO', type: 'lvm' },
];

export async function exampleSim(extra: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ nodes: ['sabrewulf', 'kropta'], storages: EXAMPLE_STORAGES, timeScale: 0.02, ...extra });
}

/** Connection inputs for the simulator, trusting its CA inline (the default validate_certs: true stays on). */
export function conn(sim: Simulator, auth: 'password' | 'token' = 'password'): Record<string, string> {
  const base = { api_host: sim.host, api_port: String(sim.port), ca_path: sim.caCert };
  if (auth === 'token') {
    const t = sim.credentials.tokens.full;
    return { ...base, api_user: t.user, api_token_id: t.tokenid, api_token_secret: t.secret };
  }
  return { ...base, api_user: sim.credentials.user, api_password: sim.credentials.password };
}

export async function act(sim: Simulator, inputs: Record<string, string>, opts: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> {
  return runAction({ ...opts, inputs: { ...conn(sim), ...inputs } });
}

/** Asserts a successful step and returns its outputs. */
export function ok(run: ActionRun): Record<string, string> {
  const errors = run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors, `step failed:\n${run.main.stdout}\n${run.main.stderr}`).toEqual([]);
  expect(run.main.exitCode, `exit code; output:\n${run.main.stdout}\n${run.main.stderr}`).toBe(0);
  return run.main.outputs;
}

/** Asserts a failed step and returns its error text. */
export function failed(run: ActionRun): string {
  expect(run.main.exitCode).not.toBe(0);
  return run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message).join('\n');
}

const MUTATING = new Set(['POST', 'PUT', 'DELETE']);
export const mutations = (sim: Simulator, since = 0) =>
  sim.log.slice(since).filter((e) => MUTATING.has(e.method) && e.path !== '/access/ticket');

/** Every request the action sent passed the simulator's schema validation (no 400 parameter errors, no 501). */
export function schemaClean(sim: Simulator, since = 0): void {
  const bad = sim.log.slice(since).filter((e) => e.status === 501 || (e.status === 400 && !/nextid/.test(e.path)));
  expect(bad.map((e) => `${e.method} ${e.path} → ${e.status}`)).toEqual([]);
}

/** The text a run showed on its log, summary and outputs, without the runner's own `::add-mask::` commands. */
export function visibleText(run: ActionRun): string {
  const steps = [run.main, ...(run.post ? [run.post] : [])];
  return steps
    .map((s) => [s.stdout, s.stderr, s.summary, ...Object.values(s.outputs)].join('\n'))
    .join('\n')
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}
