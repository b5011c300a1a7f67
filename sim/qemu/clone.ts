// POST .../clone (qmclone, task id = source vmid): PVE's pre-fork checks (the target id against this node's configs
// only), the shared/exclusive source flock and exclusive target flock (1 s waits), the temporary config pmxcfs
// refuses for an id of another node, `lock: clone` on the target while disks are copied, cleanup on failure.
import { dieError, paramError, type Ctx, type TaskHandle } from '../core.js';
import { permError } from '../acl.js';
import { FLOCK_WAIT, bool, checkLock, findVm, missingConfigMessage, nodeOf, scaled, str, uuid, vmidOf } from './common.js';
import { checkBridgeAccess, checkStorageAccessClone } from './privs.js';
import { isCdrom, isCloudinit, isDriveKey, parseDrive, printDrive, type Drive } from './disks.js';
import { acquireFlock } from './locks.js';
import { canonicalNet, isNetKey } from './net.js';
import { notOnNodeMessage } from './power.js';
import { addToPool, newVmRecord, startTask } from './vm.js';
import {
  allocVolume, formatSize, freeVolume, isBaseVolume, isFileStorage, parseSize, registerVolume, splitVolid,
  volumeSize,
} from './volumes.js';

interface CloneParams {
  node: string;
  vmid: number;
  newid: number;
  target?: string;
  pool?: string;
  snapname?: string;
  storage?: string;
  format?: string;
  full?: boolean;
  name?: string;
  description?: string;
}

interface ClonePlan {
  newconf: Record<string, string>;
  oldconf: Record<string, string>;
  drives: Array<[string, Drive]>;
  fullclone: Set<string>;
  full: boolean;
  pendingKeys: string[];
}

const SKIP = new Set(['parent', 'snaptime', 'vmstate', 'snapstate', 'runningcpu', 'runningmachine', 'running-nets-host-mtu']);

/** volume_has_feature(clone): base volumes (not on thick LVM), or snapshots on thin/ZFS/RBD storages. */
function canLinkClone(ctx: Ctx, volid: string, snapname?: string): boolean {
  const type = ctx.sim.state.storages.get(splitVolid(volid)?.storage ?? '')?.type;
  if (!type) return false;
  if (snapname) return type === 'lvmthin' || type === 'zfspool' || type === 'rbd';
  return isBaseVolume(volid) && type !== 'lvm';
}

/** The checks clone_vm runs before forking and again under the locks. Throws Error (PveError pre-fork). */
function loadAndCheck(ctx: Ctx, p: CloneParams, running: boolean): ClonePlan {
  const state = ctx.sim.state;
  // RPCEnvironment.pm check_pool_exist: raise_perm_exc (403).
  if (p.pool !== undefined && !state.pools.has(p.pool)) throw permError(`pool '${p.pool}' does not exist`);
  if (p.target && !state.nodes.has(p.target)) throw dieError(`no such cluster node '${p.target}'`);
  if (p.storage) {
    const s = state.storages.get(p.storage);
    if (!s) throw dieError(`storage '${p.storage}' does not exist`);
    if (!s.shared && !s.nodes.includes(p.node)) {
      throw dieError(`storage '${p.storage}' is not available on node '${p.node}'`);
    }
    if (!s.content.split(',').includes('images')) {
      throw paramError({ storage: `storage '${p.storage}' does not support vm images` });
    }
    if (p.target) {
      if (!s.shared && !s.nodes.includes(p.target)) {
        throw dieError(`storage '${p.storage}' is not available on node '${p.target}'`);
      }
      if (!s.shared) throw dieError(`can't clone to non-shared storage '${p.storage}'`);
    }
  }
  const vm = findVm(ctx, p.node, p.vmid);
  if (!vm) throw dieError(missingConfigMessage(p.node, p.vmid));
  checkLock(vm);
  if ((vm.status === 'running') !== running) throw dieError('unexpected state change');
  if (p.snapname && !vm.snapshots[p.snapname]) throw dieError(`snapshot '${p.snapname}' does not exist`);
  const full = p.full ?? vm.config.template !== '1';
  if (p.storage !== undefined && !full) throw dieError("parameter 'storage' not allowed for linked clones");
  if (p.format !== undefined && !full) throw dieError("parameter 'format' not allowed for linked clones");
  const oldconf = p.snapname ? vm.snapshots[p.snapname] : vm.config;
  // clone_vm $load_and_check: $check_storage_access_clone (Datastore.AllocateSpace), check_bridge_access (SDN.Use).
  checkStorageAccessClone(ctx, oldconf, p.storage);
  checkBridgeAccess(ctx, oldconf);

  let sharedvm = true;
  const newconf: Record<string, string> = { lock: 'clone' };
  const drives: Array<[string, Drive]> = [];
  const fullclone = new Set<string>();
  for (const opt of Object.keys(oldconf).sort()) {
    const value = oldconf[opt];
    if (SKIP.has(opt) || /^unused\d+$/.test(opt)) continue;
    if (full && running && !p.snapname && opt === 'tpmstate0') throw dieError('cannot clone TPM state while VM is running');
    if (isNetKey(opt)) {
      newconf[opt] = canonicalNet(state, value, true);
    } else if (isDriveKey(opt)) {
      const drive = parseDrive(opt, value);
      const v = splitVolid(drive.file);
      if (v && !state.storages.get(v.storage)?.shared) sharedvm = false;
      if (isCdrom(drive) && !isCloudinit(drive)) {
        newconf[opt] = value;
        continue;
      }
      const what = `clone feature is not supported for${p.snapname ? ' a snapshot of' : ''} '${drive.file}' (${opt})`;
      if (full || isCloudinit(drive) || opt === 'tpmstate0') {
        if (!v) throw dieError(`Full ${what}`);
        fullclone.add(opt);
      } else if (!canLinkClone(ctx, drive.file, p.snapname)) {
        throw dieError(`Linked ${what}`);
      }
      drives.push([opt, drive]);
    } else {
      newconf[opt] = value;
    }
  }
  if (p.target && !sharedvm) throw dieError(`can't clone VM to node '${p.target}' (VM uses local storage)`);
  // `-f $conffile`: config_file($newid) is this node's qemu-server/ directory, so only a VM of this node is seen
  // here; an id another node holds passes, before the fork and again in the worker (see tempConfigRefused).
  if (state.vms.get(p.newid)?.node === p.node) {
    throw dieError(`unable to create VM ${p.newid}: config file already exists`);
  }
  const pendingKeys = p.snapname ? [] : [...Object.keys(vm.pending), ...Object.keys(vm.pendingDelete)];
  return { newconf, oldconf, drives, fullclone, full, pendingKeys };
}

