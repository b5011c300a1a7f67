export const id = 63;
export const ids = [63];
export const modules = {

/***/ 5150:
/***/ ((__unused_webpack_module, __unused_webpack___webpack_exports__, __webpack_require__) => {

/* harmony import */ var _node_modules_actions_http_client_lib_auth_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2145);
// Stands in for `@actions/http-client/lib/auth` in the bundles (see http-client.ts): the same handler classes,
// which import nothing heavy, re-exported from their own file so the name does not pull in the package index.



/***/ }),

/***/ 155:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Q: () => (/* binding */ HttpClient),
/* harmony export */   w: () => (/* binding */ loadHttpClient)
/* harmony export */ });
/* harmony import */ var _undici_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7769);

let real;
let loaded;
// The real client imports `undici` (ProxyAgent), which the bundles map to lazy/undici.ts: load all of undici first.
const load = () => (real ??= (0,_undici_js__WEBPACK_IMPORTED_MODULE_0__/* .loadFull */ .G)()
    .then(() => __webpack_require__.e(/* import() */ 942).then(__webpack_require__.bind(__webpack_require__, 4942)))
    .then((m) => (loaded = m)));
/**
 * Loads the real client now. Code that uses it synchronously (@actions/github's getOctokit calls getAgent and
 * getAgentDispatcher while it builds the client) awaits this first; every HttpClient made afterwards is the real one.
 */
const loadHttpClient = () => load();
/** The subset of HttpClient that @actions/core's OidcClient calls, forwarding to the real client once loaded. */
class HttpClient {
    args;
    constructor(...args) {
        this.args = args;
        // Once loaded, the real thing (a constructor may return another object): its whole API, sync methods included.
        if (loaded)
            return new loaded.HttpClient(...args);
    }
    async getJson(url, headers) {
        const m = await load();
        return new m.HttpClient(...this.args).getJson(url, headers);
    }
}


/***/ }),

/***/ 7769:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  kT: () => (/* binding */ ProxyAgent),
  hd: () => (/* binding */ fetch),
  G: () => (/* binding */ loadFull)
});

// EXTERNAL MODULE: external "node:v8"
var external_node_v8_ = __webpack_require__(8877);
;// CONCATENATED MODULE: ./src/entries/lazy/v8-flags.ts
// undici parses HTTP with llhttp compiled to WebAssembly, and V8 compiles that module with both of its tiers. The
// optimising tier (TurboFan) alone raised a step's peak memory from ~63 MB to ~98 MB and kept the process ~45 ms
// longer at exit, for a parser that handles a few dozen small JSON answers per step: the baseline tier (Liftoff) is
// plenty.
//
// Only undici's users need it: the PVE client speaks node:https (src/proxmox/transport.ts); fetch and the GitHub
// client load undici on demand (lazy/undici.ts loadFull), which sets the flag first. Set late on purpose: changing a
// V8 flag makes Node compile the built-in modules it loads afterwards without their code cache (~20 ms if done at
// start-up).

function baselineWasmOnly() {
    (0,external_node_v8_.setFlagsFromString)('--liftoff-only');
}

;// CONCATENATED MODULE: ./src/entries/lazy/undici.ts

let full;
let loading;
/** The whole of undici, loaded once, on first need. */
function loadFull() {
    if (!loading) {
        baselineWasmOnly();
        loading = __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 6752, 19)).then((m) => (full = m));
    }
    return loading;
}
const fetch = async (...args) => (await loadFull()).fetch(...args);
/** Only constructed by @actions/http-client, which http-client.ts loads after loadFull(). */
class ProxyAgent {
    constructor(...args) {
        if (!full)
            throw new Error('undici ProxyAgent used before undici was loaded');
        return new full.ProxyAgent(...args);
    }
}


/***/ }),

/***/ 2272:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 7 modules
var lib_core = __webpack_require__(3838);
;// CONCATENATED MODULE: ./src/catalogue/params-behaviour.ts
const VM_STATES = ['present', 'started', 'absent', 'stopped', 'restarted', 'current', 'template', 'paused', 'hibernated', 'snapshot', 'rollback'];
/** `start` with `state: rollback`: `auto` starts the VM again when it ran before the rollback. */
const ROLLBACK_STARTS = ['auto', 'true', 'false'];
const DEFAULT_BEHAVIOURS = ['compatibility', 'no_defaults'];
const behaviourParams = [
    {
        name: 'state', kind: 'enum', group: 'behaviour', choices: VM_STATES, default: 'present',
        doc: '`present` creates (or clones/restores) the VM if missing and, with `update`, reconciles its config; `started`, `stopped`, `restarted`, `paused` (suspend) and `hibernated` (suspend to disk) set its power state; `absent` destroys it; `template` converts it to a template; `current` only reports its status; `snapshot` takes the snapshot `snapname` (once: an existing one is kept); `rollback` returns the VM to the snapshot `snapname`.',
        example: 'started',
    },
    {
        name: 'vmid', kind: 'int', group: 'vm', min: 100, max: 999999999,
        doc: 'VM ID. With `clone` it is the id of the source VM. When not set, the VM is looked up by `name`; a new VM gets the next free id (within `vmid_range` if given).',
        example: '100',
    },
    {
        name: 'name', kind: 'string', group: 'vm', pve: 'name', check: 'dns-name',
        doc: 'VM name (a DNS name). Finds the VM when `vmid` is not given; with `clone` it is the name of the new VM. Either `name` or `vmid` is required.',
        example: 'ci-runner-1',
    },
    {
        name: 'node', kind: 'string', group: 'vm', check: 'node-or-auto',
        doc: 'Node to create the VM on (needed to create a VM). `auto` lets the action pick an online node. For other states the VM\'s node is found automatically.',
        example: 'pve1',
    },
    {
        name: 'timeout', kind: 'int', group: 'behaviour', default: '300', min: 1, max: 604800,
        doc: "Seconds to wait for each Proxmox task (create, clone, start, stop, ...), at most 604800 (7 days). The module's default of 30 s is too short for full clones, so the action waits 300 s. With `state: stopped` it is also the graceful shutdown time before the VM is stopped hard.",
        example: '600',
    },
    {
        name: 'update', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'With `state: present`, change the config of an existing VM to match the given parameters. Disks and network devices are left alone unless `update_unsafe` is true. Cannot be combined with `clone`, `delete` or `revert`.',
        example: 'true',
    },
    {
        name: 'update_unsafe', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'Let `update` also change `net`, `virtio`, `ide`, `sata`, `scsi`, `efidisk0` and `tpmstate0`. Careful: a changed disk entry can create a new disk and a changed NIC gets a new MAC.',
        example: 'true',
    },
    {
        name: 'force', kind: 'bool', group: 'behaviour', compatDefault: 'false',
        doc: 'Stop hard instead of shutting down (`stopped`, `restarted`, `absent`, `template`); with `archive`, overwrite an existing VM.',
        example: 'true',
    },
    {
        name: 'proxmox_default_behavior', kind: 'enum', group: 'behaviour', choices: DEFAULT_BEHAVIOURS, default: 'no_defaults',
        doc: "`no_defaults` sends only what you set, so Proxmox VE's own defaults apply. `compatibility` fills the old module defaults for unset options (acpi, autostart, balloon, boot, cores, cpu, cpuunits, force, format, kvm, memory, onboot, ostype, sockets, tablet, template, vga).",
        example: 'compatibility',
    },
    {
        name: 'migrate', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'Migrate the VM to `node` if it runs on another node (online migration).',
        example: 'true',
    },
    {
        name: 'with_local_disks', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'With `migrate`, also move local disks to the target node.',
        example: 'true',
    },
    {
        name: 'purge', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'With `state: absent`, also remove the VM from backup jobs, replication jobs and HA.',
        example: 'true',
    },
    {
        name: 'destroy_unreferenced_disks', kind: 'bool', group: 'behaviour', default: 'false',
        doc: 'With `state: absent`, also destroy disks carrying the VM id on any enabled storage that the config does not reference.',
        example: 'true',
    },
    {
        name: 'skiplock', kind: 'bool', group: 'behaviour',
        doc: 'Ignore locks when changing the config. Proxmox allows it only for `root@pam` logged in with a password (not a token).',
        example: 'true',
    },
    {
        name: 'digest', kind: 'string', group: 'behaviour', check: 'digest',
        doc: "Only change the config if its SHA-1 digest is still this value (guards against concurrent changes).",
        example: '3f1c2b7e9a0d4c5b6a7f8e9d0c1b2a3f4e5d6c7b',
    },
    {
        name: 'delete', kind: 'list', group: 'behaviour', join: ',', check: 'config-key',
        doc: 'Config keys to delete from the VM. Cannot be combined with `update`, `revert` or `clone`.',
        example: 'args,template,cpulimit',
    },
    {
        name: 'revert', kind: 'list', group: 'behaviour', join: ',', check: 'config-key',
        doc: 'Pending config changes to revert, as config keys. Cannot be combined with `update`, `delete` or `clone`.',
        example: 'template,cpulimit',
    },
    {
        name: 'archive', kind: 'string', group: 'clone',
        doc: 'Backup to restore instead of creating an empty VM: a backup volume id or a path on the node.',
        example: 'backup-storage:backup/vzdump-qemu-140-2023_03_08-06_41_23.vma.zst',
    },
    {
        name: 'clone', kind: 'string', group: 'clone',
        doc: 'Name of the VM or template to clone. When `vmid` is set it names the source by id and `clone` may be any text, but it must be given to clone.',
        example: 'debian-12-template',
    },
    {
        name: 'newid', kind: 'int', group: 'clone', min: 100, max: 999999999,
        doc: 'VM ID of the clone. When not set, the next free id is used (within `vmid_range` if given). Only with `clone`.',
        example: '152',
    },
    {
        name: 'full', kind: 'bool', group: 'clone',
        doc: 'Full copy of all disks (true) or a linked clone (false). Only sent when given: Proxmox then always makes a full copy of a normal VM and a linked clone of a template.',
        example: 'false',
    },
    {
        name: 'format', kind: 'enum', group: 'clone', choices: ['cloop', 'cow', 'qcow', 'qcow2', 'qed', 'raw', 'vmdk', 'unspecified'], compatDefault: 'qcow2',
        doc: 'Disk format of a full clone on file storage. `unspecified` (or not set) lets Proxmox choose; a linked clone (`full: false`) takes no format.',
        example: 'raw',
    },
    {
        name: 'storage', kind: 'string', group: 'clone', check: 'storage-id',
        doc: 'Target storage of a full clone, or of all disks when restoring an `archive`.',
        example: 'local-lvm',
    },
    {
        name: 'target', kind: 'string', group: 'clone', check: 'node',
        doc: 'Node to put the clone on. Only possible when the source VM is on shared storage.',
        example: 'pve2',
    },
    {
        name: 'snapname', kind: 'string', group: 'clone', check: 'snapshot-name',
        doc: 'Snapshot of the source VM to clone from; with `state: snapshot` the snapshot to take, with `state: rollback` the one to return to.',
        example: 'before-upgrade',
    },
    {
        name: 'vmstate', kind: 'bool', group: 'behaviour', default: 'false',
        doc: "With `state: snapshot`, also save a running VM's memory (PVE `vmstate`), so that a rollback resumes it running where it was instead of booting it. Needs room for twice the VM's memory on the state storage.",
        example: 'true',
    },
    {
        name: 'start', kind: 'enum', group: 'behaviour', choices: ROLLBACK_STARTS, default: 'auto',
        doc: 'With `state: rollback`, whether to start the VM after rolling it back: `auto` starts it when it ran before (a snapshot with memory comes back running anyway), `true` always, `false` leaves it stopped unless the snapshot has memory.',
        example: 'true',
    },
    {
        name: 'pool', kind: 'string', group: 'vm', check: 'pool-id',
        doc: 'Resource pool to add a new (or cloned) VM to. Not changed on update.',
        example: 'ci',
    },
];

