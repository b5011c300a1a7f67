// Drive values (ideN, sataN, scsiN, virtioN, efidisk0, tpmstate0, unusedN): parsing, canonical printing, the
// pre-fork storage checks, and allocation of `storage:size` / `storage:cloudinit` specs as create_disks does.
import { dieError, paramError, type ClusterState, type StorageInfo } from '../core.js';
import { parseConfigValue, printConfigValue } from './format.js';
import {
  allocVolume, formatSize, isFileStorage, parseSize, registerVolume, renameToBase, splitVolid,
  volumeExists, volumeOwner, volumeSize,
} from './volumes.js';

export type Drive = Record<string, string> & { file: string };

/** `[<storage>:]<size in GiB>`: a new volume to allocate. */
export const NEW_DISK_RE = /^(?:([a-z][a-z0-9\-_.]*[a-z0-9]):)?(\d+(?:\.\d+)?)$/i;

const EFI_SIZE_BLOCK = 4 * 1024 ** 2;
const EFI_SIZE_FILE = 528 * 1024;
const TPM_SIZE = 4 * 1024 ** 2;
const CLOUDINIT_SIZE = 4 * 1024 ** 2;
const IMPORT_DEFAULT_SIZE = 2 * 1024 ** 3;

export function isDriveKey(key: string): boolean {
  return /^(ide|sata|scsi|virtio)\d+$/.test(key) || key === 'efidisk0' || key === 'tpmstate0';
}

export function isUnusedKey(key: string): boolean {
  return /^unused\d+$/.test(key);
}

export function parseDrive(key: string, value: string): Drive {
  const d = parseConfigValue(isUnusedKey(key) ? 'unused0' : key, value);
  if (d.file === undefined && d.volume !== undefined) {
    d.file = d.volume;
    delete d.volume;
  }
  if (d.file === undefined) throw new Error(`unable to parse drive options for '${key}'`);
  return d as Drive;
}

/** print_drive: the volume first (without `file=`), then the other keys alphabetically. */
export function printDrive(key: string, d: Drive): string {
  return printConfigValue(isUnusedKey(key) ? 'unused0' : key, d);
}

export function isCdrom(d: Drive): boolean {
  return d.media === 'cdrom';
}

export function isCloudinit(d: Drive): boolean {
  const v = splitVolid(d.file);
  return !!v && (v.volname === 'cloudinit' || /(^|\/)vm-\d+-cloudinit(\.\w+)?$/.test(v.volname));
}

/** The volume a drive owns (not cdrom images, not `none`, not host paths). */
export function ownedVolid(d: Drive): string | undefined {
  if (!splitVolid(d.file)) return undefined;
  if (isCdrom(d) && !isCloudinit(d)) return undefined;
  return d.file;
}

function storageFor(state: ClusterState, id: string): StorageInfo {
  const s = state.storages.get(id);
  if (!s) throw dieError(`storage '${id}' does not exist`);
  return s;
}

/**
 * Checks PVE runs before forking (check_storage_access + check_drive_param): known storages, `images` content
 * for new disks, iso images only as cdrom. Throws PveError.
 */
export function checkDriveParams(state: ClusterState, params: Record<string, string>, defaultStorage?: string): void {
  for (const key of Object.keys(params).sort()) {
    if (!isDriveKey(key)) continue;
    let d: Drive;
    try {
      d = parseDrive(key, params[key]);
    } catch {
      throw paramError({ [key]: 'unable to parse drive options' });
    }
    const file = d.file;
    if (file === 'none' || file === 'cdrom' || file.startsWith('/')) continue;
    const m = NEW_DISK_RE.exec(file);
    const v = splitVolid(file);
    if (m && !isCdrom(d)) {
      const sid = m[1] ?? defaultStorage;
      if (!sid) throw dieError('no storage ID specified (and no default storage)');
      const s = storageFor(state, sid);
      if (!s.content.split(',').includes('images')) {
        throw paramError({ storage: `storage '${sid}' does not support vm images` });
      }
    } else if (v) {
      if (v.volname === 'cloudinit') {
        storageFor(state, v.storage);
        continue;
      }
      storageFor(state, v.storage);
      if (v.volname.startsWith('iso/') && !isCdrom(d)) {
        throw paramError({ [key]: "explicit 'media=cdrom' is required for iso images" });
      }
    }
  }
}

function usableStorage(state: ClusterState, id: string, node: string): StorageInfo {
  const s = storageFor(state, id);
  if (!s.shared && !s.nodes.includes(node)) throw new Error(`storage '${id}' is not available on node '${node}'`);
  return s;
}

export interface CreatedDrive {
  value: string;
  created: string[];
}

