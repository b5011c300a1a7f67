// Cluster-wide and node endpoints outside /qemu: version, nodes, storages, /cluster/status|resources|nextid,
// pools and the login. Field sets, number/string typing and privilege filters follow pve-manager.
import { dieError, paramError, type Ctx, type Handler, type Route, type VmRecord } from './core.js';
import type { Authenticator } from './auth.js';
import type { Pvestatd } from './statd.js';

const MiB = 1024 ** 2;

export interface ClusterEnvironment {
  auth: Authenticator;
  /** SHA-256 fingerprint of the certificate every node presents. */
  fingerprint: string;
  /** ms epoch the simulator started (node uptimes grow from there). */
  startedAt: number;
  /** pvestatd's last broadcasts (sim/statd.ts): where guests' name, status and template come from. */
  statd: Pvestatd;
}

export const PVE_VERSION = { version: '9.1.2', release: '9.1', repoid: '3e1a7c2f9b0d4e58' };

const flag = (v: unknown): boolean => v === true || v === 1 || v === '1';
const splitList = (v: unknown): string[] => String(v ?? '').split(/[,;\s]+/).filter(Boolean);

function poolOf(ctx: Ctx, vmid: number): string | undefined {
  for (const p of ctx.sim.state.pools.values()) if (p.members.has(vmid)) return p.poolid;
  return undefined;
}

/**
 * pve-manager PVE/API2Tools.pm `extract_vm_stats`: id, vmid, node and type from the live vmlist; status
 * 'unknown' and nothing more until the guest has an rrd entry, then uptime, name, status, template and the
 * figures exactly as its node's pvestatd last broadcast them (sim/statd.ts), however the config changed since.
 */
function vmStats(env: ClusterEnvironment, vm: VmRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: `qemu/${vm.vmid}`, vmid: vm.vmid, node: vm.node, type: 'qemu', status: 'unknown' };
  const d = env.statd.entry(vm.vmid);
  if (!d) return out;
  const { at: _at, ...figures } = d;
  return { ...out, ...figures };
}

/**
 * PVE/API2/Cluster.pm `resources`: extract_vm_stats plus the pool (user.cfg) and `lock`/`tags`, which come live
 * from the config files (`PVE::Cluster::get_guest_config_properties`), not from pvestatd.
 */
function vmResource(env: ClusterEnvironment, ctx: Ctx, vm: VmRecord): Record<string, unknown> {
  const out = vmStats(env, vm);
  const pool = poolOf(ctx, vm.vmid);
  if (pool) out.pool = pool;
  if (vm.config.lock) out.lock = vm.config.lock;
  if (vm.config.tags) out.tags = vm.config.tags;
  return out;
}

function nodeStats(env: ClusterEnvironment, ctx: Ctx, name: string): Record<string, unknown> {
  const n = ctx.sim.state.nodes.get(name)!;
  return {
    cpu: n.cpu,
    maxcpu: n.maxcpu,
    mem: n.mem,
    maxmem: n.maxmem,
    disk: n.disk,
    maxdisk: n.maxdisk,
    uptime: n.uptime + Math.floor((Date.now() - env.startedAt) / 1000),
  };
}

/**
 * Storages the caller may see: pve-storage src/PVE/API2/Storage/Config.pm and Status.pm `index`:
 * `check_any($authuser, "/storage/$storeid", ['Datastore.Audit', 'Datastore.AllocateSpace'], 1)`.
 */
