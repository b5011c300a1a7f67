// Finds VMs in the cluster by vmid or by name, as the module does, but robust to pvestatd's lag:
// /cluster/resources lists a just-created VM at once with no name for ~10 s, so nameless entries are
// asked for their config before a name lookup gives up.
import type { ProxmoxClient } from '../proxmox/client.js';
import { type ClusterVm, clusterVms, vmConfig } from './pve.js';

export interface Located {
  vmid: number;
  node: string;
  name?: string;
  template: boolean;
  status?: string;
}

export class ResolveError extends Error {}

const located = (r: ClusterVm): Located => ({
  vmid: r.vmid,
  node: r.node,
  name: r.name,
  template: Number(r.template ?? 0) === 1,
  status: r.status,
});

export class Inventory {
  private cache?: ClusterVm[];
  constructor(private readonly client: ProxmoxClient) {}

  async list(refresh = false): Promise<ClusterVm[]> {
    if (!this.cache || refresh) this.cache = await clusterVms(this.client);
    return this.cache;
  }

  async byId(vmid: number, refresh = false): Promise<Located | undefined> {
    const r = (await this.list(refresh)).find((v) => v.vmid === vmid);
    return r ? located(r) : undefined;
  }

  /** Every VM with this name (exact match). Nameless entries (statd lag) are looked up by config. */
  async byName(name: string, refresh = false): Promise<Located[]> {
    const all = await this.list(refresh);
    const hits = all.filter((v) => v.name === name).map(located);
    const nameless = all.filter((v) => v.name === undefined || v.name === '');
    const resolved = await Promise.all(
      nameless.map(async (v): Promise<Located | undefined> => {
        try {
          const cfg = await vmConfig(this.client, v.node, v.vmid);
          return cfg.name === name ? { ...located(v), name, template: Number(cfg.template ?? 0) === 1 } : undefined;
        } catch {
          return undefined; // vanished meanwhile
        }
      }),
    );
    return [...hits, ...resolved.filter((x): x is Located => x !== undefined)].sort((a, b) => a.vmid - b.vmid);
  }

  /** The one VM with this name, or undefined; several → error listing their vmids. */
  async uniqueByName(name: string, input: string, refresh = false): Promise<Located | undefined> {
    const hits = await this.byName(name, refresh);
    if (hits.length > 1) {
      throw new ResolveError(
        `Several VMs are named '${name}' (vmids ${hits.map((h) => h.vmid).join(', ')}): ` +
          `set 'vmid' to choose one instead of '${input}'.`,
      );
    }
    return hits[0];
  }
}
