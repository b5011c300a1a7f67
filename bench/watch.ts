// Watches a running simulator from inside the bench process: which requests and worker tasks a measured run
// caused, when each task really ended and when the client first saw it stopped (all on the simulator's clock).
import type { RequestLogEntry, Simulator } from '../sim/index.js';

export interface TaskTiming {
  upid: string;
  type: string;
  /** ms epoch: the answer carrying the UPID was logged (the worker starts just before it). */
  startAt: number;
  /** ms epoch the task stopped; undefined when other tasks overlapped it, since the end is then not attributable. */
  endAt?: number;
  /** ms epoch the last task of its busy period stopped (the union of overlapping tasks ends there). */
  periodEndAt?: number;
  /** ms epoch the first status poll (or log read) answered after endAt finished (the client then knows the task is over). */
  noticedAt?: number;
  exitstatus?: string;
}

export interface Window {
  requests: RequestLogEntry[];
  tasks: TaskTiming[];
}

/** A request's endpoint with ids folded, e.g. `GET /nodes/{node}/tasks/{upid}/status`. */
export function endpointOf(e: RequestLogEntry): string {
  const path = e.path
    .replace(/^\/nodes\/[^/]+/, '/nodes/{node}')
    .replace(/\/qemu\/\d+/, '/qemu/{vmid}')
    .replace(/\/tasks\/[^/]+/, '/tasks/{upid}');
  return `${e.method} ${path}`;
}

// Status polls, and the log reads with which the action follows tasks that log progress (full clones): PVE's
// exitstatus is the log's last line, so a log read after the end shows the end as well.
const STATUS_PATH = /\/nodes\/[^/]+\/tasks\/([^/]+)\/(?:status|log)$/;

/**
 * The simulator's log is a plain array that the server appends to with push(); wrapping that one array's push
 * lets the bench see each request the moment it is answered, without touching the simulator's code.
 */
export class SimWatch {
  private window: Window | undefined;
  private readonly known = new Set<string>();
  private readonly timings = new Map<string, TaskTiming>();
  /** Tasks of the current busy period (from the first task start to the moment none is running). */
  private busy: TaskTiming[] = [];

  constructor(private readonly sim: Simulator) {
    const log = sim.log;
    const push = log.push.bind(log);
    log.push = (...items: RequestLogEntry[]): number => {
      const n = push(...items);
      for (const e of items) this.onRequest(e);
      return n;
    };
    for (const t of sim.tasks()) this.known.add(t.upid);
  }

  /** Starts recording; everything until stop() belongs to this window. */
  start(): void {
    this.window = { requests: [], tasks: [] };
  }

  /** Ends the window once every task it started has stopped, so every task end is known. */
  async stop(): Promise<Window> {
    const w = this.window;
    if (!w) throw new Error('SimWatch.stop() without start()');
    await this.sim.waitForTasks();
    this.window = undefined;
    return w;
  }

  private onRequest(e: RequestLogEntry): void {
    this.window?.requests.push(e);
    if (e.method === 'GET') {
      this.onStatusPoll(e);
      return;
    }
    for (const t of this.sim.tasks()) {
      if (this.known.has(t.upid)) continue;
      this.known.add(t.upid);
      const timing: TaskTiming = { upid: t.upid, type: t.type, startAt: e.at + e.ms };
      this.timings.set(t.upid, timing);
      this.window?.tasks.push(timing);
      if (t.status === 'running') this.track(timing);
      else Object.assign(timing, { endAt: timing.startAt, periodEndAt: timing.startAt, exitstatus: t.exitstatus });
    }
  }

  private onStatusPoll(e: RequestLogEntry): void {
    const m = STATUS_PATH.exec(e.path);
    if (!m || e.status !== 200) return;
    const t = this.timings.get(decodeURIComponent(m[1]));
    if (t && t.endAt !== undefined && t.noticedAt === undefined) t.noticedAt = e.at + e.ms;
  }

  /**
   * waitForTasks() resolves when every task started so far has stopped, i.e. exactly when the last one ends.
   * A task that ran alone therefore gets its true end; tasks of a busy period with several get none.
   */
  private track(timing: TaskTiming): void {
    this.busy.push(timing);
    void this.sim.waitForTasks().then(() => {
      if (this.busy.length === 0) return;
      const now = Date.now();
      const alone = this.busy.length === 1;
      const views = new Map(this.sim.tasks().map((v) => [v.upid, v]));
      for (const t of this.busy) {
        t.exitstatus = views.get(t.upid)?.exitstatus;
        t.periodEndAt = now;
        if (alone) t.endAt = now;
      }
      this.busy = [];
    });
  }
}

/** Wall-clock time covered by the tasks of a window: overlaps count once, so parallel tasks are not added up. */
export function taskTimeMs(tasks: TaskTiming[], until: number): number {
  const spans = tasks.map((t) => [t.startAt, t.endAt ?? t.periodEndAt ?? until] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of spans) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else curEnd = Math.max(curEnd, e);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}