;// CONCATENATED MODULE: ./src/catalogue/formats.ts
const B = { t: 'bool' };
const formats_int = (min, max) => ({ t: 'int', min, max });
const num = (min, max) => ({ t: 'number', min, max });
const oneOf = (...values) => ({ t: 'enum', values });
const re = (pattern, text, maxLength) => ({ t: 'string', pattern, text, maxLength });
const ID_LIST = /^\d+(?:-\d+)?(?:;\d+(?:-\d+)?)*$/;
const idList = (what) => re(ID_LIST, `${what} or ranges separated by ';', e.g. 0-3;6`);
/** pve-configid: mapping and directory ids. */
const CONFIG_ID = re(/^[a-zA-Z][a-zA-Z0-9_-]+$/, "an id: a letter, then letters, digits, '_' or '-'");
/** PVE's `urlencoded` format (disk serial and model). */
const urlEncoded = (maxLength) => re(/^[-%a-zA-Z0-9_.!~*'()]+$/, "URL-encoded text: letters, digits, - _ . ! ~ * ' ( ) and %XX escapes", maxLength);
const DISK_SIZE = re(/^\d+(?:\.\d+)?[KMGT]?$/, 'a size such as 32G: a number with an optional unit K, M, G or T');
const NIC_MODELS = [
    'e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551', 'i82557b', 'i82559er',
    'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'vmxnet3',
];
const netFormat = {
    name: 'net[n]',
    defaultKey: 'model',
    keys: {
        model: oneOf(...NIC_MODELS),
        bridge: re(/^[-_.\w\d]+$/, "a bridge name such as vmbr0: letters, digits, '-', '_' or '.'"),
        firewall: B,
        link_down: B,
        macaddr: { t: 'string', check: 'mac' },
        mtu: formats_int(1, 65520),
        queues: formats_int(0, 64),
        rate: num(0),
        tag: formats_int(1, 4094),
        trunks: idList('VLAN ids'),
    },
    required: ['model'],
    enumValueAsKey: { key: 'model', valueCheck: 'mac' },
};
const DISK_FORMATS = ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'];
/** Keys every bus (ide, sata, scsi, virtio) accepts. */
const diskCommon = {
    file: { t: 'string', check: 'drive-file' },
    aio: oneOf('native', 'threads', 'io_uring'),
    backup: B,
    bps: formats_int(0), bps_max_length: formats_int(1), bps_rd: formats_int(0), bps_rd_max_length: formats_int(1), bps_wr: formats_int(0), bps_wr_max_length: formats_int(1),
    cache: oneOf('none', 'writethrough', 'writeback', 'unsafe', 'directsync'),
    detect_zeroes: B,
    discard: oneOf('ignore', 'on'),
    format: oneOf(...DISK_FORMATS),
    'import-from': { t: 'string', check: 'import-source' },
    iops: formats_int(0), iops_max: formats_int(0), iops_max_length: formats_int(1), iops_rd: formats_int(0), iops_rd_max: formats_int(0), iops_rd_max_length: formats_int(1),
    iops_wr: formats_int(0), iops_wr_max: formats_int(0), iops_wr_max_length: formats_int(1),
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
function diskFormat(bus, extra) {
    return { name: `${bus}[n]`, defaultKey: 'file', keys: { ...diskCommon, ...extra }, aliases: diskAliases, required: ['file'] };
}
const diskFormats = {
    ide: diskFormat('ide', { model: urlEncoded(120), ssd: B, wwn: WWN }),
    sata: diskFormat('sata', { ssd: B, wwn: WWN }),
    scsi: diskFormat('scsi', {
        iothread: B, product: re(/^[A-Za-z0-9\-_\s]{0,16}$/, "up to 16 letters, digits, '-', '_' or spaces"), queues: formats_int(2), ro: B,
        scsiblock: B, ssd: B, vendor: re(/^[A-Za-z0-9\-_\s]{0,8}$/, "up to 8 letters, digits, '-', '_' or spaces"), wwn: WWN,
    }),
    virtio: diskFormat('virtio', { iothread: B, ro: B }),
};
const efidiskFormat = {
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
const tpmstateFormat = {
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
const ipconfigFormat = {
    name: 'ipconfig[n]',
    keys: {
        ip: { t: 'string', check: 'cidr4' },
        gw: { t: 'string', check: 'ipv4' },
        ip6: { t: 'string', check: 'cidr6' },
        gw6: { t: 'string', check: 'ipv6' },
    },
    dependsOn: { gw: 'ip', gw6: 'ip6' },
};
const agentFormat = {
    name: 'agent',
    defaultKey: 'enabled',
    keys: { enabled: B, 'freeze-fs': B, fstrim_cloned_disks: B, type: oneOf('virtio', 'isa') },
    aliases: { 'freeze-fs-on-backup': 'freeze-fs', 'guest-fsfreeze': 'freeze-fs' },
    required: ['enabled'],
};
const VGA_TYPES = [
    'cirrus', 'qxl', 'qxl2', 'qxl3', 'qxl4', 'none', 'serial0', 'serial1', 'serial2', 'serial3', 'std', 'virtio', 'virtio-gl', 'vmware',
];
const vgaFormat = {
    name: 'vga',
    defaultKey: 'type',
    keys: { type: oneOf(...VGA_TYPES), clipboard: oneOf('vnc'), memory: formats_int(4, 512) },
};
const PCI_ID = '(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\\.[a-f0-9])?';
const HEX_ID = re(/^0x[0-9a-fA-F]{4}$/, '0x followed by 4 hex digits, e.g. 0x10de');
const hostpciFormat = {
    name: 'hostpci[n]',
    defaultKey: 'host',
    keys: {
        host: re(new RegExp(`^${PCI_ID}(?:;${PCI_ID})*$`), "PCI addresses [domain:]bus:device[.function] in lower-case hex, separated by ';', e.g. 0000:01:00.0"),
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
const numaFormat = {
    name: 'numa[n]',
    keys: { cpus: idList('CPU ids'), hostnodes: idList('host node ids'), memory: num(0), policy: oneOf('preferred', 'bind', 'interleave') },
    required: ['cpus'],
};
const usbFormat = {
    name: 'usb[n]',
    defaultKey: 'host',
    keys: {
        host: re(/^(?:(?:0x)?[0-9A-Fa-f]{4}:(?:0x)?[0-9A-Fa-f]{4}|\d+-\d+(?:\.\d+)*|[Ss][Pp][Ii][Cc][Ee])$/, 'vendor:product ids (e.g. 046d:c52b), a bus-port path (e.g. 1-2.3) or spice'),
        mapping: CONFIG_ID,
        usb3: B,
    },
};
const virtiofsFormat = {
    name: 'virtiofs[n]',
    defaultKey: 'dirid',
    keys: { dirid: CONFIG_ID, cache: oneOf('auto', 'always', 'metadata', 'never'), 'direct-io': B, 'expose-acl': B, 'expose-xattr': B },
    required: ['dirid'],
};
const serialFormat = {
    name: 'serial[n]',
    keys: {},
    wholeValue: /^(?:\/dev\/.+|socket)$/,
    wholeValueText: "'socket' or a host device path '/dev/...'",
};
const parallelFormat = {
    name: 'parallel[n]',
    keys: {},
    wholeValue: /^(?:\/dev\/parport\d+|\/dev\/usb\/lp\d+)$/,
    wholeValueText: "'/dev/parportN' or '/dev/usb/lpN'",
};
const audioFormat = {
    name: 'audio0',
    keys: { device: oneOf('ich9-intel-hda', 'intel-hda', 'AC97'), driver: oneOf('spice', 'none') },
    required: ['device'],
};
const rngFormat = {
    name: 'rng0',
    defaultKey: 'source',
    keys: { source: oneOf('/dev/urandom', '/dev/random', '/dev/hwrng'), max_bytes: formats_int(0), period: formats_int(0) },
    required: ['source'],
};
const spiceFormat = {
    name: 'spice_enhancements',
    keys: { foldersharing: B, videostreaming: oneOf('off', 'all', 'filter') },
};
const machineFormat = {
    name: 'machine',
    defaultKey: 'type',
    keys: {
        type: re(/^(?:pc|pc(?:-i440fx)?-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|q35|pc-q35-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|virt(?:-\d+(?:\.\d+)+)?(?:\+pve\d+)?)$/, 'a machine type such as q35, pc, pc-q35-9.2, pc-i440fx-8.1+pve1 or virt, at most 40 characters', 40),
        'aw-bits': num(32, 64),
        'enable-s3': B,
        'enable-s4': B,
        viommu: oneOf('intel', 'virtio'),
    },
};
const cpuFormat = {
    name: 'cpu',
    defaultKey: 'cputype',
    keys: {
        cputype: { t: 'string', check: 'cputype' },
        flags: { t: 'string', check: 'cpu-flags' },
        'guest-phys-bits': formats_int(32, 64),
        hidden: B,
        'hv-vendor-id': re(/^[a-zA-Z0-9]{1,12}$/, '1 to 12 letters or digits'),
        'phys-bits': re(/^(?:host|[89]|[1-5]\d|6[0-4])$/, "8 to 64 or 'host'"),
    },
    // PVE puts in kvm64 only when there is no cpu at all; a cpu value without its type is refused
    required: ['cputype'],
    refused: { 'reported-model': "is only for custom CPU models (cpu-models.conf); PVE refuses it in a VM's own cpu" },
};
const bootFormat = {
    name: 'boot',
    defaultKey: 'legacy',
    keys: {
        legacy: re(/^[acdn]{1,4}$/, '1 to 4 of the letters a (floppy), c (disk), d (CD-ROM), n (network)'),
        order: { t: 'string', check: 'boot-order' },
    },
};
const DIGITS = re(/^\d+$/, 'a whole number of 0 or more, digits only');
const startupFormat = {
    name: 'startup',
    defaultKey: 'order',
    // PVE parses startup with its own digits-only grammar, not as integers (no sign)
    keys: { order: DIGITS, up: DIGITS, down: DIGITS },
    refusedWhole: { '0': "PVE reads a bare 0 as 'no startup options' and refuses it; write order=0" },
};
const watchdogFormat = {
    name: 'watchdog',
    defaultKey: 'model',
    keys: { model: oneOf('i6300esb', 'ib700'), action: oneOf('reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none') },
};
/** PVE checks the Base64 alphabet whether or not base64=1 says the fields are encoded. */
const BASE64 = re(/^[A-Za-z0-9+/]+={0,2}$/, 'letters, digits, + and / with up to two trailing = (other text must be Base64-encoded, with base64=1)');
const smbiosFormat = {
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
const cicustomFormat = {
    name: 'cicustom',
    keys: {
        meta: { t: 'string', check: 'volume' },
        network: { t: 'string', check: 'volume' },
        user: { t: 'string', check: 'volume' },
        vendor: { t: 'string', check: 'volume' },
    },
};

;// CONCATENATED MODULE: ./src/catalogue/params-cloudinit.ts
// Cloud-init parameters: user, password, keys, DNS and per-interface IP configuration.

const cloudInitParams = [
    {
        name: 'cicustom', kind: 'string', group: 'cloud-init', pve: 'cicustom', format: cicustomFormat,
        doc: 'Custom cloud-init files replacing the generated ones: `[user=<volume>][,network=<volume>][,meta=<volume>][,vendor=<volume>]`.',
        example: 'user=local:snippets/user-data.yml',
    },
    {
        name: 'cipassword', kind: 'secret', group: 'cloud-init', pve: 'cipassword', secret: true,
        doc: 'Password of the default cloud-init user. Pass it from a repository secret; prefer `sshkeys`.',
        example: '${{ secrets.VM_PASSWORD }}',
    },
    {
        name: 'citype', kind: 'enum', group: 'cloud-init', pve: 'citype', choices: ['configdrive2', 'nocloud', 'opennebula'],
        doc: 'Cloud-init configuration format. Proxmox picks `nocloud` for Linux and `configdrive2` for Windows when unset.',
        example: 'nocloud',
    },
    { name: 'ciupgrade', kind: 'bool', group: 'cloud-init', pve: 'ciupgrade', doc: 'Upgrade packages on first boot.', example: 'false' },
    { name: 'ciuser', kind: 'string', group: 'cloud-init', pve: 'ciuser', doc: 'Name of the default cloud-init user.', example: 'ubuntu' },
    {
        name: 'ipconfig', kind: 'dict', group: 'cloud-init', pve: 'ipconfig[n]', keyPattern: /^ipconfig(\d+)$/, indexRange: [0, 31], format: ipconfigFormat,
        doc: 'IP configuration per interface, a YAML mapping or JSON object with keys `ipconfig0`..`ipconfig31`. Values are `[ip=<IPv4/CIDR|dhcp>][,gw=<IPv4>][,ip6=<IPv6/CIDR|dhcp|auto>][,gw6=<IPv6>]`; a gateway needs an address of its family.',
        example: 'ipconfig0: ip=192.168.1.10/24,gw=192.168.1.1',
    },
    {
        name: 'nameservers', kind: 'list', group: 'cloud-init', pve: 'nameserver', join: ' ', check: 'ip-address',
        doc: 'DNS server IP addresses. Proxmox uses the host settings when unset.', example: '1.1.1.1,8.8.8.8',
    },
    {
        name: 'searchdomains', kind: 'list', group: 'cloud-init', pve: 'searchdomain', join: ' ', check: 'dns-name',
        doc: 'DNS search domains. Proxmox uses the host settings when unset.', example: 'mydomain.internal',
    },
    {
        name: 'sshkeys', kind: 'string', group: 'cloud-init', pve: 'sshkeys', urlEncode: true, check: 'ssh-public-keys',
        doc: 'Public SSH key(s) for the default user, one per line as in a `.pub` or `authorized_keys` file (no comment lines: Proxmox VE checks every line with `ssh-keygen`; URL-encoded for Proxmox by the action).',
        example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+ ci@example',
    },
];

;// CONCATENATED MODULE: ./src/catalogue/params-connection.ts
const connectionParams = [
    {
        name: 'api_host', kind: 'string', group: 'connection', env: 'PROXMOX_HOST', check: 'host',
        doc: 'Host name or IP address of the Proxmox VE API. May carry the port (`pve.example.com:8006`); IPv6 addresses go in brackets (`[2001:db8::10]:8006`). A leading `https://` is accepted. Required (here or in the environment).',
        example: 'pve.example.com',
    },
    {
        name: 'api_port', kind: 'int', group: 'connection', env: 'PROXMOX_PORT', default: '8006', min: 1, max: 65535,
        doc: 'Port of the Proxmox VE API. A port written in `api_host` takes precedence.',
        example: '8006',
    },
    {
        name: 'api_user', kind: 'string', group: 'connection', env: 'PROXMOX_USER', check: 'user',
        doc: 'User to authenticate as, `user@realm`. With an API token this is the token owner; it can be left out when `api_token_id` is the full `user@realm!name`.',
        example: 'root@pam',
    },
    {
        name: 'api_password', kind: 'secret', group: 'connection', env: 'PROXMOX_PASSWORD', secret: true,
        doc: 'Password of `api_user` (ticket login). Pass it from a repository secret. Either a password or an API token is required; when both are given the token is used.',
        example: '${{ secrets.PROXMOX_PASSWORD }}',
    },
    {
        name: 'api_otp', kind: 'secret', group: 'connection', env: 'PROXMOX_OTP', secret: true,
        doc: 'One-time password (TOTP code) for a user with two-factor authentication. Only used with `api_password`.',
    },
    {
        name: 'api_token_id', kind: 'string', group: 'connection', env: 'PROXMOX_TOKEN_ID', check: 'token-id',
        doc: 'API token id: the token name (with `api_user`) or the full `user@realm!name`. Needs `api_token_secret`. Tokens need no login round trip and are the recommended way for CI.',
        example: 'ci',
    },
    {
        name: 'api_token_secret', kind: 'secret', group: 'connection', env: 'PROXMOX_TOKEN_SECRET', secret: true,
        doc: 'Secret (a UUID) of the API token named in `api_token_id`. Pass it from a repository secret.',
        example: '${{ secrets.PROXMOX_TOKEN_SECRET }}',
    },
    {
        name: 'api_timeout', kind: 'int', group: 'connection', default: '30', min: 1, max: 3600,
        doc: 'Time limit in seconds for each single API request. Waiting for tasks is bounded by `timeout` instead.',
        example: '30',
    },
    {
        name: 'validate_certs', kind: 'bool', group: 'connection', env: 'PROXMOX_VALIDATE_CERTS', default: 'true',
        doc: "Verify the API's TLS certificate against the system CAs (or `ca_path`). Set to false only on a lab with self-signed certificates; `ca_path` or `tls_fingerprint` are the safer ways to trust one.",
        example: 'false',
    },
    {
        name: 'ca_path', kind: 'string', group: 'connection', env: 'PROXMOX_CA_PATH',
        doc: 'CA certificate(s) to trust for the API: a path to a PEM file, or the PEM text itself (starting with `-----BEGIN`). Ignored when `validate_certs` is false.',
        example: '/etc/ssl/pve-root-ca.pem',
    },
    {
        name: 'tls_fingerprint', kind: 'string', group: 'connection', check: 'fingerprint',
        doc: "SHA-256 fingerprint the API's certificate must have (64 hex digits, colons optional, any case; as `pvenode cert info` shows it). A certificate that matches is trusted even when it is self-signed; any other certificate is refused.",
        example: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    },
];

;// CONCATENATED MODULE: ./src/catalogue/params-devices.ts
// Device parameters given as dictionaries: indexed devices (net0, scsi0, ...) and the EFI/TPM disks.

const DISK_VALUE_DOC = 'Values are PVE drive strings `<storage>:<size in GiB>[,option=value...]` for a new disk, or an existing volume, e.g. `local-lvm:32,iothread=1`, `local:iso/debian.iso,media=cdrom` or `local:cloudinit`; `local-lvm:0,import-from=local:import/noble.qcow2` imports a disk image (PVE 8.2+, size 0: the disk gets the image\'s size; not stored, so an update ignores it).';
function indexed(name, pve, max, format, doc, example, extra = {}) {
    return {
        name, kind: 'dict', group: 'vm', pve: `${pve}[n]`, keyPattern: new RegExp(`^${pve}(\\d+)$`), indexRange: [0, max],
        format, doc, example, ...extra,
    };
}
const dictDoc = (what, key, max) => `${what} A YAML mapping or JSON object with keys \`${key}0\`..\`${key}${max}\`.`;
const deviceParams = [
    indexed('net', 'net', 31, netFormat, `${dictDoc('Network devices.', 'net', 31)} Values are \`[model=]<model>[,bridge=<bridge>][,tag=<vlan>][,firewall=<1|0>][,rate=<MB/s>][,macaddr=<MAC>]...\`; models: e1000, e1000e, virtio, vmxnet3, rtl8139, ... A MAC is generated when not given. Changed on update only with \`update_unsafe\`.`, 'net0: virtio,bridge=vmbr0,tag=77', { unsafeToUpdate: true }),
    indexed('ide', 'ide', 3, diskFormats.ide, `${dictDoc('IDE disks and CD-ROMs.', 'ide', 3)} ${DISK_VALUE_DOC}`, 'ide2: local:cloudinit', { unsafeToUpdate: true }),
    indexed('sata', 'sata', 5, diskFormats.sata, `${dictDoc('SATA disks and CD-ROMs.', 'sata', 5)} ${DISK_VALUE_DOC}`, 'sata0: local-lvm:10,format=raw', { unsafeToUpdate: true }),
    indexed('scsi', 'scsi', 30, diskFormats.scsi, `${dictDoc('SCSI disks and CD-ROMs.', 'scsi', 30)} ${DISK_VALUE_DOC}`, 'scsi0: local-lvm:32,iothread=1,discard=on', { unsafeToUpdate: true }),
    indexed('virtio', 'virtio', 15, diskFormats.virtio, `${dictDoc('VirtIO disks.', 'virtio', 15)} ${DISK_VALUE_DOC}`, 'virtio0: local-lvm:10', { unsafeToUpdate: true }),
    indexed('hostpci', 'hostpci', 15, hostpciFormat, `${dictDoc('Host PCI devices passed through to the VM (the VM can then no longer be migrated).', 'hostpci', 15)} Values are \`[host=]<bus:dev.func>[;...][,pcie=<1|0>][,rombar=<1|0>][,x-vga=<1|0>][,mapping=<id>]...\`.`, 'hostpci0: host=0000:01:00.0,pcie=1'),
    indexed('serial', 'serial', 3, serialFormat, `${dictDoc('Serial devices.', 'serial', 3)} Values are \`socket\` or a host device \`/dev/...\`.`, 'serial0: socket'),
    indexed('parallel', 'parallel', 2, parallelFormat, `${dictDoc('Host parallel devices.', 'parallel', 2)} Values are \`/dev/parportN\` or \`/dev/usb/lpN\`.`, 'parallel0: /dev/parport0'),
    indexed('numa', 'numa', 7, numaFormat, `${dictDoc('NUMA topology (enable it with `numa_enabled`).', 'numa', 7)} Values are \`cpus=<id[-id];...>[,hostnodes=<id[-id];...>][,memory=<MiB>][,policy=<preferred|bind|interleave>]\`.`, 'numa0: cpus=0-3,memory=4096,policy=bind'),
    indexed('usb', 'usb', 13, usbFormat, `${dictDoc('USB devices.', 'usb', 13)} Values are \`[host=]<vendor:product|bus-port|spice>[,mapping=<id>][,usb3=<1|0>]\`. usb5 and above need machine version 7.1 or newer and a Linux or Windows 8+ ostype.`, 'usb0: host=spice'),
    indexed('virtiofs', 'virtiofs', 9, virtiofsFormat, `${dictDoc('Directories shared with the guest through virtio-fs.', 'virtiofs', 9)} Values are \`[dirid=]<mapping id>[,cache=<auto|always|metadata|never>][,direct-io=<1|0>][,expose-acl=<1|0>][,expose-xattr=<1|0>]\`.`, 'virtiofs0: shared-data,cache=auto'),
    {
        name: 'audio', kind: 'dict', group: 'vm', pve: 'audio0', keyPattern: /^audio(\d+)$/, indexRange: [0, 0], format: audioFormat,
        doc: 'Audio device, as a mapping with the single key `audio0`; the value is `device=<ich9-intel-hda|intel-hda|AC97>[,driver=<spice|none>]`.',
        example: 'audio0: device=ich9-intel-hda,driver=spice',
    },
    {
        name: 'efidisk0', kind: 'dict', group: 'vm', pve: 'efidisk0', unsafeToUpdate: true, format: efidiskFormat,
        doc: 'EFI vars disk for `bios: ovmf`, as a mapping with `storage` (required), `format`, `efitype` (`2m` or `4m`; `4m` is needed for Secure Boot) and `pre_enrolled_keys` (enrol the standard Secure Boot keys). A PVE drive string is accepted too.',
        example: '{storage: local-lvm, format: raw, efitype: 4m, pre_enrolled_keys: false}',
        subOptions: {
            storage: { kind: 'string', required: true, check: 'storage-id', pve: 'file', doc: 'Storage to create the disk on.' },
            format: { kind: 'enum', choices: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'], pve: 'format', doc: 'Disk format.' },
            efitype: { kind: 'enum', choices: ['2m', '4m'], pve: 'efitype', doc: 'Size and type of the EFI vars.' },
            pre_enrolled_keys: { kind: 'bool', pve: 'pre-enrolled-keys', doc: 'Enrol the standard Secure Boot keys.' },
        },
    },
    {
        name: 'tpmstate0', kind: 'dict', group: 'vm', pve: 'tpmstate0', unsafeToUpdate: true, format: tpmstateFormat,
        doc: 'TPM state disk (needed for Windows 11), as a mapping with `storage` (required) and `version` (`2.0`, the default, or `1.2`). A PVE drive string is accepted too.',
        example: '{storage: local-lvm, version: "2.0"}',
        subOptions: {
            storage: { kind: 'string', required: true, check: 'storage-id', pve: 'file', doc: 'Storage to create the disk on.' },
            version: {
                kind: 'enum', choices: ['2.0', '1.2', 'v2.0', 'v1.2'], default: '2.0', pve: 'version',
                valueMap: { '2.0': 'v2.0', '1.2': 'v1.2', 'v2.0': 'v2.0', 'v1.2': 'v1.2' }, doc: 'TPM version.',
            },
        },
    },
];

;// CONCATENATED MODULE: ./src/catalogue/params-hardware.ts
// Scalar VM config parameters (CPU, memory, firmware, boot, misc flags): one PVE config key each.

const OSTYPES = ['other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris'];
const KEYBOARDS = [
    'de', 'de-ch', 'da', 'en-gb', 'en-us', 'es', 'fi', 'fr', 'fr-be', 'fr-ca', 'fr-ch', 'hu', 'is', 'it', 'ja', 'lt', 'mk', 'nl', 'no',
    'pl', 'pt', 'pt-br', 'sv', 'sl', 'tr',
];
const LOCKS = ['backup', 'clone', 'create', 'migrate', 'rollback', 'snapshot', 'snapshot-delete', 'suspending', 'suspended'];
const SCSI_CONTROLLERS = ['lsi', 'lsi53c810', 'virtio-scsi-pci', 'virtio-scsi-single', 'megasas', 'pvscsi'];
const hardwareParams = [
    { name: 'acpi', kind: 'bool', group: 'vm', pve: 'acpi', compatDefault: 'true', doc: 'Enable ACPI.', example: 'true' },
    {
        name: 'agent', kind: 'string', group: 'vm', pve: 'agent', acceptsBool: true, format: agentFormat,
        doc: 'QEMU guest agent: a boolean, or a PVE agent property string `[enabled=]<1|0>[,freeze-fs=<1|0>][,fstrim_cloned_disks=<1|0>][,type=<virtio|isa>]`. Needed for `wait_for` and `guest_exec`.',
        example: 'enabled=1,fstrim_cloned_disks=1',
    },
    { name: 'allow_ksm', kind: 'bool', group: 'vm', pve: 'allow-ksm', doc: 'Allow kernel same-page merging for this VM.', example: 'false' },
    {
        name: 'args', kind: 'string', group: 'vm', pve: 'args',
        doc: 'Extra arguments for the kvm command line. Experts only; Proxmox allows it only for `root@pam` logged in with a password (not a token).',
        example: '-serial unix:/var/run/qemu-server/100.serial,server,nowait',
    },
    {
        name: 'autostart', kind: 'bool', group: 'vm', pve: 'autostart', compatDefault: 'false',
        doc: 'Restart the VM automatically after a crash.', example: 'false',
    },
    {
        name: 'balloon', kind: 'int', group: 'vm', pve: 'balloon', min: 0, compatDefault: '0',
        doc: 'Minimum memory in MiB for the balloon driver; 0 disables ballooning.', example: '1024',
    },
    { name: 'bios', kind: 'enum', group: 'vm', pve: 'bios', choices: ['seabios', 'ovmf'], doc: 'Firmware: SeaBIOS or OVMF (UEFI; see `efidisk0`).', example: 'ovmf' },
    {
        name: 'boot', kind: 'string', group: 'vm', pve: 'boot', format: bootFormat, compatDefault: 'cnd',
        doc: 'Boot order: `order=<device>[;<device>...]` (e.g. `order=scsi0;net0`), or the legacy letters `a` floppy, `c` disk, `d` CD-ROM, `n` network.',
        example: 'order=scsi0;ide2;net0',
    },
    {
        name: 'bootdisk', kind: 'string', group: 'vm', pve: 'bootdisk', check: 'bootdisk',
        doc: 'Boot disk: `ide0`..`ide3`, `sata0`..`sata5`, `scsi0`..`scsi30` or `virtio0`..`virtio15` (deprecated in PVE in favour of `boot: order=...`).', example: 'scsi0',
    },
    { name: 'cores', kind: 'int', group: 'vm', pve: 'cores', min: 1, compatDefault: '1', doc: 'CPU cores per socket.', example: '4' },
    {
        name: 'cpu', kind: 'string', group: 'vm', pve: 'cpu', format: cpuFormat, compatDefault: 'kvm64',
        doc: 'Emulated CPU type, optionally as a property string `[cputype=]<type>[,flags=<+FLAG;-FLAG>][,hidden=<1|0>]...`; the flags PVE allows here are nested-virt, md-clear, pcid, spec-ctrl, ssbd, ibpb, virt-ssbd, amd-ssbd, amd-no-ssb, pdpe1gb, hv-tlbflush, hv-evmcs and aes.',
        example: 'host',
    },
    {
        name: 'cpulimit', kind: 'number', group: 'vm', pve: 'cpulimit', min: 0, max: 128,
        doc: 'Limit of CPU time, in CPUs (a VM with `cpulimit: 2` uses at most two CPUs worth of time); 0 is no limit.', example: '1.5',
    },
    {
        name: 'cpuunits', kind: 'int', group: 'vm', pve: 'cpuunits', min: 1, max: 262144, compatDefault: '1000',
        doc: 'CPU weight relative to other VMs.', example: '100',
    },
    {
        name: 'description', kind: 'string', group: 'vm', pve: 'description', maxLength: 8192,
        doc: 'Description shown in the web interface (stored as a comment in the config).', example: 'Built by ${{ github.repository }}',
    },
    { name: 'freeze', kind: 'bool', group: 'vm', pve: 'freeze', doc: "Freeze the CPU at start-up (continue with the monitor's `c` command).", example: 'false' },
    { name: 'hookscript', kind: 'string', group: 'vm', pve: 'hookscript', check: 'volume-id', doc: 'Hook script run at VM lifecycle steps, as a snippet volume.', example: 'local:snippets/hook.pl' },
    {
        name: 'hotplug', kind: 'string', group: 'vm', pve: 'hotplug', check: 'hotplug',
        doc: 'Hotplug features: a comma-separated list of `network`, `disk`, `cpu`, `memory`, `usb`, `cloudinit`; `0` disables hotplug, `1` means `network,disk,usb`.',
        example: 'network,disk,usb',
    },
    { name: 'hugepages', kind: 'enum', group: 'vm', pve: 'hugepages', choices: ['any', '2', '1024'], doc: 'Back memory with huge pages of this size in MiB.', example: '2' },
    { name: 'keyboard', kind: 'enum', group: 'vm', pve: 'keyboard', choices: KEYBOARDS, doc: 'Keyboard layout of the VNC server.', example: 'en-us' },
    { name: 'kvm', kind: 'bool', group: 'vm', pve: 'kvm', compatDefault: 'true', doc: 'Use KVM hardware virtualisation.', example: 'true' },
    { name: 'localtime', kind: 'bool', group: 'vm', pve: 'localtime', doc: 'Set the real-time clock to local time (default on for Windows guests).', example: 'true' },
    { name: 'lock', kind: 'enum', group: 'vm', pve: 'lock', choices: LOCKS, doc: 'Set a lock on the VM.', example: 'backup' },
    {
        name: 'machine', kind: 'string', group: 'vm', pve: 'machine', format: machineFormat,
        doc: 'QEMU machine type, optionally as a property string `[type=]<machine>[,viommu=<intel|virtio>][,enable-s3=<1|0>]...`.',
        example: 'q35',
    },
    { name: 'memory', kind: 'int', group: 'vm', pve: 'memory', min: 16, compatDefault: '512', doc: 'Memory in MiB.', example: '4096' },
    { name: 'migrate_downtime', kind: 'number', group: 'vm', pve: 'migrate_downtime', min: 0, doc: 'Maximum tolerated downtime in seconds for online migration.', example: '0.1' },
    { name: 'migrate_speed', kind: 'int', group: 'vm', pve: 'migrate_speed', min: 0, doc: 'Maximum migration speed in MB/s; 0 is no limit.', example: '0' },
    { name: 'numa_enabled', kind: 'bool', group: 'vm', pve: 'numa', doc: 'Enable NUMA (sets the PVE `numa` flag; the topology itself is `numa`).', example: 'true' },
    { name: 'onboot', kind: 'bool', group: 'vm', pve: 'onboot', compatDefault: 'true', doc: 'Start the VM when the node boots.', example: 'false' },
    { name: 'ostype', kind: 'enum', group: 'vm', pve: 'ostype', choices: OSTYPES, compatDefault: 'l26', doc: 'Guest OS type, used for OS-specific optimisations (`l26` is Linux 2.6 and newer).', example: 'l26' },
    { name: 'protection', kind: 'bool', group: 'vm', pve: 'protection', doc: 'Protect the VM and its disks from removal.', example: 'true' },
    { name: 'reboot', kind: 'bool', group: 'vm', pve: 'reboot', doc: 'Allow reboot; when false the VM exits on reboot.', example: 'true' },
    {
        name: 'rng0', kind: 'string', group: 'vm', pve: 'rng0', format: rngFormat,
        doc: 'VirtIO random number generator: `[source=]</dev/urandom|/dev/random|/dev/hwrng>[,max_bytes=N][,period=ms]`.', example: '/dev/urandom',
    },
    { name: 'scsihw', kind: 'enum', group: 'vm', pve: 'scsihw', choices: SCSI_CONTROLLERS, doc: 'SCSI controller model.', example: 'virtio-scsi-single' },
    { name: 'shares', kind: 'int', group: 'vm', pve: 'shares', min: 0, max: 50000, doc: 'Memory shares for auto-ballooning; 0 disables auto-ballooning.', example: '1000' },
    {
        name: 'smbios', kind: 'string', group: 'vm', pve: 'smbios1', format: smbiosFormat,
        doc: 'SMBIOS type 1 fields: `[uuid=<UUID>][,manufacturer=..][,product=..][,serial=..][,sku=..][,family=..][,version=..][,base64=<1|0>]`. PVE accepts only Base64 characters in the text fields: encode other text (spaces, dots) as Base64 and add `base64=1`.',
        example: 'uuid=6f9a1c3e-2b4d-4e8f-9a0b-1c2d3e4f5a6b',
    },
    { name: 'sockets', kind: 'int', group: 'vm', pve: 'sockets', min: 1, compatDefault: '1', doc: 'CPU sockets.', example: '1' },
    {
        name: 'spice_enhancements', kind: 'string', group: 'vm', pve: 'spice_enhancements', format: spiceFormat,
        doc: 'SPICE enhancements: `[foldersharing=<1|0>][,videostreaming=<off|all|filter>]`.', example: 'foldersharing=1,videostreaming=all',
    },
    {
        name: 'startdate', kind: 'string', group: 'vm', pve: 'startdate', check: 'startdate',
        doc: 'Initial date of the real-time clock: `now`, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`.', example: '2016-09-25T16:01:21',
    },
    {
        name: 'startup', kind: 'string', group: 'vm', pve: 'startup', format: startupFormat,
        doc: 'Start-up and shutdown order: `[order=]N[,up=seconds][,down=seconds]`.', example: 'order=2,up=30',
    },
    { name: 'tablet', kind: 'bool', group: 'vm', pve: 'tablet', compatDefault: 'false', doc: 'Add a USB tablet device (absolute pointer in VNC).', example: 'false' },
    {
        name: 'tags', kind: 'list', group: 'vm', pve: 'tags', join: ';', check: 'tag',
        doc: 'Tags of the VM. Each starts with a letter, digit or `_`, followed by letters, digits or `_ - + .`; separated by commas, newlines, `;` or spaces.', example: 'ci,ephemeral',
    },
    { name: 'tdf', kind: 'bool', group: 'vm', pve: 'tdf', doc: 'Enable the time drift fix.', example: 'false' },
    { name: 'template', kind: 'bool', group: 'vm', pve: 'template', compatDefault: 'false', doc: 'Mark the VM as a template (prefer `state: template` to convert one).', example: 'false' },
    { name: 'vcpus', kind: 'int', group: 'vm', pve: 'vcpus', min: 1, doc: 'Number of hotplugged vCPUs.', example: '2' },
    {
        name: 'vga', kind: 'string', group: 'vm', pve: 'vga', format: vgaFormat, compatDefault: 'std',
        doc: 'Display: any PVE vga property string `[type=]<std|cirrus|vmware|qxl|qxl2|qxl3|qxl4|serial0..3|virtio|virtio-gl|none>[,memory=<MiB>][,clipboard=vnc]`.',
        example: 'virtio,memory=64',
    },
    {
        name: 'watchdog', kind: 'string', group: 'vm', pve: 'watchdog', format: watchdogFormat,
        doc: 'Virtual watchdog: `[model=]<i6300esb|ib700>[,action=<reset|shutdown|poweroff|pause|debug|none>]`.', example: 'model=i6300esb,action=reset',
    },
];

;// CONCATENATED MODULE: ./src/catalogue/params-lifecycle.ts
const WAIT_FOR_MODES = ['none', 'agent', 'ip', 'cloud-init'];
const IP_FAMILIES = ['ipv4', 'ipv6', 'any'];
const CLEANUP_POLICIES = ['never', 'always', 'on-failure'];
const PRUNE_SCOPES = ['repository', 'cluster'];
const DIAGNOSTICS_MODES = ['auto', 'always', 'never'];
const lifecycleParams = [
    {
        name: 'wait_for', kind: 'enum', group: 'lifecycle', choices: WAIT_FOR_MODES, default: 'none',
        doc: 'After the VM is running, wait until the guest agent answers (`agent`), reports an IP address (`ip`; see `ip_family` and `ip_cidr`), or until cloud-init has finished (`cloud-init`: runs `cloud-init status --wait --long` through the agent; an `error` or `degraded` boot fails the step with cloud-init\'s message and the tail of `/var/log/cloud-init-output.log`). Needs the guest agent enabled (`agent`); `cloud-init` needs the `VM.GuestAgent.Unrestricted` privilege.',
        example: 'ip',
    },
    {
        name: 'wait_timeout', kind: 'int', group: 'lifecycle', default: '300', min: 1, max: 604800,
        doc: 'Seconds to wait for `wait_for`, at most 604800 (7 days). The same bound covers the whole guest phase: waiting, cloud-init and each `guest_exec` command (which gets what is left of it).', example: '600',
    },
    {
        name: 'ip_family', kind: 'enum', group: 'lifecycle', choices: IP_FAMILIES, default: 'any',
        doc: 'Address family `wait_for: ip` waits for and the `ip` output reports. Loopback and link-local addresses are never used.',
        example: 'ipv4',
    },
    {
        name: 'ip_cidr', kind: 'string', group: 'lifecycle', check: 'cidr',
        doc: 'Only accept guest addresses inside this network (for `wait_for: ip` and the `ip` output).', example: '10.0.0.0/8',
    },
    {
        name: 'guest_exec', kind: 'string', group: 'lifecycle', check: 'guest-exec',
        doc: 'Commands to run in the guest through the QEMU guest agent once it is ready (after `wait_for`; waits for the agent at least): one shell command per line (run as `/bin/sh -c <line>`), or a YAML list of argument lists (`- ["systemctl", "is-active", "nginx"]`), at most 64. They run in order; each one\'s exit code, stdout and stderr (the last 64 KiB of each) are logged in a group, and a non-zero exit stops the list and fails the step (see `guest_exec_allow_failure`). Needs a running VM, `agent` enabled and the `VM.GuestAgent.Unrestricted` privilege. With `dry_run`, only listed in the `plan` output.',
        example: 'systemctl is-active nginx',
    },
    {
        name: 'guest_exec_allow_failure', kind: 'bool', group: 'lifecycle', default: 'false',
        doc: 'With `guest_exec`: run every command even when one exits non-zero, and do not fail the step for it (`exec_exitcode` still reports the first failure). A command that times out or cannot be started still fails the step.',
        example: 'true',
    },
    {
        name: 'cleanup', kind: 'enum', group: 'lifecycle', choices: CLEANUP_POLICIES, default: 'never',
        doc: 'Destroy the VM this step created, in the post step at the end of the job: `always`, `on-failure` (only when this step failed or was cancelled, e.g. the guest never came up), or `never`. A VM the step did not create is never touched; cleanup problems are warnings.',
        example: 'always',
    },
    {
        name: 'vmid_range', kind: 'string', group: 'lifecycle', check: 'vmid-range',
        doc: 'Range `lower-upper` new VM ids are picked from when `vmid`/`newid` are not given (keeps CI VMs apart from others).',
        example: '10000-99999',
    },
    {
        name: 'dry_run', kind: 'bool', group: 'lifecycle', default: 'false',
        doc: 'Only plan: report what would change (the `plan` output and job summary) without changing anything.', example: 'true',
    },
    {
        name: 'prune', kind: 'bool', group: 'lifecycle', default: 'false',
        doc: 'With `state: absent`, destroy leftover VMs of earlier runs instead of one VM: stopped hard, then destroyed with `purge` and `destroy-unreferenced-disks`. Only VMs this action made and tagged (`gh-ci`, see `ci_tags`) of this repository (`gh-repo-…`; `prune_scope: cluster` widens that to every repository), carrying all `prune_tags`, older than `prune_older_than`, and of finished workflow runs: with `github_token`, a VM of a run of this repository is kept while GitHub reports the run not completed; any other VM is judged by `prune_older_than` alone. Templates, protected VMs, locked VMs (unless `skiplock`) and the current run\'s VMs are never pruned. With `dry_run`, only lists them (`pruned` output).',
        example: 'true',
    },
    {
        name: 'prune_scope', kind: 'enum', group: 'lifecycle', choices: PRUNE_SCOPES, default: 'repository',
        doc: 'With `prune`, whose leftovers may be destroyed: `repository` (VMs tagged with this repository, `gh-repo-…`) or `cluster` (every VM this action tagged `gh-ci`, from any repository sharing the cluster). VMs without the `gh-ci` tag are never pruned.',
        example: 'cluster',
    },
    {
        name: 'prune_tags', kind: 'list', group: 'lifecycle', check: 'tag',
        doc: 'With `prune`, only VMs carrying all these tags as well (e.g. `ephemeral`). A blank list is an error, not "every VM".', example: 'ci,ephemeral',
    },
    {
        name: 'prune_older_than', kind: 'string', group: 'lifecycle', check: 'duration',
        doc: 'With `prune`, only VMs created longer ago than this: a number of seconds or a duration such as `90m`, `6h`, `2d`, `1h30m`. The age comes from the `gh-ts-` tag, else from the VM\'s creation time (`meta`). Required with `prune` when no `github_token` is given.',
        example: '6h',
    },
    {
        name: 'ci_tags', kind: 'bool', group: 'lifecycle', default: 'true',
        doc: 'Under GitHub Actions, tag every VM this action creates or clones with `gh-ci`, `gh-run-<run id>`, `gh-repo-<owner>.<repo>` (lower-cased, other characters `-`) and `gh-ts-<creation unix time>`, besides `tags`, so that `prune` can find VMs whose runner died before the post step cleaned up. An update keeps these tags. `false` adds none.',
        example: 'false',
    },
    {
        name: 'github_token', kind: 'secret', group: 'lifecycle', secret: true, runnerDefault: '${{ github.token }}',
        doc: 'GitHub token for the action\'s own GitHub API calls: `prune` asks with it whether a VM\'s workflow run has finished (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`), and `keep_on_failure` reads this job\'s steps with it; both need `permissions: actions: read` when the workflow or job sets `permissions:`. The job\'s own token by default; without a token, leftovers are judged by `prune_older_than` alone, and `keep_on_failure` sees only this step\'s failure.',
        example: '${{ secrets.MY_PAT }}',
    },
];
// keep_on_failure (issue 12): its own block at the end, to merge easily with other additions above.
lifecycleParams.push({
    name: 'keep_on_failure', kind: 'bool', group: 'lifecycle', default: 'false',
    doc: 'With `cleanup: always`, keep the VM instead of destroying it when any step of this job failed or was cancelled (not only this one), so that it can be inspected; the post step then says how to reach it (vmid, node, name, IP) and that a later `prune` with `prune_older_than` removes it (it keeps its `gh-ci` tags). Whether another step failed is asked of the GitHub API (the steps of this job, `GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs`, with `github_token`; needs `permissions: actions: read` when the workflow or job sets `permissions:`); when it cannot tell (no token, refused, job not found), the VM is destroyed with a warning saying why. A failure of this step itself needs no API call. Only with `cleanup: always`: `never` keeps the VM anyway, and `on-failure` destroys exactly when this would keep, so both are input errors.',
    example: 'true',
});
// diagnostics (issue 12).
lifecycleParams.push({
    name: 'diagnostics', kind: 'enum', group: 'lifecycle', choices: DIAGNOSTICS_MODES, default: 'auto',
    doc: 'What an operator looks at first, put into a log group and the job summary: the VM\'s status and lock, its config (secrets masked) and pending changes and, when its guest agent answers, `cloud-init status --long`, the end of `/var/log/cloud-init-output.log` and `journalctl -b -p err` (read-only commands run through the agent). `auto` gathers them when the step fails on a VM it found or made, `always` after every step with a VM, `never` not at all. Never with `dry_run`.',
    example: 'always',
});

;// CONCATENATED MODULE: ./src/catalogue/outputs.ts
// The action's outputs (names and docs); the module's return values plus what CI jobs need next.
const outputs = [
    { name: 'vmid', doc: 'ID of the VM acted on (of the new VM after a clone).' },
    { name: 'node', doc: 'Node the VM is on.' },
    { name: 'name', doc: 'Name of the VM.' },
    { name: 'status', doc: 'Power status of the VM after the run: `running`, `stopped`, `paused`, `hibernated`, `template`, or `absent` when it does not exist (with `dry_run`: the status before the run).' },
    { name: 'changed', doc: '`true` when the run changed anything, else `false`.' },
    { name: 'msg', doc: 'One-line summary of what happened, e.g. `VM spynal with vmid 115 deployed`.' },
    { name: 'mac', doc: 'JSON object of network devices to MAC addresses, e.g. `{"net0":"BC:24:11:3F:9A:01"}`.' },
    { name: 'devices', doc: 'JSON object of disk devices to volumes, e.g. `{"scsi0":"local-lvm:vm-115-disk-0"}`.' },
    { name: 'plan', doc: 'JSON array of the planned (with `dry_run`) or applied steps.' },
    { name: 'ip', doc: 'First guest IP address matching `ip_family`/`ip_cidr` (needs the guest agent); always a well-formed address, whatever the guest sent.' },
    { name: 'ipv4', doc: 'JSON array of the guest IPv4 addresses (no loopback).' },
    { name: 'ipv6', doc: 'JSON array of the guest IPv6 addresses (no loopback or link-local).' },
    { name: 'interfaces', doc: "JSON array of guest interfaces (at most 64, of at most 64 addresses each): name, MAC and addresses. What is not well-formed is left out; a name outside `A-Z a-z 0-9 _ . : @ -` is given as ''." },
    { name: 'exec_output', doc: 'With `guest_exec`: JSON array of the commands run, each `{command, exitcode, signal, stdout, stderr, stdout_truncated, stderr_truncated}` (`command` the argument list run; `exitcode` null when it was killed by `signal` or timed out; the last 64 KiB of each stream, registered secrets and `cipassword` masked).' },
    { name: 'exec_exitcode', doc: 'With `guest_exec`: the exit code of the first command that failed, else of the last command (128 + n for a command killed by signal n, -1 for one still running at `wait_timeout`).' },
    { name: 'cloud_init', doc: 'With `wait_for: cloud-init`: cloud-init\'s result, `done`, `degraded` or `error`.' },
    { name: 'pruned', doc: 'With `prune`: JSON array of the VMs destroyed (with `dry_run`: that would be), each `{vmid, node, name, tags, reason}`.' },
];

;// CONCATENATED MODULE: ./src/catalogue/index.ts
// The parameter catalogue: the single source of truth for every input of the action (see ARCHITECTURE.md).










const catalogue = [
    ...connectionParams,
    ...behaviourParams,
    ...hardwareParams,
    ...deviceParams,
    ...cloudInitParams,
    ...lifecycleParams,
];
const byName = new Map(catalogue.map((p) => [p.name, p]));
/** Params whose pve is a plain key (not an indexed 'net[n]' form). */
const byPveKey = new Map(catalogue.filter((p) => p.pve && !p.pve.endsWith('[n]')).map((p) => [p.pve, p]));
const indexedParams = catalogue.filter((p) => p.pve?.endsWith('[n]'));
function param(name) {
    const p = byName.get(name);
    if (!p)
        throw new Error(`unknown parameter '${name}'`);
    return p;
}
/** For a PVE config key ('net0', 'cores', 'numa', 'cipassword'): the catalogue entry it comes from, and flags. */
function pveKeyInfo(key) {
    let p = byPveKey.get(key);
    if (!p) {
        p = indexedParams.find((q) => {
            const m = q.keyPattern.exec(key);
            return m !== null && Number(m[1]) >= q.indexRange[0] && Number(m[1]) <= q.indexRange[1];
        });
    }
    return p && { param: p, unsafeToUpdate: p.unsafeToUpdate === true, secret: p.secret === true };
}
/** Every concrete PVE config key a parameter can emit (net → net0..net31). */
function pveKeysOf(p) {
    if (!p.pve)
        return [];
    if (!p.pve.endsWith('[n]'))
        return [p.pve];
    const base = p.pve.slice(0, -3);
    const [lo, hi] = p.indexRange;
    return Array.from({ length: hi - lo + 1 }, (_, i) => `${base}${lo + i}`);
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/inputs/errors.ts
// The error value every input problem becomes: which input, and a message that says what is accepted.
// Messages stay short whatever the input: echoed values are cut, and one input reports only its first few problems.
/** Longest piece of a user value quoted in a message. */
const MAX_ECHO = 80;
/** Problems listed per input; the rest are only counted (a 20,000-item list must not give 20,000 lines). */
const MAX_LISTED = 3;
/** Backstop for one message, whatever went into it. */
const MAX_MESSAGE = 800;
/** `value` cut to `max` characters plus '…' (never splitting a surrogate pair). */
function cut(value, max = MAX_ECHO) {
    if (value.length <= max)
        return value;
    const end = /[\uD800-\uDBFF]/.test(value[max - 1]) ? max - 1 : max;
    return `${value.slice(0, end)}…`;
}
/** A user value in quotes, cut. */
function quote(value) {
    return `'${cut(value)}'`;
}
/** Quotes a user value for a message (with a leading space); secrets are never echoed. */
function echo(value, secret) {
    return secret ? '' : ` ${quote(value)}`;
}
function inputError(input, message) {
    return { input, message: cut(message, MAX_MESSAGE) };
}
/** The first MAX_LISTED errors of one input, plus one that counts the others. */
function limitErrors(input, errors) {
    if (errors.length <= MAX_LISTED + 1)
        return errors;
    const more = errors.length - MAX_LISTED;
    return [...errors.slice(0, MAX_LISTED), inputError(input, `Input '${input}': ${more} more problems like these (fix the ones above first).`)];
}
/** Problems joined into one phrase: the first MAX_LISTED, then how many more. */
function listProblems(problems) {
    const shown = problems.slice(0, MAX_LISTED).join('; ');
    return problems.length > MAX_LISTED ? `${shown}; and ${problems.length - MAX_LISTED} more` : shown;
}

;// CONCATENATED MODULE: ./src/inputs/parse.ts

// js-yaml is loaded on demand: ~5 ms of a step's start-up on Node 24, for the steps whose inputs hold YAML or JSON
// (a mapping such as `net`, a structured list, guest_exec argument lists). Parsing stays synchronous: a parse that
// needs YAML before it is loaded throws YamlNotLoaded, and readSettingsLoading (index.ts) loads it and parses again.
let yaml;
/** Loads the YAML parser (once). */
async function loadYaml() {
    yaml ??= await __webpack_require__.e(/* import() */ 243).then(__webpack_require__.bind(__webpack_require__, 3243));
}
/** A parse needed the YAML parser before loadYaml() ran: not an input error. */
class YamlNotLoaded extends Error {
    name = 'YamlNotLoaded';
    constructor() {
        super('internal: the YAML parser is not loaded (call loadYaml first)');
    }
}
const ok = (value) => ({ ok: true, value });
const fail = (error) => ({ ok: false, error });
const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
function parseBool(raw) {
    const v = raw.trim().toLowerCase();
    if (TRUE.has(v))
        return ok(true);
    if (FALSE.has(v))
        return ok(false);
    return fail('must be a boolean: true or false (also yes/no, on/off, 1/0)');
}
/** Integers only: no decimals, exponents, hex or trailing text (Number('12abc') style leniency hides typos). */
function parseIntStrict(raw) {
    const v = raw.trim();
    if (!/^[+-]?\d+$/.test(v))
        return fail('must be a whole number');
    const n = Number(v);
    if (!Number.isSafeInteger(n))
        return fail('is too large');
    return ok(n);
}
function parseNumber(raw) {
    const v = raw.trim();
    if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(v))
        return fail('must be a number');
    const n = Number(v);
    // 1e309 is Infinity: it would be sent as "Infinity", which no PVE option accepts.
    if (!Number.isFinite(n))
        return fail('is too large (must be a finite number)');
    return ok(n);
}
/** YAML with every scalar kept as text, so `version: 2.0` stays "2.0" and `tag: 077` keeps its zero. */
function loadText(raw) {
    if (!yaml)
        throw new YamlNotLoaded();
    try {
        return ok(yaml.load(raw, { schema: yaml.FAILSAFE_SCHEMA }));
    }
    catch (e) {
        const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        // the parser's message can quote the input (an unknown tag, a key): cut like any echo
        return fail(`is not valid YAML/JSON (${cut(first, 160)})`);
    }
}
function looksStructured(v) {
    return v.startsWith('[') || /^-(\s|$)/.test(v);
}
/**
 * A list: a YAML/JSON sequence (`["a","b"]`, or `- a` lines), or plain text separated by commas and/or newlines.
 * Empty items are dropped.
 */
function parseList(raw) {
    const v = raw.trim();
    if (v === '')
        return ok([]);
    if (looksStructured(v)) {
        const loaded = loadText(v);
        if (!loaded.ok)
            return fail(loaded.error);
        if (!Array.isArray(loaded.value))
            return fail('must be a list');
        const items = [];
        for (const item of loaded.value) {
            if (typeof item !== 'string')
                return fail('must be a list of plain values (found a nested list or mapping)');
            if (item.trim() !== '')
                items.push(item.trim());
        }
        return ok(items);
    }
    return ok(v.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== ''));
}
/** A mapping given as a YAML block (`net0: virtio,bridge=vmbr0`) or a JSON object string; values stay text. */
function parseDict(raw) {
    const loaded = loadText(raw.trim());
    if (!loaded.ok)
        return fail(loaded.error);
    const value = loaded.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return fail('must be a YAML mapping or JSON object, e.g. `key0: value` or `{"key0": "value"}`');
    }
    // no prototype: a key named __proto__ stays a key (and is refused as one) instead of vanishing
    const out = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string')
            return fail(`has a nested list or mapping under ${quote(k)}; values must be plain text`);
        out[k] = v.trim();
    }
    return ok(out);
}
/** At most this many guest_exec commands, and this long each (one line or argument list, in characters). */
const GUEST_EXEC_MAX_COMMANDS = 64;
const GUEST_EXEC_MAX_LENGTH = 16384;
/** The shell a guest_exec line runs in. */
const GUEST_SHELL = ['/bin/sh', '-c'];
/**
 * guest_exec: a YAML/JSON list of argument lists (`- ["systemctl", "is-active", "nginx"]`, run as given), or else
 * one shell command per line (run as `/bin/sh -c <line>`; blank lines are skipped). Only a list whose every item is
 * a non-empty list of strings counts as argument lists: a shell line such as `[ -f /x ] && echo` stays a line.
 */
function parseGuestExec(raw) {
    const v = raw.trim();
    if (v === '')
        return ok([]);
    let commands;
    if (looksStructured(v)) {
        const y = loadText(v);
        if (y.ok && Array.isArray(y.value) && y.value.length > 0 && y.value.every((c) => Array.isArray(c))) {
            const lists = y.value;
            if (!lists.every((c) => c.length > 0 && c.every((a) => typeof a === 'string')))
                return fail('as a list of argument lists needs each command to be a non-empty list of strings, e.g. - ["systemctl", "is-active", "nginx"]');
            commands = lists;
        }
    }
    commands ??= v
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .map((l) => [...GUEST_SHELL, l]);
    if (commands.length > GUEST_EXEC_MAX_COMMANDS)
        return fail(`holds ${commands.length} commands; at most ${GUEST_EXEC_MAX_COMMANDS} are run (put longer work in a script)`);
    for (const c of commands) {
        if (c.some((a) => a.includes('\0')))
            return fail('holds a NUL character, which no command line can carry');
        if ([...c.join(' ')].length > GUEST_EXEC_MAX_LENGTH)
            return fail(`holds a command longer than ${GUEST_EXEC_MAX_LENGTH} characters`);
    }
    return ok(commands);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/inputs/sshkeys.ts
// `sshkeys` as Proxmox VE checks it: every line that is not blank must pass `ssh-keygen -l` (pve-common
// PVE::Tools::validate_ssh_public_keys, called by qemu-server create_vm and update_vm_api), or the whole request is
// refused with "SSH public key validation error", naming no line. The same rules (OpenSSH's public-key line:
// `[options] <type> <base64 key blob> [comment]`, the blob starting with its own type) name the line and what is
// wrong before anything is sent. DSA keys (dropped by OpenSSH 10) and certificates (whose signature only ssh-keygen
// verifies) are left to Proxmox VE to judge.

/** OpenSSH's key type names; rsa-sha2-* name the same RSA keys. */
const TYPES = {
    'ssh-ed25519': { kind: 'ed25519' },
    'sk-ssh-ed25519@openssh.com': { kind: 'ed25519-sk' },
    'ecdsa-sha2-nistp256': { kind: 'ecdsa', curve: 'nistp256' },
    'ecdsa-sha2-nistp384': { kind: 'ecdsa', curve: 'nistp384' },
    'ecdsa-sha2-nistp521': { kind: 'ecdsa', curve: 'nistp521' },
    'sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
    'webauthn-sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
    'ssh-rsa': { kind: 'rsa' },
    'rsa-sha2-256': { kind: 'rsa' },
    'rsa-sha2-512': { kind: 'rsa' },
    'ssh-dss': { kind: 'other' },
};
const typeOf = (name) => Object.hasOwn(TYPES, name) ? TYPES[name] : /^[a-z0-9.@-]+-cert-v01@openssh\.com$/.test(name) ? { kind: 'other' } : undefined;
const KNOWN = 'ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa or a security-key type';
const COPIED = 'cut or changed when copied?';
/** DER prefix of an SPKI with an uncompressed point of each curve: OpenSSL checks the point is on the curve. */
let spki;
function pointOnCurve(curve, point) {
    spki ??= new Map(['nistp256', 'nistp384', 'nistp521'].map((c) => {
        const der = (0,external_node_crypto_.generateKeyPairSync)('ec', { namedCurve: `P-${c.slice(5)}` }).publicKey.export({ type: 'spki', format: 'der' });
        const length = 1 + 2 * Math.ceil(Number(c.slice(5)) / 8);
        return [c, { prefix: der.subarray(0, der.length - length), length }];
    }));
    const s = spki.get(curve);
    if (point.length !== s.length || point[0] !== 4)
        return false;
    try {
        (0,external_node_crypto_.createPublicKey)({ key: Buffer.concat([s.prefix, point]), format: 'der', type: 'spki' });
        return true;
    }
    catch {
        return false;
    }
}
/** The blob's fields (uint32-length-prefixed strings); undefined when it ends inside one. */
function fields(blob) {
    const out = [];
    for (let at = 0; at < blob.length;) {
        const len = blob.length - at >= 4 ? blob.readUInt32BE(at) : Infinity;
        if (blob.length - at - 4 < len)
            return undefined;
        out.push(blob.subarray(at + 4, at + 4 + len));
        at += 4 + len;
    }
    return out;
}
/** Bits of an SSH mpint (undefined when negative). */
function mpintBits(d) {
    if (d.length && d[0] & 0x80)
        return undefined;
    let i = 0;
    while (i < d.length && d[i] === 0)
        i++;
    return i === d.length ? 0 : (d.length - i - 1) * 8 + (32 - Math.clz32(d[i]));
}
/** What is wrong with `<type> <blob>…` at the start of `s` (the rest is a comment), or undefined when fine. */
function keyProblem(name, type, rest) {
    const b64 = rest.replace(/^[ \t]+/, '').split(/[ \t]/)[0];
    if (!b64)
        return `no key data after '${name}'`;
    const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(b64);
    const blob = m && (m[1].length + m[2].length) % 4 === 0 && (m[2] === '' || m[1].length % 4 > 1) ? Buffer.from(b64, 'base64') : undefined;
    if (!blob || blob.toString('base64') !== b64)
        return `the key data after '${name}' is not base64 (${COPIED})`;
    const head = blob.length >= 4 ? blob.readUInt32BE(0) : Infinity;
    const inner = head <= blob.length - 4 ? blob.subarray(4, 4 + head).toString('latin1').replace(/\0$/, '') : undefined;
    const innerType = inner === undefined ? undefined : typeOf(inner);
    if (!innerType)
        return `the key data after '${name}' is not an OpenSSH public key (${COPIED})`;
    if (innerType.kind !== type.kind || innerType.curve !== type.curve)
        return `the line says '${name}' but its key data is a '${inner}' key`;
    if (type.kind === 'other')
        return undefined; // DSA and certificates: Proxmox VE decides
    const incomplete = `the ${name} key data is incomplete or has extra bytes (${COPIED})`;
    const f = fields(blob);
    if (!f)
        return incomplete;
    switch (type.kind) {
        case 'ed25519':
        case 'ed25519-sk':
            return f[1]?.length === 32 && f.length === (type.kind === 'ed25519' ? 2 : 3) ? undefined : incomplete;
        case 'ecdsa':
        case 'ecdsa-sk':
            if (f.length !== (type.kind === 'ecdsa' ? 3 : 4) || f[1].toString('latin1') !== type.curve)
                return incomplete;
            return pointOnCurve(type.curve, f[2]) ? undefined : `the ${name} key is not a point on its curve (${COPIED})`;
        case 'rsa': {
            const bits = f.length === 3 ? mpintBits(f[2]) : undefined;
            if (bits === undefined || mpintBits(f[1]) === undefined)
                return incomplete;
            return bits < 1024 ? `an RSA key of ${bits} bits: OpenSSH accepts no fewer than 1024 (use ssh-ed25519)` : undefined;
        }
    }
}
/** One line as ssh-keygen reads it: a bare key, else one leading token (options or a host) and then a key. */
function lineProblem(line) {
    const cp = line.split(/[\r\0]/)[0].replace(/^[ \t]+/, '');
    if (cp.startsWith('#'))
        return 'is a comment: Proxmox VE checks every line that is not blank as a key, so leave comments out';
    if (/^-----.*PRIVATE KEY/.test(cp))
        return 'is part of a private key: give the public key (the .pub file)';
    if (/^-----(BEGIN|END) /.test(cp))
        return "is a '-----BEGIN/END' line: give each key on one line, as a .pub file holds it";
    const first = cp.split(/[ \t]/)[0];
    const type = typeOf(first);
    const direct = type && keyProblem(first, type, cp.slice(first.length));
    if (type && !direct)
        return undefined;
    // ssh-keygen reads a line naming "PRIVATE KEY" as a private key file: only a bare public key survives that
    if (cp.includes('PRIVATE KEY'))
        return direct || "holds 'PRIVATE KEY', so ssh-keygen reads it as a private key: give the public key alone";
    // else, as ssh-keygen: authorized_keys options or a known_hosts host (one token, quotes honoured), one blank, a key
    let i = 0;
    for (let quoted = false; i < cp.length && (quoted || (cp[i] !== ' ' && cp[i] !== '\t')); i++) {
        if (cp[i] === '\\' && cp[i + 1] === '"')
            i++;
        else if (cp[i] === '"')
            quoted = !quoted;
    }
    const after = cp.slice(i + 1);
    const second = after.split(/[ \t]/)[0];
    // a number first (an SSH1 key's size) is not skipped
    const type2 = i < cp.length && !(/^[+-]?\d+$/.test(first) && Number(first) !== 0) ? typeOf(second) : undefined;
    const skipped = type2 && keyProblem(second, type2, after.slice(second.length));
    if (type2 && !skipped)
        return undefined;
    if (!direct && !skipped && /^[a-z0-9@.-]+%20/i.test(cp))
        return 'looks URL-encoded: give the key as it is; the action URL-encodes it for Proxmox VE';
    return direct || skipped || `does not start with a key type (${KNOWN}): '<type> <base64 key> [comment]'`;
}
/** Undefined when every line that is not blank is a public key Proxmox VE would take, else which line and why. */
function sshKeysError(value) {
    const lines = value.split('\n');
    for (let n = 0; n < lines.length; n++) {
        if (/^[ \t\r\f\v]*$/.test(lines[n]))
            continue;
        const problem = lineProblem(lines[n]);
        if (problem)
            return `line ${n + 1} ${/^(is|does|holds|looks) /.test(problem) ? problem : `is not a valid public key: ${problem}`}`;
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/inputs/checks.ts
// Named checks for plain string values (hosts, ids, tags, CIDRs, durations, ...), each saying what is accepted.





const DNS_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DNS_NAME = new RegExp(`^(?:${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const NODE = new RegExp(`^${DNS_LABEL}$`);
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const REALM = '[A-Za-z][A-Za-z0-9.\\-_]+';
const USER = new RegExp(`^[^\\s:/]+@${REALM}$`);
const TOKEN_NAME = '[A-Za-z][A-Za-z0-9._-]+';
const TOKEN_ID = new RegExp(`^(?:([^\\s:/!]+@${REALM})!)?(${TOKEN_NAME})$`);
const HOTPLUG = new Set(['network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit']);
const VMID_MIN = 100;
const VMID_MAX = 999_999_999;
/** `a.b.c.d/len` or `v6/len` with the prefix length in range; returns the family or an error. */
function checks_parseCidr(value) {
    const m = /^([^/\s]+)\/(\d{1,3})$/.exec(value.trim());
    if (!m)
        return undefined;
    const family = (0,external_node_net_.isIP)(m[1]);
    const prefix = Number(m[2]);
    if (family === 4 && prefix <= 32)
        return { family: 4, address: m[1], prefix };
    if (family === 6 && prefix <= 128)
        return { family: 6, address: m[1], prefix };
    return undefined;
}
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** `3600`, `90m`, `6h`, `2d`, `1h30m` → seconds. */
function parseDuration(value) {
    const v = value.trim().toLowerCase();
    if (/^\d+$/.test(v))
        return Number(v);
    if (!/^(?:\d+[smhdw])+$/.test(v))
        return undefined;
    let total = 0;
    for (const [, n, unit] of v.matchAll(/(\d+)([smhdw])/g))
        total += Number(n) * UNIT_SECONDS[unit];
    return total;
}
function parseVmidRange(value) {
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(value.trim());
    if (!m)
        return undefined;
    const lower = Number(m[1]);
    const upper = Number(m[2]);
    if (lower < VMID_MIN || upper > VMID_MAX || lower > upper)
        return undefined;
    return { lower, upper };
}
/** SHA-256 pin in any common spelling → upper-case hex pairs joined by ':'. */
function normaliseFingerprint(value) {
    const hex = value.trim().replace(/^sha-?256(?:\s+fingerprint)?\s*[=:]\s*/i, '').replace(/[:\s]/g, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex))
        return undefined;
    return hex.toUpperCase().match(/../g).join(':');
}
/** `tokenid` or `user@realm!tokenid` → its parts. */
function parseTokenId(value) {
    const m = TOKEN_ID.exec(value.trim());
    return m ? { user: m[1], name: m[2] } : undefined;
}
const DISK_BUSES = ['ide', 'sata', 'scsi', 'virtio'];
const BOOT_BUSES = [...DISK_BUSES, 'net', 'usb', 'hostpci'];
/** `scsi0`, `net31`: a device key of one of `buses` within the catalogue's (= PVE's) index range, no leading zeros. */
function isDeviceKey(buses, key) {
    const m = /^([a-z]+)(0|[1-9]\d*)$/.exec(key);
    return m !== null && buses.includes(m[1]) && Number(m[2]) <= param(m[1]).indexRange[1];
}
function keyRanges(buses) {
    const ranges = buses.map((b) => `${b}0..${b}${param(b).indexRange[1]}`);
    return `${ranges.slice(0, -1).join(', ')} or ${ranges[ranges.length - 1]}`;
}
/** PVE's boot order: device keys separated by ';' (disks, NICs, USB and PCI devices; not efidisk0/tpmstate0). */
function bootOrderError(value) {
    const bad = value.split(';').filter((d) => !isDeviceKey(BOOT_BUSES, d));
    if (bad.length === 0)
        return undefined;
    return `has ${quote(bad[0])}: give device keys separated by ';', each one of ${keyRanges(BOOT_BUSES)}`;
}
function isHostName(value) {
    return DNS_NAME.test(value) || (0,external_node_net_.isIP)(value) !== 0;
}
/** Runs a named check; returns undefined when fine, else what is accepted. */
function runCheck(check, value) {
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
            return (0,external_node_net_.isIP)(value) !== 0 && !value.includes('%') ? undefined : 'must be an IPv4 or IPv6 address (without a %zone)';
        case 'cidr':
            return checks_parseCidr(value) ? undefined : 'must be a network in CIDR form, e.g. 10.0.0.0/8 or fd00::/64';
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

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./src/catalogue/cpu-models.ts
// CPU model names and VM-allowed CPU flags of qemu-server 9.x, for checking `cpu` values: facts only. The simulator
// keeps its own copy (sim/schema/cpu-models.ts: sim and action share no code); __tests__/catalogue.schema.test.ts keeps them equal.
/** Models with a QEMU vendor mapping; also the enum of `reported-model`. */
const CPU_MODELS = [
    '486', 'pentium', 'pentium2', 'pentium3', 'coreduo', 'core2duo', 'Conroe', 'Penryn',
    'Nehalem', 'Nehalem-IBRS', 'Westmere', 'Westmere-IBRS', 'SandyBridge', 'SandyBridge-IBRS',
    'IvyBridge', 'IvyBridge-IBRS', 'Haswell', 'Haswell-IBRS', 'Haswell-noTSX', 'Haswell-noTSX-IBRS',
    'Broadwell', 'Broadwell-IBRS', 'Broadwell-noTSX', 'Broadwell-noTSX-IBRS',
    'Skylake-Client', 'Skylake-Client-IBRS', 'Skylake-Client-noTSX-IBRS', 'Skylake-Client-v4',
    'Skylake-Server', 'Skylake-Server-IBRS', 'Skylake-Server-noTSX-IBRS', 'Skylake-Server-v4', 'Skylake-Server-v5',
    'Cascadelake-Server', 'Cascadelake-Server-v2', 'Cascadelake-Server-noTSX', 'Cascadelake-Server-v4',
    'Cascadelake-Server-v5', 'Cooperlake', 'Cooperlake-v2', 'KnightsMill', 'Icelake-Client', 'Icelake-Client-noTSX',
    'Icelake-Server', 'Icelake-Server-noTSX', 'Icelake-Server-v3', 'Icelake-Server-v4', 'Icelake-Server-v5',
    'Icelake-Server-v6', 'Icelake-Server-v7', 'SapphireRapids', 'SapphireRapids-v2', 'SapphireRapids-v3',
    'SapphireRapids-v4', 'GraniteRapids', 'GraniteRapids-v2', 'GraniteRapids-v3', 'SierraForest', 'SierraForest-v2',
    'SierraForest-v3', 'ClearwaterForest',
    'athlon', 'phenom', 'Opteron_G1', 'Opteron_G2', 'Opteron_G3', 'Opteron_G4', 'Opteron_G5',
    'EPYC', 'EPYC-IBPB', 'EPYC-v3', 'EPYC-v4', 'EPYC-v5', 'EPYC-Rome', 'EPYC-Rome-v2', 'EPYC-Rome-v3', 'EPYC-Rome-v4',
    'EPYC-Rome-v5', 'EPYC-Milan', 'EPYC-Milan-v2', 'EPYC-Milan-v3', 'EPYC-Genoa', 'EPYC-Genoa-v2', 'EPYC-Turin',
    'host', 'kvm32', 'kvm64', 'qemu32', 'qemu64', 'max',
];
/** PVE's own generic models (valid `cputype`, not valid `reported-model`). */
const CPU_BUILTIN_MODELS = ['x86-64-v2', 'x86-64-v2-AES', 'x86-64-v3', 'x86-64-v4'];
/** Flags a VM's own `cpu` may set (each as +flag or -flag); other QEMU flags only go into custom models. */
const CPU_VM_FLAGS = [
    'nested-virt', 'md-clear', 'pcid', 'spec-ctrl', 'ssbd', 'ibpb', 'virt-ssbd', 'amd-ssbd', 'amd-no-ssb',
    'pdpe1gb', 'hv-tlbflush', 'hv-evmcs', 'aes',
];

;// CONCATENATED MODULE: ./src/inputs/check-property.ts
// Checks a PVE property string (`virtio,bridge=vmbr0,tag=77`) against a trimmed format before any request:
// unknown sub-keys, bad integers/enums and missing required keys are caught here with a readable message.
// Messages quote only cut pieces of the value, so a huge value cannot make huge messages.




/** Unicast MAC: the lowest bit of the first octet (the multicast bit) is 0, i.e. its second hex digit is even. */
const MAC = /^[0-9a-f][02468ace](?::[0-9a-f]{2}){5}$/i;
const VOLUME_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i;
const MAX_LISTED_KEYS = 16;
/** Own properties only: a sub-key named `constructor` or `__proto__` must not find Object's. */
function own(record, key) {
    return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
/** Length as PVE (Perl) counts it: characters, not UTF-16 units. */
function charLength(s) {
    let n = 0;
    for (const _ of s)
        n++;
    return n;
}
function typeError(type, v) {
    switch (type.t) {
        case 'bool':
            return v === '0' || v === '1' ? undefined : 'must be 1 or 0';
        case 'int': {
            if (!/^[+-]?\d+$/.test(v))
                return 'must be a whole number';
            return rangeError(Number(v), type.min, type.max);
        }
        case 'number': {
            if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(v))
                return 'must be a number';
            return rangeError(Number(v), type.min, type.max);
        }
        case 'enum':
            return type.values.includes(v) ? undefined : `must be one of ${type.values.join(', ')}`;
        case 'string':
            if (v === '')
                return 'must not be empty';
            if (type.pattern && !type.pattern.test(v))
                return `must be ${type.text ?? 'in the form PVE documents'}`;
            if (type.maxLength !== undefined && charLength(v) > type.maxLength)
                return `must be at most ${type.maxLength} characters long`;
            return type.check ? stringCheck(type.check, v) : undefined;
    }
}
function rangeError(n, min, max) {
    if (min !== undefined && n < min)
        return `must be at least ${min}`;
    if (max !== undefined && n > max)
        return `must be at most ${max}`;
    return undefined;
}
/** `address/bits` of one family with PVE's prefix range (8 and up); zone ids are refused as PVE does. */
function isCidr(v, family) {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
    if (!m)
        return false;
    const bits = Number(m[2]);
    return family === 4 ? (0,external_node_net_.isIPv4)(m[1]) && bits >= 8 && bits <= 32 : (0,external_node_net_.isIPv6)(m[1]) && !m[1].includes('%') && bits >= 8 && bits <= 128;
}
const isVolumeOrPath = (v) => v.startsWith('/') || VOLUME_ID.test(v);
function stringCheck(check, v) {
    switch (check) {
        case 'mac':
            return MAC.test(v)
                ? undefined
                : 'must be a unicast MAC address XX:XX:XX:XX:XX:XX (its second hex digit even: an odd one makes it a multicast address)';
        case 'ipv4':
            return (0,external_node_net_.isIPv4)(v) ? undefined : 'must be an IPv4 address';
        case 'ipv6':
            return (0,external_node_net_.isIPv6)(v) && !v.includes('%') ? undefined : 'must be an IPv6 address (without a %zone)';
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
            if (CPU_MODELS.includes(v) || CPU_BUILTIN_MODELS.includes(v) || /^custom-[\w.-]+$/.test(v))
                return undefined;
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
function allowedKeys(format) {
    const keys = Object.keys(format.keys);
    return keys.length <= MAX_LISTED_KEYS ? `allowed: ${keys.join(', ')}` : `see the Proxmox VE documentation of ${format.name}`;
}
/** One part without spaces around it or around its '=': we read `serial = x` as serial=x, so PVE must get exactly that. */
function tidy(part) {
    const eq = part.indexOf('=');
    return eq < 0 ? part.trim() : `${part.slice(0, eq).trim()}=${part.slice(eq + 1).trim()}`;
}
function checkPropertyString(format, raw) {
    const errors = [];
    const values = Object.create(null);
    if (format.wholeValue) {
        const v = raw.trim();
        if (!format.wholeValue.test(v))
            errors.push(`must be ${format.wholeValueText}`);
        return { errors, normalised: v, values };
    }
    const parts = raw.split(',').map(tidy).filter((s) => s !== '');
    // only commas and spaces: nothing to send (PVE refuses an empty startup, and the rest would mean nothing)
    if (parts.length === 0)
        errors.push(`has no options: give ${format.defaultKey ? `a ${format.defaultKey} or ` : ''}key=value pairs separated by commas`);
    parts.forEach((part, i) => {
        const eq = part.indexOf('=');
        let key;
        let value;
        if (eq < 0) {
            if (i !== 0 || !format.defaultKey) {
                const bare = format.defaultKey ? ` (only the first part may be a bare ${format.defaultKey})` : '';
                errors.push(`${quote(part)} is not key=value${bare}`);
                return;
            }
            key = format.defaultKey;
            value = part;
        }
        else {
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
                if (macErr)
                    errors.push(`${key}=${cut(value)}: ${macErr}`);
                else
                    set('macaddr', value);
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
        if (err)
            errors.push(`${key}=${cut(value)}: ${err}`);
        set(key, value);
    });
    function set(key, value) {
        if (key in values)
            errors.push(`option '${key}' is given twice`);
        values[key] = value;
    }
    for (const req of format.required ?? []) {
        if (!(req in values))
            errors.push(`'${req}' is required`);
    }
    for (const [key, needs] of Object.entries(format.dependsOn ?? {})) {
        if (key in values && !(needs in values))
            errors.push(`'${key}' needs '${needs}'`);
    }
    // qemu-server API2/Qemu.pm $check_drive_param: import-from only on a new disk of size 0 (Drive.pm $NEW_DISK_RE)
    if (values['import-from'] !== undefined && values.file !== undefined && !/^(?:[^/:\s]+:)?\d+(?:\.\d+)?$/.test(values.file)) {
        errors.push(`'import-from' needs a new disk of size 0, <storage>:0 (e.g. local-lvm:0,import-from=local:import/noble.qcow2), not ${quote(values.file)}`);
    }
    else if (values['import-from'] !== undefined && values.file !== undefined && Number(values.file.slice(values.file.lastIndexOf(':') + 1)) !== 0) {
        errors.push(`'import-from' needs size 0 (<storage>:0): the disk gets the image's size; grow it with a later update (update: true, update_unsafe: true, e.g. local-lvm:32)`);
    }
    const normalised = parts.join(',');
    if (format.maxLength !== undefined && charLength(normalised) > format.maxLength) {
        errors.push(`is ${charLength(normalised)} characters long; PVE accepts at most ${format.maxLength}`);
    }
    const refusedWhole = own(format.refusedWhole, normalised);
    if (refusedWhole !== undefined)
        errors.push(refusedWhole);
    return { errors, normalised, values };
}

;// CONCATENATED MODULE: ./src/inputs/values.ts




function range(p, n) {
    if (p.min !== undefined && n < p.min)
        return `must be at least ${p.min}`;
    if (p.max !== undefined && n > p.max)
        return `must be at most ${p.max}`;
    return undefined;
}
/** Parses `raw` (non-empty) for parameter `p`; the first few problems are returned (and how many more there are). */
function parseParam(p, raw) {
    const r = parseAny(p, raw);
    return r.errors.length ? { errors: limitErrors(p.name, r.errors) } : r;
}
/** The catalogue default of `p`, parsed as if the user had given it (undefined when the catalogue gives none). */
function defaultValue(p) {
    if (p.default === undefined)
        return undefined;
    const r = parseParam(p, p.default);
    if (r.errors.length)
        throw new Error(`catalogue default of '${p.name}' does not parse: ${r.errors[0].message}`);
    return r.value;
}
function parseAny(p, raw) {
    const errors = [];
    const bad = (detail, value = raw) => errors.push(inputError(p.name, `Input '${p.name}'${echo(value, p.secret)}: ${detail}.`));
    const done = (value) => (errors.length ? { errors } : { value, errors });
    switch (p.kind) {
        case 'bool': {
            const r = parseBool(raw);
            return r.ok ? done(r.value) : (bad(r.error), done());
        }
        case 'int':
        case 'number': {
            const r = p.kind === 'int' ? parseIntStrict(raw) : parseNumber(raw);
            if (!r.ok)
                return bad(r.error), done();
            const err = range(p, r.value);
            return err ? (bad(err), done()) : done(r.value);
        }
        case 'enum': {
            const v = raw.trim();
            const choice = p.choices.find((c) => c === v) ?? p.choices.find((c) => c.toLowerCase() === v.toLowerCase());
            return choice !== undefined ? done(choice) : (bad(`must be one of ${p.choices.join(', ')}`), done());
        }
        case 'list': {
            const r = parseList(raw);
            if (!r.ok)
                return bad(r.error), done();
            // Tags as PVE writes them (`a;b`, `a b`): no tag can contain `;` or a space, so they separate too.
            if (p.check === 'tag')
                r.value = r.value.flatMap((t) => t.split(/[;\s]+/)).filter((t) => t !== '');
            // Given but holding no tag (' ; '): an empty filter would match every VM, so it is an error, not "all".
            if (p.check === 'tag' && r.value.length === 0)
                return bad('holds no tag: give at least one tag, or leave the input out'), done();
            if (p.check) {
                for (const item of r.value) {
                    const err = runCheck(p.check, item);
                    if (err)
                        bad(`item ${err}`, item);
                }
            }
            return done(r.value);
        }
        case 'dict':
            return p.subOptions ? parseSubOptionDict(p, raw) : parseIndexedDict(p, raw);
        default:
            return parseText(p, raw);
    }
}
function parseText(p, raw) {
    const errors = [];
    const v = raw.trim();
    if (p.acceptsBool) {
        const b = parseBool(v);
        if (b.ok)
            return { value: b.value ? '1' : '0', errors };
    }
    const err = p.check ? runCheck(p.check, v) : p.pattern && !p.pattern.test(v) ? `must match ${p.patternText}` : undefined;
    if (err)
        errors.push(inputError(p.name, `Input '${p.name}'${echo(v, p.secret)}: ${err}.`));
    // PVE counts characters (code points), not UTF-16 units
    const length = p.maxLength === undefined ? 0 : [...v].length;
    if (p.maxLength !== undefined && length > p.maxLength) {
        errors.push(inputError(p.name, `Input '${p.name}' is ${length} characters long; Proxmox VE accepts at most ${p.maxLength}.`));
    }
    if (p.format) {
        const pc = checkPropertyString(p.format, v);
        for (const e of pc.errors)
            errors.push(inputError(p.name, `Input '${p.name}'${echo(v, p.secret)}: ${e}.`));
        return errors.length ? { errors } : { value: pc.normalised, errors };
    }
    return errors.length ? { errors } : { value: v, errors };
}
function parseIndexedDict(p, raw) {
    const errors = [];
    const r = parseDict(raw);
    if (!r.ok)
        return { errors: [inputError(p.name, `Input '${p.name}' ${r.error}.`)] };
    const [lo, hi] = p.indexRange;
    const base = p.pve.replace('[n]', '');
    const allowed = lo === hi ? `${base}${lo}` : `${base}${lo}..${base}${hi}`;
    const out = {};
    for (const [key, value] of Object.entries(r.value)) {
        const m = p.keyPattern.exec(key);
        if (!m || Number(m[1]) < lo || Number(m[1]) > hi || String(Number(m[1])) !== m[1]) {
            errors.push(inputError(p.name, `Input '${p.name}': key ${quote(key)} is not allowed; keys are ${allowed}.`));
            continue;
        }
        if (value === '') {
            errors.push(inputError(p.name, `Input '${p.name}', key '${key}': the value is empty.`));
            continue;
        }
        const pc = checkPropertyString(p.format, value);
        for (const e of pc.errors)
            errors.push(inputError(p.name, `Input '${p.name}', key '${key}'${echo(value, p.secret)}: ${e}.`));
        out[key] = pc.normalised;
    }
    return errors.length ? { errors } : { value: out, errors };
}
/** efidisk0/tpmstate0: `{storage: local-lvm, efitype: 4m}` → `local-lvm:1,efitype=4m`; a drive string is checked as is. */
function parseSubOptionDict(p, raw) {
    const r = parseDict(raw);
    if (!r.ok) {
        const pc = checkPropertyString(p.format, raw);
        if (pc.errors.length === 0 && raw.trim() !== '')
            return { value: pc.normalised, errors: [] };
        return {
            errors: [
                inputError(p.name, `Input '${p.name}': must be a mapping of ${Object.keys(p.subOptions).join(', ')} (or a PVE drive string: ${listProblems(pc.errors)}).`),
            ],
        };
    }
    const errors = [];
    const bad = (msg) => errors.push(inputError(p.name, `Input '${p.name}': ${msg}.`));
    const byPveName = new Map(Object.entries(p.subOptions).map(([k, o]) => [o.pve, k]));
    const given = {};
    for (const [rawKey, value] of Object.entries(r.value)) {
        const key = Object.hasOwn(p.subOptions, rawKey) ? rawKey : byPveName.get(rawKey);
        if (!key) {
            bad(`unknown option ${quote(rawKey)} (allowed: ${Object.keys(p.subOptions).join(', ')})`);
            continue;
        }
        given[key] = value;
    }
    const pairs = [];
    let file = '';
    for (const [key, opt] of Object.entries(p.subOptions)) {
        const v = given[key] ?? opt.default;
        if (v === undefined || v === '') {
            if (opt.required)
                bad(`'${key}' is required`);
            continue;
        }
        let wire = v;
        if (opt.kind === 'bool') {
            const b = parseBool(v);
            if (!b.ok) {
                bad(`'${key}' ${b.error}`);
                continue;
            }
            wire = b.value ? '1' : '0';
        }
        else if (opt.kind === 'enum' && !opt.choices.includes(v)) {
            bad(`'${key}' = ${quote(v)} must be one of ${opt.choices.join(', ')}`);
            continue;
        }
        else if (opt.check) {
            const err = runCheck(opt.check, v);
            if (err) {
                bad(`'${key}' = ${quote(v)} ${err}`);
                continue;
            }
        }
        wire = opt.valueMap?.[wire] ?? wire;
        if (opt.pve === 'file')
            file = wire;
        else
            pairs.push([opt.pve, wire]);
    }
    if (errors.length)
        return { errors };
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // `<storage>:1` asks PVE to allocate a new volume there (the size is ignored for EFI/TPM disks)
    return { value: [`${file}:1`, ...pairs.map(([k, v]) => `${k}=${v}`)].join(','), errors };
}
/** Wire form of a parsed value: PVE config key → string (booleans 1/0, lists joined, dicts expanded). */
function toWire(p, value) {
    if (!p.pve)
        return {};
    if (typeof value === 'object' && !Array.isArray(value))
        return { ...value };
    let wire;
    if (typeof value === 'boolean')
        wire = value ? '1' : '0';
    else if (Array.isArray(value))
        wire = value.join(p.join ?? ',');
    else
        wire = String(value);
    if (p.urlEncode)
        wire = encodeURIComponent(wire);
    return { [p.pve]: wire };
}

;// CONCATENATED MODULE: ./src/inputs/connection.ts
// Connection inputs → Settings.connection: host/port forms, user and token forms, TLS trust (CA file or PEM, pin).






/** `host`, `host:port`, `[v6]`, `[v6]:port`, bare `v6`, each optionally behind `https://` and before a `/`. */
function parseHost(raw) {
    let v = raw.trim();
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
    if (scheme) {
        if (scheme[1].toLowerCase() !== 'https')
            return 'the API is only served over https';
        v = v.slice(scheme[0].length);
    }
    v = v.replace(/\/+$/, '');
    if (v.includes('/'))
        return 'must be a host name or address, without a path';
    let host = v;
    let portText;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
    if (bracketed) {
        if ((0,external_node_net_.isIP)(bracketed[1]) !== 6)
            return 'brackets must enclose an IPv6 address';
        host = bracketed[1];
        portText = bracketed[2];
    }
    else if ((0,external_node_net_.isIP)(v) === 6) {
        host = v;
    }
    else {
        const m = /^([^:]+):(\d+)$/.exec(v);
        if (m)
            [, host, portText] = m;
        else if (v.includes(':'))
            return 'must be host, host:port, or [IPv6]:port';
    }
    if (!isHostName(host))
        return 'must be a host name or an IP address';
    if (portText === undefined)
        return { host };
    const port = Number(portText);
    if (port < 1 || port > 65535)
        return 'has a port outside 1-65535';
    return { host, port };
}
/** A CA bundle is a few KiB; anything this large is not one. */
const MAX_CA_BYTES = 1024 * 1024;
/**
 * Reads a CA file that is a regular file of at most MAX_CA_BYTES. Opened non-blocking and checked on the open
 * descriptor, so a FIFO cannot hang the step, a device such as /dev/zero cannot fill memory, and a file swapped
 * after the check is not read either.
 */
function readCaFile(path) {
    const name = quote(path);
    let fd;
    try {
        fd = (0,external_node_fs_.openSync)(path, external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0));
    }
    catch (e) {
        const code = e.code ?? 'read error';
        return { error: `cannot read the CA file ${name} (${code}); give a path to a PEM file or the PEM text itself` };
    }
    try {
        const st = (0,external_node_fs_.fstatSync)(fd);
        if (!st.isFile())
            return { error: `${name} is not a regular file; give a path to a PEM file or the PEM text itself` };
        if (st.size > MAX_CA_BYTES)
            return { error: `the file ${name} is ${st.size} bytes; a PEM CA file of at most 1 MiB is expected` };
        return { text: (0,external_node_fs_.readFileSync)(fd, 'utf8') };
    }
    catch (e) {
        const code = e.code ?? 'read error';
        return { error: `cannot read the CA file ${name} (${code}); give a path to a PEM file or the PEM text itself` };
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}
function readCa(raw) {
    const v = raw.trim();
    const pem = v.startsWith('-----BEGIN') ? v : undefined;
    let text = pem;
    if (text === undefined) {
        const file = readCaFile(v);
        if (file.error !== undefined)
            return { error: file.error };
        text = file.text;
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
        return { error: pem ? 'the inline PEM text holds no certificate' : `the file ${quote(v)} holds no PEM certificate` };
    }
    return { pem: text };
}
/** `failed`: connection inputs given but already rejected, so they are not reported missing as well. */
function buildConnection(c, failed, errors) {
    const start = errors.length;
    const missing = (n) => c[n] === undefined && !failed.has(n);
    const err = (input, message) => errors.push(inputError(input, message));
    let host = '';
    // neither api_port nor api_host names a port: api_port's catalogue default
    let port = c.api_port ?? defaultValue(param('api_port'));
    if (c.api_host === undefined) {
        err('api_host', "Input 'api_host' is required (or set PROXMOX_HOST): the Proxmox VE host, e.g. pve.example.com.");
    }
    else {
        const h = parseHost(c.api_host);
        if (typeof h === 'string')
            err('api_host', `Input 'api_host' ${quote(c.api_host)}: ${h}.`);
        else {
            host = h.host;
            if (h.port !== undefined) {
                if (c.api_port !== undefined && c.api_port !== h.port) {
                    err('api_port', `Input 'api_port' (${c.api_port}) disagrees with the port in 'api_host' (${h.port}); give the port once.`);
                }
                port = h.port;
            }
        }
    }
    let user = c.api_user;
    let tokenId;
    if (c.api_token_id !== undefined) {
        const t = parseTokenId(c.api_token_id); // the value passed its catalogue check already
        tokenId = t.name;
        if (t.user !== undefined) {
            if (user !== undefined && user !== t.user) {
                err('api_token_id', `Input 'api_token_id' belongs to ${quote(t.user)} but 'api_user' is ${quote(user)}; they must agree (or leave api_user out).`);
            }
            user = t.user;
        }
    }
    if (user === undefined && missing('api_user') && missing('api_token_id')) {
        err('api_user', "Input 'api_user' is required (or set PROXMOX_USER, or give api_token_id as user@realm!name): e.g. root@pam.");
    }
    const hasToken = c.api_token_id !== undefined || c.api_token_secret !== undefined;
    if (c.api_token_id !== undefined && c.api_token_secret === undefined) {
        err('api_token_secret', "Input 'api_token_id' is set but 'api_token_secret' is not (or PROXMOX_TOKEN_SECRET); a token needs both.");
    }
    if (c.api_token_secret !== undefined && missing('api_token_id')) {
        err('api_token_id', "Input 'api_token_secret' is set but 'api_token_id' is not (or PROXMOX_TOKEN_ID); a token needs both.");
    }
    if (!hasToken && c.api_password === undefined && missing('api_token_id')) {
        err('api_password', "No credentials: give 'api_password' (or PROXMOX_PASSWORD), or 'api_token_id' and 'api_token_secret'.");
    }
    let caPem;
    if (c.ca_path !== undefined) {
        const ca = readCa(c.ca_path);
        if (ca.error)
            err('ca_path', `Input 'ca_path': ${ca.error}.`);
        caPem = ca.pem;
    }
    if (errors.length > start)
        return undefined;
    const token = hasToken && c.api_token_secret !== undefined;
    return {
        host,
        port,
        user: user,
        // a token wins over a password: the client then never logs in with the password
        password: token ? undefined : c.api_password,
        otp: token ? undefined : c.api_otp,
        tokenId: token ? tokenId : undefined,
        tokenSecret: token ? c.api_token_secret : undefined,
        validateCerts: c.validate_certs,
        caPem,
        tlsFingerprint: c.tls_fingerprint === undefined ? undefined : normaliseFingerprint(c.tls_fingerprint),
        apiTimeoutMs: c.api_timeout * 1000,
    };
}

;// CONCATENATED MODULE: ./src/inputs/rules.ts
// Rules across inputs (mutually exclusive options, options that need another one), as the module enforces them
// plus the action's own; each broken rule becomes one InputError naming the inputs involved.


/** Pairs the module declares mutually exclusive (update only counts when true). */
const EXCLUSIVE = [
    ['delete', 'revert'],
    ['delete', 'update'],
    ['revert', 'update'],
    ['clone', 'update'],
    ['clone', 'delete'],
    ['clone', 'revert'],
];
function isSet(v) {
    if (v === undefined || v === false)
        return false;
    return !(Array.isArray(v) && v.length === 0);
}
/**
 * `failed` holds inputs that were given but did not parse: they count as present for "needs X" rules, so one
 * typo does not also report "X is missing".
 */
function checkRules(inputs, explicit, failed, errors) {
    const get = (n) => inputs.get(n);
    const given = (n) => failed.has(n) || inputs.has(n);
    const err = (input, message) => errors.push(inputError(input, message));
    for (const [a, b] of EXCLUSIVE) {
        if (isSet(get(a)) && isSet(get(b)))
            err(b, `Inputs '${a}' and '${b}' cannot be used together.`);
    }
    const prune = get('prune') === true;
    if (!prune && !given('name') && !given('vmid')) {
        err('name', "Give 'name' or 'vmid' to say which VM to act on (with 'clone': the new VM's name, or the source vmid).");
    }
    if (get('newid') !== undefined && !given('clone')) {
        err('newid', "Input 'newid' is only used with 'clone' (the id of the new VM).");
    }
    // PVE accepts a target format only for full clones; compatibility's implicit qcow2 is dropped instead
    const format = get('format');
    if (get('full') === false && explicit.has('format') && format !== 'unspecified') {
        err('format', `Input 'format' (${String(format)}) cannot be used with 'full: false': a linked clone keeps the source format; use 'format: unspecified' or leave it out.`);
    }
    if (get('efidisk0') !== undefined && get('bios') !== 'ovmf' && !failed.has('bios')) {
        err('efidisk0', "Input 'efidisk0' needs 'bios: ovmf' (an EFI disk is only used by OVMF firmware).");
    }
    rootOnly('args', get('args') !== undefined);
    rootOnly('skiplock', get('skiplock') === true);
    function rootOnly(input, used) {
        if (!used)
            return;
        const token = get('api_token_id') !== undefined || get('api_token_secret') !== undefined;
        const user = get('api_user') ?? userOfToken(get('api_token_id'));
        if (user !== 'root@pam' || token) {
            err(input, `Input '${input}' is only allowed for root@pam logging in with a password (not an API token); Proxmox refuses it otherwise.`);
        }
    }
    // Snapshots: snapname says which; vmstate and start belong to one state each (action.yml defaults arrive as
    // given inputs, so only a value other than the default counts).
    const state = failed.has('state') ? undefined : get('state');
    const snapState = state === 'snapshot' || state === 'rollback';
    if (snapState && !given('snapname'))
        err('snapname', `Input 'snapname' is required with 'state: ${String(state)}' (the snapshot to ${state === 'snapshot' ? 'take' : 'roll back to'}).`);
    if (snapState && given('clone'))
        err('clone', `Input 'clone' cannot be used with 'state: ${String(state)}': snapshots are taken of and rolled back on an existing VM.`);
    if (state !== undefined && !snapState && given('snapname') && !given('clone'))
        err('snapname', "Input 'snapname' is used with 'clone' (the source snapshot) or 'state: snapshot' / 'state: rollback'.");
    if (state !== undefined && state !== 'snapshot' && get('vmstate') === true)
        err('vmstate', "Input 'vmstate' is only used with 'state: snapshot'.");
    if (state !== undefined && state !== 'rollback' && get('start') !== undefined && get('start') !== 'auto')
        err('start', "Input 'start' is only used with 'state: rollback' (to start a VM, use 'state: started').");
    if (get('migrate') === true && !failed.has('node') && (get('node') === undefined || get('node') === 'auto')) {
        err('migrate', "Input 'migrate' needs 'node' set to the target node name.");
    }
    if (prune) {
        if (get('state') !== 'absent' && !failed.has('state'))
            err('prune', "Input 'prune' needs 'state: absent'.");
        if (!given('prune_tags') && !given('prune_older_than')) {
            err('prune', "Input 'prune' needs 'prune_tags' and/or 'prune_older_than' to choose the VMs to destroy.");
        }
        else if (get('state') === 'absent' && !given('github_token') && !given('prune_older_than')) {
            // Without the token nothing tells a finished run's VM from a running job's: only age can.
            err('prune_older_than', "Input 'prune' without 'github_token' needs 'prune_older_than': the action cannot check that the VMs' workflow runs are finished, so only their age marks them as leftovers.");
        }
    }
    else {
        // action.yml defaults arrive as given inputs: prune_scope only counts when it widens the default.
        for (const n of ['prune_tags', 'prune_older_than', 'prune_scope']) {
            const set = n === 'prune_scope' ? get(n) === 'cluster' : get(n) !== undefined;
            if (set && !failed.has('prune'))
                err(n, `Input '${n}' has no effect without 'prune: true'.`);
        }
    }
    // keep_on_failure only refines cleanup: always. With never the VM stays anyway; with on-failure it would keep the
    // VM exactly when on-failure destroys it, so either combination is a mistake worth saying rather than guessing.
    const cleanup = get('cleanup');
    if (get('keep_on_failure') === true && !failed.has('cleanup') && cleanup !== undefined && cleanup !== 'always') {
        err('keep_on_failure', cleanup === 'never'
            ? "Input 'keep_on_failure' has no effect with 'cleanup: never' (the VM is never destroyed); use it with 'cleanup: always'."
            : "Input 'keep_on_failure' contradicts 'cleanup: on-failure' (which destroys the VM exactly when a step failed); use 'cleanup: always' with 'keep_on_failure: true' to destroy the VM after a successful job and keep it after a failed one.");
    }
    // guest_exec runs in a running guest through its agent: states that leave no running VM cannot have it.
    if (given('guest_exec') && state !== undefined && ['absent', 'stopped', 'template', 'paused', 'hibernated'].includes(String(state)))
        err('guest_exec', `Input 'guest_exec' needs a running VM (state: started, present, restarted, current or rollback), not 'state: ${String(state)}'.`);
    if (given('guest_exec') && (get('agent') === '0' || get('agent') === false || (typeof get('agent') === 'string' && /^(?:enabled=)?0(?:,|$)/.test(String(get('agent'))))))
        err('guest_exec', "Input 'guest_exec' runs commands through the QEMU guest agent: it needs 'agent' enabled (agent: true).");
    if (get('guest_exec_allow_failure') === true && !given('guest_exec'))
        err('guest_exec_allow_failure', "Input 'guest_exec_allow_failure' has no effect without 'guest_exec'.");
    const cidr = get('ip_cidr');
    const family = get('ip_family');
    if (typeof cidr === 'string' && family !== undefined && family !== 'any') {
        const c = checks_parseCidr(cidr);
        if (c && `ipv${c.family}` !== family) {
            err('ip_cidr', `Input 'ip_cidr' (${cidr}) is an IPv${c.family} network but 'ip_family' is ${String(family)}.`);
        }
    }
}
function userOfToken(v) {
    if (typeof v !== 'string')
        return undefined;
    const bang = v.indexOf('!');
    return bang > 0 ? v.slice(0, bang) : undefined;
}

;// CONCATENATED MODULE: ./src/inputs/index.ts
// Runner inputs → the typed Settings object: env fallbacks, defaults, parsing, cross-input rules, all errors at once.






/** Reads every catalogue input; the runner passes '' for inputs not given (or the action.yml default). */
function collect(getInput, env, errors) {
    const values = new Map();
    const explicit = new Set();
    const failed = new Set();
    const take = (p, raw, source) => {
        const r = parseParam(p, raw);
        if (r.errors.length) {
            const note = source === 'env' ? ` (The value came from the environment variable ${p.env}.)` : source === 'compat' ? ' (compatibility default)' : '';
            errors.push(...r.errors.map((e) => ({ ...e, message: e.message + note })));
            failed.add(p.name);
            return;
        }
        values.set(p.name, r.value);
        if (source === 'input' || source === 'env')
            explicit.add(p.name);
    };
    for (const p of catalogue) {
        const given = (getInput(p.name) ?? '').trim();
        const fromEnv = p.env ? (env[p.env] ?? '').trim() : '';
        if (given !== '')
            take(p, given, 'input');
        else if (fromEnv !== '')
            take(p, fromEnv, 'env');
        else if (p.default !== undefined)
            take(p, p.default, 'default');
    }
    if (values.get('proxmox_default_behavior') === 'compatibility') {
        for (const p of catalogue) {
            if (p.compatDefault === undefined || values.has(p.name))
                continue;
            if (p.name === 'format' && values.get('full') === false)
                continue; // a linked clone takes no format
            take(p, p.compatDefault, 'compat');
        }
    }
    return { values, explicit, failed };
}
/**
 * Typed readers of the parsed inputs. A missing value falls back to the parameter's catalogue default (no default is
 * written anywhere else). collect() has applied the defaults already, so this fallback only serves an input that was
 * given and rejected: its error is reported and the settings are dropped, but the connection is still checked.
 */
function readers(values) {
    const get = (n) => values.get(n) ?? defaultValue(param(n));
    return {
        str: (n) => get(n),
        num: (n) => get(n),
        bool: (n) => get(n),
        list: (n) => get(n),
        /** A parameter the catalogue gives a default: its value is always there. */
        req: (n) => {
            const v = get(n);
            if (v === undefined)
                throw new Error(`parameter '${n}' has no catalogue default`);
            return v;
        },
        /** A switch without a catalogue default: on only when given (or compatibility-defaulted) true. */
        flag: (n) => get(n) === true,
    };
}
/**
 * readSettings for the entries: loads the YAML parser only when an input turns out to need it (parse.ts), then reads
 * the inputs again, so most steps never load it.
 */
async function readSettingsLoading(getInput, env) {
    try {
        return readSettings(getInput, env);
    }
    catch (e) {
        if (!(e instanceof YamlNotLoaded))
            throw e;
    }
    await loadYaml();
    return readSettings(getInput, env);
}
function readSettings(getInput, env) {
    const errors = [];
    const { values, explicit, failed } = collect(getInput, env, errors);
    const { str, num, bool, list, req, flag } = readers(values);
    const connection = buildConnection({
        api_host: str('api_host'),
        api_port: explicit.has('api_port') ? num('api_port') : undefined,
        api_user: str('api_user'),
        api_password: str('api_password'),
        api_otp: str('api_otp'),
        api_token_id: str('api_token_id'),
        api_token_secret: str('api_token_secret'),
        api_timeout: req('api_timeout'),
        validate_certs: req('validate_certs'),
        ca_path: str('ca_path'),
        tls_fingerprint: str('tls_fingerprint'),
    }, failed, errors);
    checkRules(values, explicit, failed, errors);
    if (errors.length || !connection)
        return { errors };
    const spec = {};
    const specSource = {};
    for (const p of catalogue) {
        const v = values.get(p.name);
        if (v === undefined || !p.pve)
            continue;
        for (const [key, wire] of Object.entries(toWire(p, v))) {
            spec[key] = wire;
            specSource[key] = p.name;
        }
    }
    const format = str('format');
    const settings = {
        connection,
        state: req('state'),
        vmid: num('vmid'),
        name: str('name'),
        node: str('node'),
        clone: str('clone'),
        newid: num('newid'),
        full: bool('full'),
        format: format === 'unspecified' ? undefined : format,
        storage: str('storage'),
        target: str('target'),
        snapname: str('snapname'),
        vmstate: req('vmstate'),
        rollbackStart: req('start'),
        pool: str('pool'),
        update: req('update'),
        updateUnsafe: req('update_unsafe'),
        force: flag('force'),
        timeoutSec: req('timeout'),
        migrate: req('migrate'),
        withLocalDisks: req('with_local_disks'),
        purge: req('purge'),
        destroyUnreferencedDisks: req('destroy_unreferenced_disks'),
        skiplock: flag('skiplock'),
        digest: str('digest'),
        delete: list('delete'),
        revert: list('revert'),
        archive: str('archive'),
        proxmoxDefaultBehavior: req('proxmox_default_behavior'),
        spec,
        specSource,
        lifecycle: readLifecycle(values),
    };
    return { settings, errors };
}
function readLifecycle(values) {
    const { str, list, req } = readers(values);
    const olderThan = str('prune_older_than');
    const range = str('vmid_range');
    const guestExec = str('guest_exec');
    return {
        waitFor: req('wait_for'),
        diagnostics: req('diagnostics'),
        waitTimeoutSec: req('wait_timeout'),
        ipFamily: req('ip_family'),
        ipCidr: str('ip_cidr'),
        cleanup: req('cleanup'),
        keepOnFailure: req('keep_on_failure'),
        vmidRange: range === undefined ? undefined : parseVmidRange(range),
        dryRun: req('dry_run'),
        prune: req('prune'),
        pruneTags: list('prune_tags') ?? [],
        pruneScope: req('prune_scope'),
        pruneOlderThanSec: olderThan === undefined ? undefined : parseDuration(olderThan),
        githubToken: str('github_token'),
        ciTags: req('ci_tags'),
        guestExec: guestExec === undefined ? [] : (() => {
            const r = parseGuestExec(guestExec);
            return r.ok ? r.value : [];
        })(),
        guestExecAllowFailure: req('guest_exec_allow_failure'),
    };
}
/** One readable block listing every input error (no secret values are ever part of a message). */
function formatInputErrors(errors) {
    if (errors.length === 0)
        return '';
    const head = errors.length === 1 ? 'Invalid input:' : `${errors.length} invalid inputs:`;
    return [head, ...errors.map((e) => `  - ${e.message}`)].join('\n');
}

;// CONCATENATED MODULE: ./src/report/text.ts
// Text from PVE or from a guest (VM names, descriptions, task errors, tags, addresses) is data: these helpers make
// it inert where the action shows it. The job summary is GitHub-flavoured markdown that allows some raw HTML, so
// one careless cell could add links, images or rows; the log is scanned by the runner for `::command::` lines.
/** Control characters and bidi overrides: they can hide or reorder text in a log or a rendered page. */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Every line break the runner or a renderer may split on, CR alone included. */
const BREAKS = /\r\n|[\r\n\u2028\u2029]/;
function bounded(s, max) {
    const chars = [...s];
    return chars.length <= max ? s : `${chars.slice(0, max).join('')}…`;
}
const text_text = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
// Characters that open markdown or HTML constructs. Numeric references work in every GFM context a cell has and,
// unlike backslash escapes, cannot be undone by a backslash the text itself brings.
const MD_SPECIAL = /[&<>"'|\\`[\]()*_~!$#]/g;
const entity = (c) => `&#${c.codePointAt(0)};`;
function escapeMd(s, br) {
    return s
        .split(BREAKS)
        .map((line) => line
        .replace(CONTROLS, '\uFFFD')
        .replace(MD_SPECIAL, entity)
        .replace(/:(?=\/\/)/g, '&#58;')
        .replace(/(www)\./gi, '$1&#46;'))
        .join(br);
}
/**
 * Text for a markdown table cell, a heading or a quote in the job summary: no HTML, link, image, emphasis or extra
 * cell can come out of it, and it stays on one source line. Autolinks are broken up too (`http://`, `www.`);
 * e-mail autolinks are not (GFM links those after references are decoded; a mailto link shows its own target).
 */
function text_mdText(value, o = {}) {
    return escapeMd(bounded(text_text(value), o.max ?? 500), o.breaks === 'br' ? '<br>' : ' ');
}
/** What a plain code span may hold: nothing that closes it (`), splits the cell (|, \|), or reads as HTML. */
const CODE_PLAIN = /^[^`|\\<>&\r\n\u2028\u2029\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$/;
/**
 * A value shown as code. Most values (1024, a MAC, an address) are a plain `code span`. Any other is written as
 * <code> with its special characters as references: it renders the same, yet cannot close the span, split the
 * cell, or put one raw `<` into the summary (inside a backtick span nothing can be escaped).
 */
function text_mdCode(value, max = 200) {
    const s = bounded(text_text(value), max);
    return CODE_PLAIN.test(s) ? `\`${s}\`` : `<code>${escapeMd(s, ' ')}</code>`;
}
/** Untrusted text inside one log line: line breaks become spaces, other control characters U+FFFD. */
function text_oneLine(value, max = 2000) {
    return bounded(text_text(value), max).split(BREAKS).join(' ').replace(CONTROLS, '\uFFFD');
}
/**
 * A whole log message: its lines are kept (a bare CR becomes a line break, since some runners split there), and a
 * line that would start a workflow command once trimmed (`::warning::…`, `::add-mask::…`) is prefixed so the
 * runner shows it instead of obeying it. JavaScript's whitespace is a superset of what the runner trims once
 * control characters are gone.
 */
function logText(message) {
    return text_text(message)
        .split(BREAKS)
        .map((line) => {
        const clean = line.replace(CONTROLS, '\uFFFD');
        return clean.trimStart().startsWith('::') ? `» ${clean}` : clean;
    })
        .join('\n');
}

;// CONCATENATED MODULE: ./src/report/log.ts
// The one log both entries print through: core.info writes its text raw to stdout, where the runner obeys any line
// that starts with `::` (and some runners also split lines at a bare CR), so every message passes logText first.
// core.warning/debug escape CR/LF themselves; they go through it too, for the control characters.


const log = {
    debug: (m) => lib_core/* debug */.Yz(logText(m)),
    info: (m) => lib_core/* info */.pq(logText(m)),
    warning: (m) => lib_core/* warning */.$e(logText(m)),
};
const secrets = new Set();
/** Registers a secret with the runner, and remembers it for `redact`. */
function secret(value) {
    if (!value)
        return;
    secrets.add(value);
    lib_core/* setSecret */.Pq(value);
}
/**
 * Text with every registered secret replaced by `***`. The runner masks secrets in what the step writes, but only
 * verbatim: text escaped for the job summary (`&` → `&#38;`) would no longer match, so it is redacted first.
 */
function log_redact(text) {
    let out = text;
    for (const s of secrets)
        if (s.length >= 3)
            out = out.split(s).join('***');
    return out;
}

;// CONCATENATED MODULE: ./src/proxmox/abort.ts
// Abortable waiting shared by the client (retry backoff) and the task poller (poll intervals, budgets).
/** The reason to reject with when a signal fired (DOMException AbortError unless the caller gave one). */
function abortReason(signal) {
    return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
/**
 * The longest delay a Node timer holds: a longer one fires after 1 ms (TimeoutOverflowWarning), which would turn
 * every wait into a busy loop. Every timer of the action goes through `timerMs`.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A delay a timer can hold: finite, at least 0, at most MAX_TIMER_MS. */
const timerMs = (ms) => (Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : MAX_TIMER_MS);
/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function abort_sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(abortReason(signal));
            return;
        }
        const onAbort = () => {
            clearTimeout(timer);
            reject(abortReason(signal));
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, timerMs(ms));
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/**
 * A signal that aborts when any input does (AbortSignal.any is missing on early Node 20 releases).
 * `dispose` detaches the listeners so long-lived caller signals do not accumulate them.
 */
function anySignal(signals) {
    const controller = new AbortController();
    const inputs = signals.filter((s) => s !== undefined);
    const detach = [];
    for (const s of inputs) {
        if (s.aborted) {
            controller.abort(s.reason);
            break;
        }
        const onAbort = () => controller.abort(s.reason);
        s.addEventListener('abort', onAbort, { once: true });
        detach.push(() => s.removeEventListener('abort', onAbort));
    }
    return { signal: controller.signal, dispose: () => detach.forEach((d) => d()) };
}
/** Milliseconds on a monotonic clock, for durations (the `performance` global loads perf_hooks on first use: start-up time). */
function monotonicMs() {
    return Number(process.hrtime.bigint()) / 1e6;
}

;// CONCATENATED MODULE: ./src/proxmox/errors.ts
// Errors the Proxmox client raises: PVE's error envelope, TLS verification failures, unreachable servers.
// Messages are written for whoever reads a failed CI log; they never carry a secret.
/** PVE answered with an HTTP error status. */
class errors_PveApiError extends Error {
    name = 'PveApiError';
    status;
    statusText;
    pveMessage;
    errors;
    method;
    path;
    constructor(init) {
        super(formatApiError(init));
        this.status = init.status;
        this.statusText = init.statusText;
        this.pveMessage = init.pveMessage;
        this.errors = init.errors;
        this.method = init.method;
        this.path = init.path;
    }
}
function formatApiError(e) {
    const text = e.pveMessage || e.statusText || (e.status === 401 ? 'authentication failed' : `HTTP ${e.status}`);
    let msg = `PVE ${e.status} on ${e.method} ${e.path}: ${text}`;
    if (e.errors) {
        for (const [param, problem] of Object.entries(e.errors))
            msg += `\n  ${param}: ${problem.trim()}`;
    }
    if (e.hint)
        msg += e.errors ? `\n${e.hint}` : ` - ${e.hint}`;
    return msg;
}
/** The server's certificate was not accepted. */
class TlsError extends Error {
    name = 'TlsError';
    /** SHA-256 fingerprint of the certificate the server presented, when it got that far. */
    fingerprint;
    constructor(message, opts = {}) {
        super(message, { cause: opts.cause });
        this.fingerprint = opts.fingerprint;
    }
}
/** The server could not be reached, or the connection broke or timed out. */
class ConnectionError extends Error {
    name = 'ConnectionError';
    /** Node error code (ECONNREFUSED, ECONNRESET, ...), CONNECT_TIMEOUT or TIMEOUT. */
    code;
    constructor(message, opts = {}) {
        super(message, { cause: opts.cause });
        this.code = opts.code;
    }
}
/** The server sent more than the client reads (transport.ts MAX_BODY_BYTES): never retried. */
class ResponseTooLargeError extends Error {
    name = 'ResponseTooLargeError';
}
/** Statuses pveproxy or a proxy in front of it uses when the answer never came from a handler. */
const TRANSIENT_STATUSES = new Set([502, 503, 504, 595, 596, 597, 599]);
/**
 * Whether retrying the same read could succeed: gateway/forwarding failures, a 500 that says nothing beyond
 * "Internal Server Error" (a handler `die` always says what went wrong), and connection problems. A 500 with a
 * real message is PVE's actual answer.
 */
function isTransient(err) {
    if (err instanceof ConnectionError)
        return true;
    if (err instanceof errors_PveApiError) {
        const silent500 = err.status === 500 && (!err.pveMessage || /^internal server error$/i.test(err.pveMessage));
        return TRANSIENT_STATUSES.has(err.status) || silent500;
    }
    return false;
}
/** The error code of a Node error, looking inside AggregateError (happy-eyeballs connects). */
function errorCode(err) {
    if (!err || typeof err !== 'object')
        return undefined;
    const e = err;
    if (typeof e.code === 'string')
        return e.code;
    if (Array.isArray(e.errors))
        return errorCode(e.errors[0]);
    return undefined;
}
const NETWORK_ADVICE = {
    ENOTFOUND: 'the host name does not resolve - check api_host',
    EAI_AGAIN: 'the host name could not be resolved (DNS temporarily unavailable) - check api_host and the DNS of the runner',
    ECONNREFUSED: 'connection refused - check api_port (the PVE API listens on 8006) and that pveproxy is running',
    EHOSTUNREACH: 'host unreachable - check api_host and the network route from the runner',
    ENETUNREACH: 'network unreachable - check api_host and the network route from the runner',
    ETIMEDOUT: 'connection timed out - check api_host, api_port and any firewall between the runner and PVE',
    CONNECT_TIMEOUT: 'connection timed out - check api_host, api_port and any firewall between the runner and PVE',
    ECONNRESET: 'the connection was reset by the server or a proxy in between',
    EPIPE: 'the connection was closed by the server while sending',
};
/** A ConnectionError naming host:port, what went wrong and what to check. */
function connectionError(hostPort, what, cause, timeoutMs) {
    const code = errorCode(cause);
    let advice = code ? NETWORK_ADVICE[code] : undefined;
    if (code === 'TIMEOUT') {
        advice = `no complete answer within ${timeoutMs} ms (api_timeout) - raise api_timeout or check the PVE host load`;
    }
    if (!advice) {
        const detail = cause instanceof Error ? cause.message : String(cause);
        advice = `${detail}${code ? ` (${code})` : ''} - check api_host, api_port and the network between the runner and PVE`;
    }
    return new ConnectionError(`cannot talk to PVE at ${hostPort} (${what}): ${advice}`, { cause, code });
}

;// CONCATENATED MODULE: ./src/proxmox/auth.ts

/** PVE tickets live 2 h; renewing after 1.5 h leaves room for long tasks and clock skew. */
const TICKET_RENEW_AFTER_MS = 90 * 60 * 1000;
/** A TOTP code as PVE wants it: `totp:<code>`, unless the user already typed it (`recovery:…`, `totp:…`). */
const typedOtp = (otp) => (/^[a-z]+:/.test(otp) ? otp : `totp:${otp}`);
class Credentials {
    conn;
    secret;
    now;
    kind;
    /** user@realm!tokenid for tokens, user@realm for tickets (for messages; never secret). */
    authId;
    tokenHeader;
    ticket;
    generation = 0;
    inflight;
    constructor(conn, secret, now) {
        this.conn = conn;
        this.secret = secret;
        this.now = now;
        if (conn.tokenId && conn.tokenSecret) {
            this.kind = 'token';
            // api_token_id is normally just the token name, but a full `user@realm!name` is accepted too.
            this.authId = conn.tokenId.includes('!') ? conn.tokenId : `${conn.user}!${conn.tokenId}`;
            secret(conn.tokenSecret);
            this.tokenHeader = `PVEAPIToken=${this.authId}=${conn.tokenSecret}`;
        }
        else {
            this.kind = 'ticket';
            this.authId = conn.user;
            if (conn.password)
                secret(conn.password);
            if (conn.otp)
                secret(conn.otp);
        }
    }
    /** Headers for one request; obtains or renews the ticket first when needed. */
    async headersFor(method, post) {
        if (this.kind === 'token')
            return { headers: { authorization: this.tokenHeader }, generation: 0 };
        await this.ensureTicket(post);
        const t = this.ticket;
        const headers = { cookie: `PVEAuthCookie=${t.value}` };
        // PVE demands the CSRF token on every ticket-authenticated request except GET.
        if (method !== 'GET')
            headers.csrfpreventiontoken = t.csrf;
        return { headers, generation: t.generation };
    }
    /** Gets a ticket if there is none, renews it when it is old enough. Concurrent callers share one login and its outcome. */
    ensureTicket(post) {
        if (this.kind === 'token')
            return Promise.resolve();
        if (this.inflight)
            return this.inflight;
        const t = this.ticket;
        if (t && this.now() - t.obtainedAt < TICKET_RENEW_AFTER_MS)
            return Promise.resolve();
        return this.run(() => (t ? this.renew(post, t) : this.login(post)));
    }
    /** After a 401 on a request that carried ticket `generation`: log in afresh, unless that already happened. */
    refresh(generation, post) {
        if (this.inflight)
            return this.inflight;
        if (this.ticket && this.ticket.generation !== generation)
            return Promise.resolve();
        this.ticket = undefined;
        return this.run(() => this.login(post));
    }
    run(work) {
        const p = work().finally(() => {
            if (this.inflight === p)
                this.inflight = undefined;
        });
        this.inflight = p;
        return p;
    }
    async renew(post, old) {
        try {
            // PVE accepts a valid ticket in place of the password and answers with a new one; no OTP needed.
            this.store(await post({ username: this.conn.user, password: old.value }));
        }
        catch (err) {
            // An expired ticket cannot renew itself: fall back to the password.
            if (!(err instanceof errors_PveApiError && err.status === 401))
                throw err;
            this.ticket = undefined;
            await this.login(post);
        }
    }
    async login(post) {
        const { user, password, otp } = this.conn;
        if (!password) {
            throw new Error(`no credentials for ${user}: set api_password, or api_token_id with api_token_secret`);
        }
        const params = { username: user, password };
        // PVE verifies a second factor sent with the password at once, but only as a typed response ("bad otp
        // response" for a bare code): pve-access-control AccessControl.pm authenticate_2nd_new_do.
        if (otp)
            params.otp = typedOtp(otp);
        let answer = (await post(params));
        if (answer?.NeedTFA) {
            // The interim ticket only proves the first factor; it is still a credential.
            if (answer.ticket)
                this.secret(answer.ticket);
            if (!otp || !answer.ticket) {
                throw new Error(`user ${user} has two-factor authentication enabled: set api_otp, or use an API token`);
            }
            answer = (await post({ username: user, 'tfa-challenge': answer.ticket, password: typedOtp(otp) }));
        }
        this.store(answer);
    }
    /** The current ticket, for a later process of the same job that cannot log in again (a used one-time code). */
    currentTicket() {
        return this.ticket && { ticket: this.ticket.value, csrf: this.ticket.csrf };
    }
    /**
     * Starts from a ticket an earlier process obtained. Its age comes from the ticket itself (PVE:<user>:<hex time>),
     * so it is renewed (ticket as password, no second factor) once it is old enough, like one obtained here.
     */
    adopt(saved) {
        if (this.kind !== 'ticket')
            return;
        this.secret(saved.ticket);
        this.secret(saved.csrf);
        const stamp = /^PVE:[^:]+:([0-9A-F]{8})::/.exec(saved.ticket);
        const obtainedAt = stamp ? parseInt(stamp[1], 16) * 1000 : 0;
        this.generation += 1;
        this.ticket = { value: saved.ticket, csrf: saved.csrf, obtainedAt, generation: this.generation };
    }
    store(answer) {
        const a = answer;
        if (!a?.ticket || !a.CSRFPreventionToken || a.NeedTFA) {
            throw new Error(`PVE login for ${this.conn.user} returned no usable ticket`);
        }
        this.secret(a.ticket);
        this.secret(a.CSRFPreventionToken);
        this.generation += 1;
        this.ticket = { value: a.ticket, csrf: a.CSRFPreventionToken, obtainedAt: this.now(), generation: this.generation };
    }
}

// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
;// CONCATENATED MODULE: ./src/proxmox/tls.ts
// TLS policy for the PVE connection: system CAs (+ ca_path), a SHA-256 certificate pin, or no verification.
// The check runs in our Agent (transport.ts), after the handshake and before a request gets the socket, so nothing is sent
// to a server we have not accepted.


const WAYS_OUT = 'Ways out: ca_path (the CA that signed the PVE certificate, as a file or inline PEM), ' +
    'tls_fingerprint (the SHA-256 fingerprint of the server certificate, as shown in the PVE GUI under ' +
    'System > Certificates), or validate_certs: false (no verification at all).';
/** Upper-case hex pairs joined by ':' (the PVE GUI's form), whatever the input's case or separators. */
function tls_normaliseFingerprint(fp) {
    const hex = fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    return hex.match(/../g)?.join(':') ?? '';
}
const REASONS = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed CA that is not trusted (e.g. the PVE cluster CA)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is signed by an unknown CA',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an unknown CA',
    UNABLE_TO_GET_ISSUER_CERT: 'the certificate is signed by an unknown CA',
    CERT_HAS_EXPIRED: 'the certificate has expired',
    CERT_NOT_YET_VALID: 'the certificate is not valid yet',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not issued for this host name',
};
function certificateFailure(hostPort, reason, cert, cause) {
    const fingerprint = cert?.fingerprint256 || undefined;
    const presented = fingerprint ? ` The server presented SHA-256 fingerprint ${fingerprint}.` : '';
    return new TlsError(`TLS verification of PVE at ${hostPort} failed: ${reason}.${presented} ${WAYS_OUT}`, {
        cause,
        fingerprint,
    });
}
/** Why Node refused the certificate, in words, with the details that help (names, dates). */
function describeRefusal(code, cert, host) {
    let reason = REASONS[code] ?? `the certificate was refused (${code})`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        reason = `the certificate is not issued for "${host}" (it names ${cert?.subjectaltname || cert?.subject?.CN || 'nothing'})`;
    }
    else if (code === 'CERT_HAS_EXPIRED' && cert?.valid_to) {
        reason += ` (valid until ${cert.valid_to})`;
    }
    else if (code === 'CERT_NOT_YET_VALID' && cert?.valid_from) {
        reason += ` (valid from ${cert.valid_from})`;
    }
    return reason;
}
/** The server answered a TLS hello in plain text: an HTTP (not HTTPS) endpoint or the wrong port. */
function isPlainHttpAnswer(err) {
    const code = errorCode(err) ?? '';
    const msg = err instanceof Error ? err.message : '';
    // OpenSSL reads the "HTTP/1.1 400" reply as a TLS record header; which check trips first varies by version.
    return /^ERR_SSL_(WRONG_VERSION_NUMBER|HTTP_REQUEST|PACKET_LENGTH_TOO_LONG)$/.test(code) || /wrong version number|packet length too long/i.test(msg);
}
/** The connection's TLS policy: the secure context to handshake with and the check a new socket must pass. */
function tlsPolicy(conn) {
    const pin = conn.tlsFingerprint ? tls_normaliseFingerprint(conn.tlsFingerprint) : undefined;
    const verifyChain = conn.validateCerts && !pin;
    // One secure context per client: passing `ca` per connection makes Node parse the whole bundle every time
    // (100-300 ms of CPU each, which 50 parallel jobs on 2 cores feel).
    // Without chain verification (a pin, or validate_certs: false) no CA is ever consulted: an empty CA list spares
    // building the default store of ~150 root certificates (~1-2 ms of start-up on Node 24).
    const secureContext = !verifyChain
        ? (0,external_node_tls_.createSecureContext)({ ca: [] })
        : conn.caPem
            ? (0,external_node_tls_.createSecureContext)({ ca: [...external_node_tls_.rootCertificates, conn.caPem] })
            : undefined;
    const check = (socket, hostname, port) => {
        const hostPort = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
        if (pin) {
            const cert = socket.getPeerCertificate();
            const actual = cert?.fingerprint256 ? tls_normaliseFingerprint(cert.fingerprint256) : '';
            if (actual !== pin)
                return certificateFailure(hostPort, `the certificate does not match tls_fingerprint ${pin}`, cert);
        }
        else if (verifyChain && !socket.authorized) {
            const cert = socket.getPeerCertificate();
            const code = String(socket.authorizationError ?? 'UNKNOWN');
            return certificateFailure(hostPort, describeRefusal(code, cert, hostname), cert);
        }
        return undefined;
    };
    return { secureContext, check };
}

// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/proxmox/transport.ts
// One HTTP exchange over Node's own HTTPS client (node:https: its HTTP parser is llhttp compiled into the binary),
// bounded by a whole-request deadline, recording whether the request was ever handed to a socket: the only fact
// that makes re-sending a write safe.
//
// Why not undici here: its Agent parses HTTP with llhttp compiled to WebAssembly at the first connection, and its
// dispatcher tree (h1 + h2 clients, pools) is ~750 KB of JavaScript to load. On Node 24 that was ~20 ms of start-up
// and ~25 MB of a step's peak memory, for a few dozen small JSON answers per step (BENCHMARKS.md). undici stays the
// HTTP stack of @actions/http-client and fetch (GitHub API calls), which load it only when they are used.




/**
 * The largest answer the client reads. PVE's biggest (a whole cluster's /cluster/resources, a long task log page)
 * stay far below it; a broken or hostile server could otherwise make the step buffer until the runner runs out of
 * memory.
 */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The exchange failed without a response. `requestSent` is false when no socket ever took the request. */
class SendFailure extends Error {
    cause;
    requestSent;
    timedOut;
    name = 'SendFailure';
    constructor(cause, requestSent, timedOut) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.cause = cause;
        this.requestSent = requestSent;
        this.timedOut = timedOut;
    }
}
/**
 * Keep-alive HTTPS connections to one PVE host. A new connection is handed to a request only after its handshake
 * and the TLS policy's check (Node's Agent accepts a createConnection that calls back later), so nothing is sent to
 * a server we have not accepted, and a request that gets a socket is a request that may have left.
 */
class PveAgent extends external_node_https_.Agent {
    host;
    port;
    o;
    constructor(o) {
        // timeout: applies to idle (free) sockets, which the Agent destroys when it fires; a request's own deadline is
        // sendOnce's timer.
        super({ keepAlive: true, timeout: o.idleMs, scheduling: 'lifo' });
        this.o = o;
        this.host = o.host;
        this.port = o.port;
    }
    createConnection(_options, callback) {
        const { host, port, secureContext, check, connectTimeoutMs } = this.o;
        // Node's Agent (lib/_http_agent.js createSocket) takes the socket from this callback when none is returned.
        const done = once(callback ?? (() => { }));
        const socket = (0,external_node_tls_.connect)({
            host,
            port,
            // SNI only for names (an IP address is not a valid server name).
            servername: (0,external_node_net_.isIP)(host) ? undefined : host,
            // Node must not abort the handshake itself: we want the peer certificate for the message, and a pin replaces
            // chain verification entirely. `check` decides, before a request may be written.
            rejectUnauthorized: false,
            secureContext,
            // No session resumption: a resumed session skips the identity check; a full handshake keeps the policy exact.
            session: undefined,
        });
        socket.setNoDelay(true);
        const timer = setTimeout(() => {
            socket.destroy(Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
        }, timerMs(connectTimeoutMs));
        const onError = (err) => {
            clearTimeout(timer);
            done(err, undefined);
        };
        const onSecure = () => {
            clearTimeout(timer);
            socket.removeListener('error', onError);
            const refusal = check(socket, host, port);
            if (refusal) {
                socket.destroy();
                done(refusal, undefined);
                return;
            }
            done(null, socket);
        };
        socket.once('error', onError);
        socket.once('secureConnect', onSecure);
        return undefined;
    }
}
function once(fn) {
    let called = false;
    return (...args) => {
        if (called)
            return;
        called = true;
        fn(...args);
    };
}
/**
 * Sends one request. Rejects with SendFailure on network/TLS/timeout problems and with the signal's reason when
 * the caller aborts. HTTP error statuses resolve normally: interpreting them is the client's job.
 */
function sendOnce(agent, req, timeoutMs, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(abortReason(signal));
            return;
        }
        let sent = false;
        let settled = false;
        const chunks = [];
        let size = 0;
        const headers = { ...req.headers };
        if (req.body !== undefined)
            headers['content-length'] = Buffer.byteLength(req.body);
        const r = (0,external_node_https_.request)({ agent, host: agent.host, port: agent.port, method: req.method, path: req.path, headers });
        const settle = (fn) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            fn();
        };
        const fail = (err, timedOut = false) => {
            settle(() => reject(new SendFailure(err, sent, timedOut)));
            r.destroy();
        };
        const onAbort = () => {
            const reason = abortReason(signal);
            settle(() => reject(reason));
            r.destroy();
        };
        const timer = setTimeout(() => {
            fail(Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { code: 'TIMEOUT' }), true);
        }, timerMs(timeoutMs));
        signal?.addEventListener('abort', onAbort, { once: true });
        // The Agent hands a socket over only once it is connected and accepted (PveAgent): from here on, bytes may
        // have left. An idle keep-alive socket the server closed meanwhile also counts as sent: a write is never
        // re-sent unless it provably never left.
        r.once('socket', () => {
            sent = true;
        });
        r.on('error', (err) => fail(err));
        r.on('response', (res) => {
            res.on('data', (chunk) => {
                size += chunk.length;
                if (size > MAX_BODY_BYTES) {
                    fail(Object.assign(new Error(`the answer to ${req.method} ${req.path.split('?')[0]} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB: refused (a PVE answer is never that large)`), { code: 'BODY_TOO_LARGE' }));
                    return;
                }
                chunks.push(chunk);
            });
            res.on('end', () => {
                settle(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
            });
            res.on('aborted', () => fail(Object.assign(new Error('the server closed the connection in the middle of the answer'), { code: 'ECONNRESET' })));
            res.on('error', (err) => fail(err));
        });
        r.end(req.body);
    });
}

;// CONCATENATED MODULE: ./src/proxmox/client.ts





/** Below PVE's 5 s idle timeout, so that normally we, not the server, retire idle sockets. */
const KEEP_ALIVE_MS = 3000;
const SILENT = { debug: () => { }, info: () => { }, warning: () => { } };
/** Errors meaning the socket closed under us; harmless to re-send over only if nothing was written. */
const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE']);
const TIMEOUT_CODES = new Set(['TIMEOUT', 'CONNECT_TIMEOUT']);
/** Form/query encoding as PVE expects it: booleans 1/0, undefined/null left out, no arrays. */
function encodeParams(params) {
    const parts = [];
    for (const [key, value] of Object.entries(params ?? {})) {
        if (value === undefined || value === null)
            continue;
        if (typeof value === 'object')
            throw new TypeError(`parameter ${key}: arrays and objects are not supported`);
        const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
        parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
    }
    return parts.join('&');
}
class ProxmoxClient {
    conn;
    stats = { requests: 0, retries: 0, reads: 0, writes: 0 };
    secrets = new Set();
    log;
    onSecret;
    retry;
    userAgent;
    hostPort;
    timeoutMs;
    creds;
    agent;
    ticketPost;
    constructor(conn, opts = {}) {
        this.conn = conn;
        this.log = opts.log ?? SILENT;
        this.onSecret = opts.onSecret;
        this.retry = {
            attempts: Math.max(1, opts.retry?.attempts ?? 4),
            baseDelayMs: opts.retry?.baseDelayMs ?? 100,
            maxDelayMs: opts.retry?.maxDelayMs ?? 2000,
        };
        this.userAgent = opts.userAgent ?? 'proxmox-kvm-action';
        const host = conn.host.replace(/^\[(.*)\]$/, '$1');
        this.hostPort = `${host.includes(':') ? `[${host}]` : host}:${conn.port}`;
        this.timeoutMs = conn.apiTimeoutMs;
        this.creds = new Credentials(conn, (v) => this.remember(v), opts.now ?? Date.now);
        this.agent = new PveAgent({ host, port: conn.port, ...tlsPolicy(conn), connectTimeoutMs: conn.apiTimeoutMs, idleMs: KEEP_ALIVE_MS });
        this.ticketPost = (params) => this.perform('POST', '/access/ticket', params, undefined, { idempotent: true, login: true });
    }
    /** Ticket login when password auth (POST /access/ticket; otp supported), nothing for tokens. Called lazily by the first request too. */
    async login() {
        await this.creds.ensureTicket(this.ticketPost);
    }
    /** The ticket in use (password logins only), for a later step of the job that cannot log in again. */
    currentTicket() {
        return this.creds.currentTicket();
    }
    /** Uses a ticket an earlier step obtained instead of logging in (renewed or replaced as usual). */
    adoptTicket(saved) {
        this.creds.adopt(saved);
    }
    get(path, params, opts) {
        this.stats.reads++;
        return this.perform('GET', path, params, opts?.signal, { idempotent: true, login: false });
    }
    post(path, params, opts) {
        this.stats.writes++;
        return this.perform('POST', path, params, opts?.signal, { idempotent: false, login: false });
    }
    /**
     * A POST whose body is JSON (pve-http-server accepts application/json): for parameters of type array, which a
     * form cannot carry when they hold a single item (`agent/exec`'s `command`).
     */
    postJson(path, body, opts) {
        this.stats.writes++;
        return this.perform('POST', path, undefined, opts?.signal, { idempotent: false, login: false }, JSON.stringify(body));
    }
    put(path, params, opts) {
        this.stats.writes++;
        return this.perform('PUT', path, params, opts?.signal, { idempotent: false, login: false });
    }
    delete(path, params, opts) {
        this.stats.writes++;
        return this.perform('DELETE', path, params, opts?.signal, { idempotent: false, login: false });
    }
    async close() {
        this.agent.destroy();
    }
    remember(value) {
        if (!value || this.secrets.has(value))
            return;
        this.secrets.add(value);
        this.onSecret?.(value);
    }
    /** Belt and braces: PVE texts are echoed into our messages, so scrub anything we know to be secret. */
    redact(text) {
        let out = text;
        for (const s of this.secrets)
            if (s.length >= 3)
                out = out.split(s).join('***');
        return out;
    }
    async perform(method, path, params, signal, policy, json) {
        if (!path.startsWith('/'))
            throw new TypeError(`API path must start with '/': ${path}`);
        const encoded = encodeParams(params);
        // PVE reads GET/DELETE parameters only from the query string and answers 501 to a DELETE with a body.
        const inQuery = method === 'GET' || method === 'DELETE';
        const wirePath = `/api2/json${path}${inQuery && encoded ? `${path.includes('?') ? '&' : '?'}${encoded}` : ''}`;
        const body = json ?? (inQuery ? undefined : encoded);
        const what = `${method} ${path}`;
        let attempt = 1;
        let relogged = false;
        let resentUnsent = false;
        for (;;) {
            const auth = policy.login ? { headers: {}, generation: 0 } : await this.creds.headersFor(method, this.ticketPost);
            const headers = { accept: 'application/json', 'user-agent': this.userAgent, ...auth.headers };
            if (body !== undefined)
                headers['content-type'] = json === undefined ? 'application/x-www-form-urlencoded' : 'application/json';
            let res;
            try {
                this.stats.requests++;
                const started = Date.now();
                res = await sendOnce(this.agent, { method, path: wirePath, headers, body }, this.timeoutMs, signal);
                this.log.debug(`${what} -> ${res.status} ${this.redact(res.statusText)} (${Date.now() - started} ms)`);
            }
            catch (err) {
                if (!(err instanceof SendFailure))
                    throw err; // the caller aborted
                // An oversized answer is no network hiccup: asking again would only buffer it again.
                if (errorCode(err.cause) === 'BODY_TOO_LARGE')
                    throw new ResponseTooLargeError(`PVE at ${this.hostPort}: ${err.message}`);
                const failure = this.networkFailure(err, what);
                const code = errorCode(err.cause) ?? '';
                // A timeout already cost api_timeout, and a plain-HTTP server will not learn TLS: neither is worth repeating.
                const transient = failure instanceof ConnectionError && !err.timedOut && !TIMEOUT_CODES.has(code) && !isPlainHttpAnswer(err.cause);
                if (transient && policy.idempotent && attempt < this.retry.attempts) {
                    await this.pause(what, failure.message, attempt++, signal);
                    continue;
                }
                // A write may go again only if no socket ever took it (the connection died while being set up).
                if (!err.requestSent && SOCKET_CLOSED.has(code) && !resentUnsent) {
                    resentUnsent = true;
                    this.stats.retries++;
                    this.log.debug(`${what}: connection closed before the request was sent, sending again`);
                    continue;
                }
                throw failure;
            }
            if (res.status >= 200 && res.status < 300)
                return this.data(res, method, path);
            const apiErr = this.apiError(res, method, path, policy);
            if (res.status === 401 && !policy.login && this.creds.kind === 'ticket' && !relogged) {
                relogged = true;
                this.stats.retries++;
                this.log.debug(`${what}: ticket refused (401), logging in again`);
                await this.creds.refresh(auth.generation, this.ticketPost);
                continue;
            }
            if (policy.idempotent && isTransient(apiErr) && attempt < this.retry.attempts) {
                await this.pause(what, `${res.status} ${res.statusText}`, attempt++, signal);
                continue;
            }
            throw apiErr;
        }
    }
    async pause(what, reason, attempt, signal) {
        const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this.log.debug(`${what}: ${this.redact(reason)}; retry ${attempt}/${this.retry.attempts - 1} in ${delay} ms`);
        this.stats.retries++;
        await abort_sleep(delay, signal);
    }
    networkFailure(err, what) {
        if (err.cause instanceof TlsError)
            return err.cause;
        if (isPlainHttpAnswer(err.cause)) {
            return new ConnectionError(`PVE at ${this.hostPort} answered in plain HTTP, not HTTPS (${what}): the PVE API is only served over HTTPS ` +
                '(port 8006) and this action does not speak plain HTTP - check api_host and api_port', { cause: err.cause, code: errorCode(err.cause) });
        }
        return connectionError(this.hostPort, what, err.cause, this.timeoutMs);
    }
    data(res, method, path) {
        if (res.body.trim() === '')
            return null;
        try {
            return JSON.parse(res.body)?.data ?? null;
        }
        catch {
            throw new errors_PveApiError({
                status: res.status,
                statusText: res.statusText,
                method,
                path,
                hint: `the answer is not JSON - is ${this.hostPort} the PVE API (api_host, api_port)?`,
            });
        }
    }
    apiError(res, method, path, policy) {
        let body;
        try {
            body = JSON.parse(res.body);
        }
        catch {
            body = undefined; // PVE's own 401s have an empty body; proxies send HTML
        }
        const message = typeof body?.message === 'string' ? this.redact(body.message.trim()) : '';
        let errors;
        if (body?.errors && typeof body.errors === 'object') {
            errors = {};
            for (const [k, v] of Object.entries(body.errors)) {
                errors[k] = this.redact(typeof v === 'string' ? v : JSON.stringify(v));
            }
        }
        return new errors_PveApiError({
            status: res.status,
            statusText: this.redact(res.statusText),
            method,
            path,
            pveMessage: message || undefined,
            errors,
            hint: this.hint(res.status, policy, method, path, message),
        });
    }
    hint(status, policy, method, path, message) {
        const token = this.creds.kind === 'token';
        if (status === 401) {
            if (token) {
                return `authentication failed: check api_token_id and api_token_secret (token ${this.creds.authId}); PVE also answers 401 for an expired token or a disabled user`;
            }
            const otp = this.conn.otp ? ' and api_otp' : '';
            return policy.login
                ? `authentication failed: check api_user and api_password${otp} (user ${this.conn.user})`
                : `authentication failed even after a fresh login: check api_user and api_password (user ${this.conn.user})`;
        }
        if (status === 403) {
            const parts = [];
            // qemu-server create_vm / clone_vm: VM.Allocate on /vms/<id> failed and so did the pool; PVE names neither.
            if (method === 'POST' && /^\/nodes\/[^/]+\/qemu(\/\d+\/clone)?$/.test(path) && /^Permission check failed$/.test(message))
                parts.push("PVE names no path here: creating or cloning a VM needs VM.Allocate on /vms/<id> or on the pool given in 'pool'");
            if (token)
                parts.push(`API token ${this.creds.authId}: a token with privilege separation has only the privileges granted to both the token and its user`);
            parts.push('docs/permissions.md lists the privileges each feature needs');
            return parts.join('; ');
        }
        return undefined;
    }
}

// EXTERNAL MODULE: ./src/state-read.ts
var state_read = __webpack_require__(2063);
;// CONCATENATED MODULE: ./src/state.ts
// What the main step hands to the post step (GITHUB_STATE → STATE_*), typed and in one place, as actions/checkout's
// state-helper does: the cleanup policy, the VM the step created (and how to recognise it), whether main succeeded,
// and the ticket of a login that cannot be repeated (a used one-time code); with keep_on_failure, the guest's IP
// address when the main step learnt one, so that the post step can say how to reach a VM it keeps. Saving goes
// through @actions/core; reading lives in state-read.ts, which the post entry loads alone.



function saveCleanup(policy, keepOnFailure = false) {
    core.saveState(KEY.cleanup, policy);
    if (keepOnFailure)
        core.saveState(KEY.keepOnFailure, 'true');
}
function saveIp(ip) {
    core.saveState(KEY.ip, ip);
}
function saveCreated(vm) {
    core.saveState(KEY.created, JSON.stringify(vm));
}
function saveMainOk() {
    core.saveState(KEY.mainOk, 'true');
}
/** The ticket is a credential: the caller has masked it already (the client registers every secret it holds). */
function saveTicket(t) {
    core.saveState(KEY.ticket, JSON.stringify(t));
}

;// CONCATENATED MODULE: ./src/proxmox/tasks.ts
// Waiting for PVE worker tasks (UPIDs): status polling at growing intervals, success / warnings / failure with the
// tail of the task log, a wall-clock budget and abort.


// UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: as PVE's UPID.pm decodes it.
const UPID_RE = /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):?$/;
function parseUpid(upid) {
    const m = UPID_RE.exec(upid);
    if (!m)
        throw new Error(`not a PVE task id (UPID): "${upid}"`);
    return {
        node: m[1],
        pid: parseInt(m[2], 16),
        pstart: parseInt(m[3], 16),
        starttime: parseInt(m[4], 16),
        type: m[5],
        id: m[6],
        user: m[7],
    };
}
class TaskFailedError extends Error {
    upid;
    exitstatus;
    logTail;
    name = 'TaskFailedError';
    constructor(message, upid, exitstatus, logTail) {
        super(message);
        this.upid = upid;
        this.exitstatus = exitstatus;
        this.logTail = logTail;
    }
}
class TaskTimeoutError extends Error {
    upid;
    logTail;
    name = 'TaskTimeoutError';
    constructor(message, upid, logTail) {
        super(message);
        this.upid = upid;
        this.logTail = logTail;
    }
}
// The blind schedule (tasks that tell nothing until they end), chosen by `npm run bench:poll` (BENCHMARKS-polling.md)
// over random task durations: no poll before 300 ms (a PVE worker needs that long to fork, lock and do anything), then
// every 200 ms, then a tenth of the time elapsed, at most 1 s. Against the old 50 ms × 1.5 up to 500 ms it notices
// the end sooner (p90 ~190 ms instead of ~430 ms) with fewer requests; a long task is polled once a second, as
// Ansible's proxmox_kvm polls all along. A p90 ≤ 100 ms without a signal from the task would take a poll every
// ~100 ms, 3-4 times Ansible's requests: not worth it.
const FIRST_POLL_MS = 300;
const MIN_POLL_MS = 200;
const POLL_FRACTION = 0.1;
const MAX_POLL_MS = 1000;
/**
 * Task types whose log shows progress while they run: full clones and disk moves copy with `qemu-img convert -p`
 * (qemu-server QemuImage.pm convert logs `transferred <x> of <size> (<p>%)`) or drive-mirror (`drive-scsi0:
 * transferred … (<p>%) in <n>s`). For these the wait reads the task log incrementally instead of the status: PVE's
 * exitstatus is the log's last line (pve-common UPID.pm read_status: `TASK OK`, `TASK WARNINGS: n`,
 * `TASK ERROR: <msg>`), so one request tells both how far the copy is and whether the task ended.
 */
const PROGRESS_TYPES = new Set(['qmclone', 'qmmove']);
const PROGRESS_RE = /transferred .* of .* \((\d+(?:\.\d+)?)%\)/;
const END_RE = /^TASK (OK|WARNINGS: \d+|ERROR: (.*))$/;
/** Polls near a predicted end (a copy at 100 %, the rest of the task is short) are this close. */
const END_POLL_MS = 50;
/** A prediction whose error (rate error × time left) is below this is aimed at directly. */
const PREDICT_SURE_MS = 50;
/** Aim this much after the predicted end: a poll just before the end costs another request. */
const PREDICT_SLACK_MS = 20;
/** A copy of hours is still looked at now and then. */
const MAX_PROGRESS_POLL_MS = 5000;
const TAIL_LINES = 10;
const LOG_PAGE = 500;
/** Bounds the log read for pathological logs (a tail from the first 10 000 lines beats no answer). */
const LOG_MAX_PAGES = 20;
/** The log is read after the verdict; it must not hold the verdict up for long. */
const LOG_READ_MS = 10_000;
/** The blind schedule: the wait before the next poll, `elapsed` ms after the task was handed over. */
function blindInterval(elapsed) {
    return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, POLL_FRACTION * elapsed));
}
/** What the task log read so far says: its lines, the copy's progress over time, the end when it is there. */
class LogFollower {
    lines = [];
    /** (time of the read, progress then) for the current copy; reset when a new copy (drive) starts over. */
    points = [];
    lastPct;
    /** Smallest progress step seen between two lines (qemu-img reports about every 1 %). */
    step = Infinity;
    doneAt;
    /** Adds a page of the log read at `at`; returns the exitstatus when the last line is PVE's end marker. */
    add(entries, at) {
        // PVE's stand-in for an empty log.
        if (this.lines.length === 0 && entries.length === 1 && entries[0]?.t === 'no content')
            return undefined;
        for (const e of entries) {
            const line = String(e?.t ?? '');
            this.lines.push(line);
            const m = PROGRESS_RE.exec(line);
            if (!m)
                continue;
            const pct = Number(m[1]);
            if (this.lastPct !== undefined && pct < this.lastPct) {
                this.points = [];
                this.doneAt = undefined;
            }
            else if (this.lastPct !== undefined && pct > this.lastPct)
                this.step = Math.min(this.step, pct - this.lastPct);
            this.lastPct = pct;
        }
        if (this.lastPct !== undefined) {
            const last = this.points[this.points.length - 1];
            if (!last || last.pct !== this.lastPct)
                this.points.push({ at, pct: this.lastPct });
            if (this.lastPct >= 100 && this.doneAt === undefined)
                this.doneAt = at;
        }
        const end = END_RE.exec(this.lines[this.lines.length - 1] ?? '');
        if (!end)
            return undefined;
        // read_status: `TASK ERROR: (.+)` is the message; anything else there is PVE's 'unexpected status'.
        return end[2] !== undefined ? end[2] || 'unexpected status' : end[1];
    }
    /** The wait before the next read, from the progress (undefined: no progress seen, use the blind schedule). */
    nextWait(now, started) {
        if (this.lastPct === undefined || this.points.length === 0)
            return undefined;
        if (this.doneAt !== undefined)
            return Math.max(END_POLL_MS, (now - this.doneAt) / 2);
        const elapsed = now - started;
        // One read says nothing of the rate: look again after as long as the task has run, for a useful baseline.
        if (this.points.length < 2)
            return Math.max(MIN_POLL_MS, elapsed);
        const first = this.points[0];
        const last = this.points[this.points.length - 1];
        const done = last.pct - first.pct;
        if (!(last.at > first.at) || !(done > 0))
            return undefined;
        const rate = done / (last.at - first.at); // % per ms
        // Each read sees a line written up to one progress step earlier: the rate is good to about a step over what
        // was done between the two reads, and half a step is counted as done since the last line.
        const step = Number.isFinite(this.step) ? this.step : 1;
        const error = step / done;
        const remaining = (100 - Math.min(100, last.pct + step / 2)) / rate - (now - last.at);
        // Sure enough: aim just after the predicted end. Not yet: look again at a share of the way that the error
        // cannot overshoot, with a better baseline then.
        const wait = remaining * error <= PREDICT_SURE_MS ? remaining + PREDICT_SLACK_MS : remaining * Math.max(0.5, 1 - 2 * error);
        // Safety bound: a copy that speeds up (sparse areas) ends before the prediction; the wait never exceeds a few
        // times what the task has run so far, nor MAX_PROGRESS_POLL_MS.
        return Math.min(MAX_PROGRESS_POLL_MS, Math.max(MIN_POLL_MS, 3 * elapsed), Math.max(END_POLL_MS, wait));
    }
}
async function waitForTask(client, upid, opts) {
    const info = parseUpid(upid);
    const task = `PVE task ${info.type}${info.id ? ` ${info.id}` : ''} on ${info.node}`;
    const label = opts.what ? `${opts.what} (${task})` : task;
    const base = `/nodes/${info.node}/tasks/${upid}`;
    const started = Date.now();
    const deadline = started + opts.timeoutMs;
    // Follow the log of the tasks that show progress; anything odd about it and the status is polled as for others.
    let follower = PROGRESS_TYPES.has(info.type) ? new LogFollower() : undefined;
    let next = FIRST_POLL_MS;
    let lastProblem;
    for (;;) {
        opts.signal?.throwIfAborted();
        // No poll right after the task was started: a PVE worker takes longer than that just to fork.
        const wait = Math.min(next, deadline - Date.now());
        if (wait > 0)
            await abort_sleep(wait, opts.signal);
        const remaining = deadline - Date.now();
        if (remaining <= 0)
            break;
        next = blindInterval(Date.now() - started);
        if (follower) {
            const outcome = await poll(client, `${base}/log`, { start: follower.lines.length, limit: LOG_PAGE }, remaining, opts.signal);
            if ('problem' in outcome) {
                lastProblem = outcome.problem;
                continue;
            }
            if (!Array.isArray(outcome.value)) {
                follower = undefined;
                next = 0;
                continue;
            }
            const now = Date.now();
            const exitstatus = follower.add(outcome.value, now);
            if (exitstatus !== undefined)
                return finish(client, base, info, upid, exitstatus, label, started, opts, follower.lines);
            next = outcome.value.length >= LOG_PAGE ? 0 : (follower.nextWait(now, started) ?? next);
            continue;
        }
        const outcome = await poll(client, `${base}/status`, undefined, remaining, opts.signal);
        if ('problem' in outcome) {
            lastProblem = outcome.problem;
        }
        else if ((outcome.value ?? {}).status === 'stopped') {
            const exitstatus = outcome.value?.exitstatus ?? 'unexpected status';
            return finish(client, base, info, upid, exitstatus, label, started, opts);
        }
    }
    const tail = lastLines((await readLog(client, base, opts.signal)) ?? []);
    const problem = lastProblem ? `\nLast status poll failed: ${lastProblem}` : '';
    throw new TaskTimeoutError(`${label} did not finish within ${formatDuration(opts.timeoutMs)} (timeout); it may still be running as ${upid}` +
        problem +
        formatTail(tail), upid, tail);
}
async function finish(client, base, info, upid, exitstatus, label, started, opts, 
/** The whole log when the wait has read it already. */
known) {
    const result = (warnings, logTail) => ({
        upid,
        node: info.node,
        type: info.type,
        id: info.id,
        exitstatus,
        warnings,
        durationMs: Date.now() - started,
        logTail,
    });
    if (exitstatus === 'OK')
        return result(0, []);
    const log = known ?? (await readLog(client, base, opts.signal));
    const tail = lastLines(log ?? []);
    const warnings = /^WARNINGS: (\d+)$/.exec(exitstatus);
    if (warnings) {
        for (const line of log ?? []) {
            const m = /^WARN: (.*)$/.exec(line);
            if (m)
                opts.onWarning?.(m[1]);
        }
        return result(Number(warnings[1]), tail);
    }
    throw new TaskFailedError(`${label} failed: ${exitstatus}${formatTail(tail)}`, upid, exitstatus, tail);
}
/** One status or log poll, bounded by what is left of the budget. Transient trouble is reported, not thrown. */
async function poll(client, path, params, budgetMs, signal) {
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(new Error('task wait budget used up')), timerMs(budgetMs));
    const linked = anySignal([signal, budget.signal]);
    try {
        return { value: await client.get(path, params, { signal: linked.signal }) };
    }
    catch (err) {
        if (signal?.aborted)
            throw err;
        if (budget.signal.aborted)
            return { problem: 'no answer before the timeout' };
        if (isTransient(err))
            return { problem: err.message };
        throw err;
    }
    finally {
        clearTimeout(timer);
        linked.dispose();
    }
}
/** The whole task log as text lines, or undefined when it cannot be read (the verdict matters more). */
async function readLog(client, base, signal) {
    const linked = anySignal([signal, AbortSignal.timeout(LOG_READ_MS)]);
    try {
        const lines = [];
        for (let page = 0; page < LOG_MAX_PAGES; page++) {
            const data = await client.get(`${base}/log`, { start: page * LOG_PAGE, limit: LOG_PAGE }, { signal: linked.signal });
            if (!Array.isArray(data))
                break;
            for (const entry of data)
                lines.push(String(entry?.t ?? ''));
            if (data.length < LOG_PAGE)
                break;
        }
        // PVE's stand-in for an empty log.
        return lines.length === 1 && lines[0] === 'no content' ? [] : lines;
    }
    catch (err) {
        if (signal?.aborted)
            throw err;
        return undefined;
    }
    finally {
        linked.dispose();
    }
}
function lastLines(lines) {
    return lines.slice(-TAIL_LINES);
}
function formatTail(tail) {
    return tail.length ? `\nLast lines of the task log:\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
}
function formatDuration(ms) {
    return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

;// CONCATENATED MODULE: ./src/vm/ci-tags.ts
// CI bookkeeping tags on every VM the action creates or clones under GitHub Actions, so that a later `prune`
// can find the leftovers of runs whose runner died before the post step; plus the tag matching and age rules.
//
// Scheme (all valid PVE tags, `[a-z0-9_][a-z0-9_\-+.]*`, lower-case as PVE stores them):
//   gh-ci                   marker: made by this action in a workflow run (select them all with prune_tags: gh-ci)
//   gh-run-<run id>         GITHUB_RUN_ID (the same for every job and re-run attempt of a run)
//   gh-repo-<owner>.<repo>  GITHUB_REPOSITORY lower-cased, '/' → '.', other characters → '-'; names over 56
//                           characters are cut and end in 8 hex digits of a SHA-256 of the full name
//   gh-ts-<unix seconds>    creation time (not an expiry: how old is "old" is the pruner's choice)
// Tags matching these patterns are reserved: an update keeps them on the VM (see diff.ts), a create or clone
// replaces whatever CI tags the user or the clone source carried with the current run's.

const CI_MARKER = 'gh-ci';
const RUN = 'gh-run-';
const REPO = 'gh-repo-';
const TS = 'gh-ts-';
const REPO_MAX = 56;
const CI_TAG = /^(?:gh-ci|gh-run-.+|gh-repo-.+|gh-ts-\d+)$/;
/** PVE's tag rule (pve-common JSONSchema.pm `pve-tag` format; ../shared/pve-api/BEHAVIOUR.md), after lower-casing. */
const PVE_TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/;
const sanitize = (v) => v.trim().toLowerCase().replace(/[^a-z0-9_\-+.]/g, '-');
/** Splits a PVE tag string (`;`, `,` or space separated) into lower-cased tags, as PVE does. */
function splitTags(v) {
    if (v === undefined)
        return [];
    return [...new Set(String(v).split(/[;,\s]+/).filter(Boolean).map((t) => t.toLowerCase()))];
}
const isCiTag = (tag) => CI_TAG.test(tag.toLowerCase());
/** The repository tag for `owner/repo`. */
function repoTag(repository) {
    const full = repository.trim().toLowerCase();
    let v = sanitize(full.replace('/', '.'));
    if (v.length > REPO_MAX)
        v = `${v.slice(0, REPO_MAX - 9)}-${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;
    return REPO + v;
}
/** The CI tags for a VM created now in this run; none outside GitHub Actions (no GITHUB_RUN_ID). */
function ciTags(env, now) {
    const run = env.GITHUB_RUN_ID?.trim();
    if (!run)
        return [];
    const tags = [CI_MARKER, RUN + sanitize(run), TS + Math.floor(now / 1000)];
    if (env.GITHUB_REPOSITORY?.trim())
        tags.push(repoTag(env.GITHUB_REPOSITORY));
    return tags.sort();
}
/** ciTags when the `ci_tags` input is on. */
function ciTagsFor(s, env = process.env, now = Date.now()) {
    return s.lifecycle.ciTags === false ? [] : ciTags(env, now);
}
/** `base` without any CI tags, plus `ci`: de-duplicated, sorted and `;`-joined like PVE stores them. */
function mergeTags(base, ci) {
    const kept = splitTags(base).filter((t) => !isCiTag(t));
    return [...new Set([...kept, ...ci])].sort().join(';');
}
function sameTags(a, b) {
    const x = splitTags(a);
    const y = new Set(splitTags(b));
    return x.length === y.size && x.every((t) => y.has(t));
}
/**
 * Puts the CI tags into create parameters (`live` = {}) or a config step for a VM whose config is `live` (a clone
 * just made): on top of the tags the step already sets, else of the VM's own (the clone source's, whose CI tags
 * are dropped).
 */
function addCiTags(set, changes, live, ci) {
    if (ci.length === 0)
        return;
    const have = live.tags === undefined ? undefined : String(live.tags);
    const input = set.tags !== undefined ? 'tags, ci_tags' : 'ci_tags';
    const want = mergeTags(set.tags ?? have, ci);
    const i = changes.findIndex((c) => c.key === 'tags');
    if (i >= 0)
        changes.splice(i, 1);
    if (have !== undefined && sameTags(want, have)) {
        delete set.tags;
        return;
    }
    set.tags = want;
    changes.push({ key: 'tags', from: have, to: want, input });
}
/** The CI tags already on a VM (an update merges them into the user's `tags` instead of dropping them). */
const ciTagsIn = (tags) => splitTags(tags).filter(isCiTag);
function runRef(tags) {
    const ref = {};
    for (const t of tags) {
        if (t.startsWith(RUN))
            ref.runId = t.slice(RUN.length);
        else if (t.startsWith(REPO))
            ref.repoTag = t;
        else if (t.startsWith(TS) && /^\d+$/.test(t.slice(TS.length)))
            ref.createdAt = Math.max(ref.createdAt ?? 0, Number(t.slice(TS.length)));
    }
    return ref;
}
/** Creation time in unix seconds: the gh-ts- tag, else `meta: ...,ctime=<epoch>` (PVE writes it at create). */
function createdAt(tags, config) {
    const fromTag = runRef(tags).createdAt;
    if (fromTag !== undefined)
        return fromTag;
    const m = /(?:^|,)ctime=(\d+)/.exec(String(config?.meta ?? ''));
    return m ? Number(m[1]) : undefined;
}
/** True when the VM carries every wanted tag (case-insensitive). No wanted tags matches nothing, never "every VM". */
function hasAllTags(vmTags, wanted) {
    if (wanted.length === 0)
        return false;
    const have = new Set(vmTags.map((t) => t.toLowerCase()));
    return wanted.every((t) => have.has(t.toLowerCase()));
}
/** "2d 3h", "45m", "12s": for reasons and notes. */
function formatAge(sec) {
    const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
    const parts = [];
    let rest = Math.max(0, Math.floor(sec));
    for (const [u, n] of units) {
        if (rest >= n && parts.length < 2) {
            parts.push(`${Math.floor(rest / n)}${u}`);
            rest %= n;
        }
    }
    return parts.join(' ') || '0s';
}

;// CONCATENATED MODULE: ./src/vm/concurrency.ts
// Bounded concurrency for independent reads and per-VM work (prune's candidate reads, a prune's destroys).
/** Runs `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
async function mapLimit(items, limit, fn) {
    const out = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

;// CONCATENATED MODULE: ./src/vm/config-values.ts
// Reads the values PVE stores in a VM's config: property strings ("virtio=BC:24:11:..,bridge=vmbr0"), disk and NIC
// keys, sizes — enough to compare a requested value with the stored one (diff.ts) and to read MACs and volumes for
// the outputs (facts.ts). Inputs are checked before any request by inputs/; the simulator has the full parser.

/** Splits "a,b=c,d=e" into {<defaultKey>: a, b: c, d: e}. A bare first element goes to `defaultKey`. */
function parseProps(value, defaultKey) {
    const out = {};
    const parts = value.split(',').filter((p) => p !== '');
    parts.forEach((part, i) => {
        const eq = part.indexOf('=');
        if (eq < 0) {
            out[i === 0 ? defaultKey : part] = i === 0 ? part : '1';
        }
        else {
            out[part.slice(0, eq)] = part.slice(eq + 1);
        }
    });
    return out;
}
const NET_MODELS = new Set(NIC_MODELS);
/** netN: folds `<model>=<MAC>` and bare `<model>` into {model, macaddr?}. */
function parseNet(value) {
    const raw = parseProps(value, 'model');
    const out = {};
    for (const [k, v] of Object.entries(raw)) {
        if (NET_MODELS.has(k)) {
            out.model = k;
            if (v !== '1' && v !== '')
                out.macaddr = v.toUpperCase();
        }
        else if (k === 'macaddr') {
            out.macaddr = v.toUpperCase();
        }
        else {
            out[k] = v;
        }
    }
    return out;
}
/** The MAC of a stored netN value, upper-case, or undefined. */
function macOf(netValue) {
    return parseNet(netValue).macaddr;
}
const DISK_KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+$/;
const NET_KEY = /^net\d+$/;
/** Disk value → {file, ...options}. */
function parseDisk(value) {
    return parseProps(value, 'file');
}
/** "storage:10" / "10" / "storage:0.5": a request to allocate a new volume of that many GiB. */
function newVolumeSize(file) {
    const m = /^(?:([a-zA-Z][\w.-]*):)?(\d+(?:\.\d+)?)$/.exec(file);
    if (!m)
        return undefined;
    return { storage: m[1], gib: Number(m[2]) };
}
/** PVE size string ("32G", "512M", "4M", "1T", "528K") → bytes. */
function sizeBytes(size) {
    const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size);
    if (!m)
        return undefined;
    const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]];
    return Number(m[1]) * mult;
}
function printProps(props, firstKey) {
    const keys = Object.keys(props);
    const first = firstKey && firstKey in props ? [firstKey] : [];
    const rest = keys.filter((k) => k !== firstKey).sort();
    return [...first.map((k) => props[k]), ...rest.map((k) => `${k}=${props[k]}`)].join(',');
}

