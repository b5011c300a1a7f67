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

// The blind schedule (tasks that tell nothing until they end), chosen by `npm run bench:poll` (BENCHMARKS-polling.md)
// over random task durations: no poll before 300 ms (a PVE worker needs that long to fork, lock and do anything), then
// every 200 ms, then a tenth of the time elapsed, at most 1 s. Against the old 50 ms × 1.5 up to 500 ms it notices
// the end sooner (p90 ~190 ms instead of ~430 ms) with fewer requests; a long task is polled once a second, as
// Ansible's proxmox_kvm polls all along. A p90 ≤ 100 ms without a signal from the task would take a poll every
// ~100 ms, 3-4 times Ansible's requests: not worth it.
const FIRST_POLL_MS = 300;
const MIN_POLL_MS = 200;
const POLL_FRACTION = 0.1;
const MAX_POLL_MS = 1000;
/**
 * Task types whose log shows progress while they run: full clones and disk moves copy with `qemu-img convert -p`
 * (qemu-server QemuImage.pm convert logs `transferred <x> of <size> (<p>%)`) or drive-mirror (`drive-scsi0:
 * transferred … (<p>%) in <n>s`). For these the wait reads the task log incrementally instead of the status: PVE's
 * exitstatus is the log's last line (pve-common UPID.pm read_status: `TASK OK`, `TASK WARNINGS: n`,
 * `TASK ERROR: <msg>`), so one request tells both how far the copy is and whether the task ended.
 */
const PROGRESS_TYPES = new Set(['qmclone', 'qmmove']);
const PROGRESS_RE = /transferred .* of .* \((\d+(?:\.\d+)?)%\)/;
const END_RE = /^TASK (OK|WARNINGS: \d+|ERROR: (.*))$/;
/** Polls near a predicted end (a copy at 100 %, the rest of the task is short) are this close. */
const END_POLL_MS = 50;
/** A prediction whose error (rate error × time left) is below this is aimed at directly. */
const PREDICT_SURE_MS = 50;
/** Aim this much after the predicted end: a poll just before the end costs another request. */
const PREDICT_SLACK_MS = 20;
/** A copy of hours is still looked at now and then. */
const MAX_PROGRESS_POLL_MS = 5000;
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

type PollOutcome<T> = { value: T } | { problem: string };

/** The blind schedule: the wait before the next poll, `elapsed` ms after the task was handed over. */
function blindInterval(elapsed: number): number {
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, POLL_FRACTION * elapsed));
}

/** What the task log read so far says: its lines, the copy's progress over time, the end when it is there. */
class LogFollower {
  readonly lines: string[] = [];
  /** (time of the read, progress then) for the current copy; reset when a new copy (drive) starts over. */
  private points: { at: number; pct: number }[] = [];
  private lastPct: number | undefined;
  /** Smallest progress step seen between two lines (qemu-img reports about every 1 %). */
  private step = Infinity;
  private doneAt: number | undefined;

  /** Adds a page of the log read at `at`; returns the exitstatus when the last line is PVE's end marker. */
  add(entries: { n?: number; t?: string }[], at: number): string | undefined {
    // PVE's stand-in for an empty log.
    if (this.lines.length === 0 && entries.length === 1 && entries[0]?.t === 'no content') return undefined;
    for (const e of entries) {
      const line = String(e?.t ?? '');
      this.lines.push(line);
      const m = PROGRESS_RE.exec(line);
      if (!m) continue;
      const pct = Number(m[1]);
      if (this.lastPct !== undefined && pct < this.lastPct) {
        this.points = [];
        this.doneAt = undefined;
      } else if (this.lastPct !== undefined && pct > this.lastPct) this.step = Math.min(this.step, pct - this.lastPct);
      this.lastPct = pct;
    }
    if (this.lastPct !== undefined) {
      const last = this.points[this.points.length - 1];
      if (!last || last.pct !== this.lastPct) this.points.push({ at, pct: this.lastPct });
      if (this.lastPct >= 100 && this.doneAt === undefined) this.doneAt = at;
    }
    const end = END_RE.exec(this.lines[this.lines.length - 1] ?? '');
    if (!end) return undefined;
    // read_status: `TASK ERROR: (.+)` is the message; anything else there is PVE's 'unexpected status'.
    return end[2] !== undefined ? end[2] || 'unexpected status' : end[1];
  }

