// Entry point of the PVE simulator: startSimulator() builds the cluster state, auth, tasks, faults and routes and
// serves them over HTTPS (or HTTP) on 127.0.0.1, returning handles tests use to inspect and steer it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ClusterState, Durations, NodeInfo, SimContext, StorageInfo, TaskSpec } from './core.js';
import { AccessControl, type AclEntry, type RoleOption } from './acl.js';
import { Authenticator, type PrivSpec, type TokenCredential, type TokenOption, type UserOption } from './auth.js';
import { serverCertificate, type CertificateOptions } from './certs.js';
import { clusterRoutes, storagesOf } from './cluster.js';
import { FaultInjector, seededRandom, type FaultOptions, type LatencySpec } from './faults.js';
import { qemuRoutes } from './qemu/index.js';
import { holdFlock } from './qemu/locks.js';
import { placeImportFile } from './qemu/volumes.js';
import { RequestLog, type RequestLogEntry } from './requestlog.js';
import { createRequestHandler } from './server.js';
import { DEFAULT_DURATIONS, createClusterState } from './state.js';
import { Pvestatd } from './statd.js';
import { SimTaskManager, seedFor, taskRoutes } from './tasks.js';

export * from './core.js';
export type { FaultOptions, LatencySpec } from './faults.js';
export type { RequestLogEntry } from './requestlog.js';
export type { CertificateOptions } from './certs.js';
export type { TokenCredential, PrivSpec, TokenOption, UserOption } from './auth.js';
export { AccessControl, type AclEntry, type RoleOption } from './acl.js';
export { DEFAULT_DURATIONS } from './state.js';

export interface SimulatorOptions {
  /** 0 = random free port (default). */
  port?: number;
  /** Default true; false serves plain HTTP. */
  https?: boolean;
  /** Default ['pve1', 'pve2']. */
  nodes?: string[];
  /** Per-node figures (cpu, mem, online, ...) overriding the defaults. */
  nodeInfo?: Record<string, Partial<Omit<NodeInfo, 'name'>>>;
  clusterName?: string;
  /** Default: local (dir), local-lvm (lvmthin) on every node, shared-nfs (nfs, shared). */
  storages?: Array<Partial<StorageInfo> & { storage: string; type: StorageInfo['type'] }>;
  pools?: string[];
  /** Default: root@pam with a generated password. */
  users?: UserOption[];
  /** Default: <first user>!ci (all privileges) and <first user>!ro (read-only), UUID secrets. */
  tokens?: TokenOption[];
  /** `pveum role add <roleid> -privs ...` (Administrator, NoAccess and PVEAuditor exist already). */
  roles?: RoleOption[];
  /** `pveum group add` + members. */
  groups?: Record<string, string[]>;
  /**
   * `pveum acl modify <path> -user|-group|-token <ugid> -role <roleid> [-propagate 0]`. A user or token named here
   * holds exactly what these entries give (its `privs` shorthand is not applied unless set).
   */
  acl?: AclEntry[];
  /** Default 7200 s. Tickets from up to 300 s in the future are accepted (clock skew), as PVE does. */
  ticketLifetimeSec?: number;
  /** Delay of 401 answers; PVE uses ~3000 ms. Default 0 here (the CLI defaults to 3000). */
  authFailureDelayMs?: number;
  durations?: Partial<Durations>;
  /** Multiplies every duration (tests use e.g. 0.02). */
  timeScale?: number;
  /** Seed of the PRNG behind durations.durationJitter (default: a random seed); the same seed repeats the same durations. */
  seed?: number;
  /** Latency added to every request: fixed ms or a [min, max] range. */
  latencyMs?: LatencySpec;
  faults?: FaultOptions;
  nextIdRange?: { lower: number; upper: number };
  /** TLS test variants: an expired server certificate, or one for another host name. */
  certificate?: CertificateOptions;
  /**
   * Disk images for `import-from`, volid (`local:import/noble.qcow2`) or absolute path → virtual size in bytes
   * (see `Simulator.placeImportFile`).
   */
  importFiles?: Record<string, number>;
}

export interface SimulatorPatch {
  durations?: Partial<Durations>;
  timeScale?: number;
  /** Present with undefined = no latency. */
  latencyMs?: LatencySpec;
  /** Replaces the whole fault set ({} clears all faults). */
  faults?: FaultOptions;
  ticketLifetimeSec?: number;
  authFailureDelayMs?: number;
}