/**
 * Turns one drive parameter into its stored value, allocating volumes for `storage:size` and cloud-init specs.
 * Runs inside the worker; errors are plain Errors (the caller frees `created` of earlier drives).
 */
export function createDrive(
  state: ClusterState,
  node: string,
  vmid: number,
  key: string,
  value: string,
  opts: { defaultStorage?: string; template?: boolean; conf?: Record<string, string> } = {},
): CreatedDrive {
  const d = parseDrive(key, value);
  const file = d.file;
  if (file === 'none' || file === 'cdrom' || file.startsWith('/')) {
    delete d.size;
    return { value: printDrive(key, d), created: [] };
  }
  const v = splitVolid(file);
  if (v?.volname === 'cloudinit' || (!v && file === 'cloudinit')) {
    const sid = v?.storage ?? opts.defaultStorage;
    if (!sid) throw new Error('no storage ID specified (and no default storage)');
    const other = Object.entries(opts.conf ?? {}).find(
      ([k, val]) => k !== key && isDriveKey(k) && isCloudinit(safeParse(k, val)),
    );
    if (other) throw new Error(`${key} - cloud-init drive is already attached at '${other[0]}'`);
    const s = usableStorage(state, sid, node);
    const fmt = isFileStorage(s) ? (d.format ?? 'qcow2') : undefined;
    const name = `vm-${vmid}-cloudinit`;
    const volid = isFileStorage(s) ? `${sid}:${vmid}/${name}.${fmt}` : `${sid}:${name}`;
    const created: string[] = [];
    if (!volumeExists(state, volid)) {
      registerVolume(state, volid, CLOUDINIT_SIZE);
      created.push(volid);
    }
    d.file = volid;
    d.media = 'cdrom';
    delete d.format;
    return { value: printDrive(key, d), created };
  }
  const m = NEW_DISK_RE.exec(file);
  if (m) {
    const sid = m[1] ?? opts.defaultStorage;
    if (!sid) throw new Error('no storage ID specified (and no default storage)');
    const s = usableStorage(state, sid, node);
    let bytes = Math.floor(Number(m[2]) * 1024 ** 3);
    const source = d['import-from'];
    if (source !== undefined) {
      // `<storage>:0,import-from=<volid|path>`: the new volume gets the source's size (unknown images: 2 GiB)
      bytes = volumeSize(state, source) ?? IMPORT_DEFAULT_SIZE;
      delete d['import-from'];
    }
    if (key === 'efidisk0') bytes = isFileStorage(s) ? EFI_SIZE_FILE : EFI_SIZE_BLOCK;
    if (key === 'tpmstate0') bytes = TPM_SIZE;
    let volid = allocVolume(state, s, vmid, bytes, { format: d.format });
    if (opts.template) volid = renameToBase(state, volid);
    d.file = volid;
    d.size = formatSize(bytes);
    delete d.format;
    return { value: printDrive(key, d), created: [volid] };
  }
  if (v) {
    const owner = volumeOwner(file);
    if (owner !== undefined) {
      if (!volumeExists(state, file)) throw new Error(`volume ${file} does not exist`);
      const size = volumeSize(state, file);
      if (size !== undefined) d.size = formatSize(size);
    }
    return { value: printDrive(key, d), created: [] };
  }
  return { value: printDrive(key, d), created: [] };
}

function safeParse(key: string, value: string): Drive {
  try {
    return parseDrive(key, value);
  } catch {
    return { file: '' };
  }
}

/** Every volume a config owns: drives (not cdrom images), unusedN, vmstate. */
export function configVolids(conf: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(conf)) {
    if (isDriveKey(key) || isUnusedKey(key)) {
      const vol = ownedVolid(safeParse(key, value));
      if (vol) out.push(vol);
    } else if (key === 'vmstate' && splitVolid(value)) {
      out.push(value);
    }
  }
  return out;
}

/** Lowest free unusedN in a config. */
export function nextUnusedKey(conf: Record<string, string>, pending: Record<string, string> = {}): string {
  let n = 0;
  while (conf[`unused${n}`] !== undefined || pending[`unused${n}`] !== undefined) n += 1;
  return `unused${n}`;
}

/** Boot disk size for maxdisk: the size= of the first disk in boot order, else of the first disk. */
export function bootDiskBytes(conf: Record<string, string>): number {
  const order = /order=([^,]+)/.exec(conf.boot ?? '')?.[1]?.split(';') ?? [];
  const candidates = [...order, ...Object.keys(conf).filter(isDriveKey).sort()];
  for (const key of candidates) {
    if (!isDriveKey(key) || conf[key] === undefined) continue;
    const d = safeParse(key, conf[key]);
    if (isCdrom(d) || !d.size) continue;
    try {
      return parseSize(d.size);
    } catch {
      continue;
    }
  }
  return 0;
}

