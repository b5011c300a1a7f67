// Simulated PVE worker tasks: UPIDs, running -> stopped with PVE's exit statuses and log markers, fault-injected
// failures, and the /nodes/{node}/tasks endpoints that report them.
import {
  ApiResult,
  PveError,
  RawResult,
  paramError,
  type AuthInfo,
  type Ctx,
  type Durations,
  type Handler,
  type Route,
  type TaskHandle,
  type TaskManager,
  type TaskSpec,
} from './core.js';

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** `user@realm` or `user@realm!tokenid` as it appears in the UPID. */
  authid: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  /** ms epoch at which the task stopped (the simulator's own record; PVE only reports `endtime` in seconds). */
  endedAt?: number;
  /** Log lines; the final `TASK OK` / `TASK WARNINGS: n` / `TASK ERROR: msg` line is added when it stops. */
  lines: string[];
  warnings: number;
  /** Resolves when the task has stopped (never rejects). */
  done: Promise<void>;
}

export interface TaskEnvironment {
  durations: Durations;
  /** Real ms per simulated ms. */
  timeScale(): number;
  /** The message of an injected failure for this task, if fault injection wants it to fail. */
  injectedFailure(type: string, id: string): string | undefined;
  /** Whether fault injection holds tasks of this type at their simulated work (faults.holdTasks). */
  taskHeld?(type: string): boolean;
  /**
   * A uniform [0, 1) number for durations.durationJitter, for the task named by `key` (type, id and how many tasks of
   * that type and id came before): seeded, and the same for the same task whatever ran beside it, so runs repeat
   * even when tasks interleave differently. Math.random when absent.
   */
  random?(key: string): number;
}

