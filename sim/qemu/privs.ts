// Which privilege a config key needs when set or deleted (qemu-server's check_vm_modify_config_perm), so users
// and tokens with partial VM.Config.* rights get PVE's 403s; root@pam skips all of it, as in PVE. Also the
// storage, bridge and tag checks create_vm / update_vm / clone_vm run on top of their endpoint permissions.
import { dieError, paramError, type Ctx } from '../core.js';
import { isCdrom, isCloudinit, isDriveKey, NEW_DISK_RE, parseDrive } from './disks.js';
import { isNetKey, parseNet } from './net.js';
import { splitVolid, volumeType } from './volumes.js';

const CPU = new Set(['cores', 'cpu', 'cpulimit', 'cpuunits', 'numa', 'smp', 'sockets', 'vcpus', 'affinity']);
const MEMORY = new Set(['memory', 'balloon', 'shares', 'allow-ksm']);
const HWTYPE = new Set([
  'acpi', 'hotplug', 'kvm', 'machine', 'scsihw', 'smbios1', 'tablet', 'vga', 'watchdog', 'audio0', 'rng0',
]);
const GENERAL = new Set([
  'agent', 'autostart', 'bios', 'description', 'keyboard', 'localtime', 'migrate_downtime', 'migrate_speed',
  'name', 'onboot', 'ostype', 'protection', 'reboot', 'startdate', 'startup', 'tdf', 'template',
]);
const DISKOPTS = new Set(['boot', 'bootdisk', 'vmstatestorage']);
export const CLOUDINIT_KEYS = new Set([
  'cicustom', 'cipassword', 'citype', 'ciuser', 'ciupgrade', 'nameserver', 'searchdomain', 'sshkeys',
]);

/**
 * qemu-server src/PVE/API2/Qemu.pm `$check_vm_modify_config_perm` (per option group, via RPCEnvironment.pm
 * check_vm_perm: /pool/<pool> when creating into a pool, else /vms/<vmid>), `$check_vm_create_serial_perm` and
 * `check_usb_perm` (VM.Config.HWType). With `create`, drive keys are left to `checkStorageAccess` (create_vm checks
 * no VM.Config.Disk/CDROM); without it (update_vm), drives get `$check_drive_perms` from `$updatefn`:
 * VM.Config.Cloudinit + VM.Config.CDROM for a cloud-init drive, VM.Config.CDROM for a cdrom, else VM.Config.Disk.
 */
export function checkConfigKeyPrivs(
  ctx: Ctx,
  vmid: number,
  keys: Array<[string, string | undefined]>,
  opts: { pool?: string; create?: boolean } = {},
): void {
  if (ctx.auth.authid === 'root@pam') return;
  const need = (privs: string[], any = false): void => {
    ctx.sim.acl.checkVmPerm(ctx.auth.authid, vmid, opts.pool, privs, any);
  };
  for (const [key, value] of keys) {
    if (isDriveKey(key) || key === 'cdrom') {
      if (opts.create) continue;
      let priv = ['VM.Config.Disk'];
      try {
        const d = parseDrive(key === 'cdrom' ? 'ide2' : key, value ?? 'none');
        if (isCloudinit(d)) priv = ['VM.Config.Cloudinit', 'VM.Config.CDROM'];
        else if (isCdrom(d) || key === 'cdrom') priv = ['VM.Config.CDROM'];
      } catch {
        // an unparsable value is rejected later with its own message
      }
      need(priv);
    } else if (/^unused\d+$/.test(key)) {
      if (opts.create) continue;
      need(['VM.Config.Disk']);
    } else if (/^serial\d+$/.test(key)) {
      // $check_vm_create_serial_perm: only `socket` for non-root
      if (value !== undefined && value !== 'socket') throw dieError(`only root can set '${key}' config for real devices`);
      need(['VM.Config.HWType']);
    } else if (/^(usb|hostpci|virtiofs)\d+$/.test(key)) {
      need(['VM.Config.HWType']);
    } else if (key === 'tags') {
      continue; // assertTagPermissions
    } else if (CPU.has(key) || /^numa\d+$/.test(key)) {
      need(['VM.Config.CPU']);
    } else if (MEMORY.has(key)) {
      need(['VM.Config.Memory']);
    } else if (HWTYPE.has(key)) {
      need(['VM.Config.HWType']);
    } else if (GENERAL.has(key)) {
      need(['VM.Config.Options']);
      if (key === 'startup') ctx.sim.acl.check(ctx.auth.authid, '/', ['Sys.Modify']);
    } else if (key === 'freeze') {
      need(['VM.PowerMgmt']);
    } else if (DISKOPTS.has(key)) {
      need(['VM.Config.Disk']);
    } else if (/^net\d+$/.test(key)) {
      need(['VM.Config.Network']);
    } else if (CLOUDINIT_KEYS.has(key) || /^ipconfig\d+$/.test(key)) {
      need(['VM.Config.Cloudinit', 'VM.Config.Network'], true);
    } else if (key === 'vmstate') {
      need(['VM.Config.Disk', 'VM.PowerMgmt']);
    } else {
      // args, lock, hookscript, ... : PVE's catch-all
      throw dieError(`only root can set '${key}' config`);
    }
  }
}

