// Device parameters given as dictionaries: indexed devices (net0, scsi0, ...) and the EFI/TPM disks.
import {
  audioFormat, diskFormats, efidiskFormat, tpmstateFormat, hostpciFormat, netFormat, numaFormat, parallelFormat, serialFormat, usbFormat, virtiofsFormat,
} from './formats.js';
import type { Param, PropFormat } from './types.js';

const DISK_VALUE_DOC =
  'Values are PVE drive strings `<storage>:<size in GiB>[,option=value...]` for a new disk, or an existing volume, e.g. `local-lvm:32,iothread=1`, `local:iso/debian.iso,media=cdrom` or `local:cloudinit`; `local-lvm:0,import-from=local:import/noble.qcow2` imports a disk image (PVE 8.2+, size 0: the disk gets the image\'s size; not stored, so an update ignores it).';

function indexed(
  name: string, pve: string, max: number, format: PropFormat, doc: string, example: string, extra: Partial<Param> = {},
): Param {
  return {
    name, kind: 'dict', group: 'vm', pve: `${pve}[n]`, keyPattern: new RegExp(`^${pve}(\\d+)$`), indexRange: [0, max],
    format, doc, example, ...extra,
  };
}

const dictDoc = (what: string, key: string, max: number) =>
  `${what} A YAML mapping or JSON object with keys \`${key}0\`..\`${key}${max}\`.`;

export const deviceParams: Param[] = [
  indexed('net', 'net', 31, netFormat,
    `${dictDoc('Network devices.', 'net', 31)} Values are \`[model=]<model>[,bridge=<bridge>][,tag=<vlan>][,firewall=<1|0>][,rate=<MB/s>][,macaddr=<MAC>]...\`; models: e1000, e1000e, virtio, vmxnet3, rtl8139, ... A MAC is generated when not given. Changed on update only with \`update_unsafe\`.`,
    'net0: virtio,bridge=vmbr0,tag=77', { unsafeToUpdate: true }),
  indexed('ide', 'ide', 3, diskFormats.ide, `${dictDoc('IDE disks and CD-ROMs.', 'ide', 3)} ${DISK_VALUE_DOC}`, 'ide2: local:cloudinit', { unsafeToUpdate: true }),
  indexed('sata', 'sata', 5, diskFormats.sata, `${dictDoc('SATA disks and CD-ROMs.', 'sata', 5)} ${DISK_VALUE_DOC}`, 'sata0: local-lvm:10,format=raw', { unsafeToUpdate: true }),
  indexed('scsi', 'scsi', 30, diskFormats.scsi, `${dictDoc('SCSI disks and CD-ROMs.', 'scsi', 30)} ${DISK_VALUE_DOC}`, 'scsi0: local-lvm:32,iothread=1,discard=on', { unsafeToUpdate: true }),
  indexed('virtio', 'virtio', 15, diskFormats.virtio, `${dictDoc('VirtIO disks.', 'virtio', 15)} ${DISK_VALUE_DOC}`, 'virtio0: local-lvm:10', { unsafeToUpdate: true }),
  indexed('hostpci', 'hostpci', 15, hostpciFormat,
    `${dictDoc('Host PCI devices passed through to the VM (the VM can then no longer be migrated).', 'hostpci', 15)} Values are \`[host=]<bus:dev.func>[;...][,pcie=<1|0>][,rombar=<1|0>][,x-vga=<1|0>][,mapping=<id>]...\`.`,
    'hostpci0: host=0000:01:00.0,pcie=1'),
  indexed('serial', 'serial', 3, serialFormat,
    `${dictDoc('Serial devices.', 'serial', 3)} Values are \`socket\` or a host device \`/dev/...\`.`, 'serial0: socket'),
  indexed('parallel', 'parallel', 2, parallelFormat,
    `${dictDoc('Host parallel devices.', 'parallel', 2)} Values are \`/dev/parportN\` or \`/dev/usb/lpN\`.`, 'parallel0: /dev/parport0'),
  indexed('numa', 'numa', 7, numaFormat,
    `${dictDoc('NUMA topology (enable it with `numa_enabled`).', 'numa', 7)} Values are \`cpus=<id[-id];...>[,hostnodes=<id[-id];...>][,memory=<MiB>][,policy=<preferred|bind|interleave>]\`.`,
    'numa0: cpus=0-3,memory=4096,policy=bind'),
  indexed('usb', 'usb', 13, usbFormat,
    `${dictDoc('USB devices.', 'usb', 13)} Values are \`[host=]<vendor:product|bus-port|spice>[,mapping=<id>][,usb3=<1|0>]\`. usb5 and above need machine version 7.1 or newer and a Linux or Windows 8+ ostype.`,
    'usb0: host=spice'),
  indexed('virtiofs', 'virtiofs', 9, virtiofsFormat,
    `${dictDoc('Directories shared with the guest through virtio-fs.', 'virtiofs', 9)} Values are \`[dirid=]<mapping id>[,cache=<auto|always|metadata|never>][,direct-io=<1|0>][,expose-acl=<1|0>][,expose-xattr=<1|0>]\`.`,
    'virtiofs0: shared-data,cache=auto'),
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
