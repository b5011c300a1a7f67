// Cluster and node listings: version, nodes, storages, /cluster/status|resources|nextid and pools, with PVE's
// field sets, privilege filters, and /cluster/resources taking guests' name/status/template from pvestatd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type VmRecord } from '../../sim/index.js';
import { simLogin, simRequest, simToken, type SimAuth } from '../support/sim-client.js';

let sim: Simulator;
let token: SimAuth;
let auditor: SimAuth;

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0.01,
    nodes: ['pve1', 'pve2', 'pve3'],
    nodeInfo: { pve3: { online: false }, pve1: { maxcpu: 32 } },
    storages: [
      { storage: 'local', type: 'dir' },
      { storage: 'local-lvm', type: 'lvmthin', nodes: ['pve1'] },
      { storage: 'ceph', type: 'rbd', total: 1000, used: 250 },
    ],
    pools: ['prod'],
    users: [
      { userid: 'root@pam', password: 'root-pw' },
      { userid: 'auditor@pve', password: 'aud-pw', privs: ['VM.Audit'] },
    ],
  });
  token = simToken(sim);
  auditor = (await simLogin(sim, 'auditor@pve', 'aud-pw')).auth;
});
afterAll(() => sim.close());

function addVm(vmid: number, patch: Partial<VmRecord> = {}): VmRecord {
  const vm: VmRecord = {
    vmid,
    node: 'pve1',
    config: { name: `vm${vmid}`, memory: '2048', cores: '2', sockets: '1', scsi0: `local-lvm:vm-${vmid}-disk-0,size=32G`, boot: 'order=scsi0' },
    pending: {},
    pendingDelete: {},
    snapshots: {},
    status: 'stopped',
    qmpstatus: 'stopped',
    createdAt: Date.now() - 3_600_000,
    ...patch,
  };
  sim.state.vms.set(vmid, vm);
  sim.broadcastStats(vm.node); // made long ago: its node's pvestatd has seen it
  return vm;
}

const get = async (path: string, auth: SimAuth = token, params?: Record<string, string | number>) =>
  simRequest(sim, 'GET', path, { auth, params });