function driveBytes(ctx: Ctx, d: Drive): number {
  const known = volumeSize(ctx.sim.state, d.file);
  if (known !== undefined) return known;
  try {
    return d.size ? parseSize(d.size) : 0;
  } catch {
    return 0;
  }
}

/**
 * QemuServer/QemuImage.pm `convert` runs `qemu-img convert -p` and prints `transferred <x> of <size> (<p>%)` for each
 * progress report of qemu-img (qemu-img.c: `qemu_progress_init(progress, 1.0)`, a report per 1 % done), while the
 * copy runs; the simulator logs them evenly across the drive's share of the clone's duration.
 */
const PROGRESS_STEPS = 100;

async function copyWithProgress(t: TaskHandle, bytes: number, durationMs: number): Promise<void> {
  const line = (pct: number): string =>
    `transferred ${formatSize(Math.floor((bytes * pct) / 100))} of ${formatSize(bytes)} (${pct.toFixed(2)}%)`;
  t.log(line(0));
  for (let i = 1; i <= PROGRESS_STEPS; i++) {
    await t.sleep(durationMs / PROGRESS_STEPS);
    t.log(line((100 * i) / PROGRESS_STEPS));
  }
}

/** clone_disk: a full copy on the target storage/format (taking `copyMs`), or a linked clone next to its base. */
async function cloneDrive(ctx: Ctx, t: TaskHandle, p: CloneParams, opt: string, d: Drive, full: boolean, copyMs: number): Promise<[Drive, string]> {
  const state = ctx.sim.state;
  const src = splitVolid(d.file)!;
  const bytes = driveBytes(ctx, d);
  const out: Drive = { ...d };
  let volid: string;
  if (full) {
    t.log(`create full clone of drive ${opt} (${d.file})`);
    // Allocating the target volume takes time too (thick LVM, a preallocated qcow2): a share of the drive's time.
    const allocMs = copyMs / PROGRESS_STEPS;
    copyMs -= allocMs;
    await t.sleep(allocMs);
    const dst = state.storages.get(p.storage ?? src.storage);
    if (!dst) throw new Error(`storage '${p.storage ?? src.storage}' does not exist`);
    const srcFmt = /\.(raw|qcow2|vmdk)$/.exec(src.volname)?.[1] ?? 'raw';
    const fmt = p.format ?? (isFileStorage(dst) ? srcFmt : 'raw');
    if (isCloudinit(d)) {
      const name = `vm-${p.newid}-cloudinit`;
      volid = isFileStorage(dst) ? `${dst.storage}:${p.newid}/${name}.${fmt}` : `${dst.storage}:${name}`;
      registerVolume(state, volid, bytes);
    } else {
      volid = allocVolume(state, dst, p.newid, bytes, { format: fmt });
      out.size = formatSize(bytes);
    }
    if (isCloudinit(d)) {
      await t.sleep(copyMs);
      t.log(`transferred ${formatSize(bytes)} of ${formatSize(bytes)} (100.00%)`);
    } else {
      try {
        await copyWithProgress(t, bytes, copyMs);
      } catch (err) {
        freeVolume(state, volid);
        throw err;
      }
    }
  } else {
    await t.sleep(copyMs);
    t.log(`create linked clone of drive ${opt} (${d.file})`);
    volid = allocVolume(state, state.storages.get(src.storage)!, p.newid, bytes, { linkedBase: d.file });
  }
  out.file = volid;
  delete out.format;
  return [out, volid];
}

