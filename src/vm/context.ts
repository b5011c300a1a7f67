// What every planner reads with (plan.ts, prune.ts, cleanup.ts) and what it reads: the VM as it is now.
import type { ProxmoxClient } from '../proxmox/client.js';
import type { Settings } from '../settings.js';
import { type VmConfig, type VmStatus, vmConfig, vmStatus } from './pve.js';
import type { Inventory, Located } from './resolve.js';

/** A reason the step cannot be planned; nothing was changed. */
export class PlanError extends Error {}

export interface PlanContext {
  client: ProxmoxClient;
  settings: Settings;
  secretKeys: ReadonlySet<string>;
  inventory: Inventory;
}

/** A VM as read now: where it is, its status and its config (pending values applied, as GET config shows them). */
export interface Live {
  at: Located;
  status: VmStatus;
  config: VmConfig;
}

export async function readLive(client: ProxmoxClient, at: Located): Promise<Live> {
  const [status, config] = await Promise.all([vmStatus(client, at.node, at.vmid), vmConfig(client, at.node, at.vmid)]);
  return { at, status, config };
}
