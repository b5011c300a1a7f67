// Shared contract of the PVE simulator: errors, request context, cluster state and task interfaces.
// The server (sim/server.ts), the cluster endpoints and the qemu endpoints (sim/qemu/) all meet here.
// Nothing in sim/ imports from src/: the action and the simulator meet only over HTTPS.
import type { AccessControl } from './acl.js';

/** An error PVE would answer with: HTTP status + message (status line = first line), optional per-param errors. */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** 400 "Parameter verification failed." with an errors map, as PVE's raise_param_exc. */
// pve-common src/PVE/JSONSchema.pm validate / src/PVE/Exception.pm raise_param_exc: 400 `Parameter verification failed.`
// with the per-parameter `errors` map.
export function paramError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}

/** 500 with a plain die() text, as PVE answers most handler failures (it never sends 404 for a missing VM). */
export function dieError(message: string): PveError {
  return new PveError(500, message);
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Who made the request. `authid` is `user@realm` or `user@realm!tokenid`. */
export interface AuthInfo {
  kind: 'ticket' | 'token';
  userid: string;
  tokenid?: string;
  authid: string;
}

export interface NodeInfo {
  name: string;
  online: boolean;
  maxcpu: number;
  cpu: number; // 0..1 load
  maxmem: number; // bytes
  mem: number; // bytes used
  maxdisk: number;
  disk: number;
  uptime: number;
}

export interface StorageInfo {
  storage: string;
  type: 'lvmthin' | 'lvm' | 'dir' | 'zfspool' | 'nfs' | 'rbd';
  content: string; // e.g. "images,rootdir" or "iso,vztmpl,backup,images"
  shared: boolean;
  total: number;
  used: number;
  /** Nodes this storage exists on (all when shared). */
  nodes: string[];
}

export interface PoolInfo {
  poolid: string;
  comment?: string;
  members: Set<number>;
}

export interface VmRecord {
  vmid: number;
  node: string;
  /** Current config as PVE stores it: key → canonical string value (numbers/bools as strings "1"/"0"). */
  config: Record<string, string>;
  /** Pending values (set while running and not hot-pluggable). */
  pending: Record<string, string>;
  /** Pending deletions: key → 1 (normal) or 2 (force). */
  pendingDelete: Record<string, 1 | 2>;
  /** Snapshots by name (config copies). */
  snapshots: Record<string, Record<string, string>>;
  /** Run state. qmpstatus may be 'paused' / 'suspended' / 'prelaunch' while status is 'running'. */
  status: 'running' | 'stopped';
  qmpstatus: string;
  /** ms epoch when started (for uptime and the simulated guest agent). */
  startedAt?: number;
  /** ms epoch at which the simulated guest agent answers (after start). */
  agentUpAt?: number;
  /** What the simulated guest reports through the agent; tests may set it. */
  guest?: {
    ipv4?: string[];
    ipv6?: string[];
    noAddresses?: boolean;
    agentNeverUp?: boolean;
    /** The guest ignores ACPI/agent shutdown requests (so shutdown timeouts and forceStop are testable). */
    ignoreShutdown?: boolean;
    /**
     * A hostile or broken guest: the whole `data` of the network-get-interfaces answer, sent as given (normally
     * `{ result: [...] }`; anything JSON can carry). Root in a guest can make its agent say anything.
     */
    interfacesRaw?: unknown;
    /**
     * What a command run through `agent/exec` does (sim/qemu/agent.ts): return an answer, or undefined for the
     * default guest (a `cloud-init status --wait --long` model, `/bin/sh -c` exiting 0, anything else not found).
     */
    exec?: (argv: readonly string[]) => GuestExecAnswer | undefined;
    /** cloud-init in the guest (the default `cloud-init status --wait --long` answer and its output log). */
    cloudInit?: GuestCloudInit;
    /** Files `agent/file-read` can read (path → content); the default cloud-init log is added when absent. */
    files?: Record<string, string>;
  };
  /**
   * Set when the VM is an HA resource (pve-ha-manager Config.pm `vm_is_ha_managed`): `state` is the HA manager's
   * service state (`get_service_status`: started, stopped, request_stop, error, ...). Tests set it.
   */
  ha?: { state: string };
  /** ms epoch when the record appeared. */
  createdAt: number;
}

/** One simulated guest process started by `agent/exec`. */
export interface GuestExecAnswer {
  exitcode?: number;
  /** Killed by this signal (then no exitcode), as QGA's guest-exec-status reports it. */
  signal?: number;
  stdout?: string;
  stderr?: string;
  /** Runs this long (simulated ms, scaled by timeScale) before it has exited. */
  durationMs?: number;
  /** Has not exited before this settles: a test holds the process until it releases it. */
  until?: Promise<unknown>;
  /** The agent refuses to start it (guest-exec's error, e.g. the program does not exist). */
  agentError?: string;
}

/** The simulated cloud-init: how its boot ends and when. */
export interface GuestCloudInit {
  /** done (default), error (exit 1) or degraded (recoverable errors: status done, exit 2), as cloud-init >= 23.4. */
  result?: 'done' | 'error' | 'degraded';
  /** Simulated ms after the agent answers until cloud-init has finished (default 0). */
  bootMs?: number;
  /** cloud-init has not finished before this settles. */
  until?: Promise<unknown>;
  /** Replaces the `cloud-init status --long` text. */
  statusText?: string;
  /** Replaces /var/log/cloud-init-output.log. */
  outputLog?: string;
}

export interface ClusterState {
  clusterName: string;
  nodes: Map<string, NodeInfo>;
  storages: Map<string, StorageInfo>;
  pools: Map<string, PoolInfo>;
  vms: Map<number, VmRecord>;
  /** Per-VM flock (/var/lock/qemu-server/lock-<vmid>.conf): exclusive holder or shared count. */
  flocks: Map<number, { exclusive: boolean; holders: number; releasers: Array<() => void> }>;
  nextIdRange: { lower: number; upper: number };
  /** Allocated volume names per storage (volid without storage prefix), for disk-N allocation. */
  volumes: Map<string, Set<string>>;
}

export interface TaskSpec {
  node: string;
  /** PVE task type: qmcreate, qmclone, qmstart, ... */
  type: string;
  /** Task id, usually the vmid (the *source* vmid for qmclone). */
  id: string;
  authid: string;
  /** How long the task takes before `run` resolves (simulated work time). Defaults from the duration knobs. */
  durationMs?: number;
  /** The task body. Throw an Error to end with `TASK ERROR: <message>`. Call t.logWarn() for WARNINGS. */
  run: (t: TaskHandle) => Promise<void> | void;
  /**
   * Called instead of `run` when fault injection (faults.failTask) fails this task: undo what the handler did
   * before the fork (e.g. drop the `lock: create` config), as PVE's failed worker would have.
   */
  rollback?: () => Promise<void> | void;
}

export interface TaskHandle {
  readonly upid: string;
  log(line: string): void;
  /** Perl's plain `warn`: the line goes into the task log as it is and the exit status stays `OK`. */
  warn(line: string): void;
  /** pve-common RESTEnvironment.pm `log_warn`: `WARN: <line>`, counted for the exit status `WARNINGS: n`. */
  logWarn(line: string): void;
  /** Waits simulated time (scaled by the simulator's time settings); never a busy loop. */
  sleep(ms: number): Promise<void>;
}

export interface TaskManager {
  /** Starts a task, returns its UPID at once (the worker has "forked"). */
  start(spec: TaskSpec): string;
}

/** Durations in ms of simulated work per task type, and other realism knobs. */
export interface Durations {
  qmcreate: number;
  qmclone_full: number;
  qmclone_linked: number;
  qmstart: number;
  qmstop: number;
  qmshutdown: number;
  qmreboot: number;
  qmreset: number;
  qmsuspend: number;
  qmresume: number;
  qmdestroy: number;
  qmconfig: number;
  qmtemplate: number;
  qmigrate: number;
  /** Disk snapshots of qmsnapshot (a RAM state adds time per GiB of memory, see qemu/snapshot.ts). */
  qmsnapshot: number;
  /** Volume rollback of qmrollback (the VM is stopped first, and started again from a RAM state). */
  qmrollback: number;
  resize: number;
  /** Guest agent answers this long after start. */
  agentUp: number;
  /** pvestatd's update period per node (PVE: 10 s); /cluster/resources shows names from the last update. 0 = none. */
  statdPeriod: number;
  /**
   * Spread of task durations: each task's simulated work periods are multiplied by one factor drawn uniformly from
   * [1 - j, 1 + j] (seeded PRNG, SimulatorOptions.seed). Real PVE tasks never take the same time twice (storage,
   * page cache, a guest's boot); fixed durations would favour a client that polls on a matching grid.
   * 0 or absent = every task takes exactly its duration.
   */
  durationJitter?: number;
}

/** What a request handler gets. */
export interface Ctx {
  method: HttpMethod;
  /** Concrete path below /api2/json, e.g. /nodes/pve1/qemu/100/config */
  path: string;
  /** Schema path template, e.g. /nodes/{node}/qemu/{vmid}/config */
  template: string;
  pathParams: Record<string, string>;
  /** Query + body parameters after schema validation (path params removed). Values as received (strings, or JSON types). */
  params: Record<string, unknown>;
  auth: AuthInfo;
  sim: SimContext;
}

export interface SimContext {
  state: ClusterState;
  tasks: TaskManager;
  durations: Durations;
  /**
   * Real ms per simulated ms (tests use e.g. 0.02; absent = 1). `durations` and PVE's lock waits are simulated
   * ms; handlers multiply by this for wall-clock deadlines (flock waits, agent start-up).
   */
  timeScale?: number;
  /**
   * Throws PveError 403 `Permission check failed (<path>, <priv>)` unless auth holds priv on path
   * (RPCEnvironment.pm check; `A|B` = check_any).
   */
  requirePriv(auth: AuthInfo, path: string, priv: string): void;
  /** The ACLs (sim/acl.ts): per-path permissions with PVE's semantics. */
  acl: AccessControl;
}

export type Handler = (ctx: Ctx) => unknown | Promise<unknown>;

export interface Route {
  method: HttpMethod;
  /** Schema path template exactly as in apidoc.json. */
  template: string;
  handler: Handler;
}

/**
 * A handler result that carries envelope attributes next to `data`, as PVE's set_result_attrib does
 * (e.g. the task log's top-level `"total": N`). Handlers may also return plain values.
 */
export class ApiResult {
  constructor(
    readonly data: unknown,
    readonly attributes: { total?: number; changes?: unknown } = {},
  ) {}
}

/** A handler result sent as a raw body instead of the JSON envelope (PVE's `download` responses). */
export class RawResult {
  constructor(
    readonly body: string,
    readonly contentType: string,
  ) {}
}