export function cloneVm(ctx: Ctx): string {
  const node = nodeOf(ctx);
  const vmid = vmidOf(ctx);
  const newid = Number(ctx.params.newid);
  // The endpoint's own check (the schema's `permissions`, done by the server before this handler): VM.Clone on
  // /vms/<vmid>, and VM.Allocate on /vms/<newid> or /pool/<pool>. Storage and bridge checks in loadAndCheck.
  let target = str(ctx.params.target);
  if (target === node || target === 'localhost') target = undefined;
  const p: CloneParams = {
    node, vmid, newid, target,
    pool: str(ctx.params.pool),
    snapname: str(ctx.params.snapname),
    storage: str(ctx.params.storage),
    format: str(ctx.params.format),
    full: ctx.params.full === undefined ? undefined : bool(ctx.params.full),
    name: str(ctx.params.name),
    description: str(ctx.params.description),
  };
  const src = findVm(ctx, node, vmid);
  if (!src) throw dieError(notOnNodeMessage(node, vmid));
  const running = src.status === 'running';
  const early = loadAndCheck(ctx, p, running);
  const duration = early.drives.some(([k]) => early.fullclone.has(k)) || early.full
    ? ctx.sim.durations.qmclone_full
    : ctx.sim.durations.qmclone_linked;

  return startTask(ctx, 'qmclone', vmid, async (t) => {
    const state = ctx.sim.state;
    const wait = { timeoutMs: scaled(ctx, FLOCK_WAIT.clone), onWait: () => t.log('trying to acquire lock...') };
    const releaseSrc = await acquireFlock(state, vmid, { exclusive: running, ...wait });
    try {
      const releaseDst = await acquireFlock(state, newid, { exclusive: true, ...wait });
      try {
        await doClone(ctx, t, p, loadAndCheck(ctx, p, running), duration);
      } finally {
        releaseDst();
      }
    } finally {
      releaseSrc();
    }
  });
}

/**
 * clone_vm (qemu-server src/PVE/API2/Qemu.pm) writes its temporary config ("# qmclone temporary file\nlock: clone")
 * with PVE::Tools::file_set_contents (pve-common src/PVE/File.pm): a temp file renamed onto
 * /etc/pve/nodes/<node>/qemu-server/<newid>.conf, which pmxcfs refuses (EEXIST) while the vmid belongs to another
 * node. The die is outside the clone's eval: no "clone failed:" prefix, and nothing is left behind (the temp file
 * is unlinked; the firewall config is cloned only after this write).
 */
function tempConfigRefused(ctx: Ctx, p: CloneParams): string | undefined {
  if (!ctx.sim.state.vms.has(p.newid)) return undefined;
  return `close (rename) atomic file '/etc/pve/nodes/${p.node}/qemu-server/${p.newid}.conf' failed: File exists`;
}

async function doClone(ctx: Ctx, t: TaskHandle, p: CloneParams, plan: ClonePlan, duration: number): Promise<void> {
  const state = ctx.sim.state;
  t.log(`creating a clone of VM ${p.vmid} with ID ${p.newid}`);
  const { newconf, oldconf } = plan;
  const smbios = (newconf.smbios1 ?? '').split(',').filter((kv) => kv && !kv.startsWith('uuid='));
  newconf.smbios1 = [`uuid=${uuid()}`, ...smbios].join(',');
  if (newconf.vmgenid) newconf.vmgenid = uuid();
  delete newconf.template;
  newconf.name = p.name ?? `Copy-of-VM-${oldconf.name ?? p.vmid}`;
  if (p.description) newconf.description = p.description;

  const refused = tempConfigRefused(ctx, p);
  if (refused) throw new Error(refused);
  const vm = newVmRecord(p.newid, p.node, { lock: 'clone' });
  state.vms.set(p.newid, vm);
  const created: string[] = [];
  try {
    const step = duration / Math.max(1, plan.drives.length);
    if (plan.drives.length === 0) await t.sleep(duration);
    for (const [opt, drive] of plan.drives) {
      const [out, volid] = await cloneDrive(ctx, t, p, opt, drive, plan.fullclone.has(opt), step);
      created.push(volid);
      newconf[opt] = printDrive(opt, out);
      vm.config = { ...newconf };
    }
    delete newconf.lock;
    if (plan.pendingKeys.length) {
      t.warn(`found pending changes for '${plan.pendingKeys.join(',')}', discarding for clone`);
    }
    vm.config = { ...newconf };
    if (p.target) vm.node = p.target;
    addToPool(state, p.pool, p.newid);
  } catch (err) {
    for (const volid of created) freeVolume(state, volid);
    if (state.vms.get(p.newid) === vm) state.vms.delete(p.newid);
    throw new Error(`clone failed: ${(err as Error).message}`);
  }
}
