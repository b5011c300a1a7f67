// Parameters that choose what the action does (state, identity, clone/restore source, update switches).
import type { Param } from './types.js';

export const VM_STATES = ['present', 'started', 'absent', 'stopped', 'restarted', 'current', 'template', 'paused', 'hibernated', 'snapshot', 'rollback'] as const;
/** `start` with `state: rollback`: `auto` starts the VM again when it ran before the rollback. */
export const ROLLBACK_STARTS = ['auto', 'true', 'false'] as const;
export const DEFAULT_BEHAVIOURS = ['compatibility', 'no_defaults'] as const;

export const behaviourParams: Param[] = [
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
