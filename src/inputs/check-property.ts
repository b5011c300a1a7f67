// Checks a PVE property string (`virtio,bridge=vmbr0,tag=77`) against a trimmed format before any request:
// unknown sub-keys, bad integers/enums and missing required keys are caught here with a readable message.
// Messages quote only cut pieces of the value, so a huge value cannot make huge messages.
import { isIPv4, isIPv6 } from 'node:net';
import type { PropFormat, SubKeyCheck, SubKeyType } from '../catalogue/index.js';
import { CPU_BUILTIN_MODELS, CPU_MODELS, CPU_VM_FLAGS } from '../catalogue/cpu-models.js';
import { bootOrderError } from './checks.js';
import { cut, quote } from './errors.js';

export interface PropCheck {
  errors: string[];
  /** The value with blank parts and the spaces around parts, keys and values removed. */
  normalised: string;
  /** Sub-key → value after alias resolution (the default key filled in). */
  values: Record<string, string>;
}

/** Unicast MAC: the lowest bit of the first octet (the multicast bit) is 0, i.e. its second hex digit is even. */
const MAC = /^[0-9a-f][02468ace](?::[0-9a-f]{2}){5}$/i;
const VOLUME_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i;
const MAX_LISTED_KEYS = 16;

/** Own properties only: a sub-key named `constructor` or `__proto__` must not find Object's. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Length as PVE (Perl) counts it: characters, not UTF-16 units. */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function typeError(type: SubKeyType, v: string): string | undefined {
  switch (type.t) {
    case 'bool':
      return v === '0' || v === '1' ? undefined : 'must be 1 or 0';
    case 'int': {
      if (!/^[+-]?\d+$/.test(v)) return 'must be a whole number';
      return rangeError(Number(v), type.min, type.max);
    }
    case 'number': {
      if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(v)) return 'must be a number';
      return rangeError(Number(v), type.min, type.max);
    }
    case 'enum':
      return type.values.includes(v) ? undefined : `must be one of ${type.values.join(', ')}`;
    case 'string':
      if (v === '') return 'must not be empty';
      if (type.pattern && !type.pattern.test(v)) return `must be ${type.text ?? 'in the form PVE documents'}`;
      if (type.maxLength !== undefined && charLength(v) > type.maxLength) return `must be at most ${type.maxLength} characters long`;
      return type.check ? stringCheck(type.check, v) : undefined;
  }
}

function rangeError(n: number, min?: number, max?: number): string | undefined {
  if (min !== undefined && n < min) return `must be at least ${min}`;
  if (max !== undefined && n > max) return `must be at most ${max}`;
  return undefined;
}

/** `address/bits` of one family with PVE's prefix range (8 and up); zone ids are refused as PVE does. */
function isCidr(v: string, family: 4 | 6): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const bits = Number(m[2]);
  return family === 4 ? isIPv4(m[1]) && bits >= 8 && bits <= 32 : isIPv6(m[1]) && !m[1].includes('%') && bits >= 8 && bits <= 128;
}

const isVolumeOrPath = (v: string): boolean => v.startsWith('/') || VOLUME_ID.test(v);

function stringCheck(check: SubKeyCheck, v: string): string | undefined {
  switch (check) {
    case 'mac':
      return MAC.test(v)
        ? undefined
        : 'must be a unicast MAC address XX:XX:XX:XX:XX:XX (its second hex digit even: an odd one makes it a multicast address)';
    case 'ipv4':
      return isIPv4(v) ? undefined : 'must be an IPv4 address';
    case 'ipv6':
      return isIPv6(v) && !v.includes('%') ? undefined : 'must be an IPv6 address (without a %zone)';
    case 'cidr4':
      return v === 'dhcp' || v === 'manual' || isCidr(v, 4)
        ? undefined
        : "must be an IPv4 address with a prefix length of 8 to 32 (e.g. 192.168.1.10/24), 'dhcp' or 'manual'";
    case 'cidr6':
      return v === 'dhcp' || v === 'auto' || v === 'manual' || isCidr(v, 6)
        ? undefined
        : "must be an IPv6 address with a prefix length of 8 to 128 (e.g. fd00::10/64), 'dhcp', 'auto' or 'manual'";
    case 'volume':
      return VOLUME_ID.test(v) ? undefined : 'must be a volume id <storage>:<name>, e.g. local:snippets/user.yml';
    case 'drive-file':
      return v === 'none' || v === 'cdrom' || isVolumeOrPath(v)
        ? undefined
        : "must be <storage>:<size in GiB> for a new disk, a volume id <storage>:<name>, an absolute path, 'cdrom' or 'none'";
    case 'import-source':
      return isVolumeOrPath(v) ? undefined : 'must be a volume id <storage>:<name> or an absolute path';
    case 'cputype':
      if (CPU_MODELS.includes(v) || CPU_BUILTIN_MODELS.includes(v) || /^custom-[\w.-]+$/.test(v)) return undefined;
      return /^\d+$/.test(v)
        ? `must be a CPU type such as host, kvm64 or x86-64-v2-AES, not a number (for the number of cores, use the 'cores' input)`
        : `must be a CPU type PVE knows (e.g. host, kvm64, x86-64-v2-AES, EPYC-Rome, Skylake-Server) or custom-<name>`;
    case 'cpu-flags': {
      const bad = v.split(';').find((f) => !/^[+-]/.test(f) || !CPU_VM_FLAGS.includes(f.slice(1)));
      return bad === undefined
        ? undefined
        : `has ${quote(bad)}: give +flag or -flag items separated by ';', each flag one of ${CPU_VM_FLAGS.join(', ')} (other flags need a custom CPU model)`;
    }
    case 'boot-order':
      return bootOrderError(v);
  }
}