function seesStorage(ctx: Ctx, storeid: string): boolean {
  return ctx.sim.acl.checkAny(ctx.auth.authid, `/storage/${storeid}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true);
}

/** RPCEnvironment.pm check(..., $noerr = 1) on one path. */
const may = (ctx: Ctx, path: string, priv: string): boolean => ctx.sim.acl.check(ctx.auth.authid, path, [priv], true);

const storageFormats = (type: string): { default: string; supported: string[] } =>
  type === 'dir' || type === 'nfs' ? { default: 'qcow2', supported: ['raw', 'qcow2', 'vmdk'] } : { default: 'raw', supported: ['raw'] };

export function clusterRoutes(env: ClusterEnvironment): Route[] {
  const version: Handler = () => ({ ...PVE_VERSION, console: 'html5' });

  const nodes: Handler = (ctx) =>
    [...ctx.sim.state.nodes.values()].map((n) => {
      const out: Record<string, unknown> = {
        node: n.name,
        id: `node/${n.name}`,
        type: 'node',
        status: n.online ? 'online' : 'offline',
        level: '',
        ssl_fingerprint: env.fingerprint,
      };
      // pve-manager PVE/API2/Nodes.pm index: extract_node_stats without figures unless Sys.Audit on /nodes/<node>.
      if (n.online && may(ctx, `/nodes/${n.name}`, 'Sys.Audit')) Object.assign(out, nodeStats(env, ctx, n.name));
      return out;
    });

  const nodeStatus: Handler = (ctx) => {
    const name = ctx.pathParams.node;
    ctx.sim.requirePriv(ctx.auth, `/nodes/${name}`, 'Sys.Audit');
    const n = ctx.sim.state.nodes.get(name)!;
    const s = nodeStats(env, ctx, name);
    return {
      cpu: n.cpu,
      wait: 0.0004,
      idle: 0,
      uptime: s.uptime,
      loadavg: ['0.21', '0.34', '0.30'],
      cpuinfo: { cpus: n.maxcpu, cores: n.maxcpu / 2, sockets: 1, model: 'AMD EPYC 7313P 16-Core Processor', mhz: '3000.000', hvm: '1', user_hz: 100, flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep svm' },
      memory: { total: n.maxmem, used: n.mem, free: n.maxmem - n.mem, available: n.maxmem - n.mem },
      swap: { total: 8 * 1024 * MiB, used: 0, free: 8 * 1024 * MiB },
      rootfs: { total: n.maxdisk, used: n.disk, free: n.maxdisk - n.disk, avail: n.maxdisk - n.disk },
      ksm: { shared: 0 },
      kversion: 'Linux 6.14.11-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)',
      pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
      'current-kernel': { sysname: 'Linux', release: '6.14.11-4-pve', machine: 'x86_64', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)' },
      'boot-info': { mode: 'efi', secureboot: 0 },
    };
  };

  const nodeStorage: Handler = (ctx) => {
    const node = ctx.pathParams.node;
    const p = ctx.params;
    const wanted = splitList(p.content);
    const target = p.target === undefined ? undefined : String(p.target);
    return [...ctx.sim.state.storages.values()]
      .filter((s) => seesStorage(ctx, s.storage))
      .filter((s) => s.nodes.includes(node))
      .filter((s) => p.storage === undefined || s.storage === String(p.storage))
      .filter((s) => wanted.length === 0 || wanted.some((c) => s.content.split(',').includes(c)))
      .filter((s) => target === undefined || target === node || (s.shared && s.nodes.includes(target)))
      .map((s) => {
        const out: Record<string, unknown> = {
          storage: s.storage,
          type: s.type,
          content: s.content,
          active: 1,
          enabled: 1,
          shared: s.shared ? 1 : 0,
          total: s.total,
          used: s.used,
          avail: s.total - s.used,
          used_fraction: s.total ? s.used / s.total : 0,
        };
        if (flag(p.format)) out.formats = storageFormats(s.type);
        return out;
      });
  };

  const clusterStatus: Handler = (ctx) => {
    ctx.sim.requirePriv(ctx.auth, '/', 'Sys.Audit');
    const all = [...ctx.sim.state.nodes.values()];
    const online = all.filter((n) => n.online).length;
    return [
      { type: 'cluster', id: 'cluster', name: ctx.sim.state.clusterName, nodes: all.length, quorate: online * 2 > all.length ? 1 : 0, version: all.length + 2 },
      ...all.map((n, i) => ({
        type: 'node',
        id: `node/${n.name}`,
        name: n.name,
        nodeid: i + 1,
        ip: `192.0.2.${11 + i}`,
        online: n.online ? 1 : 0,
        local: i === 0 ? 1 : 0,
        level: '',
      })),
    ];
  };

  const resources: Handler = (ctx) => {
    const type = ctx.params.type === undefined ? undefined : String(ctx.params.type);
    const { state } = ctx.sim;
    const out: Array<Record<string, unknown>> = [];
    if (!type || type === 'vm') {
      // pve-manager PVE/API2/Cluster.pm resources: `next if !$rpcenv->check($authuser, "/vms/$vmid", ['VM.Audit'], 1)`;
      // the pool is dropped without Pool.Audit on /pool/<pool>.
      for (const vm of [...state.vms.values()].sort((a, b) => a.vmid - b.vmid)) {
        if (!may(ctx, `/vms/${vm.vmid}`, 'VM.Audit')) continue;
        const entry = vmResource(env, ctx, vm);
        if (entry.pool !== undefined && !may(ctx, `/pool/${String(entry.pool)}`, 'Pool.Audit')) delete entry.pool;
        out.push(entry);
      }
    }
    if (!type || type === 'node') {
      for (const n of state.nodes.values()) {
        const entry: Record<string, unknown> = { id: `node/${n.name}`, type: 'node', node: n.name, status: n.online ? 'online' : 'offline' };
        // Cluster.pm resources: `$can_audit = $rpcenv->check($authuser, "/nodes/$node", ['Sys.Audit'], 1)`.
        if (n.online && may(ctx, `/nodes/${n.name}`, 'Sys.Audit')) Object.assign(entry, nodeStats(env, ctx, n.name), { level: '', 'cgroup-mode': 2 });
        out.push(entry);
      }
    }
    if (!type || type === 'storage') {
      for (const s of state.storages.values()) {
        // Cluster.pm resources: `next if !$rpcenv->check($authuser, "/storage/$storeid", ['Datastore.Audit'], 1)`.
        if (!may(ctx, `/storage/${s.storage}`, 'Datastore.Audit')) continue;
        for (const node of s.nodes) {
          if (!state.nodes.get(node)?.online) continue;
          out.push({
            id: `storage/${node}/${s.storage}`,
            type: 'storage',
            storage: s.storage,
            node,
            status: 'available',
            plugintype: s.type,
            content: s.content,
            shared: s.shared ? 1 : 0,
            disk: s.used,
            maxdisk: s.total,
          });
        }
      }
    }
    if (!type) {
      // Cluster.pm resources: `next if !$rpcenv->check($authuser, "/pool/$pool", ['Pool.Audit'], 1)`.
      for (const p of state.pools.values()) if (may(ctx, `/pool/${p.poolid}`, 'Pool.Audit')) out.push({ id: `/pool/${p.poolid}`, type: 'pool', pool: p.poolid });
    }
    return out;
  };

  // pve-manager PVE/API2/Cluster.pm nextid: a given vmid is returned if unused, else 400 `VM <vmid> already exists`;
  // otherwise the first free id in datacenter.cfg next-id [lower, upper) (default [100, 1000000)), else the die text.
  const nextid: Handler = (ctx) => {
    const { vms, nextIdRange } = ctx.sim.state;
    if (ctx.params.vmid !== undefined) {
      const raw = String(ctx.params.vmid);
      if (vms.has(Number(raw))) throw paramError({ vmid: `VM ${raw} already exists` });
      return raw;
    }
    for (let id = nextIdRange.lower; id < nextIdRange.upper; id++) if (!vms.has(id)) return String(id);
    throw dieError(`unable to get any free VMID in range [${nextIdRange.lower}, ${nextIdRange.upper}]`);
  };

  const login: Handler = (ctx) => env.auth.login(ctx.params, ctx.sim.state.clusterName);

  return [
    { method: 'GET', template: '/version', handler: version },
    { method: 'GET', template: '/nodes', handler: nodes },
    { method: 'GET', template: '/nodes/{node}/status', handler: nodeStatus },
    { method: 'GET', template: '/nodes/{node}/storage', handler: nodeStorage },
    { method: 'GET', template: '/cluster/status', handler: clusterStatus },
    { method: 'GET', template: '/cluster/resources', handler: resources },
    { method: 'GET', template: '/cluster/nextid', handler: nextid },
    { method: 'GET', template: '/access/ticket', handler: () => null },
    { method: 'POST', template: '/access/ticket', handler: login },
    { method: 'GET', template: '/storage', handler: storageList },
    ...poolRoutes(env),
  ];
}

const storageList: Handler = (ctx) => {
  const all = [...ctx.sim.state.nodes.keys()];
  return [...ctx.sim.state.storages.values()]
    .filter((s) => seesStorage(ctx, s.storage))
    .filter((s) => ctx.params.type === undefined || s.type === String(ctx.params.type))
    .map((s) => {
      const out: Record<string, unknown> = { storage: s.storage, type: s.type, content: s.content, digest: '9c5d1e0b7f3a2c4d6e8f0a1b2c3d4e5f6a7b8c9d' };
      if (s.shared) out.shared = 1;
      if (s.nodes.length !== all.length) out.nodes = s.nodes.join(',');
      if (s.type === 'lvmthin') Object.assign(out, { thinpool: 'data', vgname: 'pve' });
      if (s.type === 'dir') out.path = '/var/lib/vz';
      return out;
    });
};

// Storage members of pools are not part of the shared PoolInfo contract; they live beside it.
const poolStorages = new WeakMap<object, Set<string>>();
export const storagesOf = (pool: object): Set<string> => {
  let s = poolStorages.get(pool);
  if (!s) poolStorages.set(pool, (s = new Set()));
  return s;
};

function poolRoutes(env: ClusterEnvironment): Route[] {
  const getPool = (ctx: Ctx, poolid: string) => {
    const pool = ctx.sim.state.pools.get(poolid);
    if (!pool) throw dieError(`pool '${poolid}' does not exist`);
    return pool;
  };

  const members = (ctx: Ctx, poolid: string, type?: string): Array<Record<string, unknown>> => {
    const pool = getPool(ctx, poolid);
    const out: Array<Record<string, unknown>> = [];
    if (!type || type === 'qemu') {
      for (const vmid of [...pool.members].sort((a, b) => a - b)) {
        const vm = ctx.sim.state.vms.get(vmid);
        // PVE/API2/Pool.pm `index`: members are extract_vm_stats alone (no pool, lock or tags).
        if (vm) out.push(vmStats(env, vm));
      }
    }
    if (!type || type === 'storage') {
      for (const id of storagesOf(pool)) {
        for (const node of ctx.sim.state.storages.get(id)?.nodes ?? []) {
          out.push({ id: `storage/${node}/${id}`, type: 'storage', storage: id, node });
        }
      }
    }
    return out;
  };

  const list: Handler = (ctx) => {
    const { pools } = ctx.sim.state;
    if (ctx.params.poolid !== undefined) {
      const poolid = String(ctx.params.poolid);
      ctx.sim.requirePriv(ctx.auth, `/pool/${poolid}`, 'Pool.Audit');
      const pool = getPool(ctx, poolid);
      const type = ctx.params.type === undefined ? undefined : String(ctx.params.type);
      return [{ poolid, ...(pool.comment ? { comment: pool.comment } : {}), members: members(ctx, poolid, type) }];
    }
    // pve-manager PVE/API2/Pool.pm index: pools with Pool.Audit on /pool/<poolid> only.
    return [...pools.values()].filter((p) => may(ctx, `/pool/${p.poolid}`, 'Pool.Audit')).map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}) }));
  };

  const create: Handler = (ctx) => {
    const poolid = String(ctx.params.poolid);
    ctx.sim.requirePriv(ctx.auth, `/pool/${poolid}`, 'Pool.Allocate');
    if (ctx.sim.state.pools.has(poolid)) throw dieError(`pool '${poolid}' already exists`);
    const comment = ctx.params.comment === undefined ? undefined : String(ctx.params.comment);
    ctx.sim.state.pools.set(poolid, { poolid, comment, members: new Set() });
    return null;
  };

  const update: Handler = (ctx) => {
    const poolid = String(ctx.pathParams.poolid ?? ctx.params.poolid);
    ctx.sim.requirePriv(ctx.auth, `/pool/${poolid}`, 'Pool.Allocate');
    const pool = getPool(ctx, poolid);
    const { state } = ctx.sim;
    const remove = flag(ctx.params.delete);
    if (ctx.params.comment !== undefined) pool.comment = String(ctx.params.comment);
    for (const v of splitList(ctx.params.vms)) {
      const vmid = Number(v);
      ctx.sim.requirePriv(ctx.auth, `/vms/${vmid}`, 'Permissions.Modify|VM.Allocate');
      if (remove) {
        if (!pool.members.has(vmid)) throw dieError(`VM ${vmid} is not a pool member`);
        pool.members.delete(vmid);
        continue;
      }
      if (pool.members.has(vmid)) throw dieError(`VM ${vmid} is already a pool member`);
      if (!state.vms.has(vmid)) throw dieError(`VM ${vmid} does not exist`);
      const current = [...state.pools.values()].find((p) => p.members.has(vmid));
      if (current) {
        if (!flag(ctx.params['allow-move'])) {
          throw dieError(`VM ${vmid} belongs already to pool '${current.poolid}' and allow-move is not set`);
        }
        current.members.delete(vmid);
      }
      pool.members.add(vmid);
    }
    for (const id of splitList(ctx.params.storage)) {
      const set = storagesOf(pool);
      if (remove) {
        if (!set.delete(id)) throw dieError(`storage '${id}' is not a pool member`);
      } else {
        if (!state.storages.has(id)) throw dieError(`storage '${id}' does not exist`);
        if (set.has(id)) throw dieError(`storage '${id}' is already a pool member`);
        set.add(id);
      }
    }
    return null;
  };

  const get: Handler = (ctx) => {
    const poolid = ctx.pathParams.poolid;
    ctx.sim.requirePriv(ctx.auth, `/pool/${poolid}`, 'Pool.Audit');
    const pool = getPool(ctx, poolid);
    const type = ctx.params.type === undefined ? undefined : String(ctx.params.type);
    return { ...(pool.comment ? { comment: pool.comment } : {}), members: members(ctx, poolid, type) };
  };

  const remove: Handler = (ctx) => {
    const poolid = String(ctx.pathParams.poolid ?? ctx.params.poolid);
    ctx.sim.requirePriv(ctx.auth, `/pool/${poolid}`, 'Pool.Allocate');
    const pool = getPool(ctx, poolid);
    if (pool.members.size > 0 || storagesOf(pool).size > 0) throw dieError(`pool '${poolid}' is not empty`);
    ctx.sim.state.pools.delete(poolid);
    return null;
  };

  return [
    { method: 'GET', template: '/pools', handler: list },
    { method: 'POST', template: '/pools', handler: create },
    { method: 'PUT', template: '/pools', handler: update },
    { method: 'DELETE', template: '/pools', handler: remove },
    { method: 'GET', template: '/pools/{poolid}', handler: get },
    { method: 'PUT', template: '/pools/{poolid}', handler: update },
    { method: 'DELETE', template: '/pools/{poolid}', handler: remove },
  ];
}
