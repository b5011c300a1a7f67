// The config update shared by PUT (sync) and POST (qmconfig task) .../config: parameter checks before the fork,
// the digest/lock/balloon checks, writing [PENDING], then applying (stopped) or hot-plugging (running).
import { dieError, paramError, type Ctx, type VmRecord } from '../core.js';
import { bool, checkLock, loadVm, nodeOf, rootOnly, str, uuid, vmidOf } from './common.js';
import { configDigest } from './configfile.js';
import { checkDriveParams, createDrive, isCdrom, isDriveKey, parseDrive } from './disks.js';
import { isConfigKey, sshKeysProblem } from './format.js';
import { canonicalNet, isNetKey } from './net.js';
import { applyPending, cleanupPending, hasPending, hotplugPending, registerUnusedDrive } from './pending.js';
import { assertTagPermissions, checkBridgeAccess, checkConfigKeyPrivs, checkStorageAccess } from './privs.js';
import { bootOrderList, hashCiPassword, memoryMiB, normalizeTags } from './vm.js';
import { freeVolume, splitVolid, volumeOwner } from './volumes.js';

export interface UpdateRequest {
  vmid: number;
  node: string;
  set: Record<string, string>;
  deletes: string[];
  revert: string[];
  force: boolean;
  digest?: string;
  skiplock: boolean;
  /** `-cores 4 -memory 4096` as PVE prints it in the task log (cipassword hidden). */
  logLine: string;
}

const NOT_CONFIG = new Set([
  'node', 'vmid', 'digest', 'background_delay', 'skiplock', 'delete', 'revert', 'force', 'import-working-storage',
  'skip_cloud_init',
]);

function splitList(v: unknown): string[] {
  return (str(v) ?? '').split(/[;,\s\0]+/).filter(Boolean);
}

/**
 * Everything update_vm_api checks before locking or forking (qemu-server src/PVE/API2/Qemu.pm $update_vm_api: skiplock
 * root-only, sshkeys, `no options specified`, resolve_cdrom_alias, revert/delete param errors, drive checks,
 * $check_vm_modify_config_perm). Throws PveError.
 */
export function prepareUpdate(ctx: Ctx): UpdateRequest {
  const p = ctx.params;
  const vmid = vmidOf(ctx);
  const skiplock = bool(p.skiplock);
  rootOnly(ctx, 'skiplock');
  // update_vm_api: right after the skiplock check, before "no options specified"
  const badKeys = sshKeysProblem(str(p.sshkeys));
  if (badKeys) throw dieError(badKeys);

  // $update_vm_api @paramarr: the sorted `-key value` list of `update VM <vmid>: ...` (cipassword `<hidden>`).
  const logged = Object.keys(p)
    .filter((k) => !['node', 'vmid', 'digest', 'background_delay', 'skip_cloud_init', 'import-working-storage'].includes(k))
    .sort()
    .map((k) => `-${k} ${k === 'cipassword' ? '<hidden>' : str(p[k])}`);

  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (!NOT_CONFIG.has(k) && v !== undefined) set[k] = str(v)!;
  const deleteStr = str(p.delete);
  const revertStr = str(p.revert);
  if (!deleteStr && !revertStr && Object.keys(set).length === 0) throw dieError('no options specified');

  if (set.cdrom !== undefined) {
    set.ide2 = /media=/.test(set.cdrom) ? set.cdrom : `${set.cdrom},media=cdrom`;
    delete set.cdrom;
  }

  const revert: string[] = [];
  for (const opt of splitList(revertStr)) {
    if (!isConfigKey(opt)) throw paramError({ revert: `unknown option '${opt}'` });
    if (set[opt] !== undefined) throw paramError({ delete: `you can't use '-${opt}' and -revert ${opt}' at the same time` });
    revert.push(opt);
  }
  const deletes: string[] = [];
  for (let opt of splitList(deleteStr)) {
    if (opt === 'cdrom') opt = 'ide2';
    if (set[opt] !== undefined) throw paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    if (revert.includes(opt)) {
      throw paramError({ revert: `you can't use '-delete ${opt}' and -revert ${opt}' at the same time` });
    }
    if (!isConfigKey(opt)) throw paramError({ delete: `unknown option '${opt}'` });
    deletes.push(opt);
  }

  checkDriveParams(ctx.sim.state, set);
  for (const key of Object.keys(set)) {
    if (isNetKey(key)) set[key] = canonicalNet(ctx.sim.state, set[key]);
    else if (key === 'vmgenid' && set[key] === '1') set[key] = uuid();
  }

  // update_vm ($update_vm_api): $check_vm_modify_config_perm for the deletions, then the new values,
  // $check_storage_access (no default storage), check_bridge_access (SDN.Use); drive keys get their
  // VM.Config.Disk/CDROM/Cloudinit check from $updatefn's $check_drive_perms (folded in here, before the fork).
  checkConfigKeyPrivs(ctx, vmid, deletes.filter((k) => !isDriveKey(k)).map((k) => [k, undefined]));
  checkConfigKeyPrivs(ctx, vmid, Object.entries(set));
  checkStorageAccess(ctx, set);
  checkBridgeAccess(ctx, set);
  // $updatefn: assert_tag_permissions for a tags value or deletion (VM.Config.Options on /vms/<vmid>).
  if (set.tags !== undefined || deletes.includes('tags')) assertTagPermissions(ctx, vmid);

  return {
    vmid,
    node: nodeOf(ctx),
    set,
    deletes,
    revert,
    force: bool(p.force),
    digest: str(p.digest),
    skiplock,
    logLine: logged.join(' '),
  };
}

