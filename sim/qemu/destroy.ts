// DELETE /nodes/{node}/qemu/{vmid} (qmdestroy): early checks before the fork and again under the flock, the
// linked-clone guard for templates, freeing owned volumes, `lock: destroyed` until the config is removed.
import { dieError, type Ctx, type VmRecord } from '../core.js';
import { FLOCK_WAIT, bool, loadVm, nodeOf, requireVmPriv, rootOnly, scaled, vmidOf } from './common.js';
import { configVolids, isCdrom, isDriveKey, parseDrive } from './disks.js';
import { acquireFlock } from './locks.js';
import { removeFromPools, startTask } from './vm.js';
import { baseVolumeInUse, freeVolume, splitVolid, volumeOwner, volumesOfVm } from './volumes.js';

// qemu-server src/PVE/API2/Qemu.pm destroy_vm $early_checks: load_config, check_protection (`can't remove VM <vmid>`),
// `VM <vmid> is running - destroy failed`; run before the fork and again under lock_config.
function earlyChecks(ctx: Ctx, node: string, vmid: number): VmRecord {
  const vm = loadVm(ctx, node, vmid);
  if (vm.config.protection === '1') throw dieError(`can't remove VM ${vmid} - protection mode enabled`);
  if (vm.status === 'running') throw dieError(`VM ${vmid} is running - destroy failed`);
  return vm;
}

// qemu-server src/PVE/API2/Qemu.pm destroy_vm (DELETE /nodes/{node}/qemu/{vmid}): a `qmdestroy` fork_worker running
// lock_config { $early_checks; QemuServer.pm destroy_vm; remove_vm_access; purge; AbstractConfig.pm destroy_config }.
export function destroyVm(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Allocate');
  rootOnly(ctx, 'skiplock');
  const skiplock = bool(ctx.params.skiplock);
  const purge = bool(ctx.params.purge);
  const unreferenced = bool(ctx.params['destroy-unreferenced-disks']);
  earlyChecks(ctx, node, vmid);

  return startTask(ctx, 'qmdestroy', vmid, async (t) => {
    const state = ctx.sim.state;
    const release = await acquireFlock(state, vmid, {
      exclusive: true,
      timeoutMs: scaled(ctx, FLOCK_WAIT.config),
      onWait: () => t.log('trying to acquire lock...'),
    });
    try {
      const vm = earlyChecks(ctx, node, vmid);
      // qemu-server src/PVE/QemuServer.pm destroy_vm: check_lock unless skiplock, and not for `lock: suspended`
      // (`!has_lock($conf, 'suspended')`: a hibernated VM can be removed); templates: the linked-clone guard.
      if (!skiplock && vm.config.lock !== undefined && vm.config.lock !== 'suspended') throw new Error(`VM is locked (${vm.config.lock})`);
      if (vm.config.template === '1') {
        for (const [key, value] of Object.entries(vm.config)) {
          if (!isDriveKey(key) && !/^unused\d+$/.test(key)) continue;
          const d = parseDrive(/^unused/.test(key) ? 'unused0' : key, value);
          if (isCdrom(d) || d.file.startsWith('/')) continue;
          if (baseVolumeInUse(state, d.file)) throw new Error(`base volume '${d.file}' is still in use by linked cloned`);
        }
      }
      await t.sleep(ctx.sim.durations.qmdestroy / 2);
      const owned = new Set<string>();
      for (const conf of [vm.config, vm.pending, ...Object.values(vm.snapshots)]) {
        for (const volid of configVolids(conf)) if (volumeOwner(volid) === vmid) owned.add(volid);
      }
      if (unreferenced) for (const volid of volumesOfVm(state, vmid)) owned.add(volid);
      for (const volid of [...owned].sort()) {
        freeVolume(state, volid);
        const v = splitVolid(volid)!;
        const type = state.storages.get(v.storage)?.type;
        if (type === 'lvm' || type === 'lvmthin') t.log(`  Logical volume "${v.volname}" successfully removed.`);
      }
      vm.config = { lock: 'destroyed' }; // QemuServer.pm destroy_vm $replacement_conf `{ lock => 'destroyed' }`
      vm.pending = {};
      vm.pendingDelete = {};
      vm.snapshots = {};
      removeFromPools(state, vmid);
      // API2/Qemu.pm destroy_vm: PVE::AccessControl::remove_vm_access always, `purging VM ...` with purge only.
      if (purge) t.log(`purging VM ${vmid} from related configurations..`);
      await t.sleep(ctx.sim.durations.qmdestroy / 2);
      if (state.vms.get(vmid) === vm) state.vms.delete(vmid); // pve-guest-common AbstractConfig.pm destroy_config
    } finally {
      release();
    }
  });
}
