// VM-level helpers: new records, task start, values PVE derives from a config (boot order, memory, CPUs, tags,
// hashed cipassword) and the pool membership bookkeeping.
import { createHash, randomBytes } from 'node:crypto';
import type { ClusterState, Ctx, TaskHandle, VmRecord } from '../core.js';
import { isCdrom, isCloudinit, parseDrive } from './disks.js';
import { isNetKey } from './net.js';

export function newVmRecord(vmid: number, node: string, config: Record<string, string>): VmRecord {
  return {
    vmid,
    node,
    config,
    pending: {},
    pendingDelete: {},
    snapshots: {},
    status: 'stopped',
    qmpstatus: 'stopped',
    createdAt: Date.now(),
  };
}

/**
 * Starts a worker. The simulated work time is spent inside `run` (t.sleep) so that lock properties and partial
 * configs are visible while the task runs, so the TaskManager is given no extra duration. `rollback` undoes the
 * pre-fork work when fault injection fails the task instead of running it.
 */
export function startTask(
  ctx: Ctx,
  type: string,
  id: string | number,
  run: (t: TaskHandle) => Promise<void>,
  rollback?: () => void,
): string {
  return ctx.sim.tasks.start({
    node: ctx.pathParams.node,
    type,
    id: String(id),
    authid: ctx.auth.authid,
    durationMs: 0,
    run,
    rollback,
  });
}

const BOOT_DRIVES = [
  ...Array.from({ length: 4 }, (_, i) => `ide${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
];

function firstDrive(conf: Record<string, string>, cdrom: boolean): string | undefined {
  for (const key of BOOT_DRIVES) {
    if (conf[key] === undefined) continue;
    let d;
    try {
      d = parseDrive(key, conf[key]);
    } catch {
      continue;
    }
    if (isCloudinit(d)) continue;
    if (isCdrom(d) === cdrom) return key;
  }
  return undefined;
}

/** get_default_bootdevices: first disk, first cdrom, first NIC; undefined when there is nothing to boot. */
export function defaultBootOrder(conf: Record<string, string>): string | undefined {
  const devs: string[] = [];
  const disk = firstDrive(conf, false);
  if (disk) devs.push(disk);
  const cd = firstDrive(conf, true);
  if (cd) devs.push(cd);
  const net = Object.keys(conf).filter(isNetKey).sort()[0];
  if (net) devs.push(net);
  return devs.length ? `order=${devs.join(';')}` : undefined;
}

export function bootOrderList(boot: string | undefined): string[] {
  const order = /(?:^|,)order=([^,]*)/.exec(boot ?? '')?.[1];
  return order ? order.split(';').filter(Boolean) : [];
}

/** Memory in MiB from `memory` ("[current=]N", default 512). */
export function memoryMiB(conf: Record<string, string>): number {
  const m = /(?:^|,)(?:current=)?(\d+)/.exec(conf.memory ?? '');
  return m ? Number(m[1]) : 512;
}

export function cpuCount(conf: Record<string, string>): number {
  if (conf.vcpus) return Number(conf.vcpus);
  return Number(conf.sockets ?? 1) * Number(conf.cores ?? 1);
}

/** get_unique_tags: split on ; , or space, lower-case, de-duplicate, sort, join with ';'. */
export function normalizeTags(tags: string): string {
  const list = tags.split(/[;,\s]+/).filter(Boolean).map((t) => t.toLowerCase());
  return [...new Set(list)].sort().join(';');
}

/** A crypt(3) SHA-512-looking hash; an already hashed value is kept, as PVE's encrypt_pw guard does. */
export function hashCiPassword(pw: string): string {
  if (/^\$(?:[156]|2[ay])(\$.+){2}/.test(pw)) return pw;
  const salt = randomBytes(12).toString('base64').replace(/[+=]/g, '.').slice(0, 16);
  const hash = createHash('sha512').update(`${salt}${pw}`).digest('base64').replace(/[+=]/g, '.');
  return `$6$${salt}$${hash.slice(0, 86)}`;
}

export function metaString(): string {
  return `creation-qemu=9.2.0,ctime=${Math.floor(Date.now() / 1000)}`;
}

export function addToPool(state: ClusterState, pool: string | undefined, vmid: number): void {
  if (pool) state.pools.get(pool)?.members.add(vmid);
}

export function removeFromPools(state: ClusterState, vmid: number): void {
  for (const p of state.pools.values()) p.members.delete(vmid);
}

/** `agent` value → enabled? (`[enabled=]<1|0>,...`) */
export function agentEnabled(conf: Record<string, string>): boolean {
  const v = conf.agent;
  if (v === undefined) return false;
  const m = /(?:^|,)(?:enabled=)?([01])(?:,|$)/.exec(v);
  return m ? m[1] === '1' : false;
}
