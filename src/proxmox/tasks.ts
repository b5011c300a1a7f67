// Waiting for PVE worker tasks (UPIDs): status polling at growing intervals, success / warnings / failure with the
// tail of the task log, a wall-clock budget and abort.
import { anySignal, sleep, timerMs } from './abort.js';
import type { ProxmoxClient } from './client.js';
import { isTransient } from './errors.js';

export interface TaskResult {
  upid: string;
  node: string;
  type: string;
  id: string;
  exitstatus: string;
  warnings: number;
  /** Wall-clock time spent waiting (from the call to the task's end). */
  durationMs: number;
  /** Last task log lines; only read when the task did not end plainly OK. */
  logTail: string[];
}

export interface UpidInfo {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

// UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: as PVE's UPID.pm decodes it.
const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):?$/;

export function parseUpid(upid: string): UpidInfo {
  const m = UPID_RE.exec(upid);
  if (!m) throw new Error(`not a PVE task id (UPID): "${upid}"`);
  return {
    node: m[1],
    pid: parseInt(m[2], 16),
    pstart: parseInt(m[3], 16),
    starttime: parseInt(m[4], 16),
    type: m[5],
    id: m[6],
    user: m[7],
  };
}

export class TaskFailedError extends Error {
  override name = 'TaskFailedError';
  constructor(
    message: string,
    readonly upid: string,
    readonly exitstatus: string,
    readonly logTail: string[],
  ) {
    super(message);
  }
}

export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
  constructor(
    message: string,
    readonly upid: string,
    readonly logTail: string[],
  ) {
    super(message);
  }
}

const FIRST_POLL_MS = 50;
// Long tasks are polled twice a second: the end of a 3 s clone is noticed within 500 ms, at 2 requests a second.
const MAX_POLL_MS = 500;
const POLL_GROWTH = 1.5;
const TAIL_LINES = 10;
const LOG_PAGE = 500;
/** Bounds the log read for pathological logs (a tail from the first 10 000 lines beats no answer). */
const LOG_MAX_PAGES = 20;
/** The log is read after the verdict; it must not hold the verdict up for long. */
const LOG_READ_MS = 10_000;

interface TaskStatus {
  status?: string;
  exitstatus?: string;
}

type PollOutcome = { status: TaskStatus } | { problem: string };

export async function waitForTask(
  client: ProxmoxClient,
  upid: string,
  opts: { timeoutMs: number; signal?: AbortSignal; what?: string; onWarning?: (msg: string) => void },
): Promise<TaskResult> {
  const info = parseUpid(upid);
  const task = `PVE task ${info.type}${info.id ? ` ${info.id}` : ''} on ${info.node}`;
  const label = opts.what ? `${opts.what} (${task})` : task;
  const base = `/nodes/${info.node}/tasks/${upid}`;
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let interval = FIRST_POLL_MS;
  let lastProblem: string | undefined;

  for (;;) {
    opts.signal?.throwIfAborted();
    // No poll right after the task was started: a PVE worker takes longer than that just to fork.
    const wait = Math.min(interval, deadline - Date.now());
    if (wait > 0) await sleep(wait, opts.signal);
    interval = Math.min(interval * POLL_GROWTH, MAX_POLL_MS);
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const outcome = await pollStatus(client, base, remaining, opts.signal);
    if ('problem' in outcome) {
      lastProblem = outcome.problem;
    } else if (outcome.status.status === 'stopped') {
      const exitstatus = outcome.status.exitstatus ?? 'unexpected status';
      return finish(client, base, info, upid, exitstatus, label, started, opts);
    }
  }

  const tail = lastLines((await readLog(client, base, opts.signal)) ?? []);
  const problem = lastProblem ? `\nLast status poll failed: ${lastProblem}` : '';
  throw new TaskTimeoutError(
    `${label} did not finish within ${formatDuration(opts.timeoutMs)} (timeout); it may still be running as ${upid}` +
      problem +
      formatTail(tail),
    upid,
    tail,
  );
}

async function finish(
  client: ProxmoxClient,
  base: string,
  info: UpidInfo,
  upid: string,
  exitstatus: string,
  label: string,
  started: number,
  opts: { signal?: AbortSignal; onWarning?: (msg: string) => void },
): Promise<TaskResult> {
  const result = (warnings: number, logTail: string[]): TaskResult => ({
    upid,
    node: info.node,
    type: info.type,
    id: info.id,
    exitstatus,
    warnings,
    durationMs: Date.now() - started,
    logTail,
  });
  if (exitstatus === 'OK') return result(0, []);

  const log = await readLog(client, base, opts.signal);
  const tail = lastLines(log ?? []);
  const warnings = /^WARNINGS: (\d+)$/.exec(exitstatus);
  if (warnings) {
    for (const line of log ?? []) {
      const m = /^WARN: (.*)$/.exec(line);
      if (m) opts.onWarning?.(m[1]);
    }
    return result(Number(warnings[1]), tail);
  }
  throw new TaskFailedError(`${label} failed: ${exitstatus}${formatTail(tail)}`, upid, exitstatus, tail);
}

/** One status poll, bounded by what is left of the budget. Transient trouble is reported, not thrown. */
async function pollStatus(client: ProxmoxClient, base: string, budgetMs: number, signal?: AbortSignal): Promise<PollOutcome> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error('task wait budget used up')), timerMs(budgetMs));
  const linked = anySignal([signal, budget.signal]);
  try {
    return { status: (await client.get<TaskStatus>(`${base}/status`, undefined, { signal: linked.signal })) ?? {} };
  } catch (err) {
    if (signal?.aborted) throw err;
    if (budget.signal.aborted) return { problem: 'no answer before the timeout' };
    if (isTransient(err)) return { problem: (err as Error).message };
    throw err;
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}

/** The whole task log as text lines, or undefined when it cannot be read (the verdict matters more). */
async function readLog(client: ProxmoxClient, base: string, signal?: AbortSignal): Promise<string[] | undefined> {
  const linked = anySignal([signal, AbortSignal.timeout(LOG_READ_MS)]);
  try {
    const lines: string[] = [];
    for (let page = 0; page < LOG_MAX_PAGES; page++) {
      const data = await client.get<{ n?: number; t?: string }[]>(
        `${base}/log`,
        { start: page * LOG_PAGE, limit: LOG_PAGE },
        { signal: linked.signal },
      );
      if (!Array.isArray(data)) break;
      for (const entry of data) lines.push(String(entry?.t ?? ''));
      if (data.length < LOG_PAGE) break;
    }
    // PVE's stand-in for an empty log.
    return lines.length === 1 && lines[0] === 'no content' ? [] : lines;
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  } finally {
    linked.dispose();
  }
}

function lastLines(lines: string[]): string[] {
  return lines.slice(-TAIL_LINES);
}

function formatTail(tail: string[]): string {
  return tail.length ? `\nLast lines of the task log:\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
