// Builds the simulated cluster (nodes, storages, pools) from the simulator options, with defaults that look like
// a small real cluster, and holds the default timing knobs.
import type { ClusterState, Durations, NodeInfo, PoolInfo, StorageInfo } from './core.js';

const GiB = 1024 ** 3;

/** Simulated milliseconds of work per task type; every value is multiplied by the simulator's timeScale. */
export const DEFAULT_DURATIONS: Durations = {
  qmcreate: 1000,
  qmclone_full: 3000,
  qmclone_linked: 800,
  qmstart: 1000,
  qmstop: 600,
  qmshutdown: 1500,
  qmreboot: 2000,
  qmreset: 300,
  qmsuspend: 500,
  qmresume: 300,
  qmdestroy: 800,
  qmconfig: 300,
  qmtemplate: 800,
  qmigrate: 2000,
  qmsnapshot: 800,
  qmrollback: 1000,
  resize: 300,
  agentUp: 2000,
  statdPeriod: 10000, // pvestatd.pm `run`: $updatetime = 10
};

export type StorageOption = Partial<StorageInfo> & { storage: string; type: StorageInfo['type'] };

export interface StateOptions {
  clusterName?: string;
  nodes?: string[];
  nodeInfo?: Record<string, Partial<Omit<NodeInfo, 'name'>>>;
  storages?: StorageOption[];
  pools?: string[];
  nextIdRange?: { lower: number; upper: number };
}

// What a fresh PVE install offers per storage type (pvesm defaults), used when an option leaves `content` out.
// dir is the installer's `local` (pve-installer `Proxmox/Install/StorageConfig.pm`: `iso,vztmpl,backup,import` since
// PVE 9.0, "enable import content type by default"; pve-storage `DirPlugin.pm` plugindata allows `import`).
const DEFAULT_CONTENT: Record<StorageInfo['type'], string> = {
  dir: 'iso,vztmpl,backup,import',
  lvmthin: 'images,rootdir',
  lvm: 'images,rootdir',
  zfspool: 'images,rootdir',
  nfs: 'images,iso,backup',
  rbd: 'images',
};

const DEFAULT_STORAGES: StorageOption[] = [
  { storage: 'local', type: 'dir', total: 98 * GiB, used: 11 * GiB },
  { storage: 'local-lvm', type: 'lvmthin', total: 350 * GiB, used: 40 * GiB },
  { storage: 'shared-nfs', type: 'nfs', shared: true, total: 2048 * GiB, used: 600 * GiB },
];

function nodeInfo(name: string, index: number, patch: Partial<Omit<NodeInfo, 'name'>> = {}): NodeInfo {
  return {
    name,
    online: true,
    maxcpu: 16,
    cpu: 0.02 + 0.01 * index,
    maxmem: 64 * GiB,
    mem: (10 + 2 * index) * GiB,
    maxdisk: 98 * GiB,
    disk: 11 * GiB,
    uptime: 1_209_600 + 3600 * index,
    ...patch,
  };
}

function storageInfo(option: StorageOption, nodes: string[]): StorageInfo {
  const shared = option.shared ?? (option.type === 'nfs' || option.type === 'rbd');
  const total = option.total ?? 100 * GiB;
  return {
    storage: option.storage,
    type: option.type,
    content: option.content ?? DEFAULT_CONTENT[option.type],
    shared,
    total,
    used: option.used ?? Math.round(total / 10),
    nodes: option.nodes ?? [...nodes],
  };
}

export function createClusterState(options: StateOptions = {}): ClusterState {
  const names = options.nodes ?? ['pve1', 'pve2'];
  if (names.length === 0) throw new Error('the simulated cluster needs at least one node');
  const nodes = new Map<string, NodeInfo>();
  names.forEach((n, i) => nodes.set(n, nodeInfo(n, i, options.nodeInfo?.[n])));
  const storages = new Map<string, StorageInfo>();
  for (const s of options.storages ?? DEFAULT_STORAGES) storages.set(s.storage, storageInfo(s, names));
  const pools = new Map<string, PoolInfo>();
  for (const p of options.pools ?? []) pools.set(p, { poolid: p, members: new Set() });
  return {
    clusterName: options.clusterName ?? 'simcluster',
    nodes,
    storages,
    pools,
    vms: new Map(),
    flocks: new Map(),
    nextIdRange: options.nextIdRange ?? { lower: 100, upper: 1_000_000 },
    volumes: new Map([...storages.keys()].map((s) => [s, new Set<string>()])),
  };
}
