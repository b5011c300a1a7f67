// The measurements beside the scenario table: the action's cold start up to its first request (and where the
// rest of a short run goes), and many clones of one template at once.
import { minimalHttpsClient, runActionStep, spawnActionBare } from './action.js';
import { NODE, TEMPLATE, TEMPLATE_ID, type BenchEnv } from './env.js';

export interface ColdSample {
  ok: boolean;
  /** Run with the preloaded probe (boot/exit phases, RSS); without it the timings have no probe cost in them. */
  probe: boolean;
  /** spawn() → arrival of the first request at the simulator. */
  firstRequestMs: number;
  /** spawn() → the preloaded probe ran (Node booted, before the action's bundle is loaded). */
  bootMs?: number;
  /** Node booted → first request (loading the bundle, reading inputs, TLS connect). */
  loadMs?: number;
  /** Last answer → the process's exit event (closing connections, summary, ...). */
  exitMs?: number;
  /** exit event → the parent saw the process close. */
  teardownMs?: number;
  totalMs: number;
  requests: number;
}

/** `state: current` of the template: the cheapest real run (reads only), spawned bare. */
export async function coldStart(env: BenchEnv, probe = true): Promise<ColdSample> {
  env.watch.start();
  const c = await spawnActionBare({ ...env.actionConn, vmid: String(TEMPLATE_ID), state: 'current' }, probe);
  const w = await env.watch.stop();
  const first = w.requests[0];
  const last = w.requests[w.requests.length - 1];
  const p = c.probe;
  return {
    ok: c.exitCode === 0 && first !== undefined,
    probe,
    firstRequestMs: first ? first.at - c.spawnAt : NaN,
    bootMs: p ? p.bootedAt - c.spawnAt : undefined,
    loadMs: p && first ? first.at - p.bootedAt : undefined,
    exitMs: p && last ? p.exitAt - (last.at + last.ms) : undefined,
    teardownMs: p ? c.closedAt - p.exitAt : undefined,
    totalMs: c.closedAt - c.spawnAt,
    requests: w.requests.length,
  };
}

/** The minimal HTTPS client (action.ts minimalHttpsClient) making the same three reads: the floor of a main step. */
export async function minimalStart(env: BenchEnv): Promise<{ ok: boolean; firstRequestMs: number; totalMs: number }> {
  env.watch.start();
  const c = await minimalHttpsClient(env.actionConn, NODE, TEMPLATE_ID);
  const w = await env.watch.stop();
  const first = w.requests[0];
  return { ok: c.exitCode === 0 && w.requests.length === 3, firstRequestMs: first ? first.at - c.spawnAt : NaN, totalMs: c.closedAt - c.spawnAt };
}

export interface ParallelSample {
  n: number;
  /** First spawn → last process closed. */
  wallMs: number;
  failures: number;
  /** One message per failed run. */
  errors: string[];
  uniqueIds: number;
  requests: number;
  maxRssKiB: number;
  /** CPU time (user + system) of each clone process. */
  cpuMs: number[];
  /** Tearing the clones down again with `state: absent, force: true`, all at once as well. */
  absent: { wallMs: number; failures: number; errors: string[] };
  /** VMs other than the template still in the cluster afterwards (removed out of band if any). */
  leftBehind: number;
}

/** n action processes at once, each `clone: <template>, state: started` without newid; then all absent again. */
export async function parallelClones(env: BenchEnv, n: number, rep: number): Promise<ParallelSample> {
  env.watch.start();
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: n }, (_, i) => runActionStep({ ...env.actionConn, clone: TEMPLATE, name: `p${n}-${rep}-${i}`, node: NODE, state: 'started' })),
  );
  const wallMs = performance.now() - t0;
  const w = await env.watch.stop();
  const ids = runs.filter((r) => r.ok && r.outputs.vmid).map((r) => Number(r.outputs.vmid));
  const errors = runs.filter((r) => !r.ok).map((r) => r.error ?? 'failed');

  const t1 = performance.now();
  const gone = await Promise.all(ids.map((id) => runActionStep({ ...env.actionConn, vmid: String(id), state: 'absent', force: 'true' })));
  const absentWall = performance.now() - t1;
  await env.sim.waitForTasks();
  const rest = [...env.sim.state.vms.keys()].filter((id) => id !== TEMPLATE_ID);
  await env.destroy(rest);
  return {
    n,
    wallMs,
    failures: runs.filter((r) => !r.ok).length,
    errors,
    uniqueIds: new Set(ids).size,
    requests: w.requests.length,
    maxRssKiB: Math.max(0, ...runs.map((r) => r.rssKiB ?? 0)),
    cpuMs: runs.map((r) => r.cpuMs ?? NaN),
    absent: {
      wallMs: absentWall,
      failures: gone.filter((r) => !r.ok).length,
      errors: gone.filter((r) => !r.ok).map((r) => r.error ?? 'failed'),
    },
    leftBehind: rest.length,
  };
}
