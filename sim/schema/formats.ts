// Named PVE formats the simulator checks. The schema only names them ("format": "pve-qm-ipconfig"), so the
// sub-key layouts here are written by hand from each parameter's typetext, and the checks from PVE's
// documented rules. A check throws an Error carrying PVE's die text (trailing "\n" included, as PVE's is).
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { FormatDef } from './property-string.js';
import { CPU_BUILTIN_MODELS, CPU_MODELS, CPU_VM_FLAGS } from './cpu-models.js';

type Check = (value: string) => void;

const die = (msg: string): never => {
  throw new Error(`${msg}\n`);
};
const must = (ok: boolean, msg: string): void => {
  if (!ok) die(msg);
};

/** split_list: NUL-separated if it has a NUL, else split on `,`, `;` and whitespace. */
export function splitList(text: string): string[] {
  if (text.includes('\0')) {
    const parts = text.split('\0');
    while (parts.length && parts[parts.length - 1] === '') parts.pop(); // Perl split drops trailing empties
    return parts;
  }
  return text.replace(/[,;]/g, ' ').replace(/^\s+/, '').split(/\s+/).filter((s) => s !== '');
}

// Perl's IP regexes reject zone ids ("%eth0"); node:net accepts them, so they are excluded here.
const ipv4 = (s: string): boolean => isIPv4(s);
const ipv6 = (s: string): boolean => !s.includes('%') && isIPv6(s);
const cidr = (s: string, v6: boolean): boolean => {
  const m = /^(.+)\/(\d+)$/.exec(s);
  if (!m) return false;
  const bits = Number(m[2]);
  return v6 ? ipv6(m[1] as string) && bits > 7 && bits <= 128 : ipv4(m[1] as string) && bits > 7 && bits <= 32;
};
const DNS_LABEL = '[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?';
const DNS_NAME_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const isDnsName = (s: string): boolean => DNS_NAME_RE.test(s);
/** Content types of a dir storage (which has them all), plus 'import' that PVE special-cases. */
const STORAGE_CONTENT = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'none', 'import'];
const STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const VOLUME_ID_RE = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;

/** Drive keys PVE accepts as disks (is_valid_drivename). */
export function isValidDriveName(name: string): boolean {
  const m = /^(ide|sata|scsi|virtio)(0|[1-9]\d*)$/.exec(name);
  if (m) return Number(m[2]) <= ({ ide: 3, sata: 5, scsi: 30, virtio: 15 } as Record<string, number>)[m[1] as string]!;
  return name === 'efidisk0' || name === 'tpmstate0';
}

function checkVolumeId(v: string): void {
  must(VOLUME_ID_RE.test(v), `unable to parse volume ID '${v}'`);
}

function checkStorageId(v: string): void {
  must(STORAGE_ID_RE.test(v), `storage ID '${v}' contains illegal characters`);
}

/** storage-pair: "1", "<target>" or "<source>:<target>" (one entry of a storage-pair-list). */
function checkStoragePair(entry: string): void {
  const m = /^([^:]+):([^:]+)$/.exec(entry);
  if (entry === '1') return;
  try {
    if (m) {
      checkStorageId(m[1] as string);
      checkStorageId(m[2] as string);
    } else checkStorageId(entry);
  } catch (e) {
    // parse_idmap wraps the inner error, and the pair verifier adds one more newline
    die(`entry '${entry}' contains invalid ID - ${(e as Error).message}\n`);
  }
}

function checkCpuset(v: string): void {
  const ok = v.split(',').every((part) => {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    return !!m && Number(m[2] ?? m[1]) >= Number(m[1]);
  });
  must(ok && v !== '', 'unable to parse cpuset option');
}

function checkStartupOrder(v: string): void {
  const parts = v.split(',').filter((p) => !/^\s*$/.test(p));
  const ok = v !== '' && v !== '0' && parts.every((p) => /^(order=)?\d+$|^up=\d+$|^down=\d+$/.test(p));
  must(ok, 'unable to parse startup options');
}

