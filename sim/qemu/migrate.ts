// POST .../migrate (qmigrate) and GET .../migrate (preconditions): moves the VM's config to another node, with
// `lock: migrate` while the task runs; local disks follow offline, online needs with-local-disks.
import { dieError, paramError, type Ctx } from '../core.js';
import { FLOCK_WAIT, bool, checkLock, loadVm, nodeOf, requireVmPriv, rootOnly, scaled, str, vmidOf } from './common.js';
import { configVolids } from './disks.js';
import { acquireFlock } from './locks.js';
import { startTask } from './vm.js';
import { splitVolid, volumeSize } from './volumes.js';

/** Storages of the VM's volumes that are local (not shared). */
function localStorages(ctx: Ctx, conf: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const volid of configVolids(conf)) {
    const sid = splitVolid(volid)!.storage;
    if (!ctx.sim.state.storages.get(sid)?.shared) out.add(sid);
  }
  return [...out];
}

// qemu-server src/PVE/QemuServer.pm check_storage_availability.
function checkStorageAvailability(ctx: Ctx, conf: Record<string, string>, target: string): void {
  for (const volid of configVolids(conf)) {
    const sid = splitVolid(volid)!.storage;
    const s = ctx.sim.state.storages.get(sid);
    if (!s) throw dieError(`storage '${sid}' does not exist`);
    if (!s.shared && !s.nodes.includes(target)) throw dieError(`storage '${sid}' is not available on node '${target}'`);
  }
}

// qemu-server src/PVE/API2/Qemu.pm migrate_vm: `target is local node.`, check_node_exists, root-only options,
// check_lock, `can't migrate running VM without --online`, then a `qmigrate` fork_worker running
// PVE::QemuMigrate->migrate (pve-guest-common src/PVE/AbstractMigrate.pm migrate, under lock_vm = lock_config).
export function migrateVm(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Migrate');
  const target = String(ctx.params.target);
  if (target === node) throw paramError({ target: 'target is local node.' });
  const targetNode = ctx.sim.state.nodes.get(target);
  if (!targetNode) throw dieError(`no such cluster node '${target}'`);
  rootOnly(ctx, 'force', 'migration_type', 'migration_network');
  const vm = loadVm(ctx, node, vmid);
  checkLock(vm);
  let online = bool(ctx.params.online);
  if (vm.status === 'running') {
    if (!online) throw dieError("can't migrate running VM without --online");
  } else {
    online = false;
  }
  if (!str(ctx.params.targetstorage)) checkStorageAvailability(ctx, vm.config, target);
  const withLocalDisks = bool(ctx.params['with-local-disks']);

  return startTask(ctx, 'qmigrate', vmid, async (t) => {
    const started = Date.now();
    const release = await acquireFlock(ctx.sim.state, vmid, {
      exclusive: true,
      timeoutMs: scaled(ctx, FLOCK_WAIT.config),
      onWait: () => t.log('trying to acquire lock...'),
    });
    try {
      const cur = loadVm(ctx, node, vmid);
      checkLock(cur);
      if (!targetNode.online) throw new Error(`migration aborted - target node '${target}' is offline`);
      t.log(`starting migration of VM ${vmid} to node '${target}'`); // QemuMigrate.pm phase1 (PVE adds ` (<nodeip>)`)
      const local = localStorages(ctx, cur.config);
      if (online && local.length && !withLocalDisks) {
        throw new Error("can't live migrate attached local disks without with-local-disks option"); // QemuMigrate.pm scan_local_volumes
      }
      cur.config.lock = 'migrate'; // QemuMigrate.pm phase1: `$conf->{lock} = 'migrate'`
      try {
        for (const volid of configVolids(cur.config)) {
          const sid = splitVolid(volid)!.storage;
          if (local.includes(sid)) t.log(`found local disk '${volid}' (attached)`);
        }
        if (online) t.log('starting online/live migration');
        await t.sleep(ctx.sim.durations.qmigrate);
        for (const volid of configVolids(cur.config)) {
          if (local.includes(splitVolid(volid)!.storage)) {
            t.log(`copying local disk '${volid}' (${volumeSize(ctx.sim.state, volid) ?? 0} bytes)`);
          }
        }
        cur.node = target;
      } finally {
        delete cur.config.lock;
      }
      const secs = Math.max(1, Math.round((Date.now() - started) / (ctx.sim.timeScale ?? 1) / 1000));
      const hms = new Date(secs * 1000).toISOString().slice(11, 19);
      t.log(`migration finished successfully (duration ${hms})`); // AbstractMigrate.pm migrate
    } finally {
      release();
    }
  });
}

// qemu-server src/PVE/API2/Qemu.pm migrate_vm_precondition (GET .../migrate).
export function migratePrecondition(ctx: Ctx): unknown {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  requireVmPriv(ctx, vmid, 'VM.Migrate');
  const vm = loadVm(ctx, node, vmid);
  checkLock(vm);
  const allowed: string[] = [];
  const notAllowed: Record<string, unknown> = {};
  for (const name of [...ctx.sim.state.nodes.keys()].sort()) {
    if (name === node) continue;
    const missing = configVolids(vm.config)
      .map((v) => splitVolid(v)!.storage)
      .filter((sid) => {
        const s = ctx.sim.state.storages.get(sid);
        return !s || (!s.shared && !s.nodes.includes(name));
      });
    if (missing.length) notAllowed[name] = { unavailable_storages: [...new Set(missing)] };
    else allowed.push(name);
  }
  const local = localStorages(ctx, vm.config);
  return {
    running: vm.status === 'running' ? 1 : 0,
    allowed_nodes: allowed,
    not_allowed_nodes: notAllowed,
    local_disks: configVolids(vm.config)
      .filter((v) => local.includes(splitVolid(v)!.storage))
      .map((volid) => ({ volid, size: volumeSize(ctx.sim.state, volid) ?? 0, cdrom: 0, is_unused: 0 })),
    local_resources: [],
    'mapped-resources': [],
    'mapped-resource-info': {},
    'has-dbus-vmstate': 1,
  };
}