describe('nodes', () => {
  it('lists nodes with figures only for Sys.Audit holders', async () => {
    const full = (await get('/nodes')).json.data;
    expect(full.map((n: { node: string; status: string }) => [n.node, n.status])).toEqual([
      ['pve1', 'online'],
      ['pve2', 'online'],
      ['pve3', 'offline'],
    ]);
    expect(full[0]).toMatchObject({ id: 'node/pve1', type: 'node', level: '', ssl_fingerprint: sim.fingerprint, maxcpu: 32 });
    expect(full[0].maxmem).toBeGreaterThan(full[0].mem);
    const limited = (await get('/nodes', auditor)).json.data;
    expect(Object.keys(limited[0]).sort()).toEqual(['id', 'level', 'node', 'ssl_fingerprint', 'status', 'type']);
  });

  it('answers node status for Sys.Audit and 403 otherwise', async () => {
    const res = await get('/nodes/pve2/status');
    expect(res.json.data).toMatchObject({ cpuinfo: { cpus: 16 }, memory: { total: expect.any(Number) }, pveversion: expect.stringMatching(/^pve-manager\/9\.1\.2\//) });
    const denied = await get('/nodes/pve2/status', auditor);
    expect([denied.status, denied.statusText]).toEqual([403, 'Permission check failed (/nodes/pve2, Sys.Audit)']);
  });

  it('lists the storages of one node with content and target filters', async () => {
    const names = async (node: string, params?: Record<string, string | number>) =>
      (await get(`/nodes/${node}/storage`, token, params)).json.data.map((s: { storage: string }) => s.storage);
    expect(await names('pve1')).toEqual(['local', 'local-lvm', 'ceph']);
    expect(await names('pve2')).toEqual(['local', 'ceph']);
    expect(await names('pve1', { content: 'images' })).toEqual(['local-lvm', 'ceph']);
    expect(await names('pve1', { target: 'pve2' })).toEqual(['ceph']);
    const ceph = (await get('/nodes/pve1/storage', token, { storage: 'ceph', format: 1 })).json.data[0];
    expect(ceph).toMatchObject({ type: 'rbd', shared: 1, active: 1, enabled: 1, total: 1000, used: 250, avail: 750, formats: { default: 'raw' } });
    expect((await get('/nodes/pve1/storage', auditor)).json.data).toEqual([]);
  });

  it('reports cluster membership and quorum', async () => {
    const status = (await get('/cluster/status')).json.data;
    expect(status[0]).toEqual({ type: 'cluster', id: 'cluster', name: 'simcluster', nodes: 3, quorate: 1, version: 5 });
    expect(status.slice(1).map((n: { name: string; online: number }) => [n.name, n.online])).toEqual([
      ['pve1', 1],
      ['pve2', 1],
      ['pve3', 0],
    ]);
  });

  it('lists the storage configuration', async () => {
    const list = (await get('/storage')).json.data;
    expect(list.find((s: { storage: string }) => s.storage === 'local-lvm')).toMatchObject({ type: 'lvmthin', nodes: 'pve1' });
    expect((await get('/storage', token, { type: 'rbd' })).json.data.map((s: { storage: string }) => s.storage)).toEqual(['ceph']);
  });
});

describe('/cluster/resources', () => {
  it('shows guests with pvestatd figures, live lock/tags/pool, and filters by type', async () => {
    const vm = addVm(120, { status: 'running', qmpstatus: 'running', startedAt: Date.now() - 60_000 });
    vm.config.lock = 'backup';
    vm.config.tags = 'ci;web';
    sim.state.pools.get('prod')!.members.add(120);
    const res = (await get('/cluster/resources', token, { type: 'vm' })).json.data;
    expect(res).toHaveLength(1);
    expect(res[0]).toMatchObject({
      id: 'qemu/120', type: 'qemu', vmid: 120, node: 'pve1', status: 'running', name: 'vm120', template: 0,
      maxmem: 2048 * 1024 ** 2, maxcpu: 2, maxdisk: 32 * 1024 ** 3, disk: 0, pool: 'prod', lock: 'backup', tags: 'ci;web',
    });
    expect(res[0].uptime).toBeGreaterThanOrEqual(59);
    expect(res[0].mem).toBeGreaterThan(0);
    const nodes = (await get('/cluster/resources', token, { type: 'node' })).json.data;
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(['node/pve1', 'node/pve2', 'node/pve3']);
    const storage = (await get('/cluster/resources', token, { type: 'storage' })).json.data;
    expect(storage.map((s: { id: string }) => s.id)).toContain('storage/pve1/local-lvm');
    expect(storage.map((s: { id: string }) => s.id)).not.toContain('storage/pve2/local-lvm');
    const everything = (await get('/cluster/resources')).json.data;
    expect(everything.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['qemu', 'node', 'storage', 'pool']));
    sim.state.vms.delete(120);
    sim.state.pools.get('prod')!.members.delete(120);
  });

  it('filters guests by VM.Audit and node figures by Sys.Audit', async () => {
    addVm(140);
    const none = await startSimulator({ users: [{ userid: 'root@pam', password: 'x' }, { userid: 'nobody@pve', password: 'y', privs: [] }] });
    try {
      none.state.vms.set(140, sim.state.vms.get(140)!);
      const auth = (await simLogin(none, 'nobody@pve', 'y')).auth;
      const res = (await simRequest(none, 'GET', '/cluster/resources', { auth })).json.data;
      expect(res.map((r: { type: string }) => r.type)).toEqual(['node', 'node']);
      expect(res[0]).toEqual({ id: 'node/pve1', type: 'node', node: 'pve1', status: 'online' });
    } finally {
      await none.close();
      sim.state.vms.delete(140);
    }
  });
});

describe('/cluster/nextid', () => {
  it('returns the lowest free id as a string without reserving it', async () => {
    addVm(100);
    addVm(101);
    const [a, b] = await Promise.all([get('/cluster/nextid'), get('/cluster/nextid')]);
    expect(a.json).toEqual({ data: '102' });
    expect(b.json).toEqual({ data: '102' });
  });

  it('echoes a free vmid and refuses a used one', async () => {
    expect((await get('/cluster/nextid', token, { vmid: 555 })).json).toEqual({ data: '555' });
    const used = await get('/cluster/nextid', token, { vmid: 100 });
    expect(used.status).toBe(400);
    expect(used.json).toEqual({ data: null, message: 'Parameter verification failed.\n', errors: { vmid: 'VM 100 already exists' } });
    expect((await get('/cluster/nextid', token, { vmid: 99 })).json.errors.vmid).toMatch(/^invalid format - value does not look like a valid VM ID/);
  });

  it('fails when the range is exhausted', async () => {
    const tiny = await startSimulator({ nextIdRange: { lower: 100, upper: 101 } });
    try {
      tiny.state.vms.set(100, sim.state.vms.get(100)!);
      const res = await simRequest(tiny, 'GET', '/cluster/nextid', { auth: simToken(tiny) });
      expect([res.status, res.statusText]).toEqual([500, 'unable to get any free VMID in range [100, 101]']);
    } finally {
      await tiny.close();
    }
    sim.state.vms.delete(100);
    sim.state.vms.delete(101);
  });
});

describe('pools', () => {
  it('creates, lists, fills, reads and deletes pools with PVE\'s errors', async () => {
    const call = (method: string, path: string, params: Record<string, string | number> = {}) =>
      simRequest(sim, method, path, { auth: token, params });
    expect((await call('POST', '/pools', { poolid: 'ci', comment: 'runners' })).status).toBe(200);
    const dup = await call('POST', '/pools', { poolid: 'ci' });
    expect([dup.status, dup.statusText]).toEqual([500, "pool 'ci' already exists"]);
    expect((await call('GET', '/pools')).json.data).toEqual([{ poolid: 'prod' }, { poolid: 'ci', comment: 'runners' }]);

    addVm(150);
    expect((await call('PUT', '/pools/ci', { vms: '150' })).status).toBe(200);
    expect((await call('PUT', '/pools/ci', { vms: '150' })).statusText).toBe('VM 150 is already a pool member');
    expect((await call('PUT', '/pools/prod', { vms: '150' })).statusText).toBe("VM 150 belongs already to pool 'ci' and allow-move is not set");
    expect((await call('PUT', '/pools/ci', { vms: '999' })).statusText).toBe('VM 999 does not exist');
    const members = (await call('GET', '/pools/ci')).json.data;
    expect(members).toMatchObject({ comment: 'runners', members: [{ id: 'qemu/150', vmid: 150, node: 'pve1', type: 'qemu' }] });
    expect((await call('GET', '/pools', { poolid: 'ci' })).json.data[0].members).toHaveLength(1);
    expect((await call('DELETE', '/pools/ci')).statusText).toBe("pool 'ci' is not empty");
    expect((await call('PUT', '/pools', { poolid: 'prod', vms: '150', 'allow-move': 1 })).status).toBe(200);
    expect(sim.state.pools.get('prod')!.members.has(150)).toBe(true);
    expect((await call('DELETE', '/pools/ci')).status).toBe(200);
    expect((await call('GET', '/pools/ci')).statusText).toBe("pool 'ci' does not exist");
    expect((await call('PUT', '/pools/prod', { vms: '150', delete: 1 })).status).toBe(200);
    sim.state.vms.delete(150);
  });

  it('needs Pool.Allocate to change pools', async () => {
    const res = await simRequest(sim, 'POST', '/pools', { auth: auditor, params: { poolid: 'x' } });
    expect(res.statusText).toBe('Permission check failed (/pool/x, Pool.Allocate)');
    expect((await get('/pools', auditor)).json.data).toEqual([]);
  });
});
