// POST /nodes/{node}/qemu: create (qmcreate) or a minimal restore (qmrestore). The `lock: create` config is
// written before the fork; disks are allocated in the worker, and a failure frees them and removes the config.
import { dieError, paramError, type Ctx, type TaskHandle } from '../core.js';
import { permError } from '../acl.js';
import { FLOCK_WAIT, bool, nodeOf, requireVmPerm, scaled, str, uuid } from './common.js';
import { asPveError } from './config.js';
import { checkDriveParams, createDrive, isDriveKey } from './disks.js';
import { sshKeysProblem } from './format.js';
import { acquireFlock } from './locks.js';
import { canonicalNet, isNetKey } from './net.js';
import { startInTask } from './power.js';
import { assertTagPermissions, checkBridgeAccess, checkConfigKeyPrivs, checkStorageAccess } from './privs.js';
import { addToPool, defaultBootOrder, hashCiPassword, metaString, newVmRecord, normalizeTags, startTask } from './vm.js';
import { freeVolume, splitVolid } from './volumes.js';

const NOT_CONFIG = new Set([
  'node', 'vmid', 'archive', 'bwlimit', 'force', 'pool', 'start', 'ha-managed', 'storage', 'unique', 'live-restore',
  'import-working-storage',
]);

/**
 * Restore is simulated, not read from the archive: the "backed up" VM is a small fixed config (1 core, 512 MiB,
 * an 8 GiB scsi0 on the `storage` parameter or local-lvm, one virtio NIC on vmbr0), overridden by the given options.
 */
function restoredConfig(storage: string): Record<string, string> {
  return {
    cores: '1',
    memory: '512',
    ostype: 'l26',
    scsihw: 'virtio-scsi-single',
    scsi0: `${storage}:8`,
    net0: 'virtio,bridge=vmbr0,firewall=1',
  };
}

// qemu-server src/PVE/API2/Qemu.pm create_vm (POST /nodes/{node}/qemu): checks, create_and_lock_config, then a
// `qmcreate` / `qmrestore` fork_worker whose $createfn / $restorefn runs under lock_config_full($vmid, 1).
export async function createVm(ctx: Ctx): Promise<string> {
  const state = ctx.sim.state;
  const node = nodeOf(ctx);
  const vmid = Number(ctx.params.vmid);
  const p = ctx.params;
  const archive = str(p.archive);
  const pool = str(p.pool);
  const storage = str(p.storage);
  const start = bool(p.start);

  const conf: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (!NOT_CONFIG.has(k) && v !== undefined) conf[k] = str(v)!;

  // create_vm checks sshkeys first of all its own checks (Qemu.pm, before check_cfs_quorum and the pool)
  const badKeys = sshKeysProblem(str(p.sshkeys));
  if (badKeys) throw dieError(badKeys);
  // create_vm: $rpcenv->check_pool_exist (pve-access-control src/PVE/RPCEnvironment.pm; raise_perm_exc, a 403),
  // Datastore.AllocateSpace on /storage/<storage>, Sys.Console for ha-managed, VM.PowerMgmt if `start`
  // (check_vm_perm with the pool), then VM.Allocate on /vms/<vmid> or /pool/<pool> (or VM.Backup for a forced
  // restore over an existing VM), else a bare raise_perm_exc(): `Permission check failed`.
  if (pool !== undefined && !state.pools.has(pool)) throw permError(`pool '${pool}' does not exist`);
  const who = ctx.auth.authid;
  if (storage !== undefined) ctx.sim.acl.check(who, `/storage/${storage}`, ['Datastore.AllocateSpace']);
  if (bool(p['ha-managed'])) ctx.sim.acl.check(who, '/', ['Sys.Console']);
  if (start) requireVmPerm(ctx, vmid, pool, ['VM.PowerMgmt']);
  const allowed =
    ctx.sim.acl.check(who, `/vms/${vmid}`, ['VM.Allocate'], true) ||
    (pool !== undefined && ctx.sim.acl.check(who, `/pool/${pool}`, ['VM.Allocate'], true)) ||
    (archive !== undefined && bool(p.force) && state.vms.get(vmid)?.node === node && ctx.sim.acl.check(who, `/vms/${vmid}`, ['VM.Backup'], true));
  if (!allowed) throw permError();

  if (archive !== undefined) {
    for (const key of Object.keys(conf).sort()) {
      if (isDriveKey(key)) throw paramError({ [key]: "option conflicts with option 'archive'" }); // create_vm
    }
    const v = splitVolid(archive);
    if (v && !state.storages.has(v.storage)) throw dieError(`storage '${v.storage}' does not exist`);
  }
  if (Object.keys(conf).length > 0) {
    if (conf.cdrom !== undefined) {
      conf.ide2 = /media=/.test(conf.cdrom) ? conf.cdrom : `${conf.cdrom},media=cdrom`;
      delete conf.cdrom;
    }
    // create_vm: $check_storage_access, $check_vm_modify_config_perm (with the pool), the serial/usb checks,
    // check_bridge_access (SDN.Use), then $check_drive_param.
    checkStorageAccess(ctx, conf, storage);
    checkConfigKeyPrivs(ctx, vmid, Object.entries(conf), { pool, create: true });
    checkBridgeAccess(ctx, conf);
    checkDriveParams(state, conf, storage);
    for (const key of Object.keys(conf)) if (isNetKey(key)) conf[key] = canonicalNet(state, conf[key]);
  }

  const emsg = archive !== undefined ? `unable to restore VM ${vmid} -` : `unable to create VM ${vmid} -`;
  // pve-guest-common src/PVE/AbstractConfig.pm create_and_lock_config: flock (5 s), then the vmid must be free
  // cluster-wide (pve-cluster src/PVE/Cluster.pm check_vmid_unused: `VM <vmid> already exists on node '<node>'`),
  // `lock: create` written; create_vm dies with `$emsg $@`.
  let release: () => void;
  try {
    release = await acquireFlock(state, vmid, { exclusive: true, timeoutMs: scaled(ctx, FLOCK_WAIT.create) });
  } catch (err) {
    throw dieError(`${emsg} ${(err as Error).message}`);
  }
  try {
    const existing = state.vms.get(vmid);
    if (existing && !(archive !== undefined && bool(p.force) && existing.node === node)) {
      throw dieError(`${emsg} VM ${vmid} already exists on node '${existing.node}'`);
    }
    if (existing) existing.config.lock = 'create';
    else state.vms.set(vmid, newVmRecord(vmid, node, { lock: 'create' }));
  } finally {
    release();
  }

  const type = archive !== undefined ? 'qmrestore' : 'qmcreate';
  return startTask(ctx, type, vmid, async (t) => {
    const full = archive !== undefined ? { ...restoredConfig(storage ?? 'local-lvm'), ...conf } : conf;
    if (archive !== undefined) {
      t.log(`restore vma archive: ${archive}`);
      full.net0 = canonicalNet(state, full.net0, true);
    }
    await buildVm(ctx, t, vmid, node, full, storage, emsg);
    addToPool(state, pool, vmid);
    if (start) {
      t.log('Execute autostart'); // create_vm: `print "Execute autostart\n"`, a failure is `warn $@`
      try {
        await startInTask(ctx, t, node, vmid, {});
      } catch (err) {
        t.warn((err as Error).message);
      }
    }
  }, () => {
    const vm = state.vms.get(vmid);
    if (vm?.config.lock === 'create') state.vms.delete(vmid);
  });
}

