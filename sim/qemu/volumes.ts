// Simulated storage volumes: the per-storage name registry in ClusterState.volumes, volume sizes and linked-clone
// parents, lowest-free `vm-<vmid>-disk-<N>` naming, base (template) renames and PVE's size notation.
import type { ClusterState, StorageInfo } from '../core.js';

interface VolumeMeta {
  sizes: Map<string, number>;
  /** linked clone volid → base volid it was cloned from */
  parents: Map<string, string>;
}

const meta = new WeakMap<ClusterState, VolumeMeta>();

function metaOf(state: ClusterState): VolumeMeta {
  let m = meta.get(state);
  if (!m) {
    m = { sizes: new Map(), parents: new Map() };
    meta.set(state, m);
  }
  return m;
}

export function splitVolid(volid: string): { storage: string; volname: string } | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  return m ? { storage: m[1], volname: m[2] } : undefined;
}

/** dir/nfs keep images as files under <vmid>/ with a format suffix; block storages use bare names. */
export function isFileStorage(s: StorageInfo): boolean {
  return s.type === 'dir' || s.type === 'nfs';
}

export function defaultFormat(s: StorageInfo): string {
  return isFileStorage(s) ? 'qcow2' : 'raw';
}

function baseName(volname: string): string {
  const last = volname.slice(volname.lastIndexOf('/') + 1);
  return last.replace(/\.(raw|qcow2|vmdk|qcow|qed|cloop)$/, '');
}

/** VMID that owns a volume, from its name (`vm-100-disk-0`, `base-100-disk-0`, `vm-100-cloudinit`, ...). */
export function volumeOwner(volid: string): number | undefined {
  const v = splitVolid(volid);
  if (!v) return undefined;
  const m = /^(?:vm|base)-(\d+)-/.exec(baseName(v.volname));
  return m ? Number(m[1]) : undefined;
}

export function isBaseVolume(volid: string): boolean {
  const v = splitVolid(volid);
  return !!v && baseName(v.volname).startsWith('base-');
}

function namesOn(state: ClusterState, storage: string): Set<string> {
  let set = state.volumes.get(storage);
  if (!set) {
    set = new Set();
    state.volumes.set(storage, set);
  }
  return set;
}

export function volumeExists(state: ClusterState, volid: string): boolean {
  const v = splitVolid(volid);
  return !!v && namesOn(state, v.storage).has(v.volname);
}

export function volumeSize(state: ClusterState, volid: string): number | undefined {
  return metaOf(state).sizes.get(volid);
}

export function setVolumeSize(state: ClusterState, volid: string, bytes: number): void {
  metaOf(state).sizes.set(volid, bytes);
}

export function registerVolume(state: ClusterState, volid: string, bytes: number, parent?: string): void {
  const v = splitVolid(volid);
  if (!v) throw new Error(`unable to parse volume ID '${volid}'`);
  namesOn(state, v.storage).add(v.volname);
  metaOf(state).sizes.set(volid, bytes);
  if (parent) metaOf(state).parents.set(volid, parent);
}

export function freeVolume(state: ClusterState, volid: string): void {
  const v = splitVolid(volid);
  if (!v) return;
  namesOn(state, v.storage).delete(v.volname);
  const m = metaOf(state);
  m.sizes.delete(volid);
  m.parents.delete(volid);
}

/** Linked clones still referring to this base volume. */
export function baseVolumeInUse(state: ClusterState, volid: string): boolean {
  for (const parent of metaOf(state).parents.values()) if (parent === volid) return true;
  return false;
}

/** All volumes on any storage whose name says they belong to vmid. */
export function volumesOfVm(state: ClusterState, vmid: number): string[] {
  const out: string[] = [];
  for (const [storage, names] of state.volumes) {
    for (const name of names) if (volumeOwner(`${storage}:${name}`) === vmid) out.push(`${storage}:${name}`);
  }
  return out;
}

/** Lowest N such that no `vm-<vmid>-disk-N` / `base-<vmid>-disk-N` exists on the storage (get_next_vm_diskname). */
function nextDiskIndex(state: ClusterState, storage: string, vmid: number): number {
  const taken = new Set<number>();
  const re = new RegExp(`^(?:vm|base)-${vmid}-disk-(\\d+)$`);
  for (const name of namesOn(state, storage)) {
    const m = re.exec(baseName(name));
    if (m) taken.add(Number(m[1]));
  }
  let n = 0;
  while (taken.has(n)) n += 1;
  return n;
}

/** Allocates a new image volume and returns its volid. `name` overrides the disk-N naming (cloud-init, vmstate). */
export function allocVolume(
  state: ClusterState,
  storage: StorageInfo,
  vmid: number,
  bytes: number,
  opts: { format?: string; name?: string; linkedBase?: string } = {},
): string {
  const file = isFileStorage(storage);
  const fmt = file ? (opts.format ?? defaultFormat(storage)) : 'raw';
  const stem = opts.name ?? `vm-${vmid}-disk-${nextDiskIndex(state, storage.storage, vmid)}`;
  let volname = file ? `${vmid}/${stem}.${fmt}` : stem;
  if (file && opts.linkedBase) volname = `${splitVolid(opts.linkedBase)!.volname}/${volname}`;
  const volid = `${storage.storage}:${volname}`;
  registerVolume(state, volid, bytes, opts.linkedBase);
  return volid;
}

/** Template conversion: vm-N-disk-M → base-N-disk-M (the last path component only, as storage create_base). */
export function renameToBase(state: ClusterState, volid: string): string {
  const v = splitVolid(volid);
  if (!v) return volid;
  const idx = v.volname.lastIndexOf('/');
  const last = v.volname.slice(idx + 1);
  if (!last.startsWith('vm-')) return volid;
  const newName = `${v.volname.slice(0, idx + 1)}base-${last.slice(3)}`;
  const newVolid = `${v.storage}:${newName}`;
  const size = volumeSize(state, volid) ?? 0;
  const parent = metaOf(state).parents.get(volid);
  freeVolume(state, volid);
  registerVolume(state, newVolid, size, parent);
  return newVolid;
}

const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `32G`, `528K`, `1.5G`, `1073741824` → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text.trim());
  if (!m) throw new Error(`unable to parse size '${text}'`);
  return Math.floor(Number(m[1]) * (m[2] ? UNITS[m[2]] : 1));
}

/** Largest exact unit, as PVE's format_size: 34359738368 → 32G, 540672 → 528K. */
export function formatSize(bytes: number): string {
  const kb = Math.floor(bytes / 1024);
  if (kb * 1024 !== bytes) return String(bytes);
  const mb = Math.floor(kb / 1024);
  if (mb * 1024 !== kb) return `${kb}K`;
  const gb = Math.floor(mb / 1024);
  if (gb * 1024 !== mb) return `${mb}M`;
  const tb = Math.floor(gb / 1024);
  if (tb * 1024 !== gb) return `${gb}G`;
  return `${tb}T`;
}