/** qemu-server API2/Qemu.pm $update_vm_api $load_and_check_config (load_config, digest compare, AbstractConfig.pm
 * check_lock unless skiplock): existence, digest, lock (a `suspended` lock may be cleared by deleting vmstate), balloon. */
export function loadAndCheck(ctx: Ctx, req: UpdateRequest): VmRecord {
  const vm = loadVm(ctx, req.node, req.vmid);
  if (req.digest && req.digest !== configDigest(vm)) throw dieError('checksum mismatch (file change by other user?)');
  const clearsSuspend = req.deletes.includes('vmstate') && vm.config.lock === 'suspended';
  if (!req.skiplock && !clearsSuspend) checkLock(vm);
  const { set } = req;
  if (set.memory !== undefined || set.balloon !== undefined) {
    const maxmem = memoryMiB({ memory: set.memory ?? vm.pending.memory ?? vm.config.memory ?? '512' });
    const balloon = set.balloon ?? vm.pending.balloon ?? vm.config.balloon;
    if (balloon && Number(balloon) > maxmem) {
      throw dieError('balloon value too large (must be smaller than assigned memory)');
    }
  }
  return vm;
}

// pve-guest-common src/PVE/AbstractConfig.pm check_protection: `<msg> - protection mode enabled`.
function protectionCheck(vm: VmRecord, prefix: string): void {
  if (vm.config.protection === '1') throw dieError(`${prefix} - protection mode enabled`);
}

/**
 * qemu-server API2/Qemu.pm $update_vm_api $updatefn (run under lock_config): the @delete loop, then the $param loop
 * writing [PENDING], PVE::QemuConfig->cleanup_pending, then vmconfig_apply_pending (stopped) or
 * vmconfig_hotplug_pending (running), both in src/PVE/QemuServer.pm.
 * The locked part of the update: writes [PENDING], then applies it. `log`/`warn` go to the task log (POST) or
 * nowhere (PUT, as PVE prints them to the daemon's stderr).
 */
