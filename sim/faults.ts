// Fault injection and realism knobs: seeded randomness, transient 5xx answers, dropped connections, latency and
// tasks that are made to fail, all reconfigurable while the simulator runs.
import type { HttpMethod } from './core.js';

export interface FaultOptions {
  /** 0..1: fraction of matching requests answered with a 5xx before the handler runs (nothing applied). */
  errorRate?: number;
  /** 0..1: fraction of matching requests whose connection is destroyed without any answer (before the handler). */
  dropRate?: number;
  /** Methods the two rates apply to (default: GET only, i.e. reads). */
  methods?: HttpMethod[];
  /**
   * At most this many faults in a row for one method and path; the next such request is answered normally (a
   * transient fault clears). Unset: no limit, every request draws on its own. Tests that claim "faults within the
   * client's retry budget never fail a step" set it below that budget, so the claim holds on every run.
   */
  maxInARow?: number;
  /** Status(es) used for injected errors, picked at random (default [500, 503]). */
  errorStatus?: number | number[];
  /** The next matching task(s) end with `TASK ERROR: <message>` instead of doing their work. */
  failTask?: { type: string; message: string; id?: string; times?: number };
  /**
   * Hold the VM's flock as a long operation on the node would: for `ms` simulated ms (scaled by timeScale), and/or
   * until `releaseAfterRefusals` lock attempts by others on that VM have given up (`can't lock file ... - got
   * timeout`). With neither, or when neither has happened yet, the lock is released when the fault set is replaced.
   */
  holdLock?: { vmid: number; ms?: number; releaseAfterRefusals?: number };
  /**
   * Worker tasks of these types (e.g. 'qmclone') do not get past their simulated work (a disk copy on a slow
   * storage, a hung worker) until the fault set is replaced: tests look at a task "mid-work" for as long as they
   * need, however slow the machine, instead of racing its duration. Their flocks and `lock:` stay held meanwhile.
   */
  holdTasks?: string[];
  /**
   * The first `count` requests for `path` (method default GET) wait for each other before their handler runs,
   * then all go on at once (later ones pass freely; replacing the fault set lets waiting ones go too). Stands in
   * for the scheduling luck that has concurrent clients ask (e.g. /cluster/nextid) before any of them acts.
   */
  lineUp?: { path: string; count: number; method?: HttpMethod };
  /**
   * Not PVE: a broken or hostile server (or something else listening on the port) answering requests whose path
   * matches `path` (a regular expression) with a 200 of `bytes` bytes, to prove the client does not buffer it all.
   */
  hugeAnswer?: { path: string; bytes: number };
  /** Seed for every random choice (rates, latency), so a failing run can be replayed. */
  seed?: number;
}

export type LatencySpec = number | [number, number];

export type RequestFault = { kind: 'drop' } | { kind: 'error'; status: number; message: string; jsonBody: boolean };

/** Reason phrases of the statuses a flaky PVE (or the pveproxy in front of pvedaemon) answers with. */
const REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  595: 'Connection refused',
  596: 'Connection timed out',
  597: 'Connection reset by peer',
};

/** mulberry32: small, fast, good enough for test randomness, and reproducible from a seed (faults, task durations). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private options: FaultOptions = {};
  private random: () => number = Math.random;
  private failTaskLeft = 0;
  private lineUpWaiting: Array<() => void> = [];
  private lineUpDone = false;
  private readonly inARow = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces the whole fault set (an empty object clears every fault). */
  set(options: FaultOptions = {}): void {
    this.releaseLineUp();
    this.lineUpDone = false;
    this.options = { ...options };
    this.random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.failTaskLeft = options.failTask ? (options.failTask.times ?? 1) : 0;
    this.inARow.clear();
  }

  get current(): Readonly<FaultOptions> {
    return this.options;
  }

  /** Decides, before any handler work, whether this request is dropped or answered with an injected error. */
  beforeRequest(method: string, path = ''): RequestFault | undefined {
    const fault = this.draw(method);
    if (this.options.maxInARow === undefined) return fault;
    const key = `${method} ${path}`;
    const n = this.inARow.get(key) ?? 0;
    if (!fault || n >= this.options.maxInARow) {
      this.inARow.delete(key);
      return undefined;
    }
    this.inARow.set(key, n + 1);
    return fault;
  }

  private draw(method: string): RequestFault | undefined {
    const o = this.options;
    const methods: readonly string[] = o.methods ?? ['GET'];
    if (!methods.includes(method)) return undefined;
    if (o.dropRate && this.random() < o.dropRate) return { kind: 'drop' };
    if (o.errorRate && this.random() < o.errorRate) {
      const choices = o.errorStatus === undefined ? [500, 503] : ([] as number[]).concat(o.errorStatus);
      const status = choices[Math.floor(this.random() * choices.length)] ?? 500;
      // A 500 comes from pvedaemon's handler (JSON envelope); the others from the proxy layer (status line only).
      return { kind: 'error', status, message: REASONS[status] ?? 'Internal Server Error', jsonBody: status === 500 };
    }
    return undefined;
  }

  /** The injected task failure for a task that is starting, consuming one of failTask's `times`. */
  taskFailure(type: string, id: string): string | undefined {
    const f = this.options.failTask;
    if (!f || this.failTaskLeft <= 0 || f.type !== type) return undefined;
    if (f.id !== undefined && f.id !== id) return undefined;
    this.failTaskLeft -= 1;
    return f.message;
  }

  /** Resolves when this request may go on to its handler (at once unless it is one of lineUp's first `count`). */
  lineUp(method: string, path: string): Promise<void> | undefined {
    const l = this.options.lineUp;
    if (!l || this.lineUpDone || l.path !== path || (l.method ?? 'GET') !== method) return undefined;
    return new Promise<void>((resolve) => {
      this.lineUpWaiting.push(resolve);
      if (this.lineUpWaiting.length >= l.count) this.releaseLineUp();
    });
  }

  private releaseLineUp(): void {
    this.lineUpDone = true;
    for (const go of this.lineUpWaiting.splice(0)) go();
  }

  /** Whether worker tasks of this type are held at their simulated work (holdTasks). */
  taskHeld(type: string): boolean {
    return this.options.holdTasks?.includes(type) ?? false;
  }

  /** Milliseconds of latency to add to one request. */
  latency(spec: LatencySpec | undefined): number {
    if (spec === undefined) return 0;
    if (typeof spec === 'number') return Math.max(0, spec);
    const [lo, hi] = spec;
    return Math.max(0, lo + (hi - lo) * this.random());
  }
}