function checkHotplug(v: string): void {
  if (v === '0') return;
  const features = v === '1' ? ['network', 'disk', 'usb'] : splitList(v);
  for (const f of features) must(/^(network|disk|cpu|memory|usb|cloudinit)$/.test(f), `invalid hotplug feature '${f}'`);
}

function checkBootDevice(dev: string): void {
  const special = /^efidisk|^tpmstate/.test(dev);
  if (isValidDriveName(dev) && !special) return;
  const m = /^(net|usb|hostpci)(0|[1-9]\d*)$/.exec(dev);
  const max = { net: 31, usb: 13, hostpci: 15 } as Record<string, number>;
  must(!!m && Number(m[2]) <= max[m[1] as string]!, `invalid boot device '${dev}'`);
}

/** Code-ref formats: name -> check of one value (a `-list` suffix applies it to each list item). */
export const NAMED_CHECKS: Record<string, Check> = {
  'pve-vmid': (v) => must(/^[1-9][0-9]{2,8}$/.test(v), 'value does not look like a valid VM ID'),
  'pve-node': (v) => must(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v), 'value does not look like a valid node name'),
  'pve-storage-id': checkStorageId,
  'pve-bridge-id': (v) => must(/^[-_.\w\d]+$/.test(v), `invalid bridge ID '${v}'`),
  'pve-configid': (v) => must(/^[a-z][a-z0-9_-]+$/i.test(v), `invalid configuration ID '${v}'`),
  'pve-poolid': (v) =>
    must(/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(v), `pool name '${v}' contains invalid characters`),
  'pve-realm': (v) => must(/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v), 'value does not look like a valid realm'),
  'pve-tag': (v) => must(TAG_RE.test(v), 'invalid characters in tag'),
  'pve-storage-content': (v) => must(STORAGE_CONTENT.includes(v), `invalid content type '${v}'`),
  'pve-task-status-type': (v) => must(/^(ok|error|warning|unknown)$/i.test(v), `invalid status '${v}'`),
  urlencoded: (v) => must(/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v), `invalid urlencoded string: ${v}`),
  'mac-addr': (v) =>
    must(/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v), 'value does not look like a valid unicast MAC address'),
  ipv4: (v) => must(ipv4(v), 'value does not look like a valid IPv4 address'),
  ipv6: (v) => must(ipv6(v), 'value does not look like a valid IPv6 address'),
  ip: (v) => must(isIP(v) !== 0 && !v.includes('%'), 'value does not look like a valid IP address'),
  CIDRv4: (v) => must(cidr(v, false), 'value does not look like a valid IPv4 CIDR network'),
  CIDRv6: (v) => must(cidr(v, true), 'value does not look like a valid IPv6 CIDR network'),
  CIDR: (v) => must(cidr(v, false) || cidr(v, true), 'value does not look like a valid CIDR network'),
  'pve-ipv4-config': (v) =>
    must(/^(?:dhcp|manual)$/.test(v) || cidr(v, false), 'value does not look like a valid ipv4 network configuration'),
  'pve-ipv6-config': (v) =>
    must(/^(?:auto|dhcp|manual)$/.test(v) || cidr(v, true), 'value does not look like a valid ipv6 network configuration'),
  'dns-name': (v) => must(isDnsName(v), 'value does not look like a valid DNS name'),
  address: (v) => must((isIP(v) !== 0 && !v.includes('%')) || isDnsName(v), `value does not look like a valid address: ${v}`),
  'disk-size': (v) => must(/^\d+(\.\d+)?[KMGT]?$/.test(v), `value does not look like a valid disk size: ${v}`),
  'pve-startup-order': checkStartupOrder,
  'pve-volume-id': checkVolumeId,
  'pve-volume-id-or-absolute-path': (v) => (v.startsWith('/') ? undefined : checkVolumeId(v)),
  'pve-volume-id-or-qm-path': (v) => (v === 'none' || v === 'cdrom' || v.startsWith('/') ? undefined : checkVolumeId(v)),
  'pve-cpuset': checkCpuset,
  'pve-hotplug-features': checkHotplug,
  'pve-qm-bootdisk': (v) => must(isValidDriveName(v), `invalid boot disk '${v}'`),
  'pve-qm-bootdev': checkBootDevice,
  'pve-phys-bits': (v) =>
    must(/^(host|\d{1,2})$/.test(v) && (v === 'host' || (Number(v) >= 8 && Number(v) <= 64)), "value must be an integer between 8 and 64 or 'host'"),
  'storage-pair': checkStoragePair,
};