/**
 * qemu-server src/PVE/API2/Qemu.pm `$check_storage_access` (create_vm, update_vm): a new disk
 * (`[<storage>:]<size>`, Drive.pm $NEW_DISK_RE) needs Datastore.AllocateSpace on /storage/<storage or the default>;
 * a physical `cdrom` needs Sys.Console on /; `none` and cloud-init volumes need nothing; `vmstatestorage` needs
 * Datastore.AllocateSpace on it. An `import-from` source (root too): a storage volume must parse
 * (Drive.pm `checked_parse_volname`: pve-storage `parse_volname`, a QEMU image format) and be of type `images` or
 * `import` (else a 400 on the drive); a VM's disk then needs VM.Clone on /vms/<owner>, anything else
 * pve-storage `src/PVE/Storage.pm` `check_volume_access`: Datastore.Allocate on the storage, or for `import` (and
 * iso/vztmpl) any of Datastore.AllocateSpace / Datastore.Audit; an absolute path is for root@pam only.
 * Not modelled: check_volume_access for other existing volumes (iso images, another VM's disks), the OVA
 * extraction storage check.
 */
export function checkStorageAccess(ctx: Ctx, settings: Record<string, string>, defaultStorage?: string): void {
  const root = ctx.auth.authid === 'root@pam';
  const acl = ctx.sim.acl;
  for (const key of Object.keys(settings).sort()) {
    if (!isDriveKey(key)) continue;
    let d;
    try {
      d = parseDrive(key, settings[key]);
    } catch {
      continue;
    }
    const v = splitVolid(d.file);
    if (d.file === 'none' || d.file === 'cloudinit' || v?.volname === 'cloudinit') {
      // nothing to check
    } else if (isCdrom(d) && d.file === 'cdrom') {
      if (!root) acl.check(ctx.auth.authid, '/', ['Sys.Console']);
    } else {
      const m = !isCdrom(d) ? NEW_DISK_RE.exec(d.file) : null;
      if (m) {
        const storeid = m[1] ?? defaultStorage;
        if (!storeid) throw dieError('no storage ID specified (and no default storage)');
        if (!root) acl.check(ctx.auth.authid, `/storage/${storeid}`, ['Datastore.AllocateSpace']);
      }
    }
    const source = d['import-from'];
    if (source !== undefined) checkImportSource(ctx, key, source);
  }
  if (settings.vmstatestorage !== undefined && !root) acl.check(ctx.auth.authid, `/storage/${settings.vmstatestorage}`, ['Datastore.AllocateSpace']);
}

/** The `import-from` part of `$check_storage_access` (see above). */
function checkImportSource(ctx: Ctx, key: string, source: string): void {
  const state = ctx.sim.state;
  const who = ctx.auth.authid;
  const root = who === 'root@pam';
  const v = splitVolid(source);
  if (!v) {
    // check_volume_access: a plain Perl die (no newline), so Perl appends where it died
    if (!root) throw dieError('Only root can pass arbitrary filesystem paths. at /usr/share/perl5/PVE/Storage.pm line 651.');
    return;
  }
  const s = state.storages.get(v.storage);
  if (!s) throw dieError(`storage '${v.storage}' does not exist`);
  let t;
  try {
    t = volumeType(s, v.volname);
  } catch (err) {
    throw dieError((err as Error).message);
  }
  // Drive.pm checked_parse_volname
  if (t.vtype === 'import' && !/^ova\+/.test(t.format) && !QEMU_FORMATS.has(t.format)) {
    throw dieError(`volume '${source}' - not a QEMU image format '${t.format}'`);
  }
  if (t.vtype !== 'images' && t.vtype !== 'import') {
    throw paramError({ [key]: `${source} has wrong type '${t.vtype}' - needs to be 'images' or 'import'` });
  }
  if (root) return;
  if (t.owner !== undefined) {
    ctx.sim.acl.check(who, `/vms/${t.owner}`, ['VM.Clone']);
    return;
  }
  if (ctx.sim.acl.check(who, `/storage/${v.storage}`, ['Datastore.Allocate'], true)) return;
  // check_volume_access: import (like iso, vztmpl) needs read access at least
  ctx.sim.acl.checkAny(who, `/storage/${v.storage}`, ['Datastore.AllocateSpace', 'Datastore.Audit']);
}

