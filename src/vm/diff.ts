// Compares the requested VM spec with a VM's live config, key by key, the way PVE stores values:
// PVE adds MACs to NICs, volume names and sizes to disks, sorts tags and URL-encodes sshkeys, so a plain
// string comparison would report changes that are not there (and re-sending a disk spec would allocate a
// new disk). Only what really differs is sent; disks are never re-allocated by an update.
import { DISK_KEY, NET_KEY, type Props, newVolumeSize, parseDisk, parseNet, parseProps, printProps, sizeBytes } from './config-values.js';
import { addCiTags, ciTagsIn, splitTags } from './ci-tags.js';
import type { VmConfig } from './pve.js';
import type { Change } from './steps.js';

export interface ConfigDiff {
  /** Config keys to send, with the wire value (disk values rewritten to keep the existing volume). */
  set: Record<string, string>;
  changes: Change[];
  /** Disk grow requests: disk key → new absolute size (e.g. "20G"). */
  resizes: Array<{ disk: string; size: string; from?: string }>;
  /** Keys that differ but need update_unsafe. */
  skippedUnsafe: string[];
  notes: string[];
}

/** Sub-property that a bare first element stands for, per config key family. */
const DEFAULT_KEY: Record<string, string> = {
  agent: 'enabled', vga: 'type', memory: 'current', cpu: 'cputype', startup: 'order', rng: 'source',
  audio: 'device', usb: 'host', hostpci: 'host', numa: 'cpus', virtiofs: 'dirid', watchdog: 'model',
  efidisk: 'file', tpmstate: 'file', boot: 'legacy', spice_enhancements: 'foldersharing',
};
const family = (key: string) => key.replace(/\d+$/, '');

const SECRET_MASK = '**********';

function num(v: string): number | undefined {
  return /^[+-]?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
}

function sameScalar(want: string, have: string): boolean {
  if (want === have) return true;
  const a = num(want);
  const b = num(have);
  return a !== undefined && b !== undefined && a === b;
}

