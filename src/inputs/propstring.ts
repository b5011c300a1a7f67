// Checks a PVE property string (`virtio,bridge=vmbr0,tag=77`) against a trimmed format before any request:
// unknown sub-keys, bad integers/enums and missing required keys are caught here with a readable message.
import { isIP } from 'node:net';
import type { PropFormat, SubKeyType } from '../catalogue/index.js';
import { parseCidr } from './checks.js';
import { CPU_BUILTIN_MODELS, CPU_MODELS } from '../catalogue/cpu-models.js';

export interface PropCheck {
  errors: string[];
  /** The value with blank parts and surrounding spaces removed (PVE ignores them too). */
  normalised: string;
  /** Sub-key → value after alias resolution (the default key filled in). */
  values: Record<string, string>;
}

const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const MAX_LISTED_KEYS = 16;

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
      if (type.pattern && !type.pattern.test(v)) return 'has an invalid format';
      return type.check ? stringCheck(type.check, v) : undefined;
  }
}

function rangeError(n: number, min?: number, max?: number): string | undefined {
  if (min !== undefined && n < min) return `must be at least ${min}`;
  if (max !== undefined && n > max) return `must be at most ${max}`;
  return undefined;
}

function stringCheck(check: NonNullable<Extract<SubKeyType, { t: 'string' }>['check']>, v: string): string | undefined {
  switch (check) {
    case 'mac':
      return MAC.test(v) ? undefined : 'must be a MAC address XX:XX:XX:XX:XX:XX';
    case 'ipv4':
      return isIP(v) === 4 ? undefined : 'must be an IPv4 address';
    case 'ipv6':
      return isIP(v) === 6 ? undefined : 'must be an IPv6 address';
    case 'cidr4':
      return v === 'dhcp' || parseCidr(v)?.family === 4 ? undefined : "must be an IPv4 address with prefix (e.g. 192.168.1.10/24) or 'dhcp'";
    case 'cidr6':
      return v === 'dhcp' || v === 'auto' || parseCidr(v)?.family === 6
        ? undefined
        : "must be an IPv6 address with prefix (e.g. fd00::10/64), 'dhcp' or 'auto'";
    case 'volume':
      return v === '' ? 'must not be empty' : undefined;
    case 'cputype':
      if (CPU_MODELS.includes(v) || CPU_BUILTIN_MODELS.includes(v) || /^custom-[\w.-]+$/.test(v)) return undefined;
      return /^\d+$/.test(v)
        ? `must be a CPU type such as host, kvm64 or x86-64-v2-AES, not a number (for the number of cores, use the 'cores' input)`
        : `must be a CPU type PVE knows (e.g. host, kvm64, x86-64-v2-AES, EPYC-Rome, Skylake-Server) or custom-<name>`;
  }
}

function allowedKeys(format: PropFormat): string {
  const keys = Object.keys(format.keys);
  return keys.length <= MAX_LISTED_KEYS ? `allowed: ${keys.join(', ')}` : `see the Proxmox VE documentation of ${format.name}`;
}

export function checkPropertyString(format: PropFormat, raw: string): PropCheck {
  const errors: string[] = [];
  const values: Record<string, string> = {};
  if (format.wholeValue) {
    const v = raw.trim();
    if (!format.wholeValue.test(v)) errors.push(`must be ${format.wholeValueText}`);
    return { errors, normalised: v, values };
  }
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (i !== 0 || !format.defaultKey) {
        errors.push(`'${part}' is not key=value`);
        return;
      }
      key = format.defaultKey;
      value = part;
    } else {
      key = part.slice(0, eq).trim();
      value = part.slice(eq + 1).trim();
    }
    const asModel = format.enumValueAsKey;
    if (asModel && !(key in format.keys)) {
      const modelType = format.keys[asModel.key];
      if (modelType.t === 'enum' && modelType.values.includes(key)) {
        // net: `virtio=BC:24:11:..` is model=virtio plus its MAC
        set(asModel.key, key);
        const macErr = stringCheck(asModel.valueCheck, value);
        if (macErr) errors.push(`${key}: ${macErr}`);
        else set('macaddr', value);
        return;
      }
    }
    key = format.aliases?.[key] ?? key;
    const type = format.keys[key];
    if (!type) {
      errors.push(`unknown option '${key}' (${allowedKeys(format)})`);
      return;
    }
    const err = typeError(type, value);
    if (err) errors.push(`${key}=${value}: ${err}`);
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
  return { errors, normalised: parts.join(','), values };
}