;// CONCATENATED MODULE: ./src/vm/diff.ts
// Compares the requested VM spec with a VM's live config, key by key, the way PVE stores values:
// PVE adds MACs to NICs, volume names and sizes to disks, sorts tags and URL-encodes sshkeys, so a plain
// string comparison would report changes that are not there (and re-sending a disk spec would allocate a
// new disk). Only what really differs is sent; disks are never re-allocated by an update.


/** Sub-property that a bare first element stands for, per config key family. */
const DEFAULT_KEY = {
    agent: 'enabled', vga: 'type', memory: 'current', cpu: 'cputype', startup: 'order', rng: 'source',
    audio: 'device', usb: 'host', hostpci: 'host', numa: 'cpus', virtiofs: 'dirid', watchdog: 'model',
    efidisk: 'file', tpmstate: 'file', boot: 'legacy', spice_enhancements: 'foldersharing',
};
const family = (key) => key.replace(/\d+$/, '');
const SECRET_MASK = '**********';
function diff_num(v) {
    return /^[+-]?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
}
function sameScalar(want, have) {
    if (want === have)
        return true;
    const a = diff_num(want);
    const b = diff_num(have);
    return a !== undefined && b !== undefined && a === b;
}
function sameProps(want, have, ignore = new Set()) {
    const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
    for (const k of keys) {
        if (ignore.has(k))
            continue;
        const a = want[k];
        const b = have[k];
        if (a === undefined || b === undefined)
            return false;
        if (!sameScalar(a, b))
            return false;
    }
    return true;
}
function safeDecode(v) {
    try {
        return decodeURIComponent(v);
    }
    catch {
        return v;
    }
}
/** Decides for one key what (if anything) must be sent. Returns undefined when the live value already matches. */
function diffKey(key, want, have, d) {
    if (have === undefined)
        return want;
    if (NET_KEY.test(key)) {
        const w = parseNet(want);
        const h = parseNet(have);
        const ignore = new Set(w.macaddr ? [] : ['macaddr']);
        if (sameProps(w, h, ignore))
            return undefined;
        const merged = { ...w, macaddr: w.macaddr ?? h.macaddr ?? '' };
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
            if (wantBytes > haveBytes)
                d.resizes.push({ disk: key, size: `${alloc.gib}G`, from: h.size });
            else if (wantBytes < haveBytes)
                d.notes.push(`${key}: requested ${alloc.gib}G is smaller than the disk (${h.size}); PVE cannot shrink disks, left as is`);
        }
        // import-from only says where a new disk's data comes from: PVE does not store it (API2/Qemu.pm create_disks
        // deletes it), so on an existing disk it is no change.
        const ignore = new Set(['file', 'size', 'ms-cert', ...(alloc || isCloudInit ? ['format', 'media', 'import-from'] : [])]);
        if (sameVolume && sameProps(w, h, ignore))
            return undefined;
        // Keep the existing volume: an update must never allocate a new disk in place of the old one.
        const opts = { ...h, ...w, file: sameVolume ? (h.file ?? '') : (w.file ?? '') };
        if (alloc || isCloudInit)
            delete opts.format;
        if (sameVolume)
            delete opts['import-from'];
        return printProps(opts, 'file');
    }
    if (key === 'sshkeys')
        return safeDecode(want).trim() === safeDecode(have).trim() ? undefined : want;
    if (key === 'tags') {
        // CI tags (orphans.ts) are the action's bookkeeping for prune: an update keeps them beside the user's tags.
        const keep = ciTagsIn(have);
        const a = new Set(splitTags(want));
        for (const t of keep)
            a.add(t);
        const b = new Set(splitTags(have));
        if (a.size === b.size && [...a].every((t) => b.has(t)))
            return undefined;
        return keep.length ? [...a].join(';') : want;
    }
    if (sameScalar(want, have))
        return undefined;
    if (want.includes('=') || have.includes('=') || want.includes(',') || have.includes(',')) {
        const dk = DEFAULT_KEY[family(key)] ?? '_';
        if (sameProps(parseProps(want, dk), parseProps(have, dk)))
            return undefined;
    }
    return want;
}
/** Diff of the requested spec against a live config (pending values already applied by GET config). */
function diffConfig(spec, specSource, live, opts) {
    const d = { set: {}, changes: [], resizes: [], skippedUnsafe: [], notes: [] };
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
        if (value === undefined)
            continue;
        d.set[key] = value;
        d.changes.push({ key, from: have, to: value, input: specSource[key] ?? key, secret });
    }
    return d;
}
/** Keys of `wanted` that the VM has (set or pending), so deleting them changes something. */
function presentKeys(wanted, live, pendingKeys) {
    return wanted.filter((k) => live[k] !== undefined || pendingKeys.has(k));
}
/**
 * The config change that gives a VM just cloned the settings given with `clone` (the module ignores them), plus the
 * run's CI tags on top of its own: unsafe keys (disks, NICs) included, since the VM is new. The planner calls it with
 * the source's config (a preview), the clone-config step with the clone's config once it exists.
 */
