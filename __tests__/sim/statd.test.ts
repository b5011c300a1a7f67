// pvestatd in the simulator (sim/statd.ts): /cluster/resources shows each guest's name, status and template as its
// node's pvestatd last broadcast them (pve-manager API2Tools.pm extract_vm_stats, pvestatd.pm update_qemu_status),
// while the vmlist (which guests, on which node), lock and tags are live, and GET /nodes/{node}/qemu is live.
// Most tests stop pvestatd's own loop (statdPeriod 0) and place broadcasts with broadcastStats().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type VmRecord } from '../../sim/index.js';
import { simRequest, simToken, type SimAuth } from '../support/sim-client.js';

let sim: Simulator;
let token: SimAuth;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01, nodes: ['pve1', 'pve2'], durations: { statdPeriod: 0 } });
  token = simToken(sim);
});
afterAll(() => sim.close());

function putVm(vmid: number, node: string, config: Record<string, string>): VmRecord {
  const vm: VmRecord = {
    vmid, node, config: { memory: '1024', ...config }, pending: {}, pendingDelete: {}, snapshots: {},
    status: 'stopped', qmpstatus: 'stopped', createdAt: Date.now(),
  };
  sim.state.vms.set(vmid, vm);
  return vm;
}

type Entry = { vmid: number; name?: string; status?: string; template?: number; lock?: string; node?: string };
const resource = async (vmid: number): Promise<Entry | undefined> =>
  ((await simRequest(sim, 'GET', '/cluster/resources', { auth: token, params: { type: 'vm' } })).json.data as Entry[]).find((r) => r.vmid === vmid);
const nodeList = async (node: string, vmid: number): Promise<Entry | undefined> =>
  ((await simRequest(sim, 'GET', `/nodes/${node}/qemu`, { auth: token })).json.data as Entry[]).find((r) => r.vmid === vmid);

describe('pvestatd broadcasts', () => {
  it('lists a guest it has not seen yet with status unknown and nothing else', async () => {
    putVm(200, 'pve1', { name: 'fresh' });
    expect(await resource(200)).toEqual({ id: 'qemu/200', type: 'qemu', vmid: 200, node: 'pve1', status: 'unknown' });
    expect(await nodeList('pve1', 200)).toMatchObject({ name: 'fresh', status: 'stopped' });
    sim.broadcastStats();
    expect(await resource(200)).toMatchObject({ name: 'fresh', status: 'stopped', template: 0 });
    sim.state.vms.delete(200);
  });

  it('keeps the broadcast name, status and template until the node broadcasts again; lock is live', async () => {
    const vm = putVm(210, 'pve1', { name: 'before' });
    sim.broadcastStats();
    Object.assign(vm.config, { name: 'after', template: '1', lock: 'backup' });
    expect(await resource(210)).toMatchObject({ name: 'before', status: 'stopped', template: 0, lock: 'backup' });
    expect(await nodeList('pve1', 210)).toMatchObject({ name: 'after', template: 1, lock: 'backup' });
    sim.broadcastStats('pve2'); // another node's pvestatd does not report this guest
    expect(await resource(210)).toMatchObject({ name: 'before', template: 0 });
    sim.broadcastStats('pve1');
    expect(await resource(210)).toMatchObject({ name: 'after', template: 1 });
    sim.state.vms.delete(210);
  });

  it('broadcasts a guest without a name in its config as "VM <vmid>", and a paused one as paused', async () => {
    const vm = putVm(220, 'pve2', { lock: 'clone' }); // clone_vm's temporary config
    sim.broadcastStats();
    expect(await resource(220)).toMatchObject({ name: 'VM 220', template: 0, lock: 'clone' });
    Object.assign(vm, { status: 'running', qmpstatus: 'paused', startedAt: Date.now() });
    vm.config = { name: 'cloned', memory: '1024' };
    expect(await resource(220)).toMatchObject({ name: 'VM 220', status: 'stopped' });
    expect((await resource(220))!.lock).toBeUndefined();
    sim.broadcastStats();
    expect(await resource(220)).toMatchObject({ name: 'cloned', status: 'paused' });
    sim.state.vms.delete(220);
  });

  it('keys entries by vmid: a new VM with a used id shows the old one\'s name until its node broadcasts', async () => {
    putVm(230, 'pve1', { name: 'gone' });
    sim.broadcastStats();
    sim.state.vms.delete(230);
    expect(await resource(230)).toBeUndefined(); // the vmlist is live
    putVm(230, 'pve2', { name: 'newcomer' });
    expect(await resource(230)).toMatchObject({ node: 'pve2', name: 'gone' });
    sim.broadcastStats('pve2');
    expect(await resource(230)).toMatchObject({ node: 'pve2', name: 'newcomer' });
    sim.state.vms.delete(230);
  });

  it('pool members are extract_vm_stats alone: no lock, tags or pool', async () => {
    const call = (method: string, path: string, params: Record<string, string | number> = {}) => simRequest(sim, method, path, { auth: token, params });
    putVm(240, 'pve1', { name: 'member', lock: 'backup', tags: 'x' });
    expect((await call('POST', '/pools', { poolid: 'p' })).status).toBe(200);
    expect((await call('PUT', '/pools/p', { vms: '240' })).status).toBe(200);
    expect((await call('GET', '/pools/p')).json.data.members).toEqual([{ id: 'qemu/240', type: 'qemu', vmid: 240, node: 'pve1', status: 'unknown' }]);
    sim.broadcastStats();
    const [m] = (await call('GET', '/pools/p')).json.data.members;
    expect(m).toMatchObject({ name: 'member', status: 'stopped' });
    expect([m.lock, m.tags, m.pool]).toEqual([undefined, undefined, undefined]);
    expect((await call('PUT', '/pools/p', { vms: '240', delete: 1 })).status).toBe(200);
    expect((await call('DELETE', '/pools/p')).status).toBe(200);
    sim.state.vms.delete(240);
  });
});

describe('pvestatd loop', () => {
  it('each online node broadcasts on its own every period; a node that is down stops, and pmxcfs forgets its guests', async () => {
    const vm = putVm(250, 'pve2', { name: 'one' });
    // 10 ms periods (1000 simulated ms × 0.01): the conditions below come about on the loop's own timers.
    sim.configure({ durations: { statdPeriod: 1000 } });
    try {
      await expect.poll(async () => (await resource(250))?.name, { timeout: 60_000 }).toBe('one');
      vm.config.name = 'two';
      await expect.poll(async () => (await resource(250))?.name, { timeout: 60_000 }).toBe('two');
      sim.state.nodes.get('pve2')!.online = false;
      // 30 periods without an update (pmxcfs rrd_entry_is_old: 5 min of 10 s periods): back to status unknown.
      await expect.poll(async () => (await resource(250))?.status, { timeout: 60_000 }).toBe('unknown');
      expect(await resource(250)).toEqual({ id: 'qemu/250', type: 'qemu', vmid: 250, node: 'pve2', status: 'unknown' });
    } finally {
      sim.state.nodes.get('pve2')!.online = true;
      sim.configure({ durations: { statdPeriod: 0 } });
      sim.state.vms.delete(250);
    }
  });

  it('offline nodes do not broadcast on request either', async () => {
    putVm(260, 'pve2', { name: 'dark' });
    sim.state.nodes.get('pve2')!.online = false;
    try {
      sim.broadcastStats();
      expect(await resource(260)).toMatchObject({ status: 'unknown' });
      expect((await resource(260))!.name).toBeUndefined();
    } finally {
      sim.state.nodes.get('pve2')!.online = true;
      sim.state.vms.delete(260);
    }
  });
});