function allowedKeys(format: PropFormat): string {
  const keys = Object.keys(format.keys);
  return keys.length <= MAX_LISTED_KEYS ? `allowed: ${keys.join(', ')}` : `see the Proxmox VE documentation of ${format.name}`;
}

/** One part without spaces around it or around its '=': we read `serial = x` as serial=x, so PVE must get exactly that. */
function tidy(part: string): string {
  const eq = part.indexOf('=');
  return eq < 0 ? part.trim() : `${part.slice(0, eq).trim()}=${part.slice(eq + 1).trim()}`;
}

export function checkPropertyString(format: PropFormat, raw: string): PropCheck {
  const errors: string[] = [];
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  if (format.wholeValue) {
    const v = raw.trim();
    if (!format.wholeValue.test(v)) errors.push(`must be ${format.wholeValueText}`);
    return { errors, normalised: v, values };
  }
  const parts = raw.split(',').map(tidy).filter((s) => s !== '');
  // only commas and spaces: nothing to send (PVE refuses an empty startup, and the rest would mean nothing)
  if (parts.length === 0) errors.push(`has no options: give ${format.defaultKey ? `a ${format.defaultKey} or ` : ''}key=value pairs separated by commas`);
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (i !== 0 || !format.defaultKey) {
        const bare = format.defaultKey ? ` (only the first part may be a bare ${format.defaultKey})` : '';
        errors.push(`${quote(part)} is not key=value${bare}`);
        return;
      }
      key = format.defaultKey;
      value = part;
    } else {
      key = part.slice(0, eq).trim();
      value = part.slice(eq + 1).trim();
    }
    const asModel = format.enumValueAsKey;
    if (asModel && !Object.hasOwn(format.keys, key)) {
      const modelType = format.keys[asModel.key];
      if (modelType.t === 'enum' && modelType.values.includes(key)) {
        // net: `virtio=BC:24:11:..` is model=virtio plus its MAC
        set(asModel.key, key);
        const macErr = stringCheck(asModel.valueCheck, value);
        if (macErr) errors.push(`${key}=${cut(value)}: ${macErr}`);
        else set('macaddr', value);
        return;
      }
    }
    key = own(format.aliases, key) ?? key;
    const refused = own(format.refused, key);
    if (refused !== undefined) {
      errors.push(`option '${key}' ${refused}`);
      return;
    }
    const type = own(format.keys, key);
    if (!type) {
      errors.push(`unknown option ${quote(key)} (${allowedKeys(format)})`);
      return;
    }
    const err = typeError(type, value);
    if (err) errors.push(`${key}=${cut(value)}: ${err}`);
    set(key, value);
  });
  function set(key: string, value: string): void {
    if (key in values) errors.push(`option '${key}' is given twice`);
    values[key] = value;
  }
  for (const req of format.required ?? []) {
    if (!(req in values)) errors.push(`'${req}' is required`);
  }
  for (const [key, needs] of Object.entries(format.dependsOn ?? {})) {
    if (key in values && !(needs in values)) errors.push(`'${key}' needs '${needs}'`);
  }
  // qemu-server API2/Qemu.pm $check_drive_param: import-from only on a new disk of size 0 (Drive.pm $NEW_DISK_RE)
  if (values['import-from'] !== undefined && values.file !== undefined && !/^(?:[^/:\s]+:)?\d+(?:\.\d+)?$/.test(values.file)) {
    errors.push(`'import-from' needs a new disk of size 0, <storage>:0 (e.g. local-lvm:0,import-from=local:import/noble.qcow2), not ${quote(values.file)}`);
  } else if (values['import-from'] !== undefined && values.file !== undefined && Number(values.file.slice(values.file.lastIndexOf(':') + 1)) !== 0) {
    errors.push(`'import-from' needs size 0 (<storage>:0): the disk gets the image's size; grow it with a later update (update: true, update_unsafe: true, e.g. local-lvm:32)`);
  }
  const normalised = parts.join(',');
  if (format.maxLength !== undefined && charLength(normalised) > format.maxLength) {
    errors.push(`is ${charLength(normalised)} characters long; PVE accepts at most ${format.maxLength}`);
  }
  const refusedWhole = own(format.refusedWhole, normalised);
  if (refusedWhole !== undefined) errors.push(refusedWhole);
  return { errors, normalised, values };
}
