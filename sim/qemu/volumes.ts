// Simulated storage volumes: the per-storage name registry in ClusterState.volumes, volume sizes and linked-clone
// parents, lowest-free `vm-<vmid>-disk-<N>` naming, base (template) renames and PVE's size notation.
import type { ClusterState, StorageInfo } from '../core.js';

interface VolumeMeta {
  sizes: Map<string, number>;
  /** Host files outside any storage (absolute paths a root `import-from` may name) → virtual size in bytes. */
  hostFiles: Map<string, number>;
  /** linked clone volid → base volid it was cloned from */
  parents: Map<string, string>;
}

const meta = new WeakMap<ClusterState, VolumeMeta>();

function metaOf(state: ClusterState): VolumeMeta {
  let m = meta.get(state);
  if (!m) {
    m = { sizes: new Map(), hostFiles: new Map(), parents: new Map() };
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

/**
 * A volume name under `import/` on a directory-like storage, as pve-storage `src/PVE/Storage/Plugin.pm`
 * `parse_volname` reads it: `import/<name>.<ova|ovf|qcow2|raw|vmdk>` (`$IMPORT_EXT_RE_1` in `src/PVE/Storage.pm`;
 * `.img` is not among them) or `import/<name>.ova/<disk>.<qcow2|raw|vmdk>` (`$OVA_CONTENT_RE_1`), safe characters
 * (`$SAFE_CHAR_WITH_WHITESPACE_CLASS_RE`) only. The format is the extension (`ova+<fmt>` inside an OVA).
 */
export function parseImportVolname(volname: string): { name: string; format: string } | undefined {
  const ova = /^import\/([ a-zA-Z0-9\-.+=_]+\.ova\/[ a-zA-Z0-9\-.+=_]+\.(qcow2|raw|vmdk))$/.exec(volname);
  if (ova) return { name: ova[1], format: `ova+${ova[2]}` };
  const m = /^import\/([ a-zA-Z0-9\-.+=_]+\.(ova|ovf|qcow2|raw|vmdk))$/.exec(volname);
  return m ? { name: m[1], format: m[2] } : undefined;
}

/** Where a directory-like storage keeps its files: `local` at /var/lib/vz, the others under /mnt/pve/<id>. */
export function storagePath(s: StorageInfo): string {
  return s.storage === 'local' ? '/var/lib/vz' : `/mnt/pve/${s.storage}`;
}

/** Places a host file (an absolute path) of that virtual size, for a root `import-from=/path`. */
export function setHostFile(state: ClusterState, path: string, bytes: number): void {
  metaOf(state).hostFiles.set(path, bytes);
}

export function hostFileSize(state: ClusterState, path: string): number | undefined {
  return metaOf(state).hostFiles.get(path);
}

/**
 * The content type of a volume as pve-storage `parse_volname` sees it (`Plugin.pm` for dir/nfs, the block plugins'
 * own for lvm, lvmthin, zfspool and rbd), with the owner VM and the format. Throws PVE's parse error.
 */
export function volumeType(s: StorageInfo, volname: string): { vtype: string; owner?: number; format: string } {
  if (isFileStorage(s)) {
    const img = /^(?:\d+\/\S+\/)?(\d+)\/(\S+)$/.exec(volname);
    if (img) return { vtype: 'images', owner: Number(img[1]), format: /\.(\w+)$/.exec(img[2])?.[1] ?? 'raw' };
    if (/^iso\/[^/]+\.(?:iso|img)$/i.test(volname)) return { vtype: 'iso', format: 'raw' };
    if (/^vztmpl\/[^/]+$/.test(volname)) return { vtype: 'vztmpl', format: 'raw' };
    if (/^backup\/[^/]+$/.test(volname)) return { vtype: 'backup', format: 'raw' };
    if (/^snippets\/[^/]+$/.test(volname)) return { vtype: 'snippets', format: 'raw' };
    const imp = parseImportVolname(volname);
    if (imp) return { vtype: 'import', format: imp.format };
    throw new Error(`unable to parse directory volume name '${volname}'`);
  }
  const m = /^(?:vm|base)-(\d+)-\S+$/.exec(volname);
  if (m) return { vtype: 'images', owner: Number(m[1]), format: 'raw' };
  const kind = s.type === 'lvmthin' ? 'lvm' : s.type === 'zfspool' ? 'zfs' : s.type;
  throw new Error(`unable to parse ${kind} volume name '${volname}'`);
}

/**
 * Puts a disk image where `import-from` can find it (what an upload or "Download from URL" to `import` content, or
 * a copy to the host, would do): `<storage>:import/<name>.<qcow2|raw|vmdk|ova|ovf>` on a directory-like storage,
 * or an absolute path (root only may import from one). `bytes` is the image's virtual size.
 */
export function placeImportFile(state: ClusterState, target: string, bytes: number): void {
  if (target.startsWith('/')) {
    setHostFile(state, target, bytes);
    return;
  }
  const v = splitVolid(target);
  const s = v ? state.storages.get(v.storage) : undefined;
  if (!v || !s) throw new Error(`import file '${target}': no such storage`);
  if (!isFileStorage(s) || volumeType(s, v.volname).vtype !== 'import') {
    throw new Error(`import file '${target}': must be <dir or nfs storage>:import/<name>.<ova|ovf|qcow2|raw|vmdk>`);
  }
  registerVolume(state, target, bytes);
}
