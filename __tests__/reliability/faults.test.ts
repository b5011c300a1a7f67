// Fault injection: with 5 % of reads answered 5xx or dropped and up to 200 ms latency on every request, create →
// start → absent runs of the bundled action must all succeed and leave no VM (and no disk) behind.
import './leak-guard.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { conn, exampleSim } from '../integration/helpers.js';
import { runAction, type ActionRun } from '../../tools/runner/index.js';
import { ACTION_DIR, count, errorText, faultFigures, FULL, pool, printFigures, SEED, transcript } from './support.js';

const RUNS = count(200, 40);
/** Independent sequences run side by side: each is a chain of consecutive runs with its own VM names. */
const LANES = 8;
const NODES = ['sabrewulf', 'kropta'];

let sim: Simulator;
const failures: string[] = [];
let steps = 0;
let wallMs = 0;

beforeAll(async () => {
  sim = await exampleSim({
    timeScale: 0.01,
    latencyMs: [0, 200],
    // Each read may fail twice in a row at most: within the client's 4 attempts, so every run must succeed. Without
    // the cap, four faults in a row on one read (p ≈ 6e-6 per read) failed about one suite run in a hundred.
    faults: { errorRate: 0.025, dropRate: 0.025, methods: ['GET'], seed: SEED, maxInARow: 2 },
  });
});

afterAll(async () => {
  const f = faultFigures(sim);
  const gets = sim.log.filter((e) => e.method === 'GET').length;
  printFigures('fault injection', {
    'create→start→absent runs': RUNS,
    'action steps': steps,
    'concurrent sequences': LANES,
    seed: SEED,
    requests: f.requests,
    'reads (GET)': gets,
    'faults injected': `${f.drops + f.errors} (${f.drops} dropped, ${f.errors} answered 5xx) = ${((100 * (f.drops + f.errors)) / Math.max(1, gets)).toFixed(1)} % of reads`,
    'failed runs': failures.length,
    'wall time': `${(wallMs / 1000).toFixed(1)} s (${(wallMs / Math.max(1, steps)).toFixed(0)} ms per step with ${LANES} in flight)`,
  });
  await sim?.close();
});

/** Runs one step; a failure is recorded (not thrown) so every run gets its chance and the report lists them all. */
async function step(label: string, inputs: Record<string, string>, auth: 'password' | 'token'): Promise<ActionRun | undefined> {
  steps++;
  const run = await runAction({ inputs: { ...conn(sim, auth), ...inputs }, timeoutMs: 60_000, actionDir: ACTION_DIR });
  if (run.main.exitCode !== 0) {
    failures.push(`${label}: ${errorText(run) || transcript(run)}`);
    return undefined;
  }
  return run;
}

async function createStartDestroy(lane: number, i: number): Promise<void> {
  const auth = lane % 2 === 0 ? 'password' : 'token';
  const name = `rel-${lane}-${i}`;
  const label = `run ${name} (${auth})`;
  const up = await step(`${label}, state: started`, {
    state: 'started',
    node: NODES[i % NODES.length],
    name,
    net: 'net0: virtio,bridge=vmbr0',
    scsi: 'scsi0: local-lvm:1',
  }, auth);
  if (!up) return;
  const vmid = Number(up.main.outputs.vmid);
  const vm = sim.state.vms.get(vmid);
  if (up.main.outputs.status !== 'running' || vm?.status !== 'running' || vm.config.name !== name) {
    failures.push(`${label}: after state: started, outputs say ${up.main.outputs.status} and the VM is ${vm?.status ?? 'missing'}`);
  }
  const down = await step(`${label}, state: absent`, { state: 'absent', name, force: 'true' }, auth);
  // Another sequence may already have been given the freed vmid: it is this VM record that must be gone.
  if (down && vm && sim.state.vms.get(vmid) === vm) failures.push(`${label}: VM ${vmid} still exists after state: absent`);
}

test(`${RUNS} create → start → absent runs under injected read faults and latency all succeed${FULL ? '' : ' (RELIABILITY_FULL=1: 200)'}`, async () => {
  const started = performance.now();
  const jobs = Array.from({ length: LANES }, (_, lane) => async () => {
    for (let i = lane; i < RUNS; i += LANES) await createStartDestroy(lane, i);
  });
  await pool(LANES, jobs);
  wallMs = performance.now() - started;
  await sim.waitForTasks();

  expect(failures, failures.join('\n\n')).toEqual([]);
  // Nothing left behind: no VM, no allocated disk volume.
  expect([...sim.state.vms.keys()]).toEqual([]);
  const volumes = [...sim.state.volumes].flatMap(([storage, names]) => [...names].map((n) => `${storage}:${n}`));
  expect(volumes).toEqual([]);
  // The faults really happened, at roughly the configured rate.
  const f = faultFigures(sim);
  expect(f.drops).toBeGreaterThan(0);
  expect(f.errors).toBeGreaterThan(0);
}, 900_000);