function cloneDiff(spec, specSource, config, secretKeys, ciTags) {
    const d = diffConfig(spec, specSource, config, { unsafe: true, secretKeys });
    addCiTags(d.set, d.changes, config, ciTags);
    return d;
}

;// CONCATENATED MODULE: ./src/vm/hotplug.ts
// Which config changes may use PVE's synchronous PUT .../config instead of POST (a qmconfig worker task).
//
// PVE's API documentation asks for POST "for any actions involving hotplug or storage allocation": those may take
// long, and a worker task survives the HTTP request. Everything else is a config-file write (plus, on a running
// VM, a new [PENDING] entry or a quick QMP/cgroup call), which PUT does at once — one request instead of a task and
// its status polls. This table is the one place that decides.

/** PVE's `hotplug` categories and the keys a running VM hot-plugs when the category is on (qemu-server). */
const HOTPLUG_KEYS = {
    network: /^net\d+$/,
    disk: DISK_KEY,
    usb: /^usb\d+$/,
    memory: /^memory$/,
    cpu: /^(vcpus|cores|sockets)$/,
    cloudinit: /^(ciuser|cipassword|citype|ciupgrade|cicustom|ipconfig\d+|nameserver|searchdomain|sshkeys)$/,
};
/** PVE's default for `hotplug` (also what `1` means). */
const DEFAULT_HOTPLUG = ['network', 'disk', 'usb'];
function hotplugCategories(value) {
    if (value === undefined || value === '' || String(value) === '1')
        return DEFAULT_HOTPLUG;
    if (String(value) === '0')
        return [];
    return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}
