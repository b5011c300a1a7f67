// Reads the values PVE stores in a VM's config: property strings ("virtio=BC:24:11:..,bridge=vmbr0"), disk and NIC
// keys, sizes — enough to compare a requested value with the stored one (diff.ts) and to read MACs and volumes for
// the outputs (facts.ts). Inputs are checked before any request by inputs/; the simulator has the full parser.
import { NIC_MODELS } from '../catalogue/formats.js';

export type Props = Record<string, string>;

/** Splits "a,b=c,d=e" into {<defaultKey>: a, b: c, d: e}. A bare first element goes to `defaultKey`. */
export function parseProps(value: string, defaultKey: string): Props {
  const out: Props = {};
  const parts = value.split(',').filter((p) => p !== '');
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      out[i === 0 ? defaultKey : part] = i === 0 ? part : '1';
    } else {
      out[part.slice(0, eq)] = part.slice(eq + 1);
    }
  });
  return out;
}

const NET_MODELS: ReadonlySet<string> = new Set(NIC_MODELS);

/** netN: folds `<model>=<MAC>` and bare `<model>` into {model, macaddr?}. */
export function parseNet(value: string): Props {
  const raw = parseProps(value, 'model');
  const out: Props = {};
  for (const [k, v] of Object.entries(raw)) {
    if (NET_MODELS.has(k)) {
      out.model = k;
      if (v !== '1' && v !== '') out.macaddr = v.toUpperCase();
    } else if (k === 'macaddr') {
      out.macaddr = v.toUpperCase();
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The MAC of a stored netN value, upper-case, or undefined. */
export function macOf(netValue: string): string | undefined {
  return parseNet(netValue).macaddr;
}

export const DISK_KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+$/;
export const NET_KEY = /^net\d+$/;

/** Disk value → {file, ...options}. */
export function parseDisk(value: string): Props {
  return parseProps(value, 'file');
}

/** "storage:10" / "10" / "storage:0.5": a request to allocate a new volume of that many GiB. */
export function newVolumeSize(file: string): { storage?: string; gib: number } | undefined {
  const m = /^(?:([a-zA-Z][\w.-]*):)?(\d+(?:\.\d+)?)$/.exec(file);
  if (!m) return undefined;
  return { storage: m[1], gib: Number(m[2]) };
}

/** PVE size string ("32G", "512M", "4M", "1T", "528K") → bytes. */
export function sizeBytes(size: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size);
  if (!m) return undefined;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * mult;
}

export function printProps(props: Props, firstKey?: string): string {
  const keys = Object.keys(props);
  const first = firstKey && firstKey in props ? [firstKey] : [];
  const rest = keys.filter((k) => k !== firstKey).sort();
  return [...first.map((k) => props[k]), ...rest.map((k) => `${k}=${props[k]}`)].join(',');
}
