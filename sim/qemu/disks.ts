// Drive values (ideN, sataN, scsiN, virtioN, efidisk0, tpmstate0, unusedN): parsing, canonical printing, the
// pre-fork storage checks, and allocation of `storage:size` / `storage:cloudinit` specs as create_disks does.
import { dieError, paramError, type ClusterState, type StorageInfo } from '../core.js';
import { parseConfigValue, printConfigValue } from './format.js';
import {
  allocVolume, formatSize, hostFileSize, isFileStorage, parseSize, registerVolume, renameToBase, splitVolid,
  storagePath, volumeExists, volumeOwner, volumeSize, volumeType,
} from './volumes.js';

export type Drive = Record<string, string> & { file: string };

/** `[<storage>:]<size in GiB>`: a new volume to allocate. */
export const NEW_DISK_RE = /^(?:([a-z][a-z0-9\-_.]*[a-z0-9]):)?(\d+(?:\.\d+)?)$/i;

const EFI_SIZE_BLOCK = 4 * 1024 ** 2;
const EFI_SIZE_FILE = 528 * 1024;
const TPM_SIZE = 4 * 1024 ** 2;
const CLOUDINIT_SIZE = 4 * 1024 ** 2;

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
    if (d['import-from'] !== undefined) {
      // $check_drive_param: `<storage>:0,import-from=<source>` only (Perl's `$3 != 0`: 0, 0.0, ... pass)
      const nm = NEW_DISK_RE.exec(file);
      if (!nm || Number(nm[2]) !== 0) {
        throw paramError({ [key]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>" });
      }
      if (key === 'efidisk0') {
        for (const required of ['efitype', 'pre-enrolled-keys']) {
          if (d[required] === undefined) throw paramError({ [key]: `need to specify '${required}' when using 'import-from'` });
        }
      } else if (key === 'tpmstate0' && d.version === undefined) {
        throw paramError({ [key]: "need to specify 'version' when using 'import-from'" });
      }
    }
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
  opts: { defaultStorage?: string; template?: boolean; conf?: Record<string, string>; log?: (line: string) => void } = {},
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
    delete d['import-from'];
    if (source !== undefined && key !== 'efidisk0' && key !== 'tpmstate0') {
      return importDrive(state, s, vmid, key, d, source, opts);
    }
    if (source !== undefined) bytes = importSourceSize(state, source);
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

/** Virtual size of an import source: a storage volume, else a host file; throws as PVE when it is not there. */
function importSourceSize(state: ClusterState, source: string): number {
  const v = splitVolid(source);
  if (!v) {
    // file_size_info($source, undef, 'auto-detect', 1): untrusted, so a missing file dies
    const size = hostFileSize(state, source);
    if (size === undefined) throw new Error(`failed to stat '${source}'`);
    return size;
  }
  const s = storageFor(state, v.storage);
  const t = volumeType(s, v.volname);
  if (t.vtype === 'import') {
    // create_disks: file_size_info(PVE::Storage::path(...), undef, $format, 1) on the untrusted import file
    if (!volumeExists(state, source)) throw new Error(`failed to stat '${storagePath(s)}/${v.volname}'`);
  } else if (!volumeExists(state, source)) {
    // $import_from_volid: volume_size_info, inside create_disks' `cannot import from '$source' - $@`
    throw new Error(`cannot import from '${source}' - could not get size of ${source}`);
  }
  return volumeSize(state, source) ?? 0;
}

/** render_bytes($size, 1) of pve-common src/PVE/Tools.pm: one decimal, binary units. */
function renderBytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = 0;
  if (value > 1023) {
    unit = Math.floor(Math.log(value) / Math.log(1024));
    value /= 1024 ** unit;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * qemu-server src/PVE/API2/Qemu.pm create_disks with `import-from` (not efidisk0/tpmstate0): a storage volume is
 * copied by `$import_from_volid` → QemuServer.pm `clone_disk` (`create full clone of drive [<drive> ](<source>)`,
 * `allocated target volume '<volid>'`), a host path by QemuServer/ImportDisk.pm `do_import`; both run
 * QemuServer/QemuImage.pm `convert` (`qemu-img convert -p`, logged as `transferred <x> of <size> (<p>%)`). The new
 * volume has the source's virtual size, in the storage's default format unless `format` is given.
 * Not modelled: OVA extraction (`extracting …`), the live import (`live-restore`), templates' base volumes.
 */
function importDrive(
  state: ClusterState,
  s: StorageInfo,
  vmid: number,
  key: string,
  d: Drive,
  source: string,
  opts: { log?: (line: string) => void; template?: boolean },
): CreatedDrive {
  const log = opts.log ?? (() => undefined);
  const bytes = importSourceSize(state, source);
  const v = splitVolid(source);
  if (v && isCloudinit({ file: source })) throw new Error(`cannot import from '${source}' - cannot import from cloudinit disk`);
  if (v) {
    const owner = volumeOwner(source);
    const ownerConf = owner !== undefined ? state.vms.get(owner)?.config : undefined;
    const drive = Object.entries(ownerConf ?? {}).find(([k, val]) => isDriveKey(k) && safeParse(k, val).file === source)?.[0];
    log(`create full clone of drive ${drive ? `${drive} ` : ''}(${source})`);
  }
  let volid = allocVolume(state, s, vmid, bytes, { format: d.format });
  if (v) log(`allocated target volume '${volid}'`);
  for (const pct of [0, 25, 50, 75, 100]) {
    log(`transferred ${renderBytes(Math.floor((bytes * pct) / 100))} of ${renderBytes(bytes)} (${pct.toFixed(2)}%)`);
  }
  if (opts.template) volid = renameToBase(state, volid); // "change imported disk to a base volume"
  d.file = volid;
  d.size = formatSize(bytes);
  delete d.format;
  return { value: printDrive(key, d), created: [volid] };
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

