// The VM's facts after the step, as the outputs carry them (vmid, node, name, status, mac, devices): read from
// its config and status, keeping only well-formed values. Setting the outputs: report/outputs.ts.
import type { ProxmoxClient } from '../proxmox/client.js';
import { DISK_KEY, NET_KEY, macOf, parseDisk } from './config-values.js';
import { type VmConfig, type VmStatus, isMissingVm, runState, vmConfig, vmStatus } from './pve.js';

export interface VmFacts {
  vmid: number;
  node: string;
  name?: string;
  status: string;
  mac: Record<string, string>;
  devices: Record<string, string>;
  /** false when the guest agent is not enabled in the config (absent, `0` or `enabled=0`). */
  agentEnabled: boolean;
}

function agentEnabled(v: string | number | undefined): boolean {
  if (v === undefined) return false;
  const first = String(v).split(',')[0];
  return !/^(enabled=)?0$/.test(first) && first !== '';
}

export function macsOf(config: VmConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (!NET_KEY.test(k)) continue;
    const mac = macOf(String(v));
    if (mac) out[k] = mac;
  }
  return sortKeys(out);
}

export function devicesOf(config: VmConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (!DISK_KEY.test(k) || k.startsWith('unused')) continue;
    out[k] = parseDisk(String(v)).file ?? String(v);
  }
  return sortKeys(out);
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const key = (k: string) => k.replace(/\d+$/, '').padEnd(10, ' ') + k.match(/\d+$/)?.[0]?.padStart(3, '0');
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => key(a).localeCompare(key(b))));
}

/**
 * The shapes PVE itself enforces for what the outputs carry (qemu-server's `name` is a dns-name, `pve-node`, MACs,
 * volume ids or device paths). Workflows paste outputs into shell commands, and the text comes from the cluster:
 * anything else is not passed on, whatever wrote it into the config.
 */
const WELL_FORMED = {
  name: /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,126}[A-Za-z0-9])?$/,
  node: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
  mac: /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/,
  device: /^(?:[A-Za-z][A-Za-z0-9._-]*:[A-Za-z0-9._/+=-]+|\/dev\/[A-Za-z0-9._/+-]+|none|cdrom)$/,
};

const onlyWellFormed = (o: Record<string, string>, re: RegExp) => Object.fromEntries(Object.entries(o).filter(([, v]) => re.test(v)));

/** The node as an output: '' unless it is a well-formed node name. */
export const outputNode = (node: string): string => (WELL_FORMED.node.test(node) ? node : '');

/** The outputs' view of a VM's config and status, keeping only well-formed values (WELL_FORMED). */
export function factsOf(vmid: number, node: string, config: VmConfig, status: VmStatus): VmFacts {
  const name = config.name === undefined ? undefined : String(config.name);
  return {
    vmid,
    node,
    name: name !== undefined && WELL_FORMED.name.test(name) ? name : undefined,
    status: runState(status),
    mac: onlyWellFormed(macsOf(config), WELL_FORMED.mac),
    devices: onlyWellFormed(devicesOf(config), WELL_FORMED.device),
    agentEnabled: agentEnabled(config.agent),
  };
}

/** Reads the VM as it is after the step; undefined when it does not exist (absent, or never created). */
export async function readFacts(client: ProxmoxClient, vmid: number | undefined, node: string | undefined): Promise<VmFacts | undefined> {
  if (vmid === undefined || node === undefined) return undefined;
  try {
    const [config, status] = await Promise.all([vmConfig(client, node, vmid), vmStatus(client, node, vmid)]);
    return factsOf(vmid, node, config, status);
  } catch (e) {
    if (isMissingVm(e)) return undefined;
    throw e;
  }
}