/** qemu-server src/PVE/QemuServer/Drive.pm `$QEMU_FORMAT_RE`. */
const QEMU_FORMATS = new Set(['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop']);

/**
 * qemu-server src/PVE/API2/Qemu.pm `$check_storage_access_clone` (clone_vm): Datastore.AllocateSpace on the
 * storage of every disk of the source (or on the target `storage`); a cdrom image is "simply allowed" (cloud-init
 * drives are cdroms), a physical cdrom needs Sys.Console on /.
 */
export function checkStorageAccessClone(ctx: Ctx, conf: Record<string, string>, storage: string | undefined): void {
  if (ctx.auth.authid === 'root@pam') return;
  for (const key of Object.keys(conf).sort()) {
    if (!isDriveKey(key)) continue;
    let d;
    try {
      d = parseDrive(key, conf[key]);
    } catch {
      continue;
    }
    if (!d.file || d.file === 'none') continue;
    if (isCdrom(d)) {
      if (d.file === 'cdrom') ctx.sim.acl.check(ctx.auth.authid, '/', ['Sys.Console']);
      continue;
    }
    const sid = storage ?? splitVolid(d.file)?.storage;
    if (sid) ctx.sim.acl.check(ctx.auth.authid, `/storage/${sid}`, ['Datastore.AllocateSpace']);
  }
  if (conf.vmstatestorage !== undefined) ctx.sim.acl.check(ctx.auth.authid, `/storage/${conf.vmstatestorage}`, ['Datastore.AllocateSpace']);
}

/**
 * qemu-server src/PVE/QemuServer.pm check_bridge_access -> pve-guest-common src/PVE/GuestHelpers.pm
 * check_vnet_access: SDN.Use on /sdn/zones/<zone>/<bridge> (zone `localnetwork`: the simulator has no SDN vnets),
 * or on /sdn/zones/<zone>/<bridge>/<tag> for a VLAN tag and each trunk tag.
 */
export function checkBridgeAccess(ctx: Ctx, conf: Record<string, string>): void {
  if (ctx.auth.authid === 'root@pam') return;
  for (const key of Object.keys(conf).sort()) {
    if (!isNetKey(key)) continue;
    let net;
    try {
      net = parseNet(conf[key]);
    } catch {
      continue;
    }
    const bridge = net.rest.bridge;
    if (bridge === undefined) continue;
    const base = `/sdn/zones/localnetwork/${bridge}`;
    const tag = net.rest.tag;
    const trunks = net.rest.trunks;
    if (tag) ctx.sim.acl.check(ctx.auth.authid, `${base}/${tag}`, ['SDN.Use']);
    if (trunks) {
      // GuestHelpers.pm get_tags_from_trunk: `a;b-c` ranges
      const tags = new Set<number>();
      for (const part of trunks.split(';')) {
        const [a, b] = part.split('-').map(Number);
        for (let t = a; t <= (b ?? a); t++) tags.add(t);
      }
      for (const t of [...tags].sort()) ctx.sim.acl.check(ctx.auth.authid, `${base}/${t}`, ['SDN.Use']);
    }
    if (!tag && !trunks) ctx.sim.acl.check(ctx.auth.authid, base, ['SDN.Use']);
  }
}

/**
 * pve-guest-common src/PVE/GuestHelpers.pm assert_tag_permissions: VM.Config.Options on /vms/<vmid> (check_vm_perm
 * without a pool, so a VM being created into a pool is not yet covered by the pool's ACL); datacenter.cfg's default
 * `user-tag-access` (free) allows every other tag.
 */
export function assertTagPermissions(ctx: Ctx, vmid: number): void {
  if (ctx.auth.authid === 'root@pam') return;
  ctx.sim.acl.checkVmPerm(ctx.auth.authid, vmid, undefined, ['VM.Config.Options']);
}