const opt = { optional: 1 } as const;
const bool = { type: 'boolean', optional: 1 } as const;
const str = (extra: object = {}): FormatDef[string] => ({ type: 'string', optional: 1, ...extra });
const PCI_ID = '(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\\.[a-f0-9])?';
const HEX_ID = { type: 'string', optional: 1, pattern: '^0x[0-9a-fA-F]{4}$' } as const;
const BASE64 = str({ pattern: '[A-Za-z0-9+\\/]+={0,2}' });
const CPU_FLAG = '([+-])([a-zA-Z0-9\\-_\\.]+)';

/** Hash (property-string) formats registered under a name; layouts follow the parameters' typetext. */
export const NAMED_HASH_FORMATS: Record<string, FormatDef> = {
  // [gw=<GatewayIPv4>] [,gw6=<GatewayIPv6>] [,ip=<IPv4Format/CIDR>] [,ip6=<IPv6Format/CIDR>]
  'pve-qm-ipconfig': {
    ip: str({ format: 'pve-ipv4-config', default: 'dhcp' }),
    gw: str({ format: 'ipv4', requires: 'ip' }),
    ip6: str({ format: 'pve-ipv6-config', default: 'dhcp' }),
    gw6: str({ format: 'ipv6', requires: 'ip6' }),
  },
  // [[cputype=]<string>] [,flags=<+FLAG[;-FLAG...]>] [,guest-phys-bits=<integer>] [,hidden=<1|0>]
  // [,hv-vendor-id=<vendor-id>] [,phys-bits=<8-64|host>] [,reported-model=<enum>]
  'pve-vm-cpu-conf': {
    cputype: str({ default_key: 1, default: 'kvm64' }),
    flags: str({ pattern: `${CPU_FLAG}(;${CPU_FLAG})*` }),
    'guest-phys-bits': { type: 'integer', optional: 1, minimum: 32, maximum: 64 },
    hidden: { ...bool, default: 0 },
    'hv-vendor-id': str({ pattern: '[a-zA-Z0-9]{1,12}' }),
    'phys-bits': str({ format: 'pve-phys-bits' }),
    'reported-model': str({
      default: 'kvm64',
      enum: [...CPU_MODELS].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)),
    }),
  },
  // [[legacy=]<[acdn]{1,4}>] [,order=<device[;device...]>]
  'pve-qm-boot': {
    legacy: str({ default_key: 1, pattern: '[acdn]{1,4}', default: 'cdn' }),
    order: str({ format: 'pve-qm-bootdev-list' }),
  },
  // [[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,device-id=<hex id>] [,driver=<vfio|keep>] [,legacy-igd=<1|0>]
  // [,mapping=<mapping-id>] [,mdev=<string>] [,pcie=<1|0>] [,rombar=<1|0>] [,romfile=<string>]
  // [,sub-device-id=<hex id>] [,sub-vendor-id=<hex id>] [,vendor-id=<hex id>] [,x-vga=<1|0>]
  'pve-qm-hostpci': {
    host: str({ default_key: 1, pattern: `${PCI_ID}(;${PCI_ID})*` }),
    'device-id': HEX_ID,
    driver: str({ enum: ['vfio', 'keep'] }),
    'legacy-igd': { ...bool, default: 0 },
    mapping: str({ format: 'pve-configid' }),
    mdev: str({ pattern: '[^/\\.:]+' }),
    pcie: { ...bool, default: 0 },
    rombar: { ...bool, default: 1 },
    romfile: str({ pattern: '[^,;]+' }),
    'sub-device-id': HEX_ID,
    'sub-vendor-id': HEX_ID,
    'vendor-id': HEX_ID,
    'x-vga': { ...bool, default: 0 },
  },
  // [base64=<1|0>] [,family=<Base64 encoded string>] [,manufacturer=...] [,product=...] [,serial=...]
  // [,sku=...] [,uuid=<UUID>] [,version=...]
  'pve-qm-smbios1': {
    base64: bool,
    family: BASE64,
    manufacturer: BASE64,
    product: BASE64,
    serial: BASE64,
    sku: BASE64,
    uuid: str({ pattern: '[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}' }),
    version: BASE64,
  },
  // [[model=]<i6300esb|ib700>] [,action=<enum>]
  'pve-qm-watchdog': {
    model: str({ default_key: 1, enum: ['i6300esb', 'ib700'], default: 'i6300esb' }),
    action: str({ enum: ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'] }),
  },
  // [source=]</dev/urandom|/dev/random|/dev/hwrng> [,max_bytes=<integer>] [,period=<integer>]
  'pve-qm-rng': {
    source: { type: 'string', default_key: 1, enum: ['/dev/urandom', '/dev/random', '/dev/hwrng'] },
    max_bytes: { type: 'integer', ...opt, default: 1024 },
    period: { type: 'integer', ...opt, default: 1000 },
  },
  // [meta=<volume>] [,network=<volume>] [,user=<volume>] [,vendor=<volume>]
  'pve-qm-cicustom': {
    meta: str({ format: 'pve-volume-id' }),
    network: str({ format: 'pve-volume-id' }),
    user: str({ format: 'pve-volume-id' }),
    vendor: str({ format: 'pve-volume-id' }),
  },
  // [type=]<sev-type> [,allow-smt=<1|0>] [,kernel-hashes=<1|0>] [,no-debug=<1|0>] [,no-key-sharing=<1|0>]
  'pve-qemu-sev-fmt': {
    type: { type: 'string', default_key: 1, enum: ['std', 'es', 'snp'], maxLength: 3 },
    'allow-smt': { ...bool, default: 1 },
    'kernel-hashes': { ...bool, default: 0 },
    'no-debug': { ...bool, default: 0 },
    'no-key-sharing': { ...bool, default: 0 },
  },
  // [type=]<tdx-type> ,attestation=<1|0> [,vsock-cid=<integer>] [,vsock-port=<integer>]
  'pve-qemu-tdx-fmt': {
    type: { type: 'string', default_key: 1, enum: ['tdx'] },
    attestation: { type: 'boolean', default: 1 },
    'vsock-cid': { type: 'integer', ...opt, minimum: 2, default: 2 },
    'vsock-port': { type: 'integer', ...opt, minimum: 0, default: 4050 },
  },
};

const FLAG_RE = new RegExp(`^([+-])(${CPU_VM_FLAGS.join('|')})(;([+-])(${CPU_VM_FLAGS.join('|')}))*$`);

/** Extra validators PVE attaches to some named hash formats; they run after the sub-keys passed. */
export const HASH_VALIDATORS: Record<string, (parsed: Record<string, string>) => void> = {
  'pve-vm-cpu-conf': (cpu) => {
    const type = cpu.cputype;
    must(!!type && type !== '0', 'CPU is missing cputype');
    // custom-<name> models live in cpu-models.conf, which the simulator does not model: accepted.
    if (!type!.startsWith('custom-')) {
      must(CPU_MODELS.includes(type!) || CPU_BUILTIN_MODELS.includes(type!), `Built-in cputype '${type}' is not defined (missing 'custom-' prefix?)`);
    }
    if (cpu.flags && cpu.flags !== '0') {
      must(FLAG_RE.test(cpu.flags), `VM-specific CPU flags must be a subset of: ${CPU_VM_FLAGS.join(', ')}`);
    }
    must(cpu['reported-model'] === undefined, "Property 'reported-model' not allowed in VM-specific CPU config.");
  },
};

/** Registers a hash format whose layout the schema itself carries (cdrom's pve-qm-ide = the ide[n] format). */
export function registerSchemaFormat(name: string, format: FormatDef): void {
  NAMED_HASH_FORMATS[name] ??= format;
}