/**
 * True when a config change can go through PUT: it sets, deletes or reverts no disk (which may allocate, import or
 * free storage) and, on a running VM, nothing the VM's `hotplug` setting would plug in or out live.
 * `running` undefined means "not known": then POST, always.
 */
function synchronousConfig(running, hotplug, params) {
    if (running === undefined)
        return false;
    const list = (v) => (v ? v.split(',') : []);
    const keys = [...Object.keys(params), ...list(params.delete), ...list(params.revert)];
    if (keys.some((k) => DISK_KEY.test(k) || k === 'cdrom'))
        return false;
    if (!running)
        return true;
    const live = hotplugCategories(hotplug).map((c) => HOTPLUG_KEYS[c]).filter(Boolean);
    return !keys.some((k) => live.some((re) => re.test(k)));
}

;// CONCATENATED MODULE: ./src/vm/pve.ts

/** The run state the action reports: template | stopped | hibernated | paused | running (status/current read). */
function runState(status) {
    if (Number(status.template ?? 0) === 1)
        return 'template';
    if (status.status === 'stopped')
        return status.lock === 'suspended' ? 'hibernated' : 'stopped';
    if (status.qmpstatus === 'paused')
        return 'paused';
    if (status.qmpstatus === 'suspended')
        return 'hibernated';
    return status.status;
}
const pve_vmPath = (node, vmid, ...rest) => ['', 'nodes', encodeURIComponent(node), 'qemu', String(vmid), ...rest].join('/');
async function clusterVms(client) {
    const all = await client.get('/cluster/resources', { type: 'vm' });
    return all.filter((r) => r.type === 'qemu').map((r) => ({ ...r, vmid: Number(r.vmid) }));
}
/** PVE returns the id as a JSON string (sometimes a number): accept both. */
async function nextId(client) {
    return Number(await client.get('/cluster/nextid'));
}
async function isIdFree(client, vmid) {
    try {
        await client.get('/cluster/nextid', { vmid });
        return true;
    }
    catch (e) {
        if (e.status === 400)
            return false;
        throw e;
    }
}
const pve_vmConfig = (client, node, vmid) => client.get(pve_vmPath(node, vmid, 'config'));
const pve_vmStatus = (client, node, vmid) => client.get(pve_vmPath(node, vmid, 'status', 'current'));
async function vmSnapshots(client, node, vmid) {
    return (await client.get(pve_vmPath(node, vmid, 'snapshot'))).filter((s) => s.name !== 'current');
}
const vmPending = (client, node, vmid) => client.get(pve_vmPath(node, vmid, 'pending'));
async function clusterNodes(client) {
    return client.get('/nodes');
}
/** PVE's answer for a vmid with no config on that node (PVE::QemuConfig load_config: "Configuration file … does not exist"). */
const isMissingVm = (e) => /does not exist/.test(e instanceof errors_PveApiError ? `${e.pveMessage ?? ''} ${e.message}` : String(e?.message));