/** FNV-1a of a seed and a string: a 32-bit seed per task for seededRandom (faults.ts). */
export function seedFor(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// pve-common src/PVE/UPID.pm decode (PVE::Tools::upid_decode): the UPID pattern; node:pid:pstart(8-9 hex):starttime:type:id:user:.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export interface DecodedUpid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

/** PVE::Tools::upid_decode (pve-common src/PVE/Tools.pm, which calls src/PVE/UPID.pm decode). */
export function decodeUpid(upid: string): DecodedUpid | undefined {
  const m = UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

const hex = (n: number, width = 8): string => n.toString(16).toUpperCase().padStart(width, '0');

// pve-common src/PVE/UPID.pm encode (PVE::Tools::upid_encode): `UPID:%s:%08X:%08X:%08X:%s:%s:%s:`, pstart may exceed 8 digits.
export function encodeUpid(t: Omit<DecodedUpid, 'user'> & { authid: string }): string {
  return `UPID:${t.node}:${hex(t.pid)}:${hex(t.pstart)}:${hex(t.starttime)}:${t.type}:${t.id}:${t.authid}:`;
}

/** Which duration knob a task type uses when the spec does not say. */
function defaultDuration(d: Durations, type: string): number {
  const map: Record<string, keyof Durations> = {
    qmcreate: 'qmcreate',
    qmrestore: 'qmcreate',
    qmclone: 'qmclone_full',
    qmstart: 'qmstart',
    hastart: 'qmstart',
    qmstop: 'qmstop',
    hastop: 'qmstop',
    qmshutdown: 'qmshutdown',
    qmreboot: 'qmreboot',
    qmreset: 'qmreset',
    qmsuspend: 'qmsuspend',
    qmresume: 'qmresume',
    qmdestroy: 'qmdestroy',
    qmconfig: 'qmconfig',
    qmtemplate: 'qmtemplate',
    qmigrate: 'qmigrate',
    hamigrate: 'qmigrate',
    qmsnapshot: 'qmsnapshot',
    qmrollback: 'qmrollback',
    resize: 'resize',
  };
  const key = map[type];
  return key ? (d[key] ?? 0) : 0;
}

/**
 * pve-common src/PVE/RESTEnvironment.pm fork_worker (`chomp $err; $err =~ s/\n/ /mg`, `TASK ERROR: $err`).
 * How a worker's exception ends up in its log: PVE::Exception stringifies as "<code> <msg>\n<param>: <text>\n…"
 * (a plain die has no code), and the exit status turns newlines into spaces.
 */
export function taskErrorText(err: unknown): string {
  let text: string;
  if (err instanceof PveError) {
    text = err.status === 500 && !err.errors ? err.message : `${err.status} ${err.message}`;
    if (!text.endsWith('\n')) text += '\n';
    for (const [k, v] of Object.entries(err.errors ?? {})) text += `${k}: ${v}\n`;
  } else {
    text = err instanceof Error ? err.message : String(err);
  }
  return text.replace(/\s+$/, '').replace(/\r?\n/g, ' ');
}

export class SimTaskManager implements TaskManager {
  private readonly tasks: TaskRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Tasks held by faults.holdTasks, woken to look again whenever the fault set changes. */
  private readonly held = new Set<() => void>();
  private nextPid = 0x1000 + Math.floor(Math.random() * 0x3f0000);
  private readonly bootMs = Date.now() - 1_209_600_000;
  private closed = false;
  /** Tasks per `type:id` so far (durationJitter draws per task, not per call order). */
  private readonly jitterCount = new Map<string, number>();

  constructor(private readonly env: TaskEnvironment) {}

  /** Waits `simulatedMs` scaled to real time; pending waits are dropped when the simulator closes. */
  sleep(simulatedMs: number): Promise<void> {
    if (this.closed) return new Promise(() => undefined);
    const ms = Math.max(0, simulatedMs * this.env.timeScale());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /**
   * A task's duration factor for durations.durationJitter: one draw from U[1 - j, 1 + j] per task (by its type, id and ordinal), applied to every
   * work period of it (a slow storage is slow for the whole clone, not per disk). Exactly 1 without jitter, and then
   * no random number is drawn.
   */
  private jitterFactor(spec: TaskSpec): number {
    const j = Math.min(1, Math.max(0, this.env.durations.durationJitter ?? 0));
    if (j === 0) return 1;
    const key = `${spec.type}:${spec.id}`;
    const n = this.jitterCount.get(key) ?? 0;
    this.jitterCount.set(key, n + 1);
    const r = this.env.random ? this.env.random(`${key}:${n}`) : Math.random();
    return 1 - j + 2 * j * r;
  }

  /** A step of a task's simulated work: `simulatedMs` (× the task's jitter factor), then for as long as fault injection holds its type. */
  private async simulateWork(type: string, simulatedMs: number, factor = 1): Promise<void> {
    await this.sleep(simulatedMs * factor);
    while (this.env.taskHeld?.(type)) await new Promise<void>((resolve) => this.held.add(resolve));
  }

  /** The fault set changed: held tasks look again whether they are still held. */
  recheckHeld(): void {
    const waiting = [...this.held];
    this.held.clear();
    for (const wake of waiting) wake();
  }

  // pve-common src/PVE/RESTEnvironment.pm fork_worker: the parent answers the UPID, the child runs the function.
  start(spec: TaskSpec): string {
    const now = Date.now();
    this.nextPid += 1 + Math.floor(Math.random() * 40);
    const rec = {
      node: spec.node,
      pid: this.nextPid,
      // The worker's start time in clock ticks (100 Hz) since the node booted.
      pstart: Math.floor((now - this.bootMs) / 10),
      starttime: Math.floor(now / 1000),
      type: spec.type,
      id: spec.id,
      authid: spec.authid,
      status: 'running' as const,
      lines: [] as string[],
      warnings: 0,
    };
    const task = { ...rec, upid: encodeUpid(rec), done: Promise.resolve() } as TaskRecord;
    this.tasks.push(task);
    const failure = this.env.injectedFailure(spec.type, spec.id);
    task.done = this.work(task, spec, failure);
    return task.upid;
  }

  private async work(task: TaskRecord, spec: TaskSpec, failure: string | undefined): Promise<void> {
    const factor = this.jitterFactor(spec);
    const handle: TaskHandle = {
      upid: task.upid,
      log: (line) => {
        task.lines.push(line);
      },
      // pve-common RESTEnvironment.pm: a worker's STDERR is its task log, so a plain Perl `warn` is just a line;
      // only `log_warn` (RESTEnvironment::warn) prints `WARN: ` and bumps warning_count, which fork_worker turns
      // into `TASK WARNINGS: n` instead of `TASK OK`.
      warn: (line) => {
        task.lines.push(line);
      },
      logWarn: (line) => {
        task.warnings += 1;
        task.lines.push(`WARN: ${line}`);
      },
      sleep: (ms) => this.simulateWork(spec.type, ms, factor),
    };
    // The handler has "forked": nothing of the task may run before the HTTP answer with the UPID is sent.
    await Promise.resolve();
    try {
      // Handlers of the qemu endpoints do their work (and its waits) in `run`; a duration here is work too.
      const before = spec.durationMs ?? defaultDuration(this.env.durations, spec.type);
      await (before > 0 ? this.simulateWork(spec.type, before, factor) : this.sleep(before));
      if (failure !== undefined) {
        await spec.rollback?.();
        throw new Error(failure);
      }
      await spec.run(handle);
      this.finish(task, task.warnings ? `WARNINGS: ${task.warnings}` : 'OK');
    } catch (err) {
      this.finish(task, undefined, taskErrorText(err));
    }
  }

  // pve-common src/PVE/RESTEnvironment.pm fork_worker: last log line `TASK OK` / `TASK WARNINGS: n` / `TASK ERROR: msg`;
  // src/PVE/UPID.pm read_status turns that line into the exitstatus (`OK`, `WARNINGS: n`, the message).
  private finish(task: TaskRecord, ok: string | undefined, error?: string): void {
    if (task.status === 'stopped') return;
    task.lines.push(ok !== undefined ? `TASK ${ok}` : `TASK ERROR: ${error}`);
    task.exitstatus = ok ?? error;
    task.endedAt = Date.now();
    task.endtime = Math.floor(task.endedAt / 1000);
    task.status = 'stopped';
  }

  get(upid: string): TaskRecord | undefined {
    return this.tasks.find((t) => t.upid === upid);
  }

  /** Every task, oldest first. */
  all(): readonly TaskRecord[] {
    return this.tasks;
  }

  /** Resolves once every task started so far has stopped. */
  async idle(): Promise<void> {
    while (this.tasks.some((t) => t.status === 'running')) {
      await Promise.all(this.tasks.map((t) => t.done));
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const flag = (v: unknown): boolean => v === true || v === 1 || v === '1';

/** The task fields every listing shows (`user` is the full authid there; see the README for pve-manager's split). */
function taskSummary(t: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.authid,
  };
  if (t.status === 'stopped') {
    out.endtime = t.endtime;
    out.status = t.exitstatus;
  }
  return out;
}

/** pve-manager PVE/API2/Tasks.pm $check_task_user: PVE's task owner rule: the task's own authid, or a user looking at one of their tokens' tasks. */
function ownsTask(auth: AuthInfo, t: TaskRecord): boolean {
  if (auth.authid === t.authid) return true;
  return auth.kind === 'ticket' && t.authid.startsWith(`${auth.userid}!`);
}

// pve-common src/PVE/UPID.pm normalize_status_type (PVE::Tools::upid_normalize_status_type).
function statusClass(exitstatus: string | undefined): string {
  if (exitstatus === undefined) return 'unknown';
  if (exitstatus === 'OK') return 'ok';
  if (exitstatus.startsWith('WARNINGS:')) return 'warning';
  return 'error';
}

/** pve-manager PVE/API2/Tasks.pm read_task_status / read_task_log: raise_param_exc on upid. The task of this UPID on this node, or PVE's 400s for a malformed or unknown UPID. */
function lookupTask(ctx: Ctx, tasks: SimTaskManager): TaskRecord {
  const upid = ctx.pathParams.upid;
  if (!decodeUpid(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = tasks.get(upid);
  // Task logs live on the node that ran the task: another node's task is unknown here.
  if (!task || task.node !== ctx.pathParams.node) throw paramError({ upid: 'no such task' });
  if (!ownsTask(ctx.auth, task)) ctx.sim.requirePriv(ctx.auth, `/nodes/${task.node}`, 'Sys.Audit');
  return task;
}

export function taskRoutes(tasks: SimTaskManager): Route[] {
  // pve-manager PVE/API2/Tasks.pm node_tasks (GET /nodes/{node}/tasks): filters, start/limit, `total` result attribute.
  const list: Handler = (ctx) => {
    const p = ctx.params;
    const node = ctx.pathParams.node;
    const source = String(p.source ?? 'archive');
    // pve-manager PVE/API2/Tasks.pm node_tasks: `$auditor = $rpcenv->check($user, "/nodes/$node", ['Sys.Audit'], 1)`.
    const audit = ctx.sim.acl.check(ctx.auth.authid, `/nodes/${node}`, ['Sys.Audit'], true);
    const vmid = num(p.vmid);
    const since = num(p.since);
    const until = num(p.until);
    const statuses = p.statusfilter === undefined ? undefined : String(p.statusfilter).split(/[,;\s]+/);
    const rows = [...tasks.all()]
      .filter((t) => t.node === node)
      .filter((t) => (source === 'archive' ? t.status === 'stopped' : source === 'active' ? t.status === 'running' : true))
      .filter((t) => audit || ownsTask(ctx.auth, t))
      .filter((t) => vmid === undefined || t.id === String(vmid))
      .filter((t) => p.typefilter === undefined || t.type === String(p.typefilter))
      .filter((t) => p.userfilter === undefined || t.authid.includes(String(p.userfilter)))
      .filter((t) => !flag(p.errors) || statusClass(t.exitstatus) === 'error')
      .filter((t) => !statuses || statuses.includes(statusClass(t.exitstatus)))
      .filter((t) => since === undefined || t.starttime >= since)
      .filter((t) => until === undefined || t.starttime <= until)
      .reverse();
    const start = num(p.start) ?? 0;
    const limit = num(p.limit) ?? 50;
    const page = rows.slice(start, limit ? start + limit : undefined).map(taskSummary);
    return new ApiResult(page, { total: rows.length });
  };

  // pve-manager PVE/API2/Tasks.pm read_task_status: upid_decode fields + $convert_token_task (user/tokenid), status
  // running|stopped, exitstatus from PVE::Tools::upid_read_status.
  const status: Handler = (ctx) => {
    const t = lookupTask(ctx, tasks);
    const out = taskSummary(t);
    delete out.endtime;
    out.status = t.status;
    if (t.status === 'stopped') out.exitstatus = t.exitstatus;
    const bang = t.authid.indexOf('!');
    if (bang >= 0) {
      out.user = t.authid.slice(0, bang);
      out.tokenid = t.authid.slice(bang + 1);
    }
    return out;
  };

  // pve-manager PVE/API2/Tasks.pm read_task_log; paging is pve-common src/PVE/Tools.pm dump_logfile_by_filehandle.
  const log: Handler = (ctx) => {
    const t = lookupTask(ctx, tasks);
    const p = ctx.params;
    if (flag(p.download)) {
      if (p.start !== undefined || p.limit !== undefined) {
        throw paramError({ download: "Parameter 'download' can't be used with other parameters" });
      }
      return new RawResult(t.lines.map((l) => `${l}\n`).join(''), 'text/plain');
    }
    const start = num(p.start) ?? 0;
    const limit = num(p.limit) ?? 50;
    // dump_logfile: 1-based line numbers; an empty log still answers one line so ExtJS stores are not empty.
    if (t.lines.length === 0) return new ApiResult([{ n: 1, t: 'no content' }], { total: 1 });
    const lines = t.lines
      .map((text, i) => ({ n: i + 1, t: text }))
      .slice(start, limit ? start + limit : undefined);
    return new ApiResult(lines, { total: t.lines.length });
  };

  return [
    { method: 'GET', template: '/nodes/{node}/tasks', handler: list },
    { method: 'GET', template: '/nodes/{node}/tasks/{upid}/status', handler: status },
    { method: 'GET', template: '/nodes/{node}/tasks/{upid}/log', handler: log },
  ];
}