  /** The wait before the next read, from the progress (undefined: no progress seen, use the blind schedule). */
  nextWait(now: number, started: number): number | undefined {
    if (this.lastPct === undefined || this.points.length === 0) return undefined;
    if (this.doneAt !== undefined) return Math.max(END_POLL_MS, (now - this.doneAt) / 2);
    const elapsed = now - started;
    // One read says nothing of the rate: look again after as long as the task has run, for a useful baseline.
    if (this.points.length < 2) return Math.max(MIN_POLL_MS, elapsed);
    const first = this.points[0];
    const last = this.points[this.points.length - 1];
    const done = last.pct - first.pct;
    if (!(last.at > first.at) || !(done > 0)) return undefined;
    const rate = done / (last.at - first.at); // % per ms
    // Each read sees a line written up to one progress step earlier: the rate is good to about a step over what
    // was done between the two reads, and half a step is counted as done since the last line.
    const step = Number.isFinite(this.step) ? this.step : 1;
    const error = step / done;
    const remaining = (100 - Math.min(100, last.pct + step / 2)) / rate - (now - last.at);
    // Sure enough: aim just after the predicted end. Not yet: look again at a share of the way that the error
    // cannot overshoot, with a better baseline then.
    const wait = remaining * error <= PREDICT_SURE_MS ? remaining + PREDICT_SLACK_MS : remaining * Math.max(0.5, 1 - 2 * error);
    // Safety bound: a copy that speeds up (sparse areas) ends before the prediction; the wait never exceeds a few
    // times what the task has run so far, nor MAX_PROGRESS_POLL_MS.
    return Math.min(MAX_PROGRESS_POLL_MS, Math.max(MIN_POLL_MS, 3 * elapsed), Math.max(END_POLL_MS, wait));
  }
}

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
  // Follow the log of the tasks that show progress; anything odd about it and the status is polled as for others.
  let follower: LogFollower | undefined = PROGRESS_TYPES.has(info.type) ? new LogFollower() : undefined;
  let next = FIRST_POLL_MS;
  let lastProblem: string | undefined;

  for (;;) {
    opts.signal?.throwIfAborted();
    // No poll right after the task was started: a PVE worker takes longer than that just to fork.
    const wait = Math.min(next, deadline - Date.now());
    if (wait > 0) await sleep(wait, opts.signal);
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    next = blindInterval(Date.now() - started);
    if (follower) {
      const outcome = await poll<unknown>(client, `${base}/log`, { start: follower.lines.length, limit: LOG_PAGE }, remaining, opts.signal);
      if ('problem' in outcome) {
        lastProblem = outcome.problem;
        continue;
      }
      if (!Array.isArray(outcome.value)) {
        follower = undefined;
        next = 0;
        continue;
      }
      const now = Date.now();
      const exitstatus = follower.add(outcome.value as { n?: number; t?: string }[], now);
      if (exitstatus !== undefined) return finish(client, base, info, upid, exitstatus, label, started, opts, follower.lines);
      next = outcome.value.length >= LOG_PAGE ? 0 : (follower.nextWait(now, started) ?? next);
      continue;
    }
    const outcome = await poll<TaskStatus>(client, `${base}/status`, undefined, remaining, opts.signal);
    if ('problem' in outcome) {
      lastProblem = outcome.problem;
    } else if ((outcome.value ?? {}).status === 'stopped') {
      const exitstatus = outcome.value?.exitstatus ?? 'unexpected status';
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
  /** The whole log when the wait has read it already. */
  known?: string[],
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

  const log = known ?? (await readLog(client, base, opts.signal));
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

/** One status or log poll, bounded by what is left of the budget. Transient trouble is reported, not thrown. */
async function poll<T>(
  client: ProxmoxClient,
  path: string,
  params: Record<string, number> | undefined,
  budgetMs: number,
  signal?: AbortSignal,
): Promise<PollOutcome<T>> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error('task wait budget used up')), timerMs(budgetMs));
  const linked = anySignal([signal, budget.signal]);
  try {
    return { value: await client.get<T>(path, params, { signal: linked.signal }) };
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