export interface SimTaskView {
  upid: string;
  type: string;
  id: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  /** ms epoch at which the task stopped (simulator-only, for tests; same clock as the request log's `at`). */
  endedAt?: number;
  log: string[];
}

export interface Simulator {
  /** e.g. https://127.0.0.1:43123 (no /api2/json suffix). */
  url: string;
  host: string;
  port: number;
  /** PEM of the CA that signed the server certificate. */
  caCert: string;
  certPem: string;
  /** SHA-256 of the server certificate, upper-case hex pairs joined by ':' (as the PVE GUI shows it). */
  fingerprint: string;
  credentials: { user: string; password: string; tokens: { full: TokenCredential; readonly: TokenCredential } };
  /** The ACLs: tests add roles, ACL entries and group members at run time (`pveum role add`, `pveum acl modify`). */
  acl: AccessControl;
  /** `pveum user add` (no privileges until an ACL names it). */
  addUser(userid: string, password: string): void;
  /** `pveum user token add <userid> <tokenid> --privsep 0|1`: no privileges of its own until an ACL names it, unless `privs` is given. */
  addToken(token: TokenOption): TokenCredential;
  /**
   * Puts a disk image of `bytes` virtual size where `import-from` finds it: `<storage>:import/<name>.<qcow2|raw|vmdk|ova|ovf>`
   * on a dir/nfs storage (PVE's `import` content; `.img` is not an import name), or an absolute path.
   */
  placeImportFile(target: string, bytes: number): void;
  state: ClusterState;
  /** Every request, secrets redacted. */
  log: RequestLogEntry[];
  configure(patch: SimulatorPatch): void;
  tasks(): SimTaskView[];
  /** Starts a worker task directly (tests of task polling can make tasks with any outcome); returns its UPID. */
  startTask(spec: TaskSpec): string;
  /**
   * Runs pvestatd's update now on `node` (every online node when absent): /cluster/resources then shows the
   * guests' current name, status and template. Tests that set `durations.statdPeriod: 0` (no update of its own)
   * use it to put a broadcast exactly where they need one; seeded VMs "made long ago" need one to be listed.
   */
  broadcastStats(node?: string): void;
  /** Resolves once every task started so far has stopped. */
  waitForTasks(): Promise<void>;
  close(): Promise<void>;
}

