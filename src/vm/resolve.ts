// Finds VMs in the cluster by vmid or by name, as the module does, but robust to pvestatd.
// /cluster/resources lists every VM and its node at once (the vmlist is live), but name, status and template are
// what the VM's node's pvestatd broadcast last, every 10 s (pve-manager API2Tools.pm extract_vm_stats,
// pvestatd.pm update_qemu_status): a VM not broadcast yet has no name and status 'unknown'; one broadcast with no
// name in its config (a clone still under `lock: clone`) shows 'VM <vmid>'; a rename or a template conversion
// shows up to 10 s late; a vmid reused within 5 min shows the old VM's name (pmxcfs keys that data by vmid).
// GET /nodes/{node}/qemu (qemu-server API2/Qemu.pm vmlist → vmstatus) reads the node's config files: live.
// So a name found in the broadcast is taken as is (callers read that VM's config anyway and check the name, see
// plan.ts); a name not found there is looked for on the live per-node lists: one request per node with VMs,
// where reading configs would cost one per VM that might be stale, and a renamed VM looks like any other.
import type { ProxmoxClient } from '../proxmox/client.js';
import { PveApiError, isTransient } from '../proxmox/errors.js';
import { type ClusterVm, clusterVms } from './pve.js';

export interface Located {
  vmid: number;
  node: string;
  name?: string;
  template: boolean;
  status?: string;
  /** name/template/status come from the node's live list, not from pvestatd's last broadcast. */
  live: boolean;
}

export class ResolveError extends Error {}

const located = (r: ClusterVm): Located => ({
  vmid: r.vmid,
  node: r.node,
  name: r.name,
  template: Number(r.template ?? 0) === 1,
  status: r.status,
  live: false,
});

/**
 * An entry whose broadcast may not show the VM's name: never broadcast (no name, status 'unknown'), broadcast
 * while its config had no name ('VM <vmid>', e.g. a clone's temporary config), or locked right now (`lock` is
 * read live from the config, so a create, clone or migrate in progress shows there before pvestatd sees it).
 */
export const doubtful = (r: ClusterVm): boolean =>
  !r.name || r.name === `VM ${r.vmid}` || r.status === 'unknown' || r.lock !== undefined;

interface NodeVm {
  vmid: number | string;
  name?: string;
  status?: string;
  template?: number;
}

export interface NameLookup {
  /** Read /cluster/resources again. */
  refresh?: boolean;
  /** Read every node's live list whatever the broadcast says (the broadcast name proved stale). */
  live?: boolean;
}

export class Inventory {
  private cache?: ClusterVm[];
  constructor(private readonly client: ProxmoxClient) {}

  async list(refresh = false): Promise<ClusterVm[]> {
    if (!this.cache || refresh) this.cache = await clusterVms(this.client);
    return this.cache;
  }

  /** By vmid: the vmlist and the node are live; name/template/status are the broadcast's (callers read the VM). */
  async byId(vmid: number, refresh = false): Promise<Located | undefined> {
    const r = (await this.list(refresh)).find((v) => v.vmid === vmid);
    return r ? located(r) : undefined;
  }

  /**
   * Every VM with this name (exact match). Broadcast names are trusted when one matches; the nodes of doubtful
   * entries are then listed live to find a second VM of the name. When none matches, every node with VMs is.
   */
  async byName(name: string, opts: NameLookup = {}): Promise<Located[]> {
    const all = await this.list(opts.refresh);
    const hits = opts.live ? [] : all.filter((v) => v.name === name);
    const ask = hits.length === 0 ? all : all.filter((v) => doubtful(v) && v.name !== name);
    const listed = await this.liveLists([...new Set(ask.map((v) => v.node))]);
    const seen = new Set<number>();
    const out: Located[] = [];
    for (const vms of listed.values()) {
      for (const v of vms) {
        if (seen.has(v.vmid)) continue; // migrating between two listed nodes
        seen.add(v.vmid);
        if (v.name === name) out.push(v);
      }
    }
    // A broadcast match its node's live list contradicts: the broadcast is stale, so the VM now carrying the
    // name may be anywhere. Ask every node.
    if (hits.some((h) => listed.has(h.node) && !out.some((o) => o.vmid === h.vmid))) return this.byName(name, { live: true });
    // Nodes not listed (not asked, or down: their VMs cannot be changed now either) keep pvestatd's view.
    for (const v of all) if (!listed.has(v.node) && !seen.has(v.vmid) && v.name === name) out.push(located(v));
    return out.sort((a, b) => a.vmid - b.vmid);
  }

  /** The one VM with this name, or undefined; several → error listing their vmids. */
  async uniqueByName(name: string, input: string, opts: NameLookup = {}): Promise<Located | undefined> {
    const hits = await this.byName(name, opts);
    if (hits.length > 1) {
      throw new ResolveError(
        `Several VMs are named '${name}' (vmids ${hits.map((h) => h.vmid).join(', ')}): ` +
          `set 'vmid' to choose one instead of '${input}'.`,
      );
    }
    return hits[0];
  }

  /** GET /nodes/{node}/qemu per node, in parallel; a node that cannot be reached is left out of the map. */
  private async liveLists(nodes: string[]): Promise<Map<string, Located[]>> {
    const lists = await Promise.all(
      nodes.map(async (node): Promise<[string, Located[]] | undefined> => {
        try {
          const vms = await this.client.get<NodeVm[]>(`/nodes/${encodeURIComponent(node)}/qemu`);
          const live = vms.map((v) => ({ vmid: Number(v.vmid), node, name: v.name, template: Number(v.template ?? 0) === 1, status: v.status, live: true }));
          return [node, live];
        } catch (e) {
          // The node is down or unreachable from the API node (595 after the client's retries): fall back to the
          // broadcast for its VMs. Anything else (auth, cancel) is the step's error.
          if (e instanceof PveApiError && isTransient(e)) return undefined;
          throw e;
        }
      }),
    );
    return new Map(lists.filter((x): x is [string, Located[]] => x !== undefined));
  }
}