;// CONCATENATED MODULE: ./src/vm/context.ts

/** A reason the step cannot be planned; nothing was changed. */
class PlanError extends Error {
}
async function readLive(client, at) {
    const [status, config] = await Promise.all([vmStatus(client, at.node, at.vmid), vmConfig(client, at.node, at.vmid)]);
    return { at, status, config };
}

;// CONCATENATED MODULE: ./src/vm/ids.ts
// Picking a vmid for a new VM: at plan time, and again at apply time when another job took the planned id first.


/**
 * Picks a free vmid: vmid_range gives random free ids (like the Terraform provider), else /cluster/nextid.
 * nextid does not reserve: after losing a race (`attempt` > 0) every loser would ask for the same lowest id
 * again, so retries spread over a window above it that grows with each attempt.
 */
async function allocateId(ctx, avoid = new Set(), attempt = 0) {
    const range = ctx.settings.lifecycle.vmidRange;
    if (range) {
        for (let i = 0; i < 20; i++) {
            const id = range.lower + Math.floor(Math.random() * (range.upper - range.lower + 1));
            if (!avoid.has(id) && (await isIdFree(ctx.client, id)))
                return id;
        }
        throw new PlanError(`no free vmid found in ${range.lower}-${range.upper} after 20 tries (vmid_range)`);
    }
    const base = await nextId(ctx.client);
    if (attempt === 0 && !avoid.has(base))
        return base;
    const span = Math.min(1024, 8 * 2 ** attempt);
    for (let i = 0; i < 20; i++) {
        const id = base + Math.floor(Math.random() * span);
        if (!avoid.has(id) && (await isIdFree(ctx.client, id)))
            return id;
    }
    throw new PlanError(`no free vmid found near ${base} after 20 tries (other jobs keep taking them; vmid_range spreads jobs wider)`);
}

;// CONCATENATED MODULE: ./src/vm/ownership.ts

function fingerprintOf(config) {
    const uuid = /(?:^|,)uuid=([0-9a-fA-F-]{36})(?:,|$)/.exec(String(config.smbios1 ?? ''))?.[1]?.toLowerCase();
    const fp = {};
    if (uuid)
        fp.smbiosUuid = uuid;
    if (config.vmgenid !== undefined && config.vmgenid !== '')
        fp.vmgenid = String(config.vmgenid).toLowerCase();
    if (config.meta !== undefined && config.meta !== '')
        fp.meta = String(config.meta);
    return fp;
}
/** The task's start from its UPID (`UPID:node:pid:pstart:starttime:…`), unix seconds. */
function upidStart(upid) {
    const hex = upid?.split(':')[4];
    return hex && /^[0-9A-Fa-f]{8}$/.test(hex) ? parseInt(hex, 16) : undefined;
}
const ctimeOf = (meta) => {
    const m = /(?:^|,)ctime=(\d+)/.exec(String(meta ?? ''));
    return m ? Number(m[1]) : undefined;
};
/**
 * Whether `live` (the config now holding the recorded vmid) is the VM the step created. `taskOk`: the create/clone
 * task ended successfully (undefined when there was no task to wait for).
 */
function judgeOwnership(o, live, taskOk) {
    const label = `VM ${o.vmid}`;
    const recorded = o.fingerprint ?? {};
    const fields = Object.keys(recorded).filter((k) => recorded[k] !== undefined);
    if (fields.length > 0) {
        const now = fingerprintOf(live);
        const differ = fields.filter((k) => now[k] !== recorded[k]);
        if (differ.length === 0)
            return { owned: true, how: `its ${fields.join(', ')} are those PVE generated for the VM this job created` };
        return { owned: false, why: `${label} is not the VM this job created: its ${differ.join(', ')} changed since (another VM holds the id now, or it was re-created)` };
    }
    // The main step never saw the task end: the post step waited for it, and the VM must look like what it asked for.
    if (taskOk !== true)
        return { owned: false, why: `the ${o.kind} task of ${label} did not succeed, so the VM holding the id now is not the one this job asked for` };
    if (o.name !== undefined && String(live.name ?? '') !== o.name)
        return { owned: false, why: `${label} is named '${String(live.name ?? '')}', not '${o.name}' as this job asked` };
    if (o.kind === 'create') {
        const tags = new Set(splitTags(live.tags));
        const missing = o.ciTags.filter((t) => !tags.has(t));
        if (missing.length)
            return { owned: false, why: `${label} lacks the tags this job created it with (${missing.join(', ')})` };
        const born = ctimeOf(live.meta);
        const start = upidStart(o.upid);
        if (born !== undefined && start !== undefined && born < start - 1)
            return { owned: false, why: `${label} was created before this job's create task started` };
    }
    return { owned: true, how: `it was made by this job's ${o.kind} task${o.upid ? ` (${o.upid})` : ''}, which has just ended` };
}

;// CONCATENATED MODULE: ./src/vm/retry.ts




/** The text to classify an error by: PVE's message and status line, or a task's exit status. */
function errorText(e) {
    if (e instanceof errors_PveApiError)
        return `${e.pveMessage ?? ''} ${e.statusText ?? ''} ${e.message}`;
    if (e instanceof TaskFailedError)
        return e.exitstatus;
    return e instanceof Error ? e.message : String(e);
}
/**
 * PVE's answers when another job took the id first: create_vm's "VM <id> already exists on node '<node>'", clone_vm's
 * "unable to create VM <id>: config file already exists" (a VM of the same node) and, for an id held by another
 * node, the clone worker's write of its temporary config, which pmxcfs refuses (qemu-server clone_vm →
 * PVE::Tools::file_set_contents; the task fails and leaves nothing behind).
 */
function idTaken(text, id) {
    return /already exists/.test(text) || new RegExp(`close \\(rename\\) atomic file '[^']*/qemu-server/${id}\\.conf' failed: File exists`).test(text);
}
// Locks that clear when the operation holding them ends. Not `destroyed` (the VM is going away) nor `suspended`:
// a hibernated VM keeps that lock until it is started again (QemuServer.pm `vm_start` resumes it and drops the
// lock), so waiting for it to clear only burns the step's timeout.
const LOCKED = /VM is locked \((?!destroyed\)|suspended\))|can't lock file '.*' - got timeout/;
const HIBERNATED = /VM is locked \(suspended\)/;
/** Runs `fn`, again while PVE reports a lock conflict, with jittered backoff, until the step's timeout. */
async function retryWhileLocked(what, o, fn) {
    const started = Date.now();
    const deadline = started + o.timeoutSec * 1000;
    for (let attempt = 1;; attempt++) {
        try {
            return await fn();
        }
        catch (e) {
            const text = errorText(e);
            const left = deadline - Date.now();
            if (HIBERNATED.test(text) && e instanceof Error)
                e.message = `${what}: the VM is hibernated (lock: suspended), and PVE keeps that lock until the VM is started again: start it first (state: started resumes it), or remove it (state: absent). ${e.message}`;
            if (!LOCKED.test(text))
                throw e;
            if (left <= 0) {
                if (attempt > 1 && e instanceof Error)
                    e.message += ` (retried ${attempt - 1} time(s) for ${Math.round((Date.now() - started) / 1000)} s, the step's timeout)`;
                throw e;
            }
            const delay = Math.min(left, Math.min(5000, 250 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
            o.log.info(`${what}: ${text_oneLine(text.trim().split('\n')[0])} — retrying in ${Math.round(delay)} ms (attempt ${attempt + 1})`);
            await abort_sleep(delay, o.signal);
        }
    }
}
/** A failed step's message, saying which step: a refused request names the call, not what for (task errors already do). */
function stepMessage(what, e) {
    const m = e instanceof Error ? e.message : String(e);
    return m.startsWith(what) ? m : `${what}: ${m}`;
}

;// CONCATENATED MODULE: ./src/vm/settle.ts


/**
 * How much longer than its `timeout` a stop, shutdown or reboot task may run (qemu-server QemuServer.pm
 * `_do_vm_stop`, under `vm_stop`'s config lock): up to 10 s for the lock, 3 s pinging a configured guest agent
 * that does not answer, `timeout` s for the VM to go, then (forceStop, and always for a hard stop) SIGTERM and up
 * to 10 s more, SIGKILL and 1 s; then vm_stop_cleanup. 30 s of the grace are margin for that and a busy node.
 */
const STOP_GRACE_S = 10 + 3 + 10 + 1 + 30;
/**
 * After some power tasks end, PVE is not done: a reboot task ends with the VM off and qmeventd's `qm cleanup`
 * starts it in a task of its own (CLI/qm.pm `cleanup`); an HA resource's hastart/hastop only queue the request,
 * which the HA manager's CRM and LRM carry out in their next ~10 s rounds (API2/Qemu.pm `vm_start`, `vm_stop`,
 * `vm_shutdown`). The step waits for the state itself, this much longer than the task's own budget.
 */
const FOLLOW_UP_MS = 60_000;
const FOLLOW_UP_STATE = { qmreboot: 'running', hastart: 'running', hastop: 'stopped' };
/** The wait for a power task: stop, shutdown and reboot may run their `timeout` plus PVE's grace. */
function powerWaitMs(step, timeoutSec) {
    const base = timeoutSec * 1000;
    if (!['stop', 'shutdown', 'reboot'].includes(step.action))
        return base;
    // PVE's own default when no timeout is sent (`_do_vm_stop`: 60 s).
    const timeout = step.params.timeout === undefined ? 60 : Number(step.params.timeout);
    return Math.max(base, (timeout + STOP_GRACE_S) * 1000);
}
/** The state PVE brings the VM to after a task of this type has ended, if it is not there when the task ends. */
function followUpState(taskType) {
    return FOLLOW_UP_STATE[taskType];
}
/** Polls status/current until the VM is `want`, failing at once when the HA manager gave up (state `error`). */
async function untilState(client, step, want, budgetMs, what, taskType, io) {
    const deadline = Date.now() + budgetMs;
    let delay = 250;
    for (;;) {
        const st = (await pve_vmStatus(client, step.node, step.vmid));
        if (st.status === want)
            return;
        // A service in `error` is left alone by the HA manager until an admin clears it: waiting cannot help.
        if (st.ha?.managed && st.ha.state === 'error')
            throw new Error(`${what}: the HA manager has vm:${step.vmid} in state 'error' and will not act on it (see ha-manager status and the node's task log)`);
        const left = deadline - Date.now();
        if (left <= 0)
            throw new Error(`${what}: VM ${step.vmid} is still ${st.status}${st.ha?.managed ? ` (HA state ${st.ha.state ?? 'unknown'})` : ''} ${Math.round(budgetMs / 1000)} s after the request` +
                (taskType === 'qmreboot' ? ": PVE did not start it again after the reboot (see the node's task log)" : ': the HA manager did not carry it out (see ha-manager status)'));
        await abort_sleep(Math.min(delay, left), io.signal);
        delay = Math.min(delay * 1.5, 2000);
    }
}
/** A forced shutdown's log: when PVE had to terminate the VM, the user, who asked for a clean shutdown first, hears of it. */
async function forcedStopNote(client, task, step, what, io) {
    let lines;
    try {
        lines = await client.get(`/nodes/${encodeURIComponent(task.node)}/tasks/${encodeURIComponent(task.upid)}/log`, { start: 0, limit: 500 }, { signal: io.signal });
    }
    catch (e) {
        io.log.debug(`${what}: could not read the task log: ${e.message}`);
        return undefined;
    }
    // QemuServer.pm `_do_vm_stop`: "VM still running - terminating now with SIGTERM" (then SIGKILL), a plain warn.
    const forced = Array.isArray(lines) && lines.some((l) => /terminating now with SIG(TERM|KILL)/.test(String(l?.t ?? '')));
    return forced ? `${what}: the guest did not shut down within ${step.params.timeout ?? 60} s, so PVE stopped VM ${step.vmid} hard (force)` : undefined;
}
/** Config changes a running VM could not take live stay pending in PVE until it next starts: which, if any. */
async function pendingNote(client, step, what, io) {
    let keys;
    try {
        const pending = await vmPending(client, step.node, step.vmid);
        keys = pending.filter((p) => p.pending !== undefined || p.delete !== undefined).map((p) => p.key);
    }
    catch (e) {
        io.log.debug(`${what}: could not read the pending changes: ${e.message}`);
        return undefined;
    }
    if (!keys.length)
        return undefined;
    const [are, them] = keys.length === 1 ? ['is', 'it'] : ['are', 'them'];
    return `${what}: ${keys.join(', ')} ${are} pending until the VM next starts: PVE could not change ${them} on the running VM (hotplug: ${step.hotplug ?? 'network,disk,usb'}); state: restarted applies ${them}`;
}

;// CONCATENATED MODULE: ./src/vm/steps.ts
const newPlan = (init = {}) => ({ before: 'absent', steps: [], msg: '', notes: [], warnings: [], ...init });
function deepFreeze(v) {
    if (v && typeof v === 'object' && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const x of Object.values(v))
            deepFreeze(x);
    }
    return v;
}
/** Ends planning: the draft becomes the frozen Plan that apply executes. */
const finishPlan = (draft) => deepFreeze(draft);
/** The plan's message for the VM id it ended up with. */
const planMessage = (plan, vmid = plan.vmid) => plan.msg.replaceAll('{vmid}', String(vmid ?? ''));
function describeStep(s) {
    switch (s.kind) {
        case 'create':
            return `create VM ${s.vmid} on ${s.node}`;
        case 'clone':
            return `clone VM ${s.source} to ${s.newid}${s.params.full === '1' ? ' (full)' : s.params.full === '0' ? ' (linked)' : ''}`;
        case 'config': {
            const parts = [
                ...Object.keys(s.set),
                ...(s.delete ?? []).map((k) => `-${k}`),
                ...(s.revert ?? []).map((k) => `revert ${k}`),
            ];
            return `configure VM ${s.vmid}: ${parts.join(', ') || 'nothing'}`;
        }
        case 'clone-config':
            return `configure VM ${s.vmid} from its live config (settings given with the clone): ${[...Object.keys(s.spec), ...(s.addTags.length ? ['ci tags'] : [])].join(', ')}`;
        case 'resize':
            return `grow ${s.disk} of VM ${s.vmid} to ${s.size}`;
        case 'power':
            return `${s.action} VM ${s.vmid}`;
        case 'template':
            return `convert VM ${s.vmid} to a template`;
        case 'migrate':
            return `migrate VM ${s.vmid} from ${s.node} to ${s.target}`;
        case 'destroy':
            return `destroy VM ${s.vmid}`;
        case 'snapshot':
            return `snapshot VM ${s.vmid} as '${s.snapname}'${s.params.vmstate === '1' ? ' (with its memory)' : ''}`;
        case 'rollback':
            return `roll VM ${s.vmid} back to snapshot '${s.snapname}'${s.params.start === '1' ? ' and start it' : ''}`;
    }
}
/** The changes a plan makes, as known at plan time (a clone's config step: predicted from the source). */
const plannedChanges = (plan) => plan.steps.flatMap((s) => (s.kind === 'config' || s.kind === 'create' ? s.changes : s.kind === 'clone-config' ? s.preview : []));
const maskChange = (c) => (c.secret ? { ...c, from: c.from && '***', to: '***' } : c);
/** JSON form of a plan for the `plan` output (secrets masked). */
function planJson(plan, secretKeys, after = []) {
    const mask = (params) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, secretKeys.has(k) ? '***' : v]));
    const steps = plan.steps.map((s) => {
        const base = { action: s.kind, description: describeStep(s) };
        switch (s.kind) {
            case 'clone':
                return { ...base, params: mask({ ...s.params, newid: String(s.newid) }) };
            case 'create':
            case 'migrate':
            case 'snapshot':
            case 'rollback':
            case 'destroy':
            case 'power':
                return { ...base, params: mask(s.params) };
            case 'config':
                return { ...base, set: mask(s.set), delete: s.delete, revert: s.revert, changes: s.changes.map(maskChange) };
            case 'clone-config':
                // As predicted from the source's config; the step sends what differs from the clone's own config.
                return { ...base, set: mask(Object.fromEntries(s.preview.map((c) => [c.key, c.to]))), changes: s.preview.map(maskChange) };
            default:
                return { ...base, ...s };
        }
    });
    // `after`: what the step does in the guest once the VM is ready (wait_for: cloud-init, guest_exec).
    return JSON.stringify({ vmid: plan.vmid, node: plan.node, name: plan.name, before: plan.before, steps: [...steps, ...after], notes: plan.notes });
}

