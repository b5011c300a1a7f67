// Named checks for plain string values (hosts, ids, tags, CIDRs, durations, ...), each saying what is accepted.
import { isIP } from 'node:net';
import { param, type ValueCheck } from '../catalogue/index.js';
import { quote } from './errors.js';
import { parseGuestExec } from './parse.js';
import { sshKeysError } from './sshkeys.js';

const DNS_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DNS_NAME = new RegExp(`^(?:${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const NODE = new RegExp(`^${DNS_LABEL}$`);
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const REALM = '[A-Za-z][A-Za-z0-9.\\-_]+';
const USER = new RegExp(`^[^\\s:/]+@${REALM}$`);
const TOKEN_NAME = '[A-Za-z][A-Za-z0-9._-]+';
const TOKEN_ID = new RegExp(`^(?:([^\\s:/!]+@${REALM})!)?(${TOKEN_NAME})$`);
const HOTPLUG = new Set(['network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit']);

export const VMID_MIN = 100;
export const VMID_MAX = 999_999_999;

/** `a.b.c.d/len` or `v6/len` with the prefix length in range; returns the family or an error. */
export function parseCidr(value: string): { family: 4 | 6; address: string; prefix: number } | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(value.trim());
  if (!m) return undefined;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  if (family === 4 && prefix <= 32) return { family: 4, address: m[1], prefix };
  if (family === 6 && prefix <= 128) return { family: 6, address: m[1], prefix };
  return undefined;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `3600`, `90m`, `6h`, `2d`, `1h30m` → seconds. */
export function parseDuration(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^(?:\d+[smhdw])+$/.test(v)) return undefined;
  let total = 0;
  for (const [, n, unit] of v.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNIT_SECONDS[unit];
  return total;
}

export function parseVmidRange(value: string): { lower: number; upper: number } | undefined {
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(value.trim());
  if (!m) return undefined;
  const lower = Number(m[1]);
  const upper = Number(m[2]);
  if (lower < VMID_MIN || upper > VMID_MAX || lower > upper) return undefined;
  return { lower, upper };
}

/** SHA-256 pin in any common spelling → upper-case hex pairs joined by ':'. */
export function normaliseFingerprint(value: string): string | undefined {
  const hex = value.trim().replace(/^sha-?256(?:\s+fingerprint)?\s*[=:]\s*/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** `tokenid` or `user@realm!tokenid` → its parts. */
export function parseTokenId(value: string): { user?: string; name: string } | undefined {
  const m = TOKEN_ID.exec(value.trim());
  return m ? { user: m[1], name: m[2] } : undefined;
}

const DISK_BUSES = ['ide', 'sata', 'scsi', 'virtio'];
const BOOT_BUSES = [...DISK_BUSES, 'net', 'usb', 'hostpci'];

/** `scsi0`, `net31`: a device key of one of `buses` within the catalogue's (= PVE's) index range, no leading zeros. */
function isDeviceKey(buses: readonly string[], key: string): boolean {
  const m = /^([a-z]+)(0|[1-9]\d*)$/.exec(key);
  return m !== null && buses.includes(m[1]) && Number(m[2]) <= param(m[1]).indexRange![1];
}

function keyRanges(buses: readonly string[]): string {
  const ranges = buses.map((b) => `${b}0..${b}${param(b).indexRange![1]}`);
  return `${ranges.slice(0, -1).join(', ')} or ${ranges[ranges.length - 1]}`;
}

/** PVE's boot order: device keys separated by ';' (disks, NICs, USB and PCI devices; not efidisk0/tpmstate0). */
export function bootOrderError(value: string): string | undefined {
  const bad = value.split(';').filter((d) => !isDeviceKey(BOOT_BUSES, d));
  if (bad.length === 0) return undefined;
  return `has ${quote(bad[0])}: give device keys separated by ';', each one of ${keyRanges(BOOT_BUSES)}`;
}

export function isHostName(value: string): boolean {
  return DNS_NAME.test(value) || isIP(value) !== 0;
}

/** Runs a named check; returns undefined when fine, else what is accepted. */
export function runCheck(check: ValueCheck, value: string): string | undefined {
  switch (check) {
    case 'dns-name':
      return DNS_NAME.test(value) ? undefined : 'must be a DNS name: letters, digits and hyphens, in dot-separated labels (no underscores or spaces)';
    case 'node':
      return NODE.test(value) ? undefined : 'must be a node name: letters, digits and hyphens';
    case 'node-or-auto':
      return value === 'auto' || NODE.test(value) ? undefined : "must be a node name (letters, digits and hyphens) or 'auto'";
    case 'storage-id':
      return STORAGE_ID.test(value) ? undefined : 'must be a storage id such as local-lvm';
    case 'pool-id':
      return /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+){0,2}$/.test(value) ? undefined : 'must be a pool id: letters, digits, _ and -';
    case 'volume-id':
      return /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(value) ? undefined : 'must be a volume id <storage>:<path>, e.g. local:snippets/hook.pl';
    case 'snapshot-name':
      return /^[A-Za-z][A-Za-z0-9_-]{1,39}$/.test(value) ? undefined : 'must be a snapshot name: a letter, then letters, digits, _ or - (2 to 40 characters)';
    case 'config-key':
      return /^[a-z][a-z0-9_-]*$/i.test(value) ? undefined : 'must be a VM config key such as cpulimit or net1';
    case 'tag':
      return /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(value) ? undefined : "must start with a letter, digit or '_', followed by letters, digits, '_', '-', '+' or '.'";
    case 'ip-address':
      // PVE refuses IPv6 zone ids (fe80::1%eth0), which node:net accepts
      return isIP(value) !== 0 && !value.includes('%') ? undefined : 'must be an IPv4 or IPv6 address (without a %zone)';
    case 'cidr':
      return parseCidr(value) ? undefined : 'must be a network in CIDR form, e.g. 10.0.0.0/8 or fd00::/64';
    case 'duration':
      return parseDuration(value) !== undefined ? undefined : 'must be seconds or a duration such as 90m, 6h, 2d or 1h30m';
    case 'vmid-range':
      return parseVmidRange(value) ? undefined : `must be 'lower-upper' with ${VMID_MIN} <= lower <= upper <= ${VMID_MAX}, e.g. 10000-99999`;
    case 'fingerprint':
      return normaliseFingerprint(value) ? undefined : 'must be a SHA-256 fingerprint: 64 hex digits, optionally in colon-separated pairs';
    case 'digest':
      return /^[0-9a-fA-F]{40}$/.test(value) ? undefined : 'must be the 40 hex digit SHA-1 digest of the VM config';
    case 'token-id':
      return parseTokenId(value) ? undefined : "must be a token name (a letter, then letters, digits, '.', '_' or '-') or user@realm!name";
    case 'user':
      return USER.test(value) ? undefined : 'must be user@realm, e.g. root@pam';
    case 'hotplug':
      return value === '0' || value === '1' || value.split(',').every((f) => HOTPLUG.has(f.trim()))
        ? undefined
        : "must be 0, 1 or a comma-separated list of network, disk, cpu, memory, usb, cloudinit";
    case 'startdate':
      return /^(?:now|\d{4}-\d{1,2}-\d{1,2}(?:T\d{1,2}:\d{1,2}:\d{1,2})?)$/.test(value)
        ? undefined
        : "must be 'now', YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS";
    case 'bootdisk':
      return isDeviceKey(DISK_BUSES, value) ? undefined : `must be a disk key: ${keyRanges(DISK_BUSES)}`;
    case 'ssh-public-keys':
      return sshKeysError(value);
    case 'guest-exec': {
      const r = parseGuestExec(value);
      return r.ok ? undefined : r.error;
    }
    case 'host':
      return undefined; // parsed with its port in connection.ts
  }
}
