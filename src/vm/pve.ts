// The PVE calls the reconciler reads with, typed. Paths mirror the API tree (as proxmoxer does).
import type { ProxmoxClient } from '../proxmox/client.js';
import { PveApiError } from '../proxmox/errors.js';

export interface ClusterVm {
  vmid: number;
  node: string;
  name?: string;
  status?: string;
  template?: number;
  lock?: string;
  tags?: string;
  pool?: string;
  type: string;
}

export interface VmStatus {
  vmid: number;
  status: 'running' | 'stopped';
  qmpstatus?: string;
  name?: string;
  lock?: string;
  template?: number;
  agent?: number;
}

export type VmConfig = Record<string, string | number>;

/** The run state the action reports: template | stopped | hibernated | paused | running (status/current read). */
export function runState(status: VmStatus): string {
  if (Number(status.template ?? 0) === 1) return 'template';
  if (status.status === 'stopped') return status.lock === 'suspended' ? 'hibernated' : 'stopped';
  if (status.qmpstatus === 'paused') return 'paused';
  if (status.qmpstatus === 'suspended') return 'hibernated';
  return status.status;
}

export const vmPath = (node: string, vmid: number, ...rest: string[]): string =>
  ['', 'nodes', encodeURIComponent(node), 'qemu', String(vmid), ...rest].join('/');

export async function clusterVms(client: ProxmoxClient): Promise<ClusterVm[]> {
  const all = await client.get<ClusterVm[]>('/cluster/resources', { type: 'vm' });
  return all.filter((r) => r.type === 'qemu').map((r) => ({ ...r, vmid: Number(r.vmid) }));
}

/** PVE returns the id as a JSON string (sometimes a number): accept both. */
export async function nextId(client: ProxmoxClient): Promise<number> {
  return Number(await client.get<string | number>('/cluster/nextid'));
}

export async function isIdFree(client: ProxmoxClient, vmid: number): Promise<boolean> {
  try {
    await client.get('/cluster/nextid', { vmid });
    return true;
  } catch (e) {
    if ((e as { status?: number }).status === 400) return false;
    throw e;
  }
}

export const vmConfig = (client: ProxmoxClient, node: string, vmid: number) =>
  client.get<VmConfig>(vmPath(node, vmid, 'config'));

export const vmStatus = (client: ProxmoxClient, node: string, vmid: number) =>
  client.get<VmStatus>(vmPath(node, vmid, 'status', 'current'));

export interface PendingEntry {
  key: string;
  value?: string | number;
  pending?: string | number;
  delete?: number;
}

/** A snapshot as GET .../snapshot lists it (the last entry, `current`, is the VM itself). */
export interface SnapshotEntry {
  name: string;
  vmstate?: number;
  snaptime?: number;
  parent?: string;
}

export async function vmSnapshots(client: ProxmoxClient, node: string, vmid: number): Promise<SnapshotEntry[]> {
  return (await client.get<SnapshotEntry[]>(vmPath(node, vmid, 'snapshot'))).filter((s) => s.name !== 'current');
}

export const vmPending = (client: ProxmoxClient, node: string, vmid: number) =>
  client.get<PendingEntry[]>(vmPath(node, vmid, 'pending'));

export async function clusterNodes(client: ProxmoxClient): Promise<Array<{ node: string; status: string; mem?: number; maxmem?: number }>> {
  return client.get('/nodes');
}

/** PVE's answer for a vmid with no config on that node (PVE::QemuConfig load_config: "Configuration file … does not exist"). */
export const isMissingVm = (e: unknown): boolean =>
  /does not exist/.test(e instanceof PveApiError ? `${e.pveMessage ?? ''} ${e.message}` : String((e as Error)?.message));