;// CONCATENATED MODULE: ./src/vm/apply.ts













/** Some leftovers could not be removed; the others were. Carries what was pruned for the `pruned` output. */
class PruneIncompleteError extends Error {
    pruned;
    name = 'PruneIncompleteError';
    constructor(message, pruned) {
        super(message);
        this.pruned = pruned;
    }
}
/** VMs a per-VM plan (prune) works on at once (each is its own PVE task; PVE serialises nothing across VMs). */
const PER_VM_CONCURRENCY = 4;
/** Where the plan's VMs really are during this run: ids picked again after a lost nextid race, nodes after a migration. */
class Bindings {
    ids = new Map();
    nodes = new Map();
    id = (planned) => this.ids.get(planned) ?? planned;
    node = (planned, fallback) => this.nodes.get(this.id(planned)) ?? fallback;
    rebind(planned, actual) {
        this.ids.set(planned, actual);
    }
    moved(vmid, node) {
        this.nodes.set(vmid, node);
    }
    /** A copy of the step with the ids and node it runs with now. */
    bind(step) {
        if (step.kind === 'clone')
            return { ...step, newid: this.id(step.newid) };
        if ('vmid' in step)
            return { ...step, vmid: this.id(step.vmid), node: this.node(step.vmid, step.node) };
        return step;
    }
}
class Applier {
    opts;
    client;
    s;
    at = new Bindings();
    warnings = [];
    done = [];
    changes = [];
    changed = false;
    constructor(opts) {
        this.opts = opts;
        this.client = opts.ctx.client;
        this.s = opts.ctx.settings;
    }
    async timed(bucket, fn) {
        const t0 = monotonicMs();
        try {
            return await fn();
        }
        finally {
            this.opts.timings[bucket] += monotonicMs() - t0;
        }
    }
    result(plan, pruned) {
        return {
            changed: this.changed,
            vmid: plan.vmid === undefined ? undefined : this.at.id(plan.vmid),
            node: plan.vmid === undefined || plan.node === undefined ? plan.node : this.at.node(plan.vmid, plan.node),
            warnings: [...plan.warnings, ...this.warnings],
            done: this.done,
            changes: this.changes,
            ...(pruned ? { pruned } : {}),
        };
    }
    /**
     * Sends a write and waits up to `waitMs` (default: `timeout`) for its task; resolves with the task's result, or
     * undefined when PVE answered without a task (it did the change synchronously).
     */
    async call(method, path, params, what, onAccepted, waitMs = this.s.timeoutSec * 1000) {
        const upid = await this.timed('apiMs', () => this.client[method](path, { ...params }, { signal: this.opts.signal }));
        onAccepted?.(typeof upid === 'string' ? upid : undefined);
        if (typeof upid !== 'string' || !upid.startsWith('UPID:'))
            return undefined;
        this.opts.log.debug(`${what}: task ${upid}`);
        const r = await this.timed('taskMs', () => waitForTask(this.client, upid, {
            timeoutMs: waitMs,
            signal: this.opts.signal,
            what,
            onWarning: (m) => this.warnings.push(`${what}: ${m}`),
        }));
        if (r.warnings > 0)
            this.opts.log.warning(`${what} finished with ${r.warnings} warning(s)`);
        return r;
    }
    /** Runs one step (bound to where its VM is now), retrying while PVE reports a lock; records it as done. */
    async step(planned) {
        const what = describeStep(this.at.bind(planned));
        this.opts.log.info(`→ ${what}`);
        try {
            await retryWhileLocked(what, { timeoutSec: this.s.timeoutSec, signal: this.opts.signal, log: this.opts.log }, () => this.runStep(planned));
        }
        catch (e) {
            if (e instanceof errors_PveApiError)
                e.message = stepMessage(what, e);
            throw e;
        }
        this.done.push(describeStep(this.at.bind(planned)));
    }
    async run(plan) {
        if (plan.perVm)
            return this.runPerVm(plan);
        for (const step of plan.steps)
            await this.step(step);
        return this.result(plan);
    }
    /**
     * A per-VM plan's VMs are independent: each one's steps (stop, destroy) run in order, a few VMs at a time, and one
     * that cannot be removed (locked, gone wrong) does not keep the others: the run fails at the end, naming it.
     */
    async runPerVm(plan) {
        const byVm = new Map();
        for (const st of plan.steps)
            if ('vmid' in st)
                byVm.set(st.vmid, [...(byVm.get(st.vmid) ?? []), st]);
        const failures = new Map();
        await mapLimit([...byVm], PER_VM_CONCURRENCY, async ([vmid, steps]) => {
            for (const step of steps) {
                try {
                    await this.step(step);
                }
                catch (e) {
                    if (this.opts.signal?.aborted)
                        throw e;
                    const message = stepMessage(describeStep(step), e);
                    failures.set(vmid, message);
                    this.opts.log.warning(`VM ${vmid} not removed: ${message}`);
                    return;
                }
            }
        });
        const listed = plan.pruned ?? [];
        const pruned = listed.filter((p) => !failures.has(p.vmid));
        if (failures.size > 0) {
            const lines = [...failures].sort(([a], [b]) => a - b).map(([, m]) => `  ${m}`);
            throw new PruneIncompleteError(`prune: ${failures.size} of ${byVm.size} VM(s) could not be removed` +
                `${pruned.length ? ` (pruned: ${pruned.map((p) => p.vmid).join(', ')})` : ''}:\n${lines.join('\n')}`, pruned);
        }
        return this.result(plan, plan.pruned ? pruned : undefined);
    }
    /**
     * Runs a create/clone request and records the VM as the step's own the moment PVE accepts it; once its task has
     * ended, records what PVE generated for it, so cleanup can tell it from any later VM with the same id.
     */
    async created(vm, send) {
        let owned;
        await send((upid) => {
            this.changed = true;
            owned = { ...vm, ...(upid ? { upid } : {}) };
            this.opts.onCreated?.(owned);
        });
        if (!owned || !this.opts.onCreated || !this.opts.fingerprintCreated)
            return;
        let config;
        try {
            config = await this.timed('apiMs', () => pve_vmConfig(this.client, vm.node, vm.vmid));
        }
        catch (e) {
            // Cleanup then falls back to the weaker checks (name, tags, creation time): say why, go on.
            this.opts.log.debug(`VM ${vm.vmid}: could not read its config to record its identity: ${e.message}`);
            return;
        }
        this.opts.onCreated({ ...owned, fingerprint: fingerprintOf(config) });
    }
    /**
     * Creates/clones as the planned id `planned` (bound: the id it has now); with an automatic id, when another job
     * took it first, binds a fresh one and tries again until `timeout`.
     */
    async withFreshId(planned, autoId, attempt) {
        const tried = new Set();
        const deadline = Date.now() + this.s.timeoutSec * 1000;
        for (let n = 1;; n++) {
            const id = this.at.id(planned);
            try {
                return await attempt(id);
            }
            catch (e) {
                if (!autoId || !idTaken(errorText(e), id) || Date.now() >= deadline)
                    throw e;
                tried.add(id);
                // A little jitter so the losers of one race do not meet again at the next id.
                await abort_sleep(Math.random() * Math.min(500, 25 * n), this.opts.signal);
                let fresh;
                while (fresh === undefined) {
                    try {
                        fresh = await allocateId(this.opts.ctx, tried, n);
                    }
                    catch (err) {
                        // Every id near nextid was taken while we looked: back off and look again, until `timeout`.
                        if (Date.now() >= deadline)
                            throw err;
                        await abort_sleep(50 + Math.random() * 250, this.opts.signal);
                    }
                }
                this.opts.log.info(`vmid ${id} was taken by someone else meanwhile; retrying with ${fresh} (attempt ${n + 1})`);
                this.at.rebind(planned, fresh);
            }
        }
    }
    /** A config change as PVE takes it: PUT when synchronous is safe (vm/hotplug.ts), else POST and its task. */
    async configure(node, vmid, request, guards, vm) {
        const params = { ...request.set };
        if (request.delete?.length)
            params.delete = request.delete.join(',');
        if (request.revert?.length)
            params.revert = request.revert.join(',');
        if (Object.keys(params).length === 0)
            return false;
        Object.assign(params, guards);
        const what = `configure VM ${vmid}`;
        await this.call(synchronousConfig(vm.running, vm.hotplug, params) ? 'put' : 'post', pve_vmPath(node, vmid, 'config'), params, what);
        this.changed = true;
        if (vm.running) {
            const note = await this.timed('apiMs', () => pendingNote(this.client, { node, vmid, hotplug: vm.hotplug }, what, { signal: this.opts.signal, log: this.opts.log }));
            if (note)
                this.warnings.push(note);
        }
        return true;
    }
    async resize(node, vmid, disk, size, guards) {
        await this.call('put', pve_vmPath(node, vmid, 'resize'), { disk, size, ...guards }, `resize ${disk} of VM ${vmid}`);
        this.changed = true;
    }
    /**
     * After a power task: a forced shutdown says so (PVE's SIGTERM line is a plain `warn`, so the task ends OK and
     * its log is the only trace), and where PVE is not done when the task ends (settle.ts) the step waits until the
     * VM is running or stopped.
     */
    async afterPower(step, task, waitMs, what) {
        const o = { signal: this.opts.signal, log: this.opts.log };
        if (task.type === 'qmshutdown' && step.params.forceStop === '1') {
            const note = await this.timed('apiMs', () => forcedStopNote(this.client, task, step, what, o));
            if (note)
                this.warnings.push(note);
        }
        const want = followUpState(task.type);
        if (!want)
            return;
        this.opts.log.info(task.type === 'qmreboot'
            ? `${what}: the VM is off; PVE starts it again in a task of its own - waiting until it runs`
            : `${what}: VM ${step.vmid} is HA-managed, so PVE only queued the request with the HA manager - waiting until the VM is ${want}`);
        await this.timed('taskMs', () => untilState(this.client, step, want, waitMs + FOLLOW_UP_MS, what, task.type, o));
    }
    async runStep(planned) {
        const c = this.client;
        switch (planned.kind) {
            case 'create':
                await this.withFreshId(planned.vmid, planned.autoId, (id) => this.created({ vmid: id, node: planned.node, kind: 'create', name: planned.params.name, ciTags: splitTags(planned.params.tags).filter(isCiTag) }, (accepted) => this.call('post', `/nodes/${encodeURIComponent(planned.node)}/qemu`, { vmid: String(id), ...planned.params }, `create VM ${id}`, accepted)));
                this.changes.push(...planned.changes);
                return;
            case 'clone': {
                const target = planned.params.target ?? planned.node;
                await this.withFreshId(planned.newid, planned.autoId, (id) => this.created({ vmid: id, node: target, kind: 'clone', name: planned.params.name, ciTags: [] }, (accepted) => this.call('post', pve_vmPath(planned.node, planned.source, 'clone'), { ...planned.params, newid: String(id) }, `clone VM ${planned.source} to ${id}`, accepted)));
                return;
            }
        }
        const step = this.at.bind(planned);
        switch (step.kind) {
            case 'config':
                if (await this.configure(step.node, step.vmid, step, step.guards, step))
                    this.changes.push(...step.changes);
                return;
            case 'clone-config': {
                // Re-run after a lock conflict, this finds what an earlier attempt already changed and sends only the rest.
                const live = await this.timed('apiMs', () => pve_vmConfig(c, step.node, step.vmid));
                const d = cloneDiff(step.spec, step.specSource, live, this.opts.ctx.secretKeys, step.addTags);
                for (const n of d.notes)
                    this.opts.log.info(n);
                if (await this.configure(step.node, step.vmid, d, step.guards, { running: false }))
                    this.changes.push(...d.changes);
                for (const r of d.resizes) {
                    await this.resize(step.node, step.vmid, r.disk, r.size, step.guards);
                    this.done.push(describeStep({ kind: 'resize', node: step.node, vmid: step.vmid, disk: r.disk, size: r.size, guards: step.guards }));
                }
                return;
            }
            case 'resize':
                await this.resize(step.node, step.vmid, step.disk, step.size, step.guards);
                return;
            case 'power': {
                const what = `${step.action} VM ${step.vmid}`;
                const waitMs = powerWaitMs(step, this.s.timeoutSec);
                const task = await this.call('post', pve_vmPath(step.node, step.vmid, 'status', step.action), step.params, what, undefined, waitMs);
                this.changed = true;
                if (task)
                    await this.afterPower(step, task, waitMs, what);
                return;
            }
            case 'template':
                await this.call('post', pve_vmPath(step.node, step.vmid, 'template'), {}, `convert VM ${step.vmid} to a template`);
                this.changed = true;
                return;
            case 'migrate':
                await this.call('post', pve_vmPath(step.node, step.vmid, 'migrate'), step.params, `migrate VM ${step.vmid} to ${step.target}`);
                this.changed = true;
                this.at.moved(step.vmid, step.target);
                return;
            case 'destroy':
                await this.call('delete', pve_vmPath(step.node, step.vmid), step.params, `destroy VM ${step.vmid}`);
                this.changed = true;
                return;
            case 'snapshot':
                await this.call('post', pve_vmPath(step.node, step.vmid, 'snapshot'), { snapname: step.snapname, ...step.params }, describeStep(step));
                this.changed = true;
                return;
            case 'rollback':
                await this.call('post', pve_vmPath(step.node, step.vmid, 'snapshot', encodeURIComponent(step.snapname), 'rollback'), step.params, describeStep(step));
                this.changed = true;
                return;
        }
    }
}

// EXTERNAL MODULE: ./src/entries/lazy/http-client.ts
var http_client = __webpack_require__(155);
;// CONCATENATED MODULE: ./src/vm/github-runs.ts
// Asks GitHub whether a workflow run has finished (GET /repos/{owner}/{repo}/actions/runs/{run_id}) before prune
// destroys its VMs (RunChecker), and whether a step of this job failed before the post step decides to keep the VM
// (JobChecker, keep_on_failure). The requests go through @actions/github's Octokit (github-octokit.ts), loaded by a dynamic
// import() on the first question only, so steps that never ask GitHub do not pay for loading it. GITHUB_API_URL is
// honoured (GitHub Enterprise Server, the tests' local fake API). The token never appears in a message.

class GitHubApiError extends Error {
}
function httpFailure(e) {
    if (!(e instanceof Error) || typeof e.status !== 'number')
        return undefined;
    return e;
}
const PERMISSION_HINT = 'give the job `permissions: actions: read` (a workflow or job that sets `permissions:` gets only what it lists), or pass a github_token that may read this repository\'s Actions';
/** A rate-limit answer (429, or 403 with no requests left or GitHub's "rate limit" message), with when it resets. */
function rateLimit(f, advice) {
    const h = f.response?.headers ?? {};
    const body = f.response?.data;
    const said = typeof body?.message === 'string' ? body.message : f.message;
    const limited = f.status === 429 || (f.status === 403 && (String(h['x-ratelimit-remaining']) === '0' || /rate limit/i.test(said)));
    if (!limited)
        return undefined;
    const reset = Number(h['x-ratelimit-reset']);
    const retryAfter = Number(h['retry-after']);
    const when = Number.isFinite(reset) && reset > 0
        ? `; it resets at ${new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`
        : Number.isFinite(retryAfter) && retryAfter > 0
            ? `; GitHub asks to wait ${retryAfter} s`
            : '';
    return `the GitHub API rate limit was hit (${f.status})${when}. ${advice}`;
}
/** The Octokit client loaded on the first request, and failures turned into messages that say what to do. */
class GitHubApi {
    o;
    limitAdvice;
    client;
    base;
    owner;
    repo;
    constructor(o, limitAdvice) {
        this.o = o;
        this.limitAdvice = limitAdvice;
        this.base = o.apiUrl.replace(/\/+$/, '');
        [this.owner, this.repo] = o.repository.split('/');
    }
    /** Octokit, loaded on the first question (a chunk file of the bundle). */
    octokit() {
        // In the bundles `@actions/http-client` is a lazy stand-in (src/entries/lazy/), and @actions/github builds its
        // default proxy agent from it when its module loads: load the real client before the chunk that holds it.
        this.client ??= (0,http_client/* loadHttpClient */.w)()
            .then(() => Promise.all(/* import() */[__webpack_require__.e(232), __webpack_require__.e(438)]).then(__webpack_require__.bind(__webpack_require__, 1438)))
            .then((m) => m.githubClient(this.o.token, this.base));
        return this.client;
    }
    request(route, params) {
        return this.octokit().then((o) => o.request(route, { ...params, request: { signal: AbortSignal.timeout(this.o.timeoutMs) } }));
    }
    /** Turns a failed request into a GitHubApiError that says what to do; never shows the token. */
    explain(what, e) {
        const f = httpFailure(e);
        if (!f || (f.status === 500 && !f.response)) {
            const cause = e.cause;
            const timedOut = e.name === 'TimeoutError' || cause?.name === 'TimeoutError' || /aborted due to timeout/i.test(e.message);
            return new GitHubApiError(timedOut
                ? `${what}: no answer within ${this.o.timeoutMs / 1000} s (api_timeout); is GITHUB_API_URL (${this.base}) reachable?`
                : `${what}: request failed (${e.message}); is GITHUB_API_URL (${this.base}) reachable?`);
        }
        const limited = rateLimit(f, this.limitAdvice);
        if (limited)
            return new GitHubApiError(`${what}: ${limited}`);
        if (f.status === 401)
            return new GitHubApiError(`${what}: github_token was refused (401 Unauthorized): it is invalid or has expired (the job's token expires with its job)`);
        if (f.status === 403)
            return new GitHubApiError(`${what}: 403 Forbidden: github_token lacks the permission to read workflow runs; ${PERMISSION_HINT}`);
        return new GitHubApiError(`${what}: unexpected answer ${f.status}`);
    }
}
class RunChecker extends GitHubApi {
    cache = new Map();
    repoVisible;
    constructor(o) {
        super(o, 'Run the prune again later, or set prune_older_than so that it can do without GitHub');
    }
    /** One request per run id, however many VMs the run left behind. */
    state(runId) {
        let p = this.cache.get(runId);
        if (!p) {
            p = this.ask(runId);
            this.cache.set(runId, p);
        }
        return p;
    }
    /**
     * A run GitHub answers 404 for is unknown only if the repository itself is visible to the token: GitHub answers
     * 404, not 403, for a private repository the token cannot see. Asked once, on the first 404.
     */
    checkRepoVisible() {
        this.repoVisible ??= this.request('GET /repos/{owner}/{repo}', { owner: this.owner, repo: this.repo }).then(() => undefined, (e) => {
            const what = `GitHub API: repository ${this.o.repository}`;
            if (httpFailure(e)?.status === 404)
                return Promise.reject(new GitHubApiError(`${what}: 404 Not Found: github_token cannot see this repository (GitHub answers 404 for a private repository a token has no access to). Use the job's own token (the default, \`\${{ github.token }}\`) with \`permissions: actions: read\`, or a token with read access to ${this.o.repository}'s Actions`));
            return Promise.reject(this.explain(what, e));
        });
        return this.repoVisible;
    }
    async ask(runId) {
        const what = `GitHub API: run ${runId} of ${this.o.repository}`;
        let data;
        try {
            ({ data } = await this.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: this.owner, repo: this.repo, run_id: runId }));
        }
        catch (e) {
            if (e instanceof GitHubApiError)
                throw e;
            if (httpFailure(e)?.status === 404) {
                await this.checkRepoVisible();
                return 'unknown';
            }
            throw this.explain(what, e);
        }
        const status = data?.status;
        if (typeof status !== 'string')
            throw new GitHubApiError(`${what}: the answer has no run status`);
        return status === 'completed' ? 'completed' : 'active';
    }
}
const FAILED = new Set(['failure', 'cancelled', 'timed_out']);
/**
 * Which listed job is this one. The runner tells a step its run, attempt, runner name and GITHUB_JOB, but not its
 * job's id: GITHUB_JOB is the job's key in the workflow (`build:`), not the display name the API lists (`name:`,
 * or `build (ubuntu, 20)` for a matrix leg), and every leg of a matrix shares the key. A runner runs one job at a
 * time, so the job of this attempt that is in progress on RUNNER_NAME is this one; the key only breaks a tie (it is
 * the display name, or its prefix for a matrix leg, when the job sets no `name:`).
 */
function findJob(jobs, me) {
    const mine = jobs.filter((j) => j.status === 'in_progress' && j.runner_name === me.runnerName);
    const hinted = me.jobKey ? mine.filter((j) => j.name === me.jobKey || j.name?.startsWith(`${me.jobKey} (`)) : [];
    const pick = mine.length > 1 && hinted.length > 0 ? hinted : mine;
    if (pick.length === 1)
        return pick[0];
    return pick.length === 0
        ? `no job of attempt ${me.attempt} is in progress on runner ${JSON.stringify(me.runnerName)} (of ${jobs.length} listed)`
        : `${pick.length} jobs of attempt ${me.attempt} are in progress on runner ${JSON.stringify(me.runnerName)}: cannot tell which is this one`;
}
/** The steps before the post steps. These come last ("Post <step>", then "Complete job") and are still running or
 * queued while this post step asks (a post step that ran before this one is among them too); a step of the job's own
 * named "Post ..." that ends the main steps is counted among them. */
function mainSteps(steps) {
    const ordered = [...steps].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
    let end = ordered.length;
    while (end > 0 && /^(Post |Complete job$)/.test(ordered[end - 1].name ?? ''))
        end--;
    return ordered.slice(0, end);
}
const label = (s) => s.name ?? `step ${s.number}`;
/** The steps before the post steps that failed, were cancelled or timed out, as "name (conclusion)". */
function failedSteps(steps) {
    return mainSteps(steps)
        .filter((s) => typeof s.conclusion === 'string' && FAILED.has(s.conclusion))
        .map((s) => `${label(s)} (${s.conclusion})`);
}
/**
 * The steps before the post steps that GitHub does not show as completed yet. All of them ended before any post step
 * started, but the runner reports step results to GitHub in batches: a step that failed a moment ago may still be
 * listed in progress.
 */
function pendingSteps(steps) {
    return mainSteps(steps)
        .filter((s) => s.status !== 'completed')
        .map(label);
}
/** Asks GitHub for the steps of this job (GET .../actions/runs/{run_id}/attempts/{attempt}/jobs, every page). */
class JobChecker extends GitHubApi {
    constructor(o) {
        super(o, 'The post step could not tell whether another step failed');
    }
    async steps(me) {
        const what = `GitHub API: jobs of run ${me.runId} attempt ${me.attempt} of ${this.o.repository}`;
        let jobs;
        try {
            const o = await this.octokit();
            // paginate follows the Link headers and unwraps `{ total_count, jobs }` into one array of jobs.
            const paginate = o.paginate;
            jobs = (await paginate('GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs', {
                owner: this.owner,
                repo: this.repo,
                run_id: Number(me.runId),
                attempt_number: Number(me.attempt),
                per_page: 100,
                request: { signal: AbortSignal.timeout(this.o.timeoutMs) },
            }));
        }
        catch (e) {
            if (httpFailure(e)?.status === 404)
                throw new GitHubApiError(`${what}: 404 Not Found: the run is unknown to GitHub, or github_token cannot see this repository`);
            throw this.explain(what, e);
        }
        if (!Array.isArray(jobs))
            throw new GitHubApiError(`${what}: the answer has no job list`);
        const job = findJob(jobs, me);
        if (typeof job === 'string')
            throw new GitHubApiError(`${what}: this job was not found: ${job}`);
        if (!Array.isArray(job.steps))
            throw new GitHubApiError(`${what}: job ${job.id ?? '?'} has no step list`);
        return { jobId: job.id, jobName: job.name, failed: failedSteps(job.steps), pending: pendingSteps(job.steps) };
    }
}

;// CONCATENATED MODULE: ./src/vm/cleanup.ts
// The post step's plan: let the create/clone task the main step started finish (PVE cannot be told to stop it),
// find the VM it made, prove it is still that VM (ownership.ts), and stop + destroy it — as ordinary Steps that the
// same Applier as the main step runs (lock retries, task waits). Reads only; a VM it cannot prove is left alone.







/** How long the post step lets a create/clone outlive the main step: a full clone of a big disk takes a while. */
const TASK_GRACE_MS = 15 * 60_000;
async function taskOutcome(ctx, vm, info) {
    // A fingerprint is recorded only after the task ended successfully: nothing left to wait for.
    if (vm.fingerprint)
        return true;
    if (!vm.upid)
        return undefined;
    try {
        await waitForTask(ctx.client, vm.upid, { timeoutMs: Math.max(ctx.settings.timeoutSec * 1000, TASK_GRACE_MS), what: `${vm.kind} of VM ${vm.vmid}` });
        return true;
    }
    catch (e) {
        if (!(e instanceof TaskFailedError))
            throw e;
        info(`cleanup: the ${vm.kind} task of VM ${vm.vmid} did not succeed (${text_oneLine(e.exitstatus.split('\n')[0])})`);
        return false;
    }
}
/** The VM's config and status where it is now (a later step may have migrated it), or undefined when it is gone. */
async function readNow(ctx, vm) {
    const read = async (node) => {
        const [config, status] = await Promise.all([pve_vmConfig(ctx.client, node, vm.vmid), pve_vmStatus(ctx.client, node, vm.vmid)]);
        return { node, config, status };
    };
    try {
        return await read(vm.node);
    }
    catch (e) {
        if (!isMissingVm(e))
            throw e;
    }
    const elsewhere = await ctx.inventory.byId(vm.vmid, true);
    if (!elsewhere || elsewhere.node === vm.node)
        return undefined;
    try {
        return await read(elsewhere.node);
    }
    catch (e) {
        if (isMissingVm(e))
            return undefined;
        throw e;
    }
}
async function planCleanup(ctx, vm, info) {
    const plan = newPlan({ vmid: vm.vmid, node: vm.node, name: vm.name });
    const taskOk = await taskOutcome(ctx, vm, info);
    const now = await readNow(ctx, vm);
    if (!now) {
        plan.msg = `cleanup: VM ${vm.vmid} is already gone`;
        return finishPlan(plan);
    }
    plan.node = now.node;
    const verdict = judgeOwnership(vm, now.config, taskOk);
    if (!verdict.owned) {
        plan.before = now.status.status;
        plan.warnings.push(`cleanup: VM ${vm.vmid} on ${now.node} left alone: ${verdict.why}`);
        plan.msg = `cleanup: VM ${vm.vmid} left alone`;
        return finishPlan(plan);
    }
    plan.notes.push(`cleanup: VM ${vm.vmid} is this job's: ${verdict.how}`);
    plan.before = now.status.status;
    const lock = ctx.settings.skiplock ? { skiplock: '1' } : {};
    // A paused VM reports `running` too; PVE refuses to destroy a running VM, and a leftover deserves a hard stop.
    if (now.status.status === 'running')
        plan.steps.push({ kind: 'power', node: now.node, vmid: vm.vmid, action: 'stop', params: { timeout: String(ctx.settings.timeoutSec), ...lock } });
    plan.steps.push({ kind: 'destroy', node: now.node, vmid: vm.vmid, params: { purge: '1', 'destroy-unreferenced-disks': '1', ...lock } });
    plan.msg = `cleanup: VM ${vm.vmid} on ${now.node} destroyed`;
    return finishPlan(plan);
}
/** How often, and how far apart, the post step asks again while GitHub has not recorded every step's result yet. */
const STEP_LAG_TRIES = 4;
const STEP_LAG_DELAY_MS = 2000;
const GRANT = 'give the job `permissions: actions: read` (and keep the default `github_token: ${{ github.token }}`) so that the post step can read the job\'s steps';
/**
 * Did any step of this job fail? This step's own failure is known from the state; other steps' only from GitHub
 * (the post step cannot see the job's status): the GitHub client (a chunk of the bundle) is loaded only then.
 */
async function judgeJob(mainOk, token, env, timeoutMs) {
    if (!mainOk)
        return { failed: true, why: 'this step failed' };
    const repository = env.GITHUB_REPOSITORY?.trim();
    const runId = env.GITHUB_RUN_ID?.trim();
    const runnerName = env.RUNNER_NAME?.trim();
    const attempt = env.GITHUB_RUN_ATTEMPT?.trim() || '1';
    if (!token)
        return { failed: false, unknown: `no github_token, so the steps of this job cannot be read; ${GRANT}` };
    if (!repository || !runId || !runnerName)
        return { failed: false, unknown: 'GITHUB_REPOSITORY, GITHUB_RUN_ID or RUNNER_NAME is not set (not a GitHub Actions job?), so this job cannot be looked up' };
    try {
        const checker = new JobChecker({ apiUrl: env.GITHUB_API_URL?.trim() || 'https://api.github.com', repository, token, timeoutMs });
        const me = { runId, attempt, runnerName, jobKey: env.GITHUB_JOB?.trim() || undefined };
        // GitHub learns step results from the runner in batches: while a step before the post steps is not yet listed as
        // completed, ask again a few times before giving up.
        for (let attemptNo = 1;; attemptNo++) {
            const job = await checker.steps(me);
            if (job.failed.length > 0)
                return { failed: true, why: `step ${job.failed.map((s) => text_oneLine(s, 200)).join(', step ')} of this job` };
            if (job.pending.length === 0)
                return { failed: false };
            if (attemptNo >= STEP_LAG_TRIES)
                return {
                    failed: false,
                    unknown: `GitHub still lists step ${job.pending.map((s) => text_oneLine(s, 200)).join(', step ')} of this job as not completed after ${STEP_LAG_TRIES} tries`,
                };
            await new Promise((r) => setTimeout(r, STEP_LAG_DELAY_MS));
        }
    }
    catch (e) {
        if (!(e instanceof GitHubApiError))
            throw e;
        const hint = /403 Forbidden/.test(e.message) ? '' : `; if that persists, ${GRANT}`;
        return { failed: false, unknown: `${text_oneLine(e.message)}${hint}` };
    }
}
/** How to reach a kept VM, and what will remove it: a later prune (its gh-ci tags stay), or nothing. */
function keptMessage(vm, ip, why) {
    const name = vm.name ? ` (${text_oneLine(vm.name, 100)})` : '';
    const at = ip ? `, IP ${ip}` : '';
    const lines = [`keep_on_failure: ${why}, so VM ${vm.vmid}${name} on node ${vm.node}${at} was kept for inspection (not destroyed).`];
    const ts = runRef(vm.ciTags).createdAt;
    if (vm.ciTags.includes(CI_MARKER)) {
        const since = ts === undefined ? '' : ` (its gh-ts- tag says it was created at ${new Date(ts * 1000).toISOString().replace(/\.\d+Z$/, 'Z')})`;
        lines.push(`It keeps its gh-ci tags: a later \`prune\` with \`prune_older_than: X\` removes it once it is older than X${since} and this run has completed; destroy it sooner with \`state: absent\` and \`vmid: ${vm.vmid}\`.`);
    }
    else {
        lines.push(`It has no gh-ci tags (ci_tags: false), so no prune will remove it: destroy it with \`state: absent\` and \`vmid: ${vm.vmid}\`.`);
    }
    return lines.join(' ');
}

