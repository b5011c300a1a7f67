// Scalar VM config parameters (CPU, memory, firmware, boot, misc flags): one PVE config key each.
import {
  agentFormat, bootFormat, cpuFormat, machineFormat, rngFormat, smbiosFormat, spiceFormat, startupFormat, vgaFormat, watchdogFormat,
} from './formats.js';
import type { Param } from './types.js';

export const OSTYPES = ['other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris'] as const;
export const KEYBOARDS = [
  'de', 'de-ch', 'da', 'en-gb', 'en-us', 'es', 'fi', 'fr', 'fr-be', 'fr-ca', 'fr-ch', 'hu', 'is', 'it', 'ja', 'lt', 'mk', 'nl', 'no',
  'pl', 'pt', 'pt-br', 'sv', 'sl', 'tr',
] as const;
export const LOCKS = ['backup', 'clone', 'create', 'migrate', 'rollback', 'snapshot', 'snapshot-delete', 'suspending', 'suspended'] as const;
export const SCSI_CONTROLLERS = ['lsi', 'lsi53c810', 'virtio-scsi-pci', 'virtio-scsi-single', 'megasas', 'pvscsi'] as const;

export const hardwareParams: Param[] = [
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
