// Shared pieces of the reliability suite: a bounded-concurrency runner for many action processes, the
// full/quick switch, request-log helpers and the closing figures each file prints.
import type { RequestLogEntry, Simulator } from '../../sim/index.js';
import type { ActionRun } from '../../tools/runner/index.js';

/** RELIABILITY_FULL=1 runs the full counts of the issue; without it a smaller but still meaningful count. */
export const FULL = process.env.RELIABILITY_FULL === '1';

/**
 * Folder of the action under test (action.yml + dist/). Default: the repository itself; pointing it at a private
 * build lets the suite run while dist/ is being rebuilt by someone else.
 */
export const ACTION_DIR = process.env.RELIABILITY_ACTION_DIR || undefined;

/** Seed of every random choice (fault injection, generated inputs); RELIABILITY_SEED replays another run. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20_261_122);

/** Picks the count for this run mode. */
export const count = (full: number, quick: number): number => (FULL ? full : quick);

/** Runs `jobs` with at most `width` in flight; results keep the jobs' order. Every job runs even if one fails. */
export async function pool<T>(width: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, lane));
  return results;
}

const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

/** Requests that change something (the ticket login changes nothing on the cluster). */
export const isMutation = (e: RequestLogEntry): boolean => MUTATING.has(e.method) && e.path !== '/access/ticket';

/** One line per request, for failure messages. */
export const describeLog = (entries: readonly RequestLogEntry[]): string =>
  entries.map((e) => `${e.method} ${e.path} → ${e.status}${e.fault ? ` (${e.fault})` : ''} ${JSON.stringify(e.params)}`).join('\n');

/** The error annotations of the main step, joined (what the workflow UI shows). */
export const errorText = (run: ActionRun): string =>
  run.main.annotations.filter((a) => a.level === 'error').map((a) => a.message).join('\n');

/** Everything a failed step said, for assertion messages. */
export const transcript = (run: ActionRun): string => `exit ${run.main.exitCode}\n${run.main.stdout}\n${run.main.stderr}`;

/** Counts injected faults in a simulator's request log. */
export function faultFigures(sim: Simulator): { requests: number; drops: number; errors: number } {
  return {
    requests: sim.log.length,
    drops: sim.log.filter((e) => e.fault === 'drop').length,
    errors: sim.log.filter((e) => e.fault === 'error').length,
  };
}

/** The closing lines of a reliability file: one labelled figure per line, easy to grep in CI logs. */
export function printFigures(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  console.log(`[reliability] ${title}${FULL ? ' (RELIABILITY_FULL)' : ''}\n${lines.join('\n')}`);
}