function defaultTokens(userid: string): TokenOption[] {
  return [
    { userid, tokenid: 'ci', privs: 'all' },
    { userid, tokenid: 'ro', privs: 'readonly' },
  ];
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = createClusterState(options);
  for (const [target, bytes] of Object.entries(options.importFiles ?? {})) placeImportFile(state, target, bytes);
  const durations: Durations = { ...DEFAULT_DURATIONS, ...options.durations };
  let timeScale = options.timeScale ?? 1;
  let latency = options.latencyMs;
  let authFailureDelayMs = options.authFailureDelayMs ?? 0;
  const faults = new FaultInjector(options.faults);

  const users = options.users?.length ? options.users : [{ userid: 'root@pam', password: randomBytes(12).toString('base64url') }];
  const tokens = options.tokens?.length ? options.tokens : defaultTokens(users[0].userid);
  const acl = new AccessControl(() => {
    const out = new Map<string, { vms: Set<number>; storage?: Set<string> }>();
    for (const [id, p] of state.pools) out.set(id, { vms: p.members, storage: storagesOf(p) });
    return out;
  });
  for (const r of options.roles ?? []) acl.addRole(r.roleid, r.privs);
  for (const [g, members] of Object.entries(options.groups ?? {})) acl.groups.set(g, new Set(members));
  const named = new Set<string>();
  for (const e of options.acl ?? []) {
    if (e.kind === 'group') for (const m of options.groups?.[e.ugid] ?? []) named.add(m);
    else named.add(e.ugid);
  }
  const auth = new Authenticator(users, tokens, options.ticketLifetimeSec ?? 7200, acl, named);
  for (const e of options.acl ?? []) acl.addAcl(e);
  const privsOf = (t: TokenOption): PrivSpec => t.privs ?? 'all';
  const fullToken = tokens.find((t) => privsOf(t) === 'all') ?? tokens[0];
  const roToken = tokens.find((t) => privsOf(t) === 'readonly') ?? tokens[tokens.length - 1];

  const tasks = new SimTaskManager({
    durations,
    timeScale: () => timeScale,
    injectedFailure: (type, id) => faults.taskFailure(type, id),
    taskHeld: (type) => faults.taskHeld(type),
    random: ((seed) => (key: string) => seededRandom(seedFor(seed, key))())(options.seed ?? Math.floor(Math.random() * 2 ** 32)),
  });
  const sim: SimContext = {
    state,
    tasks,
    durations,
    get timeScale() {
      return timeScale;
    },
    acl,
    requirePriv(who, path, priv) {
      const privs = priv.split('|');
      acl.checkFull(who.authid, path, privs, privs.length > 1);
    },
  };

  // pvestatd's loop runs on simulated time like every other duration (10 s × timeScale between two updates).
  const statd = new Pvestatd(state, () => durations.statdPeriod * timeScale, () => timeScale);
  statd.schedule();

  const cert = serverCertificate(options.certificate);
  const startedAt = Date.now();
  const routes = [
    ...clusterRoutes({ auth, fingerprint: cert.fingerprint, startedAt, statd }),
    ...taskRoutes(tasks),
    ...qemuRoutes,
  ];
  const log = new RequestLog();
  const handler = createRequestHandler({
    routes,
    auth,
    faults,
    log,
    sim,
    latency: () => latency,
    authFailureDelayMs: () => authFailureDelayMs,
  });
  const useHttps = options.https !== false;
  const server: Server = useHttps ? createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, handler) : createServer(handler);
  // pveproxy closes idle keep-alive connections after 5 s.
  server.keepAliveTimeout = 5000;
  const port = await listen(server, options.port ?? 0);

  // A new fault set ends the previous set's lock hold (if it has not ended yet), then applies its own.
  let endHold = (): void => undefined;
  const applyHoldLock = (): void => {
    endHold();
    endHold = () => undefined;
    const h = faults.current.holdLock;
    if (h) {
      endHold = holdFlock(state, h.vmid, {
        ms: h.ms === undefined ? undefined : h.ms * timeScale,
        releaseAfterRefusals: h.releaseAfterRefusals,
      });
    }
  };
  applyHoldLock();

  const host = '127.0.0.1';
  return {
    url: `${useHttps ? 'https' : 'http'}://${host}:${port}`,
    host,
    port,
    caCert: cert.caCert,
    certPem: cert.certPem,
    fingerprint: cert.fingerprint,
    credentials: {
      user: users[0].userid,
      password: users[0].password,
      tokens: {
        full: auth.tokenCredential(fullToken.userid, fullToken.tokenid),
        readonly: auth.tokenCredential(roToken.userid, roToken.tokenid),
      },
    },
    acl,
    addUser: (userid, password) => auth.addUser(userid, password),
    addToken: (t) => auth.addToken(t),
    placeImportFile: (target, bytes) => placeImportFile(state, target, bytes),
    state,
    log: log.entries,
    configure(patch) {
      if (patch.durations) Object.assign(durations, patch.durations);
      if (patch.timeScale !== undefined) timeScale = patch.timeScale;
      if (patch.durations?.statdPeriod !== undefined || patch.timeScale !== undefined) statd.schedule();
      if ('latencyMs' in patch) latency = patch.latencyMs;
      if (patch.ticketLifetimeSec !== undefined) auth.lifetimeSec = patch.ticketLifetimeSec;
      if (patch.authFailureDelayMs !== undefined) authFailureDelayMs = patch.authFailureDelayMs;
      if (patch.faults) {
        faults.set(patch.faults);
        applyHoldLock();
        tasks.recheckHeld();
      }
    },
    tasks: () =>
      tasks.all().map((t) => ({
        upid: t.upid,
        type: t.type,
        id: t.id,
        status: t.status,
        ...(t.exitstatus !== undefined ? { exitstatus: t.exitstatus } : {}),
        ...(t.endedAt !== undefined ? { endedAt: t.endedAt } : {}),
        log: [...t.lines],
      })),
    broadcastStats: (node) => statd.broadcast(node),
    startTask: (spec) => tasks.start(spec),
    waitForTasks: () => tasks.idle(),
    close: async () => {
      statd.stop();
      tasks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