export function applyUpdate(ctx: Ctx, req: UpdateRequest, log: (l: string) => void, warn: (l: string) => void): void {
  const state = ctx.sim.state;
  const vm = loadAndCheck(ctx, req);
  const set = { ...req.set };
  const deletes = [...req.deletes];
  if (deletes.includes('vmstate') && vm.config.lock === 'suspended') deletes.push('lock');
  for (const opt of req.revert) {
    if (vm.config[opt] !== undefined) set[opt] = vm.config[opt];
    else if (vm.pending[opt] !== undefined) deletes.push(opt);
  }
  log(`update VM ${req.vmid}: ${req.logLine}`); // $updatefn: `print "update VM $vmid: " . join(' ', @paramarr)`

  let bootorder = bootOrderList(vm.config.boot);
  for (const opt of deletes) {
    const val = vm.config[opt] ?? vm.pending[opt];
    if (val === undefined) {
      // API2/Qemu.pm `$update_vm_api`: a plain Perl `warn`, so a POST's qmconfig task still ends `TASK OK`.
      warn(`cannot delete '${opt}' - not set in current configuration!`);
      continue;
    }
    const isPendingVal = vm.pending[opt] !== undefined;
    delete vm.pending[opt];
    if (bootorder.includes(opt)) {
      bootorder = bootorder.filter((d) => d !== opt);
      if (bootorder.length) vm.pending.boot = `order=${bootorder.join(';')}`;
    }
    if (/^unused\d+$/.test(opt)) {
      protectionCheck(vm, `can't remove unused disk '${val}'`);
      if (volumeOwner(val) === vm.vmid) freeVolume(state, val);
      delete vm.config[opt];
    } else if (opt === 'vmstate') {
      protectionCheck(vm, `can't remove vmstate '${val}'`);
      if (splitVolid(val)) freeVolume(state, val);
      delete vm.config[opt];
    } else if (isDriveKey(opt)) {
      protectionCheck(vm, `can't remove drive '${opt}'`);
      checkConfigKeyPrivs(ctx, req.vmid, [[opt, val]]);
      if (isPendingVal) registerUnusedDrive(state, vm, opt, val);
      vm.pendingDelete[opt] = req.force ? 2 : 1;
    } else if (opt === 'tags') {
      delete vm.config.tags;
    } else {
      vm.pendingDelete[opt] = req.force ? 2 : 1;
    }
  }

  for (const opt of Object.keys(set).sort()) {
    const value = set[opt];
    if (vm.pending[opt] !== undefined && vm.pending[opt] === value) continue;
    if (isDriveKey(opt)) {
      if (vm.pending[opt] !== undefined) registerUnusedDrive(state, vm, opt, vm.pending[opt]);
      const created = createDrive(state, req.node, req.vmid, opt, value, {
        template: vm.config.template === '1',
        conf: { ...vm.config, ...vm.pending },
        log,
      });
      vm.pending[opt] = created.value;
      if (created.created.length) log(`${opt}: successfully created disk '${created.value}'`);
      if (bootorder.length && isCdrom(parseDrive(opt, value)) && !bootorder.includes(opt)) {
        bootorder.push(opt);
        vm.pending.boot = `order=${bootorder.join(';')}`;
      }
    } else if (opt === 'tags') {
      vm.pending.tags = normalizeTags(value);
    } else if (opt === 'cipassword') {
      vm.config.cipassword = hashCiPassword(value);
    } else if (opt === 'boot') {
      const devs = bootOrderList(value);
      for (const dev of devs) {
        const exists = vm.config[dev] ?? vm.pending[dev] ?? set[dev];
        if (exists === undefined || deletes.includes(dev)) {
          throw dieError(`invalid bootorder: device '${dev}' does not exist'`);
        }
      }
      vm.pending.boot = devs.length ? `order=${devs.join(';')}` : value;
      if (vm.config.bootdisk !== undefined) vm.pendingDelete.bootdisk = 1;
    } else {
      vm.pending[opt] = value;
    }
    delete vm.pendingDelete[opt];
  }

  cleanupPending(vm); // pve-guest-common AbstractConfig.pm cleanup_pending
  if (!hasPending(vm)) return;
  if (vm.status === 'running') hotplugPending(state, vm);
  else applyPending(state, vm);
}