/**
 * qemu-server API2/Qemu.pm create_vm $createfn (under lock_config_full($vmid, 1)): create_disks, meta
 * (QemuServer/MetaInfo.pm new_meta_info_string), default boot order, smbios1 uuid, vmgenid; on error vdisk_free the
 * created volumes and `die "$emsg $err"` (the `lock: create` config goes in the worker's cleanup).
 * The worker part: allocate disks, fill in meta/smbios1/vmgenid/boot, write the final config or clean up.
 */
async function buildVm(
  ctx: Ctx,
  t: TaskHandle,
  vmid: number,
  node: string,
  conf: Record<string, string>,
  defaultStorage: string | undefined,
  emsg: string,
): Promise<void> {
  const state = ctx.sim.state;
  const created: string[] = [];
  let release: (() => void) | undefined;
  try {
    release = await acquireFlock(state, vmid, { exclusive: true, timeoutMs: scaled(ctx, FLOCK_WAIT.clone) });
    await t.sleep(ctx.sim.durations.qmcreate);
    const vm = state.vms.get(vmid);
    if (!vm) throw new Error(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    const out: Record<string, string> = { ...conf, meta: metaString() };
    for (const key of Object.keys(conf).sort()) {
      if (!isDriveKey(key)) continue;
      const res = createDrive(state, node, vmid, key, conf[key], { defaultStorage, conf: out, log: (l) => t.log(l) });
      created.push(...res.created);
      out[key] = res.value;
      if (res.created.length) t.log(`${key}: successfully created disk '${res.value}'`);
    }
    if (!out.boot) {
      const boot = defaultBootOrder(out);
      if (boot) out.boot = boot;
    }
    if (!out.smbios1) out.smbios1 = `uuid=${uuid()}`;
    if (out.vmgenid === undefined || out.vmgenid === '1') out.vmgenid = uuid();
    else if (out.vmgenid === '0') delete out.vmgenid;
    // create_vm $createfn: assert_tag_permissions($vmid, ...) before write_config; the VM joins its pool only
    // after (add_vm_to_pool), so the pool's ACL does not cover this check.
    if (out.tags !== undefined) {
      assertTagPermissions(ctx, vmid);
      out.tags = normalizeTags(out.tags);
    }
    if (out.cipassword !== undefined) out.cipassword = hashCiPassword(out.cipassword);
    vm.config = out;
    vm.pending = {};
    vm.pendingDelete = {};
  } catch (err) {
    for (const volid of created) freeVolume(state, volid);
    const vm = state.vms.get(vmid);
    if (vm && vm.config.lock === 'create') state.vms.delete(vmid);
    throw new Error(`${emsg} ${asPveError(err).message}`);
  } finally {
    release?.();
  }
}
