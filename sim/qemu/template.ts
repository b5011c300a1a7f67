// POST .../template (qmtemplate: vm-N-disk-M → base-N-disk-M) and PUT .../resize (resize task).
import { dieError, type Ctx, type TaskHandle, type VmRecord } from '../core.js';
import { FLOCK_WAIT, bool, checkLock, findVm, loadVm, nodeOf, requireVmPriv, rootOnly, scaled, str, vmidOf } from './common.js';
import { configDigest } from './configfile.js';
import { isCdrom, isDriveKey, parseDrive, printDrive } from './disks.js';
import { acquireFlock } from './locks.js';
import { startTask } from './vm.js';
import { formatSize, parseSize, renameToBase, setVolumeSize, splitVolid, volumeSize } from './volumes.js';

function lockTask(ctx: Ctx, t: TaskHandle, vmid: number): Promise<() => void> {
  return acquireFlock(ctx.sim.state, vmid, {
    exclusive: true,
    timeoutMs: scaled(ctx, FLOCK_WAIT.config),
    onWait: () => t.log('trying to acquire lock...'),
  });
}

// qemu-server src/PVE/API2/Qemu.pm template: check_lock, snapshots, template-to-template and running checks (texts).
function templateChecks(ctx: Ctx, node: string, vmid: number, disk?: string): VmRecord {
  const vm = loadVm(ctx, node, vmid);
  checkLock(vm);
  if (Object.keys(vm.snapshots).length) throw dieError('unable to create template, because VM contains snapshots');
  if (vm.config.template === '1' && !disk) throw dieError("you can't convert a template to a template");
  if (vm.status === 'running') throw dieError("you can't convert a VM to template if VM is running");
  return vm;
}

// qemu-server src/PVE/API2/Qemu.pm template: a `qmtemplate` fork_worker, lock_config, QemuServer.pm template_create.
export function createTemplate(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Allocate');
  const disk = str(ctx.params.disk);
  templateChecks(ctx, node, vmid, disk);
  return startTask(ctx, 'qmtemplate', vmid, async (t) => {
    const release = await lockTask(ctx, t, vmid);
    try {
      const vm = templateChecks(ctx, node, vmid, disk);
      await t.sleep(ctx.sim.durations.qmtemplate);
      for (const key of Object.keys(vm.config).sort()) {
        if (!isDriveKey(key) || (disk && key !== disk)) continue;
        const d = parseDrive(key, vm.config[key]);
        if (isCdrom(d) || !splitVolid(d.file)) continue;
        const base = renameToBase(ctx.sim.state, d.file);
        if (base !== d.file) t.log(`${key}: renamed '${d.file}' to '${base}'`);
        d.file = base;
        vm.config[key] = printDrive(key, d);
      }
      if (!disk) vm.config.template = '1';
    } finally {
      release();
    }
  });
}

// qemu-server src/PVE/API2/Qemu.pm resize_vm: a `resize` fork_worker running $updatefn under lock_config (digest,
// check_lock unless skiplock, disk/cdrom/size checks and texts, `+`-relative sizes, `shrinking disks is not supported`).
export function resizeDisk(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Config.Disk');
  rootOnly(ctx, 'skiplock');
  const skiplock = bool(ctx.params.skiplock);
  const disk = String(ctx.params.disk);
  const sizestr = String(ctx.params.size);
  const digest = str(ctx.params.digest);
  return startTask(ctx, 'resize', vmid, async (t) => {
    const release = await lockTask(ctx, t, vmid);
    try {
      const vm = findVm(ctx, node, vmid);
      if (!vm) throw new Error(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
      if (digest && digest !== configDigest(vm)) throw new Error('checksum mismatch (file change by other user?)');
      if (!skiplock) checkLock(vm);
      if (vm.config[disk] === undefined) throw new Error(`disk '${disk}' does not exist`);
      const d = parseDrive(disk, vm.config[disk]);
      if (!d.file) throw new Error(`disk '${disk}' has no associated volume`);
      if (isCdrom(d)) throw new Error("you can't resize a cdrom");
      // resize_vm $updatefn: Datastore.AllocateSpace on the disk's storage.
      const sid = d.file.split(':')[0];
      if (ctx.auth.authid !== 'root@pam') ctx.sim.acl.check(ctx.auth.authid, `/storage/${sid}`, ['Datastore.AllocateSpace']);
      const size = volumeSize(ctx.sim.state, d.file) ?? (d.size ? parseSize(d.size) : undefined);
      if (size === undefined) throw new Error(`Could not determine current size of volume '${d.file}'`);
      const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(sizestr);
      if (!m) throw new Error('internal error');
      let newsize = parseSize(`${m[2]}${m[3] ?? ''}`);
      if (m[1]) newsize += size;
      if (newsize < size) throw new Error('shrinking disks is not supported');
      if (newsize === size) return;
      await t.sleep(ctx.sim.durations.resize);
      setVolumeSize(ctx.sim.state, d.file, newsize);
      d.size = formatSize(newsize);
      vm.config[disk] = printDrive(disk, d);
    } finally {
      release();
    }
  });
}