;// CONCATENATED MODULE: ./src/vm/guest.ts
// Waits until the guest is usable: the QEMU guest agent answers (wait_for: agent) or one of the VM's own
// NICs has a routable address (wait_for: ip). PVE's agent errors tell "not yet" from "never".





class guest_GuestWaitError extends Error {
}
// The agent's answer comes from inside the guest, where root may write anything: every value is checked before it
// can reach an output (workflows paste `ip` into ssh commands) or the summary, and the counts are bounded.
const MAX_INTERFACES = 64;
const MAX_ADDRESSES = 64;
const guest_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
// Linux names (eth0, br-1a2b, veth1@if3, eth0.100): one shell word that cannot run anything or pass as an option
// (no space, quote, `$`, backtick, `;`, `|`, `&`, `(`, leading `-`). Other names (Windows' "Ethernet 2") become ''.
const IFACE_NAME = /^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,63}$/;
const FAMILY = { ipv4: 4, ipv6: 6 };
const isRecord = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
function agentAddress(a) {
    if (!isRecord(a))
        return undefined;
    const address = a['ip-address'];
    const type = a['ip-address-type'];
    if (typeof address !== 'string' || (type !== 'ipv4' && type !== 'ipv6'))
        return undefined;
    // A %zone suffix names a guest interface: guest text again, and only ever on link-local addresses.
    if (address.includes('%') || isIP(address) !== FAMILY[type])
        return undefined;
    const p = a.prefix;
    const prefix = typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= (type === 'ipv4' ? 32 : 128) ? p : undefined;
    return prefix === undefined ? { address, family: type } : { address, family: type, prefix };
}
function agentInterface(i) {
    if (!isRecord(i))
        return undefined;
    const name = typeof i.name === 'string' && IFACE_NAME.test(i.name) ? i.name : '';
    const hw = i['hardware-address'];
    const mac = typeof hw === 'string' && guest_MAC.test(hw) ? hw.toLowerCase() : undefined;
    const raw = Array.isArray(i['ip-addresses']) ? i['ip-addresses'] : [];
    const addresses = [];
    for (const a of raw) {
        if (addresses.length >= MAX_ADDRESSES)
            break;
        const ok = agentAddress(a);
        if (ok)
            addresses.push(ok);
    }
    return mac === undefined ? { name, addresses } : { name, mac, addresses };
}
/** The well-formed part of a `network-get-interfaces` answer; anything else (not an array, junk entries) is none. */
function agentInterfaces(result) {
    if (!Array.isArray(result))
        return [];
    const out = [];
    for (const i of result) {
        if (out.length >= MAX_INTERFACES)
            break;
        const ok = agentInterface(i);
        if (ok)
            out.push(ok);
    }
    return out;
}
/** Loopback, link-local and unspecified addresses: never how a runner reaches the guest. */
const UNUSABLE = new external_node_net_.BlockList();
UNUSABLE.addSubnet('0.0.0.0', 8, 'ipv4');
UNUSABLE.addSubnet('127.0.0.0', 8, 'ipv4');
UNUSABLE.addSubnet('169.254.0.0', 16, 'ipv4');
UNUSABLE.addAddress('::', 'ipv6');
UNUSABLE.addAddress('::1', 'ipv6');
UNUSABLE.addSubnet('fe80::', 10, 'ipv6');
/** `ip_cidr` as a BlockList (the input is validated, so this cannot fail on a well-formed setting). */
function cidrList(cidr) {
    const c = parseCidr(cidr);
    if (!c)
        return undefined;
    const list = new BlockList();
    list.addSubnet(c.address, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
    return list;
}
function guestInfo(result, o) {
    const own = new Set(o.macs.map((m) => m.toLowerCase()));
    const interfaces = agentInterfaces(result);
    // ipv4/ipv6 list every routable address on the VM's own NICs; ip_family and ip_cidr only choose `ip`.
    const own4and6 = interfaces
        .filter((i) => i.mac && own.has(i.mac))
        .flatMap((i) => i.addresses)
        .filter((a) => !UNUSABLE.check(a.address, a.family));
    const ipv4 = own4and6.filter((a) => a.family === 'ipv4').map((a) => a.address).slice(0, MAX_ADDRESSES);
    const ipv6 = own4and6.filter((a) => a.family === 'ipv6').map((a) => a.address).slice(0, MAX_ADDRESSES);
    const range = o.cidr === undefined ? undefined : cidrList(o.cidr);
    const inRange = (ip, family) => o.cidr === undefined || (range?.check(ip, family) ?? false);
    const v4 = ipv4.filter((ip) => inRange(ip, 'ipv4'));
    const v6 = ipv6.filter((ip) => inRange(ip, 'ipv6'));
    const ip = o.family === 'ipv4' ? v4[0] : o.family === 'ipv6' ? v6[0] : (v4[0] ?? v6[0]);
    return { interfaces, ipv4, ipv6, ip };
}
const NOT_YET = /QEMU guest agent is not running|got timeout|guest-ping|not running yet/i;
// qemu-server QemuServer/Agent.pm `assert_agent_available` dies "VM <vmid> is not running" when QEMU is gone. Matched
// on PVE's own text: the client's message also names the request path, .../agent/..., so the whole message always
// mentions "agent".
const VM_NOT_RUNNING = /^VM \d+ is not running\b/;
/** What PVE itself said (body `message` or status line), without the client's "PVE 500 on GET <path>: " prefix. */
function pveText(e) {
    if (e instanceof PveApiError)
        return (e.pveMessage || e.statusText || '').trim();
    return e instanceof Error ? e.message : String(e);
}
async function waitForGuest(client, node, vmid, o) {
    const deadline = Date.now() + o.timeoutMs;
    let delay = 100;
    let last = 'no answer yet';
    for (;;) {
        try {
            const r = await client.get(vmPath(node, vmid, 'agent', 'network-get-interfaces'), undefined, { signal: o.signal });
            const info = guestInfo(isRecord(r) ? r.result : undefined, o);
            if (o.mode === 'agent' || info.ip)
                return info;
            last = `the agent answers, but no ${o.family === 'any' ? '' : `${o.family} `}address${o.cidr ? ` in ${o.cidr}` : ''} on the VM's NICs yet`;
        }
        catch (e) {
            const msg = e.message;
            if (o.signal?.aborted)
                throw e;
            if (/No QEMU guest agent configured/.test(msg))
                throw new guest_GuestWaitError(`VM ${vmid}: wait_for needs the QEMU guest agent, but it is not enabled on the VM: set agent: true (and install qemu-guest-agent in the guest)`);
            // The wait only begins on a running VM: it stopped since (shut down from inside, crashed, or stopped by
            // someone), and no agent will answer until it is started again.
            if (VM_NOT_RUNNING.test(pveText(e)))
                throw new guest_GuestWaitError(`VM ${vmid} is not running (it stopped while the step waited for its guest), so its guest cannot be waited for (state: started starts it)`);
            if (!NOT_YET.test(msg) && !/\b5\d\d\b/.test(msg))
                throw e;
            last = msg.replace(/^.*?: /, '');
        }
        o.onWait?.(last);
        const left = deadline - Date.now();
        if (left <= 0)
            throw new guest_GuestWaitError(`VM ${vmid}: gave up waiting for the guest ${o.mode === 'ip' ? 'IP address' : 'agent'} after ${Math.round(o.timeoutMs / 1000)} s (wait_timeout); last answer: ${last}`);
        // Never give up early: sleep at most until the deadline, then ask one last time.
        const pause = Math.min(delay, left);
        await sleep(pause, o.signal);
        delay = Math.min(Math.round(delay * 1.5), 1000);
    }
}

;// CONCATENATED MODULE: ./src/vm/guest-exec.ts
// Runs commands in the guest through the QEMU guest agent (PVE's agent/exec + agent/exec-status) for `guest_exec`
// and `wait_for: cloud-init`, and reads the tail of a guest file (agent/file-read) when cloud-init failed.
// Everything that comes back is the guest's text: checked, bounded, and never trusted to be well-formed.





/** Of each stream, at most this much (its end) is kept for the log. */
const MAX_STREAM_BYTES = (/* unused pure expression or super */ null && (64 * 1024));
/** All streams together in the `exec_output` output stay below this (GitHub limits a step's outputs to 1 MiB). */
const MAX_OUTPUT_BYTES = (/* unused pure expression or super */ null && (768 * 1024));
/** A guest command failed, could not be run, or timed out; `results` holds the commands run so far. */
class GuestExecError extends Error {
    results;
    constructor(message, results = []) {
        super(message);
        this.results = results;
    }
}
const guest_exec_isRecord = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v) => typeof v === 'number' && Number.isSafeInteger(v);
/** PVE turns QGA's JSON booleans into 1/0 (Agent.pm qemu_exec_status); a hostile guest may send anything. */
const truthy = (v) => v === true || v === 1 || v === '1';
/** The end of a text, at most `max` bytes of UTF-8, cut at a line or character boundary. */
function tailBytes(text, max) {
    const b = Buffer.from(text, 'utf8');
    if (b.length <= max)
        return { text, cut: false };
    let s = b.subarray(b.length - max).toString('utf8').replace(/^\uFFFD+/, '');
    const nl = s.indexOf('\n');
    if (nl >= 0 && nl < 200)
        s = s.slice(nl + 1);
    return { text: s, cut: true };
}
/** How a command is shown: a shell line as itself, an argument list with each argument quoted when needed. */
function guest_exec_commandText(argv) {
    if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c')
        return argv[2];
    return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
/** What PVE itself said, without the client's "PVE 500 on POST <path>: " prefix. */
function guest_exec_pveText(e) {
    if (e instanceof PveApiError)
        return (e.pveMessage || e.statusText || '').trim();
    return e instanceof Error ? e.message : String(e);
}
/**
 * Starts argv in the guest (POST agent/exec with `command` as an array, sent as JSON) and polls agent/exec-status
 * until it has exited or the deadline passed. Errors of the agent itself (not running, program not found, no
 * privilege) are thrown as PVE said them; a timeout is a result with `timedOut`.
 */
async function execInGuest(client, node, vmid, argv, o) {
    const started = Date.now();
    const r = await client.postJson(vmPath(node, vmid, 'agent', 'exec'), { command: [...argv] }, { signal: o.signal });
    const pid = guest_exec_isRecord(r) ? r.pid : undefined;
    if (!isInt(pid))
        throw new GuestExecError(`VM ${vmid}: the guest agent did not return a process id for ${oneLine(guest_exec_commandText(argv), 200)}`);
    let delay = 100;
    for (;;) {
        const s = await client.get(vmPath(node, vmid, 'agent', 'exec-status'), { pid }, { signal: o.signal });
        if (guest_exec_isRecord(s) && truthy(s.exited))
            return result(argv, s, started, o);
        const left = o.deadline - Date.now();
        if (left <= 0)
            return { command: argv, exitcode: null, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, timedOut: true, ms: Date.now() - started };
        await sleep(Math.min(delay, left), o.signal);
        delay = Math.min(Math.round(delay * 1.5), 1000);
    }
}
function result(argv, s, started, o) {
    const max = o.maxStreamBytes ?? MAX_STREAM_BYTES;
    const redact = o.redact ?? ((x) => x);
    const stream = (data, truncated) => {
        const t = tailBytes(redact(typeof data === 'string' ? data : ''), max);
        return { text: t.text, cut: t.cut || truthy(truncated) };
    };
    const out = stream(s['out-data'], s['out-truncated']);
    const err = stream(s['err-data'], s['err-truncated']);
    const r = {
        command: argv.map(redact),
        exitcode: isInt(s.exitcode) ? s.exitcode : null,
        stdout: out.text,
        stderr: err.text,
        stdoutTruncated: out.cut,
        stderrTruncated: err.cut,
        ms: Date.now() - started,
    };
    if (isInt(s.signal))
        r.signal = s.signal;
    return r;
}
/** A result counts as failed when it did not exit 0 (killed, timed out, or a non-zero exit code). */
const execFailed = (r) => r.exitcode !== 0;
/** The exit code `exec_exitcode` reports: the shell's convention for a signal (128 + n), -1 for a timeout. */
const guest_exec_reportedExitcode = (r) => r.exitcode ?? (r.signal !== undefined ? 128 + r.signal : -1);
function describeExit(r, timeoutSec) {
    if (r.timedOut)
        return `still running after ${timeoutSec ?? '?'} s (wait_timeout); it keeps running in the guest`;
    if (r.exitcode === null)
        return r.signal !== undefined ? `killed by signal ${r.signal}` : 'ended without an exit code';
    return `exit code ${r.exitcode}`;
}
const CLOUD_INIT_COMMAND = (/* unused pure expression or super */ null && (['cloud-init', 'status', '--wait', '--long']));
const CLOUD_INIT_LOG = '/var/log/cloud-init-output.log';
const MAX_DETAIL_CHARS = 1500;
const MAX_TAIL_LINES = 30;
const MAX_TAIL_CHARS = 2000;
/** Untrusted multi-line text for a message: lines kept (each made inert and bounded), at most maxLines/maxChars of its end. */
function guestLines(text, maxLines, maxChars) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => oneLine(l, 300)).filter((l, i, a) => l.trim() !== '' || (i > 0 && i < a.length - 1));
    const out = [];
    let chars = 0;
    for (let i = lines.length - 1; i >= 0 && out.length < maxLines; i--) {
        chars += lines[i].length + 1;
        if (chars > maxChars)
            break;
        out.unshift(lines[i]);
    }
    return out.map((l) => `  ${l}`).join('\n');
}
/**
 * cloud-init's verdict from `cloud-init status --wait --long` (cloud-init >= 23.4, cmd/status.py): exit 0 done,
 * 1 a critical error (`status: error`), 2 recoverable errors (`extended_status: degraded done`). Older releases
 * exit 1 on any error and say `status: error`; a `status:` other than done (disabled, not started) is an error too.
 */
function cloudInitVerdict(stdout, exitcode) {
    const status = /^status: *(\S+)/m.exec(stdout)?.[1];
    const extended = /^extended_status: *(.+)$/m.exec(stdout)?.[1] ?? '';
    if (exitcode === 0 && status === 'done' && !/degraded/.test(extended))
        return 'done';
    if ((exitcode === 2 || /degraded/.test(extended)) && status === 'done')
        return 'degraded';
    return 'error';
}
/** Waits for cloud-init in the guest to finish; throws GuestWaitError with its message and log tail unless `done`. */
async function waitForCloudInit(client, node, vmid, o) {
    let r;
    try {
        r = await execInGuest(client, node, vmid, CLOUD_INIT_COMMAND, o);
    }
    catch (e) {
        if (o.signal?.aborted)
            throw e;
        const said = guest_exec_pveText(e);
        if (/No such file or directory/.test(said))
            throw new GuestWaitError(`VM ${vmid}: wait_for: cloud-init could not run cloud-init in the guest (is it installed?): ${oneLine(said, 500)}`);
        throw new GuestWaitError(`VM ${vmid}: wait_for: cloud-init could not ask the guest agent: ${oneLine(said, 500)}`);
    }
    if (r.timedOut)
        throw new GuestWaitError(`VM ${vmid}: gave up waiting for cloud-init to finish after ${o.timeoutSec} s (wait_timeout); 'cloud-init status --wait' is still running in the guest`);
    const out = r.stdout.replace(/^\.+\n/, '');
    const status = cloudInitVerdict(out, r.exitcode);
    const detail = guestLines(out || r.stderr, 40, MAX_DETAIL_CHARS);
    if (status === 'done')
        return { status, detail, exitcode: r.exitcode };
    const tail = await logTail(client, node, vmid, CLOUD_INIT_LOG, o.signal);
    throw new CloudInitError(`VM ${vmid}: cloud-init finished with status ${status} (${describeExit(r)} of 'cloud-init status --long'):\n${detail || '  (no output)'}\n` +
        (tail.ok ? `Last lines of ${CLOUD_INIT_LOG}:\n${tail.text || '  (empty)'}` : `${CLOUD_INIT_LOG} could not be read: ${tail.text}`), { status, detail, exitcode: r.exitcode });
}
/** cloud-init did not finish `done`; carries its verdict for the `cloud_init` output. */
class CloudInitError extends guest_GuestWaitError {
    result;
    constructor(message, result) {
        super(message);
        this.result = result;
    }
}
const READ_CHUNK = (/* unused pure expression or super */ null && (256 * 1024));
const MAX_READS = 64;
/**
 * The last lines of a guest file through agent/file-read (offset + count; `truncated` until the end is reached),
 * reading it in chunks and keeping only the last two, at most 16 MiB in all.
 */
async function logTail(client, node, vmid, file, signal) {
    let prev = '';
    let cur = '';
    try {
        for (let i = 0, offset = 0; i < MAX_READS; i++) {
            const r = await client.get(vmPath(node, vmid, 'agent', 'file-read'), { file, offset, count: READ_CHUNK }, { signal });
            const content = guest_exec_isRecord(r) && typeof r.content === 'string' ? r.content : '';
            prev = cur;
            cur = content;
            const read = guest_exec_isRecord(r) && isInt(r['bytes-read']) ? r['bytes-read'] : Buffer.byteLength(content);
            if (!(guest_exec_isRecord(r) && truthy(r.truncated)) || read <= 0)
                break;
            offset += read;
        }
    }
    catch (e) {
        if (signal?.aborted)
            throw e;
        return { ok: false, text: oneLine(guest_exec_pveText(e), 500) };
    }
    return { ok: true, text: guestLines(prev + cur, MAX_TAIL_LINES, MAX_TAIL_CHARS) };
}
/** Writes one command's result to the log: its streams line by line (log.ts makes each line inert). */
function logResult(log, r, timeoutSec) {
    const stream = (name, text, cut) => {
        if (!text)
            return;
        log.info(`${name}${cut ? ' (only its end is shown)' : ''}:`);
        log.info(text.replace(/\n$/, ''));
    };
    stream('stdout', r.stdout, r.stdoutTruncated);
    stream('stderr', r.stderr, r.stderrTruncated);
    log.info(`${describeExit(r, timeoutSec)} (${(r.ms / 1000).toFixed(1)} s)`);
}
/**
 * Runs the commands in order, each bounded by what is left of the deadline. A non-zero exit stops the list and
 * fails (GuestExecError) unless allowFailure; a timeout or an agent error always does.
 */
async function runGuestCommands(client, node, vmid, commands, o) {
    const results = [];
    // Together the streams in exec_output stay below MAX_OUTPUT_BYTES.
    const maxStreamBytes = Math.min(MAX_STREAM_BYTES, Math.floor(MAX_OUTPUT_BYTES / (2 * Math.max(1, commands.length))));
    for (const [i, argv] of commands.entries()) {
        const shown = oneLine(guest_exec_commandText(argv.map(o.redact ?? ((x) => x))), 200);
        const r = await o.group(`guest_exec ${i + 1}/${commands.length}: ${shown}`, async () => {
            o.log.info(`$ ${shown}`);
            let r;
            try {
                r = await execInGuest(client, node, vmid, argv, { ...o, maxStreamBytes });
            }
            catch (e) {
                if (o.signal?.aborted)
                    throw e;
                throw new GuestExecError(`VM ${vmid}: guest_exec command ${i + 1} (${shown}) could not be run: ${oneLine(guest_exec_pveText(e), 500)}`, results);
            }
            logResult(o.log, r, o.timeoutSec);
            return r;
        });
        results.push(r);
        o.onResult?.(results);
        if (r.timedOut)
            throw new GuestExecError(`VM ${vmid}: guest_exec command ${i + 1} (${shown}) is ${describeExit(r, o.timeoutSec)}`, results);
        if (execFailed(r)) {
            const what = `VM ${vmid}: guest_exec command ${i + 1} (${shown}) failed: ${describeExit(r)}`;
            if (!o.allowFailure) {
                const err = r.stderr || r.stdout;
                throw new GuestExecError(err ? `${what}; its output ends:\n${guestLines(err, 10, 1000)}` : what, results);
            }
            o.log.warning(`${what} (guest_exec_allow_failure: carrying on)`);
        }
    }
    return results;
}
/** `exec_exitcode`: of the first command that failed, else of the last one. */
function execExitcode(results) {
    const r = results.find(execFailed) ?? results.at(-1);
    return r === undefined ? '' : String(guest_exec_reportedExitcode(r));
}
/** `exec_output`: one entry per command run. */
function execOutputJson(results) {
    return JSON.stringify(results.map((r) => ({
        command: r.command, exitcode: r.exitcode, signal: r.signal ?? null, stdout: r.stdout, stderr: r.stderr,
        stdout_truncated: r.stdoutTruncated, stderr_truncated: r.stderrTruncated,
    })));
}

;// CONCATENATED MODULE: ./src/report/summary.ts



/** One markdown table per step: the VM, its state before and after, the changes, the steps done, warnings. */
function summaryMarkdown(s) {
    const show = (c, v) => (v === undefined ? '—' : c.secret ? '`***`' : mdCode(v));
    const rows = [
        ['VM', mdText(s.facts?.name ?? s.name ?? '—')],
        ['vmid', mdText(s.facts?.vmid ?? s.vmid ?? '—')],
        ['node', mdText(s.facts?.node ?? s.node ?? '—')],
        ['state', `${mdText(s.before)} → ${mdText(s.after)}${s.dryRun ? ' (dry run: nothing sent)' : ''}`],
        ['changed', s.changed ? 'yes' : 'no'],
        ['result', mdText(s.msg)],
    ];
    if (s.ips?.length)
        rows.push(['IP addresses', s.ips.map((ip) => mdCode(ip)).join(', ')]);
    if (s.cloudInit)
        rows.push(['cloud-init', mdText(s.cloudInit)]);
    const t = s.timings;
    rows.push(['time', `${Math.round(t.totalMs)} ms total — API ${Math.round(t.apiMs)} ms, task wait ${Math.round(t.taskMs)} ms, guest wait ${Math.round(t.guestMs)} ms`]);
    let md = `### Proxmox VM ${mdText(s.facts?.name ?? s.name ?? s.vmid ?? '')}\n\n| | |\n|---|---|\n`;
    md += rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n') + '\n';
    if (s.changes.length) {
        md += `\n| setting | input | before | after |\n|---|---|---|---|\n`;
        md += s.changes.map((c) => `| ${mdCode(c.key)} | ${mdText(c.input)} | ${show(c, c.from)} | ${show(c, c.to)} |`).join('\n') + '\n';
    }
    if (s.done.length)
        md += `\nSteps: ${s.done.map((d) => mdText(d)).join('; ')}\n`;
    if (s.exec?.length) {
        md += `\n| guest command | exit code |\n|---|---|\n`;
        md += s.exec.map((r) => `| ${mdCode(commandText(r.command))} | ${r.timedOut ? 'timed out' : reportedExitcode(r)} |`).join('\n') + '\n';
    }
    if (s.warnings.length)
        md += `\n> [!WARNING]\n${s.warnings.map((w) => `> ${mdText(w, { max: 2000 })}`).join('\n')}\n`;
    return md;
}
/** The list of pruned VMs (names, nodes, tags and reasons are PVE's text: escaped). */
function prunedMarkdown(pruned, dryRun) {
    if (pruned.length === 0)
        return '\nNo VM matched the prune rules.\n';
    const rows = pruned.map((p) => `| ${p.vmid} | ${mdText(p.node)} | ${mdText(p.name ?? '')} | ${mdText(p.tags.join(', '))} | ${mdText(p.reason)} |`);
    return `\n${dryRun ? 'Would prune (dry run)' : 'Pruned'}:\n\n| vmid | node | name | tags | reason |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
}
/** The summary of a step that ended: a prune's list, or the VM's table. */
function outcomeMarkdown(o, settings, totalMs) {
    const timings = { ...o.timings, totalMs };
    if (o.pruned)
        return (prunedMarkdown(o.pruned, settings.lifecycle.dryRun) +
            `\n${mdText(o.msg)} — ${Math.round(totalMs)} ms (API ${Math.round(timings.apiMs)} ms, task wait ${Math.round(timings.taskMs)} ms)\n`);
    return summaryMarkdown({
        facts: o.facts, name: o.plan.name, vmid: o.vmid, node: o.node, before: o.plan.before,
        after: o.facts?.status ?? 'absent', changed: o.changed, msg: o.msg, changes: o.changes, done: o.done,
        warnings: o.warnings, dryRun: settings.lifecycle.dryRun, ips: o.guest ? [...o.guest.ipv4, ...o.guest.ipv6] : undefined,
        cloudInit: o.cloudInit?.status, exec: o.exec,
        timings,
    });
}
/** The summary of a step that failed: what was asked, the error (redacted, escaped), how long it ran. */
function failureMarkdown(settings, message, totalMs) {
    return (`### Proxmox VM ${mdText(settings.name ?? settings.vmid ?? '')}: failed\n\n` +
        `| | |\n|---|---|\n| state asked | ${settings.state} |\n| error | ${mdText(redact(message), { max: 4000, breaks: 'br' })} |\n` +
        `| time | ${Math.round(totalMs)} ms |\n`);
}
/** The post step's line when keep_on_failure kept the VM: the message says how to reach it (PVE's text: escaped). */
function keptMarkdown(vmid, message) {
    return `\n**VM ${vmid} kept (keep_on_failure)**: ${text_mdText(message)}\n`;
}
/** The diagnostics of a VM (vm/diagnostics.ts): one row per item, PVE's and the guest's text escaped, lines kept. */
function diagnosticsMarkdown(d) {
    const rows = d.items.map((i) => `| ${mdText(i.title)} | ${mdText(i.text, { max: 4000, breaks: 'br' })} |`);
    return `\n<details><summary>Diagnostics: VM ${d.vmid} on ${mdText(d.node)}</summary>\n\n| | |\n|---|---|\n${rows.join('\n')}\n\n</details>\n`;
}

;// CONCATENATED MODULE: ./src/vm/resolve.ts


class ResolveError extends Error {
}
const located = (r) => ({
    vmid: r.vmid,
    node: r.node,
    name: r.name,
    template: Number(r.template ?? 0) === 1,
    status: r.status,
    live: false,
});
/**
 * An entry whose broadcast may not show the VM's name: never broadcast (no name, status 'unknown'), broadcast
 * while its config had no name ('VM <vmid>', e.g. a clone's temporary config), or locked right now (`lock` is
 * read live from the config, so a create, clone or migrate in progress shows there before pvestatd sees it).
 */
const doubtful = (r) => !r.name || r.name === `VM ${r.vmid}` || r.status === 'unknown' || r.lock !== undefined;
class Inventory {
    client;
    cache;
    constructor(client) {
        this.client = client;
    }
    async list(refresh = false) {
        if (!this.cache || refresh)
            this.cache = await clusterVms(this.client);
        return this.cache;
    }
    /** By vmid: the vmlist and the node are live; name/template/status are the broadcast's (callers read the VM). */
    async byId(vmid, refresh = false) {
        const r = (await this.list(refresh)).find((v) => v.vmid === vmid);
        return r ? located(r) : undefined;
    }
    /**
     * Every VM with this name (exact match). Broadcast names are trusted when one matches; the nodes of doubtful
     * entries are then listed live to find a second VM of the name. When none matches, every node with VMs is.
     */
    async byName(name, opts = {}) {
        const all = await this.list(opts.refresh);
        const hits = opts.live ? [] : all.filter((v) => v.name === name);
        const ask = hits.length === 0 ? all : all.filter((v) => doubtful(v) && v.name !== name);
        const listed = await this.liveLists([...new Set(ask.map((v) => v.node))]);
        const seen = new Set();
        const out = [];
        for (const vms of listed.values()) {
            for (const v of vms) {
                if (seen.has(v.vmid))
                    continue; // migrating between two listed nodes
                seen.add(v.vmid);
                if (v.name === name)
                    out.push(v);
            }
        }
        // A broadcast match its node's live list contradicts: the broadcast is stale, so the VM now carrying the
        // name may be anywhere. Ask every node.
        if (hits.some((h) => listed.has(h.node) && !out.some((o) => o.vmid === h.vmid)))
            return this.byName(name, { live: true });
        // Nodes not listed (not asked, or down: their VMs cannot be changed now either) keep pvestatd's view.
        for (const v of all)
            if (!listed.has(v.node) && !seen.has(v.vmid) && v.name === name)
                out.push(located(v));
        return out.sort((a, b) => a.vmid - b.vmid);
    }
    /** The one VM with this name, or undefined; several → error listing their vmids. */
    async uniqueByName(name, input, opts = {}) {
        const hits = await this.byName(name, opts);
        if (hits.length > 1) {
            throw new ResolveError(`Several VMs are named '${name}' (vmids ${hits.map((h) => h.vmid).join(', ')}): ` +
                `set 'vmid' to choose one instead of '${input}'.`);
        }
        return hits[0];
    }
    /** GET /nodes/{node}/qemu per node, in parallel; a node that cannot be reached is left out of the map. */
    async liveLists(nodes) {
        const lists = await Promise.all(nodes.map(async (node) => {
            try {
                const vms = await this.client.get(`/nodes/${encodeURIComponent(node)}/qemu`);
                const live = vms.map((v) => ({ vmid: Number(v.vmid), node, name: v.name, template: Number(v.template ?? 0) === 1, status: v.status, live: true }));
                return [node, live];
            }
            catch (e) {
                // The node is down or unreachable from the API node (595 after the client's retries): fall back to the
                // broadcast for its VMs. Anything else (auth, cancel) is the step's error.
                if (e instanceof errors_PveApiError && isTransient(e))
                    return undefined;
                throw e;
            }
        }));
        return new Map(lists.filter((x) => x !== undefined));
    }
}

;// CONCATENATED MODULE: ./src/post.ts
// The post step: removes the VM this job's main step created, when `cleanup` asks for it (always, or on-failure
// when the main step did not finish successfully), and only when the VM is provably still that one
// (vm/ownership.ts). The plan comes from vm/cleanup.ts and runs through the main step's Applier. Problems are
// warnings only: the post step never fails the job. With keep_on_failure (cleanup: always), a VM is kept when any
// step of the job failed (judgeJob: this step from the state, the others from GitHub's list of the job's steps).











/** Why a cleanup with a one-time code could not log in, and what to do about it. */
function otpHint(settings, e) {
    if (!settings.connection.otp || settings.connection.tokenSecret)
        return '';
    const auth = (e instanceof errors_PveApiError && e.status === 401) || /authentication fail|no usable ticket/i.test(String(e?.message));
    return auth
        ? ' (api_otp is a one-time code: the main step used it, and the ticket it kept for cleanup was refused, e.g. after its 2 h lifetime; use an API token for jobs that clean up)'
        : '';
}
/** Says loudly (a notice, and a line in the job summary) that the VM was kept and how to reach it. */
async function reportKept(vm, ip, why) {
    const msg = keptMessage(vm, ip, why);
    log.info(msg);
    lib_core/* notice */.lm(logText(msg), { title: `VM ${vm.vmid} kept` });
    await lib_core/* summary */.z
        .addRaw(keptMarkdown(vm.vmid, msg))
        .write()
        .catch(() => undefined);
}
/** The post entry (src/entries/post.ts) passes the state it has read already; it only loads this when there is work. */
async function run(st = (0,state_read/* readPostState */.cj)()) {
    if (!(0,state_read/* cleanupWanted */.Q7)(st)) {
        if (st.created)
            log.info(`cleanup: ${st.cleanup}; leaving the VM in place`);
        return;
    }
    const vm = st.created;
    const keep = st.keepOnFailure && st.cleanup === 'always';
    // This step's own failure needs neither inputs nor GitHub.
    if (keep && !st.mainOk)
        return reportKept(vm, st.ip, 'this step failed');
    const { settings } = await readSettingsLoading((name) => lib_core/* getInput */.V4(name), process.env);
    if (!settings) {
        log.warning(`cleanup: cannot read the connection inputs; VM ${vm.vmid} on ${vm.node} was left behind`);
        return;
    }
    for (const v of [settings.connection.password, settings.connection.tokenSecret, settings.connection.otp, settings.lifecycle.githubToken])
        if (v)
            secret(v);
    if (keep) {
        const job = await judgeJob(st.mainOk, settings.lifecycle.githubToken, process.env, settings.connection.apiTimeoutMs).catch((e) => ({ failed: false, why: undefined, unknown: `unexpected error: ${e.message}` }));
        if (job.failed)
            return reportKept(vm, st.ip, job.why ?? 'a step of this job failed');
        if (job.unknown)
            log.warning(`keep_on_failure: cannot tell whether another step of this job failed, so VM ${vm.vmid} is cleaned up as cleanup: always says: ${job.unknown}`);
        else
            log.info('keep_on_failure: no step of this job failed; cleaning up');
    }
    const client = new ProxmoxClient(settings.connection, { onSecret: secret, log: log });
    if (st.ticket)
        client.adoptTicket(st.ticket);
    const ctx = { client, settings, secretKeys: new Set(), inventory: new Inventory(client) };
    try {
        const plan = await planCleanup(ctx, vm, log.info);
        for (const n of plan.notes)
            log.debug(n);
        for (const w of plan.warnings)
            log.warning(w);
        if (plan.steps.length > 0) {
            await new Applier({ ctx, log: log, timings: { apiMs: 0, taskMs: 0, guestMs: 0 } }).run(plan);
        }
        log.info(plan.msg);
    }
    catch (e) {
        log.warning(`cleanup of VM ${vm.vmid} on ${vm.node} failed: ${e.message}${otpHint(settings, e)}`);
    }
    finally {
        await client.close();
    }
}


/***/ })

};
