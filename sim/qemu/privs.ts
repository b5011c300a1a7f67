// Which privilege a config key needs when set or deleted (qemu-server's check_vm_modify_config_perm), so users
// and tokens with partial VM.Config.* rights get PVE's 403s; root@pam skips all of it, as in PVE.
import { dieError, type Ctx } from '../core.js';
import { requireAny } from './common.js';
import { isCdrom, isCloudinit, isDriveKey, parseDrive } from './disks.js';

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

/** Checks the privileges for setting (value given) or deleting (no value) each key. */
export function checkConfigKeyPrivs(ctx: Ctx, vmid: number, keys: Array<[string, string | undefined]>): void {
  if (ctx.auth.authid === 'root@pam') return;
  const path = `/vms/${vmid}`;
  for (const [key, value] of keys) {
    if (isDriveKey(key) || key === 'cdrom') {
      let priv = ['VM.Config.Disk'];
      try {
        const d = parseDrive(key === 'cdrom' ? 'ide2' : key, value ?? 'none');
        if (isCloudinit(d)) priv = ['VM.Config.Cloudinit', 'VM.Config.CDROM'];
        else if (isCdrom(d) || key === 'cdrom') priv = ['VM.Config.CDROM'];
      } catch {
        // an unparsable value is rejected later with its own message
      }
      for (const p of priv) ctx.sim.requirePriv(ctx.auth, path, p);
    } else if (/^unused\d+$/.test(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Disk');
    } else if (/^(serial|usb|hostpci|virtiofs)\d+$/.test(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.HWType');
    } else if (key === 'tags') {
      continue;
    } else if (CPU.has(key) || /^numa\d+$/.test(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.CPU');
    } else if (MEMORY.has(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Memory');
    } else if (HWTYPE.has(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.HWType');
    } else if (GENERAL.has(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Options');
      if (key === 'startup') ctx.sim.requirePriv(ctx.auth, '/', 'Sys.Modify');
    } else if (key === 'freeze') {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.PowerMgmt');
    } else if (DISKOPTS.has(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Disk');
    } else if (/^net\d+$/.test(key)) {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Network');
    } else if (CLOUDINIT_KEYS.has(key) || /^ipconfig\d+$/.test(key)) {
      requireAny(ctx, path, ['VM.Config.Cloudinit', 'VM.Config.Network']);
    } else if (key === 'vmstate') {
      ctx.sim.requirePriv(ctx.auth, path, 'VM.Config.Disk');
      ctx.sim.requirePriv(ctx.auth, path, 'VM.PowerMgmt');
    } else {
      // args, lock, hookscript, ... : PVE's catch-all
      throw dieError(`only root can set '${key}' config`);
    }
  }
}
