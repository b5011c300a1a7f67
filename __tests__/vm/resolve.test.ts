// Inventory.byName against a scripted cluster: which reads a name lookup makes, and which VM it finds, when
// /cluster/resources (pvestatd's broadcast) and the nodes' live lists (GET /nodes/{node}/qemu) disagree.
import { describe, expect, it } from 'vitest';
import type { ProxmoxClient } from '../../src/proxmox/client.js';
import { PveApiError } from '../../src/proxmox/errors.js';
import { Inventory, ResolveError } from '../../src/vm/resolve.js';

interface Vm {
  vmid: number;
  node: string;
  /** What pvestatd broadcast (undefined: not broadcast yet, status unknown). */
  broadcast?: string;
  /** The name in the config now. */
  name: string;
  lock?: string;
}

function cluster(vms: Vm[], down: string[] = []) {
  const gets: string[] = [];
  const client = {
    async get(path: string) {
      gets.push(path);
      if (path === '/cluster/resources')
        return vms.map((v) => ({
          type: 'qemu', vmid: v.vmid, node: v.node, ...(v.lock ? { lock: v.lock } : {}),
          ...(v.broadcast === undefined ? { status: 'unknown' } : { name: v.broadcast, status: 'stopped', template: 0 }),
        }));
      const m = /^\/nodes\/([^/]+)\/qemu$/.exec(path);
      if (!m) throw new Error(`unexpected GET ${path}`);
      if (down.includes(m[1])) throw new PveApiError({ status: 595, statusText: 'No route to host', method: 'GET', path });
      return vms.filter((v) => v.node === m[1]).map((v) => ({ vmid: v.vmid, name: v.name, status: 'stopped' }));
    },
  } as unknown as ProxmoxClient;
  return { inventory: new Inventory(client), gets };
}

const ids = (found: Array<{ vmid: number }>) => found.map((f) => f.vmid);

describe('Inventory.byName', () => {
  it('takes a broadcast match as it is when nothing else is in doubt: one request', async () => {
    const { inventory, gets } = cluster([
      { vmid: 100, node: 'pve1', broadcast: 'web', name: 'web' },
      { vmid: 101, node: 'pve2', broadcast: 'db', name: 'db' },
    ]);
    expect(ids(await inventory.byName('web'))).toEqual([100]);
    expect(gets).toEqual(['/cluster/resources']);
  });

  it('a name not broadcast is looked for on the live list of every node with VMs', async () => {
    const { inventory, gets } = cluster([
      { vmid: 100, node: 'pve1', broadcast: 'VM 100', name: 'fresh-clone', lock: 'clone' },
      { vmid: 101, node: 'pve2', broadcast: 'old', name: 'renamed' },
      { vmid: 102, node: 'pve2', name: 'brand-new' },
    ]);
    expect(ids(await inventory.byName('fresh-clone'))).toEqual([100]);
    expect(ids(await inventory.byName('renamed'))).toEqual([101]);
    expect(ids(await inventory.byName('brand-new'))).toEqual([102]);
    expect(await inventory.byName('old')).toEqual([]);
    expect(gets.filter((g) => g === '/cluster/resources')).toHaveLength(1);
    expect(new Set(gets)).toEqual(new Set(['/cluster/resources', '/nodes/pve1/qemu', '/nodes/pve2/qemu']));
  });

  it('with a match, lists only the nodes of doubtful entries, and finds a second VM of the name there', async () => {
    const { inventory, gets } = cluster([
      { vmid: 100, node: 'pve1', broadcast: 'web', name: 'web' },
      { vmid: 101, node: 'pve2', broadcast: 'VM 101', name: 'web', lock: 'clone' },
      { vmid: 102, node: 'pve3', broadcast: 'db', name: 'db' },
    ]);
    await expect(inventory.uniqueByName('web', 'name')).rejects.toThrow(ResolveError);
    expect(gets).toEqual(['/cluster/resources', '/nodes/pve2/qemu']);
  });

  it('a match its node\'s live list contradicts sends the lookup to every node', async () => {
    const { inventory } = cluster([
      { vmid: 100, node: 'pve1', broadcast: 'web', name: 'web-old' },
      { vmid: 101, node: 'pve1', name: 'being-made', lock: 'create' },
      { vmid: 102, node: 'pve2', broadcast: 'other', name: 'web' },
    ]);
    const found = await inventory.byName('web');
    expect(found).toMatchObject([{ vmid: 102, node: 'pve2', name: 'web', live: true }]);
  });

  it('a node that cannot be reached keeps the broadcast view of its VMs; other errors are the step\'s', async () => {
    const { inventory } = cluster(
      [
        { vmid: 100, node: 'pve1', broadcast: 'far', name: 'far' },
        { vmid: 101, node: 'pve2', name: 'near' },
      ],
      ['pve1'],
    );
    expect(ids(await inventory.byName('near'))).toEqual([101]);
    expect(await inventory.byName('far', { live: true })).toMatchObject([{ vmid: 100, live: false }]);
    const broken = {
      get: async (path: string) => {
        if (path === '/cluster/resources') return [{ type: 'qemu', vmid: 100, node: 'pve1', status: 'unknown' }];
        throw new PveApiError({ status: 403, statusText: 'Permission check failed', method: 'GET', path });
      },
    } as unknown as ProxmoxClient;
    await expect(new Inventory(broken).byName('x')).rejects.toThrow(/403/);
  });
});
