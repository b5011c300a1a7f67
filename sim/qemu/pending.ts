// Moving [PENDING] values into the config: all of them for a stopped VM (vmconfig_apply_pending), the
// hot-pluggable ones for a running VM (vmconfig_hotplug_pending), and detaching replaced disks to unusedN.
import type { ClusterState, VmRecord } from '../core.js';
import { CLOUDINIT_KEYS } from './privs.js';
import { isCdrom, isCloudinit, isDriveKey, nextUnusedKey, parseDrive, type Drive } from './disks.js';
import { isNetKey } from './net.js';
import { freeVolume, splitVolid, volumeOwner } from './volumes.js';

/**
 * Options PVE always changes on a running VM (qemu-server src/PVE/QemuServer.pm $fast_plug_option, which also takes
 * every $confdesc_cloudinit key) plus cpulimit/cpuunits, which vmconfig_hotplug_pending applies live via cgroups.
 */
const FAST_PLUG = new Set([
  'description', 'hookscript', 'lock', 'migrate_downtime', 'migrate_speed', 'name', 'onboot', 'protection',
  'shares', 'startup', 'tags', 'vmstatestorage', 'cpulimit', 'cpuunits',
]);

function safeDrive(key: string, value: string | undefined): Drive | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDrive(key, value);
  } catch {
    return undefined;
  }
}

function referenced(vm: VmRecord, volid: string, exceptKey?: string): boolean {
  for (const conf of [vm.config, vm.pending]) {
    for (const [k, v] of Object.entries(conf)) {
      if (k === exceptKey || !(isDriveKey(k) || /^unused\d+$/.test(k))) continue;
      if (safeDrive(k, v)?.file === volid) return true;
    }
  }
  return false;
}

/** qemu-server src/PVE/QemuServer.pm vmconfig_register_unused_drive: cloud-init volumes are freed, disks become unusedN, cdroms just go. */
export function registerUnusedDrive(state: ClusterState, vm: VmRecord, key: string, value: string | undefined): void {
  const d = safeDrive(key, value);
  if (!d || !splitVolid(d.file)) return;
  if (isCloudinit(d)) {
    if (!referenced(vm, d.file, key)) freeVolume(state, d.file);
    return;
  }
  if (isCdrom(d)) return;
  if (referenced(vm, d.file, key)) return;
  vm.config[nextUnusedKey(vm.config)] = d.file;
}

/** qemu-server src/PVE/QemuServer.pm vmconfig_delete_or_detach_drive with force: removes a drive for good (force delete): frees the volume if this VM owns it. */
function destroyDrive(state: ClusterState, vm: VmRecord, key: string, value: string | undefined): void {
  const d = safeDrive(key, value);
  if (!d || !splitVolid(d.file) || (isCdrom(d) && !isCloudinit(d))) return;
  if (volumeOwner(d.file) === vm.vmid && !referenced(vm, d.file, key)) freeVolume(state, d.file);
}

function applyDelete(state: ClusterState, vm: VmRecord, key: string): void {
  const force = vm.pendingDelete[key] === 2;
  delete vm.pendingDelete[key];
  const old = vm.config[key];
  delete vm.config[key];
  if (isDriveKey(key) && old !== undefined) {
    if (force) destroyDrive(state, vm, key, old);
    else registerUnusedDrive(state, vm, key, old);
  }
}

function applyValue(state: ClusterState, vm: VmRecord, key: string): void {
  const value = vm.pending[key];
  delete vm.pending[key];
  const old = vm.config[key];
  vm.config[key] = value;
  if (isDriveKey(key) && old !== undefined && safeDrive(key, old)?.file !== safeDrive(key, value)?.file) {
    registerUnusedDrive(state, vm, key, old);
  }
}

/** qemu-server src/PVE/QemuServer.pm vmconfig_apply_pending (cold plug): every pending deletion and value goes into the config. */
export function applyPending(state: ClusterState, vm: VmRecord): void {
  for (const key of Object.keys(vm.pendingDelete).sort()) applyDelete(state, vm, key);
  for (const key of Object.keys(vm.pending).sort()) applyValue(state, vm, key);
}

/**
 * QemuServer.pm `parse_hotplug_features`: unset or `1` is the schema default `network,disk,usb` (cpu and memory
 * are never implied), `0` is nothing, anything else the comma-separated list.
 */
function hotplugFeatures(conf: Record<string, string>): Set<string> {
  const v = conf.hotplug ?? '1';
  if (v === '0') return new Set();
  return new Set((v === '1' ? 'network,disk,usb' : v).split(',').filter(Boolean));
}

function liveChange(vm: VmRecord, key: string, deleting: boolean, f: Set<string>): boolean {
  if (FAST_PLUG.has(key) || CLOUDINIT_KEYS.has(key) || /^ipconfig\d+$/.test(key)) return true;
  if (isNetKey(key)) return f.has('network');
  if (/^usb\d+$/.test(key) || key === 'tablet') return f.has('usb');
  // vmconfig_hotplug_pending: a new `hotplug` value applies live unless the old or new one names cpu or memory
  // (those change how QEMU is started); deleting it is skipped when the current one names them.
  if (key === 'hotplug') {
    const cur = vm.config.hotplug ?? '';
    return deleting ? !/cpu|memory/.test(cur) : !/cpu|memory/.test(`${cur} ${vm.pending.hotplug ?? ''}`);
  }
  if (key === 'memory') return !deleting && f.has('memory') && vm.config.numa === '1';
  if (key === 'vcpus') return f.has('cpu');
  // Deleting `balloon` resets it to the memory size live, unless ballooning is off (balloon: 0) now.
  if (key === 'balloon') return deleting ? vm.config.balloon !== '0' : (vm.config.balloon === '0') === (vm.pending.balloon === '0');
  if (/^(scsi|virtio)\d+$/.test(key)) return f.has('disk');
  if (/^(ide|sata)\d+$/.test(key) && !deleting) {
    // a cdrom's medium can be changed live; disks on these buses cannot be hot-plugged
    const oldD = safeDrive(key, vm.config[key]);
    const newD = safeDrive(key, vm.pending[key]);
    return !!oldD && !!newD && isCdrom(oldD) && isCdrom(newD) && !isCloudinit(newD);
  }
  return false;
}

/** qemu-server src/PVE/QemuServer.pm vmconfig_hotplug_pending: running VM: hot-pluggable changes are applied, the rest stays pending until the next stop/start. */
export function hotplugPending(state: ClusterState, vm: VmRecord): void {
  // vmconfig_hotplug_pending reads the features once, before anything (a pending `hotplug` too) is applied.
  const f = hotplugFeatures(vm.config);
  for (const key of Object.keys(vm.pendingDelete).sort()) {
    if (liveChange(vm, key, true, f)) applyDelete(state, vm, key);
  }
  for (const key of Object.keys(vm.pending).sort()) {
    if (liveChange(vm, key, false, f)) applyValue(state, vm, key);
  }
}

/** pve-guest-common src/PVE/AbstractConfig.pm cleanup_pending: drop pending values equal to the current ones and deletions of keys that are not set. */
export function cleanupPending(vm: VmRecord): void {
  for (const [k, v] of Object.entries(vm.pending)) if (vm.config[k] === v) delete vm.pending[k];
  for (const k of Object.keys(vm.pendingDelete)) if (vm.config[k] === undefined) delete vm.pendingDelete[k];
}

export function hasPending(vm: VmRecord): boolean {
  return Object.keys(vm.pending).length > 0 || Object.keys(vm.pendingDelete).length > 0;
}
