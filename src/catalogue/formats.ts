// PVE property-string formats (net[n], disks, agent, ...) trimmed to what we check before sending anything.
// Derived from the PVE 9.1 API schema and qemu-server's format checks; __tests__/catalogue.schema.test.ts keeps them
// a subset of it. Every pattern carries its rule in words, for the error message.
import type { PropFormat, SubKeyType } from './types.js';

const B: SubKeyType = { t: 'bool' };
const int = (min?: number, max?: number): SubKeyType => ({ t: 'int', min, max });
const num = (min?: number, max?: number): SubKeyType => ({ t: 'number', min, max });
const oneOf = (...values: string[]): SubKeyType => ({ t: 'enum', values });
const re = (pattern: RegExp, text: string, maxLength?: number): SubKeyType => ({ t: 'string', pattern, text, maxLength });

const ID_LIST = /^\d+(?:-\d+)?(?:;\d+(?:-\d+)?)*$/;
const idList = (what: string) => re(ID_LIST, `${what} or ranges separated by ';', e.g. 0-3;6`);
/** pve-configid: mapping and directory ids. */
const CONFIG_ID = re(/^[a-zA-Z][a-zA-Z0-9_-]+$/, "an id: a letter, then letters, digits, '_' or '-'");
/** PVE's `urlencoded` format (disk serial and model). */
const urlEncoded = (maxLength: number) =>
  re(/^[-%a-zA-Z0-9_.!~*'()]+$/, "URL-encoded text: letters, digits, - _ . ! ~ * ' ( ) and %XX escapes", maxLength);
const DISK_SIZE = re(/^\d+(?:\.\d+)?[KMGT]?$/, 'a size such as 32G: a number with an optional unit K, M, G or T');

export const NIC_MODELS = [
  'e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551', 'i82557b', 'i82559er',
  'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'vmxnet3',
] as const;

export const netFormat: PropFormat = {
  name: 'net[n]',
  defaultKey: 'model',
  keys: {
    model: oneOf(...NIC_MODELS),
    bridge: re(/^[-_.\w\d]+$/, "a bridge name such as vmbr0: letters, digits, '-', '_' or '.'"),
    firewall: B,
    link_down: B,
    macaddr: { t: 'string', check: 'mac' },
    mtu: int(1, 65520),
    queues: int(0, 64),
    rate: num(0),
    tag: int(1, 4094),
    trunks: idList('VLAN ids'),
  },
  required: ['model'],
  enumValueAsKey: { key: 'model', valueCheck: 'mac' },
};

const DISK_FORMATS = ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'];

/** Keys every bus (ide, sata, scsi, virtio) accepts. */
const diskCommon: Record<string, SubKeyType> = {
  file: { t: 'string', check: 'drive-file' },
  aio: oneOf('native', 'threads', 'io_uring'),
  backup: B,
  bps: int(0), bps_max_length: int(1), bps_rd: int(0), bps_rd_max_length: int(1), bps_wr: int(0), bps_wr_max_length: int(1),
  cache: oneOf('none', 'writethrough', 'writeback', 'unsafe', 'directsync'),
  detect_zeroes: B,
  discard: oneOf('ignore', 'on'),
  format: oneOf(...DISK_FORMATS),
  'import-from': { t: 'string', check: 'import-source' },
  iops: int(0), iops_max: int(0), iops_max_length: int(1), iops_rd: int(0), iops_rd_max: int(0), iops_rd_max_length: int(1),
  iops_wr: int(0), iops_wr_max: int(0), iops_wr_max_length: int(1),
  mbps: num(0), mbps_max: num(0), mbps_rd: num(0), mbps_rd_max: num(0), mbps_wr: num(0), mbps_wr_max: num(0),
  media: oneOf('cdrom', 'disk'),
  replicate: B,
  rerror: oneOf('ignore', 'report', 'stop'),
  serial: urlEncoded(60),
  shared: B,
  size: DISK_SIZE,
  snapshot: B,
  werror: oneOf('enospc', 'ignore', 'report', 'stop'),
};
const diskAliases = {
  volume: 'file',
  bps_rd_length: 'bps_rd_max_length',
  bps_wr_length: 'bps_wr_max_length',
  iops_rd_length: 'iops_rd_max_length',
  iops_wr_length: 'iops_wr_max_length',
};
const WWN = re(/^0x[0-9a-fA-F]{16}$/, '0x followed by 16 hex digits');

function diskFormat(bus: string, extra: Record<string, SubKeyType>): PropFormat {
  return { name: `${bus}[n]`, defaultKey: 'file', keys: { ...diskCommon, ...extra }, aliases: diskAliases, required: ['file'] };
}

export const diskFormats: Readonly<Record<'ide' | 'sata' | 'scsi' | 'virtio', PropFormat>> = {
  ide: diskFormat('ide', { model: urlEncoded(120), ssd: B, wwn: WWN }),
  sata: diskFormat('sata', { ssd: B, wwn: WWN }),
  scsi: diskFormat('scsi', {
    iothread: B, product: re(/^[A-Za-z0-9\-_\s]{0,16}$/, "up to 16 letters, digits, '-', '_' or spaces"), queues: int(2), ro: B,
    scsiblock: B, ssd: B, vendor: re(/^[A-Za-z0-9\-_\s]{0,8}$/, "up to 8 letters, digits, '-', '_' or spaces"), wwn: WWN,
  }),
  virtio: diskFormat('virtio', { iothread: B, ro: B }),
};

export const efidiskFormat: PropFormat = {
  name: 'efidisk0',
  defaultKey: 'file',
  keys: {
    file: { t: 'string', check: 'drive-file' },
    efitype: oneOf('2m', '4m'),
    format: oneOf(...DISK_FORMATS),
    'import-from': { t: 'string', check: 'import-source' },
    'ms-cert': oneOf('2011', '2023', '2023w', '2023k'),
    'pre-enrolled-keys': B,
    size: DISK_SIZE,
  },
  aliases: { volume: 'file' },
  required: ['file'],
};

export const tpmstateFormat: PropFormat = {
  name: 'tpmstate0',
  defaultKey: 'file',
  keys: {
    file: { t: 'string', check: 'drive-file' },
    format: oneOf('raw', 'qcow2', 'vmdk'),
    'import-from': { t: 'string', check: 'import-source' },
    size: DISK_SIZE,
    version: oneOf('v1.2', 'v2.0'),
  },
  aliases: { volume: 'file' },
  required: ['file'],
};

export const ipconfigFormat: PropFormat = {
  name: 'ipconfig[n]',
  keys: {
    ip: { t: 'string', check: 'cidr4' },
    gw: { t: 'string', check: 'ipv4' },
    ip6: { t: 'string', check: 'cidr6' },
    gw6: { t: 'string', check: 'ipv6' },
  },
  dependsOn: { gw: 'ip', gw6: 'ip6' },
};

export const agentFormat: PropFormat = {
  name: 'agent',
  defaultKey: 'enabled',
  keys: { enabled: B, 'freeze-fs': B, fstrim_cloned_disks: B, type: oneOf('virtio', 'isa') },
  aliases: { 'freeze-fs-on-backup': 'freeze-fs', 'guest-fsfreeze': 'freeze-fs' },
  required: ['enabled'],
};

export const VGA_TYPES = [
  'cirrus', 'qxl', 'qxl2', 'qxl3', 'qxl4', 'none', 'serial0', 'serial1', 'serial2', 'serial3', 'std', 'virtio', 'virtio-gl', 'vmware',
] as const;

export const vgaFormat: PropFormat = {
  name: 'vga',
  defaultKey: 'type',
  keys: { type: oneOf(...VGA_TYPES), clipboard: oneOf('vnc'), memory: int(4, 512) },
};

const PCI_ID = '(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\\.[a-f0-9])?';
const HEX_ID = re(/^0x[0-9a-fA-F]{4}$/, '0x followed by 4 hex digits, e.g. 0x10de');

export const hostpciFormat: PropFormat = {
  name: 'hostpci[n]',
  defaultKey: 'host',
  keys: {
    host: re(
      new RegExp(`^${PCI_ID}(?:;${PCI_ID})*$`),
      "PCI addresses [domain:]bus:device[.function] in lower-case hex, separated by ';', e.g. 0000:01:00.0",
    ),
    'device-id': HEX_ID,
    driver: oneOf('vfio', 'keep'),
    'legacy-igd': B,
    mapping: CONFIG_ID,
    mdev: re(/^[^/.:]+$/, "a mediated device type, without '/', '.' or ':'"),
    pcie: B,
    rombar: B,
    romfile: re(/^[^,;]+$/, "a file name without ';'"),
    'sub-device-id': HEX_ID,
    'sub-vendor-id': HEX_ID,
    'vendor-id': HEX_ID,
    'x-vga': B,
  },
};

export const numaFormat: PropFormat = {
  name: 'numa[n]',
  keys: { cpus: idList('CPU ids'), hostnodes: idList('host node ids'), memory: num(0), policy: oneOf('preferred', 'bind', 'interleave') },
  required: ['cpus'],
};

export const usbFormat: PropFormat = {
  name: 'usb[n]',
  defaultKey: 'host',
  keys: {
    host: re(
      /^(?:(?:0x)?[0-9A-Fa-f]{4}:(?:0x)?[0-9A-Fa-f]{4}|\d+-\d+(?:\.\d+)*|[Ss][Pp][Ii][Cc][Ee])$/,
      'vendor:product ids (e.g. 046d:c52b), a bus-port path (e.g. 1-2.3) or spice',
    ),
    mapping: CONFIG_ID,
    usb3: B,
  },
};

export const virtiofsFormat: PropFormat = {
  name: 'virtiofs[n]',
  defaultKey: 'dirid',
  keys: { dirid: CONFIG_ID, cache: oneOf('auto', 'always', 'metadata', 'never'), 'direct-io': B, 'expose-acl': B, 'expose-xattr': B },
  required: ['dirid'],
};

export const serialFormat: PropFormat = {
  name: 'serial[n]',
  keys: {},
  wholeValue: /^(?:\/dev\/.+|socket)$/,
  wholeValueText: "'socket' or a host device path '/dev/...'",
};

export const parallelFormat: PropFormat = {
  name: 'parallel[n]',
  keys: {},
  wholeValue: /^(?:\/dev\/parport\d+|\/dev\/usb\/lp\d+)$/,
  wholeValueText: "'/dev/parportN' or '/dev/usb/lpN'",
};

export const audioFormat: PropFormat = {
  name: 'audio0',
  keys: { device: oneOf('ich9-intel-hda', 'intel-hda', 'AC97'), driver: oneOf('spice', 'none') },
  required: ['device'],
};

export const rngFormat: PropFormat = {
  name: 'rng0',
  defaultKey: 'source',
  keys: { source: oneOf('/dev/urandom', '/dev/random', '/dev/hwrng'), max_bytes: int(0), period: int(0) },
  required: ['source'],
};

export const spiceFormat: PropFormat = {
  name: 'spice_enhancements',
  keys: { foldersharing: B, videostreaming: oneOf('off', 'all', 'filter') },
};

export const machineFormat: PropFormat = {
  name: 'machine',
  defaultKey: 'type',
  keys: {
    type: re(
      /^(?:pc|pc(?:-i440fx)?-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|q35|pc-q35-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|virt(?:-\d+(?:\.\d+)+)?(?:\+pve\d+)?)$/,
      'a machine type such as q35, pc, pc-q35-9.2, pc-i440fx-8.1+pve1 or virt, at most 40 characters',
      40,
    ),
    'aw-bits': num(32, 64),
    'enable-s3': B,
    'enable-s4': B,
    viommu: oneOf('intel', 'virtio'),
  },
};

export const cpuFormat: PropFormat = {
  name: 'cpu',
  defaultKey: 'cputype',
  keys: {
    cputype: { t: 'string', check: 'cputype' },
    flags: { t: 'string', check: 'cpu-flags' },
    'guest-phys-bits': int(32, 64),
    hidden: B,
    'hv-vendor-id': re(/^[a-zA-Z0-9]{1,12}$/, '1 to 12 letters or digits'),
    'phys-bits': re(/^(?:host|[89]|[1-5]\d|6[0-4])$/, "8 to 64 or 'host'"),
  },
  // PVE puts in kvm64 only when there is no cpu at all; a cpu value without its type is refused
  required: ['cputype'],
  refused: { 'reported-model': "is only for custom CPU models (cpu-models.conf); PVE refuses it in a VM's own cpu" },
};

export const bootFormat: PropFormat = {
  name: 'boot',
  defaultKey: 'legacy',
  keys: {
    legacy: re(/^[acdn]{1,4}$/, '1 to 4 of the letters a (floppy), c (disk), d (CD-ROM), n (network)'),
    order: { t: 'string', check: 'boot-order' },
  },
};

const DIGITS = re(/^\d+$/, 'a whole number of 0 or more, digits only');

export const startupFormat: PropFormat = {
  name: 'startup',
  defaultKey: 'order',
  // PVE parses startup with its own digits-only grammar, not as integers (no sign)
  keys: { order: DIGITS, up: DIGITS, down: DIGITS },
  refusedWhole: { '0': "PVE reads a bare 0 as 'no startup options' and refuses it; write order=0" },
};

export const watchdogFormat: PropFormat = {
  name: 'watchdog',
  defaultKey: 'model',
  keys: { model: oneOf('i6300esb', 'ib700'), action: oneOf('reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none') },
};

/** PVE checks the Base64 alphabet whether or not base64=1 says the fields are encoded. */
const BASE64 = re(
  /^[A-Za-z0-9+/]+={0,2}$/,
  'letters, digits, + and / with up to two trailing = (other text must be Base64-encoded, with base64=1)',
);

export const smbiosFormat: PropFormat = {
  name: 'smbios1',
  keys: {
    base64: B,
    family: BASE64,
    manufacturer: BASE64,
    product: BASE64,
    serial: BASE64,
    sku: BASE64,
    uuid: re(/^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/, 'a UUID such as 6f9a1c3e-2b4d-4e8f-9a0b-1c2d3e4f5a6b'),
    version: BASE64,
  },
  maxLength: 512,
};

export const cicustomFormat: PropFormat = {
  name: 'cicustom',
  keys: {
    meta: { t: 'string', check: 'volume' },
    network: { t: 'string', check: 'volume' },
    user: { t: 'string', check: 'volume' },
    vendor: { t: 'string', check: 'volume' },
  },
};