function sameProps(want: Props, have: Props, ignore: ReadonlySet<string> = new Set()): boolean {
  const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
  for (const k of keys) {
    if (ignore.has(k)) continue;
    const a = want[k];
    const b = have[k];
    if (a === undefined || b === undefined) return false;
    if (!sameScalar(a, b)) return false;
  }
  return true;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export interface DiffOptions {
  unsafe: boolean;
  secretKeys: ReadonlySet<string>;
}

/** Decides for one key what (if anything) must be sent. Returns undefined when the live value already matches. */
function diffKey(key: string, want: string, have: string | undefined, d: ConfigDiff): string | undefined {
  if (have === undefined) return want;

  if (NET_KEY.test(key)) {
    const w = parseNet(want);
    const h = parseNet(have);
    const ignore = new Set(w.macaddr ? [] : ['macaddr']);
    if (sameProps(w, h, ignore)) return undefined;
    const merged: Props = { ...w, macaddr: w.macaddr ?? h.macaddr ?? '' };
    const { model, macaddr, ...rest } = merged;
    return [macaddr ? `${model}=${macaddr}` : model, printProps(rest)].filter(Boolean).join(',');
  }

  if (DISK_KEY.test(key)) {
    const w = parseDisk(want);
    const h = parseDisk(have);
    const alloc = newVolumeSize(w.file ?? '');
    const isCloudInit = /:cloudinit$/.test(w.file ?? '');
    const sameVolume = alloc !== undefined || isCloudInit || w.file === h.file;
    if (alloc && alloc.gib > 0 && !/^(efidisk|tpmstate)/.test(key)) {
      const haveBytes = sizeBytes(h.size ?? '') ?? 0;
      const wantBytes = alloc.gib * 1024 ** 3;
      if (wantBytes > haveBytes) d.resizes.push({ disk: key, size: `${alloc.gib}G`, from: h.size });
      else if (wantBytes < haveBytes)
        d.notes.push(`${key}: requested ${alloc.gib}G is smaller than the disk (${h.size}); PVE cannot shrink disks, left as is`);
    }
    // import-from only says where a new disk's data comes from: PVE does not store it (API2/Qemu.pm create_disks
    // deletes it), so on an existing disk it is no change.
    const ignore = new Set(['file', 'size', 'ms-cert', ...(alloc || isCloudInit ? ['format', 'media', 'import-from'] : [])]);
    if (sameVolume && sameProps(w, h, ignore)) return undefined;
    // Keep the existing volume: an update must never allocate a new disk in place of the old one.
    const opts: Props = { ...h, ...w, file: sameVolume ? (h.file ?? '') : (w.file ?? '') };
    if (alloc || isCloudInit) delete opts.format;
    if (sameVolume) delete opts['import-from'];
    return printProps(opts, 'file');
  }

  if (key === 'sshkeys') return safeDecode(want).trim() === safeDecode(have).trim() ? undefined : want;
  if (key === 'tags') {
    // CI tags (orphans.ts) are the action's bookkeeping for prune: an update keeps them beside the user's tags.
    const keep = ciTagsIn(have);
    const a = new Set(splitTags(want));
    for (const t of keep) a.add(t);
    const b = new Set(splitTags(have));
    if (a.size === b.size && [...a].every((t) => b.has(t))) return undefined;
    return keep.length ? [...a].join(';') : want;
  }
  if (sameScalar(want, have)) return undefined;
  if (want.includes('=') || have.includes('=') || want.includes(',') || have.includes(',')) {
    const dk = DEFAULT_KEY[family(key)] ?? '_';
    if (sameProps(parseProps(want, dk), parseProps(have, dk))) return undefined;
  }
  return want;
}

/** Diff of the requested spec against a live config (pending values already applied by GET config). */
export function diffConfig(
  spec: Readonly<Record<string, string>>,
  specSource: Readonly<Record<string, string>>,
  live: VmConfig,
  opts: DiffOptions,
): ConfigDiff {
  const d: ConfigDiff = { set: {}, changes: [], resizes: [], skippedUnsafe: [], notes: [] };
  for (const [key, want] of Object.entries(spec)) {
    const haveRaw = live[key];
    const have = haveRaw === undefined ? undefined : String(haveRaw);
    const secret = opts.secretKeys.has(key);
    if (secret && have !== undefined) {
      // PVE only ever shows the mask, so a stored secret cannot be compared: keep it, say so.
      if (have === SECRET_MASK) {
        d.notes.push(`${key} is already set on the VM and PVE does not reveal it, so it was not re-sent (delete it first to replace it)`);
        continue;
      }
    }
    const unsafe = NET_KEY.test(key) || DISK_KEY.test(key);
    const resizesBefore = d.resizes.length;
    const value = diffKey(key, want, have, d);
    if (unsafe && !opts.unsafe && (value !== undefined || d.resizes.length > resizesBefore)) {
      d.resizes.length = resizesBefore;
      d.skippedUnsafe.push(key);
      continue;
    }
    if (value === undefined) continue;
    d.set[key] = value;
    d.changes.push({ key, from: have, to: value, input: specSource[key] ?? key, secret });
  }
  return d;
}

/** Keys of `wanted` that the VM has (set or pending), so deleting them changes something. */
export function presentKeys(wanted: readonly string[], live: VmConfig, pendingKeys: ReadonlySet<string>): string[] {
  return wanted.filter((k) => live[k] !== undefined || pendingKeys.has(k));
}

/**
 * The config change that gives a VM just cloned the settings given with `clone` (the module ignores them), plus the
 * run's CI tags on top of its own: unsafe keys (disks, NICs) included, since the VM is new. The planner calls it with
 * the source's config (a preview), the clone-config step with the clone's config once it exists.
 */
export function cloneDiff(spec: Readonly<Record<string, string>>, specSource: Readonly<Record<string, string>>, config: VmConfig, secretKeys: ReadonlySet<string>, ciTags: readonly string[]): ConfigDiff {
  const d = diffConfig(spec, specSource, config, { unsafe: true, secretKeys });
  addCiTags(d.set, d.changes, config, ciTags);
  return d;
}
