// Name lookups and template decisions against pvestatd's broadcast, through dist/ as the runner runs it.
// /cluster/resources shows the name, status and template each node's pvestatd broadcast last (every 10 s in PVE;
// pve-manager API2Tools.pm extract_vm_stats): a clone broadcast under its temporary `lock: clone` config shows
// `VM <newid>`, a rename or template conversion shows late, a reused vmid shows the old VM's name. The simulator's
// pvestatd only broadcasts when a test says so here (statdPeriod 0), so each stale view is set up exactly.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { simRequest, simToken } from '../support/sim-client.js';
import { lifecycleSim, ok, requests, seedVm, step, until, vmOf } from './support.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await lifecycleSim({ durations: { statdPeriod: 0 } });
  seedVm(sim, 900, 'pve1', { name: 'st-tpl', template: '1', scsi0: 'local-lvm:base-900-disk-0,size=4G', net0: 'virtio=BC:24:11:00:09:00,bridge=vmbr0' });
  sim.state.volumes.get('local-lvm')!.add('base-900-disk-0');
});
afterAll(() => sim.close());

/** What /cluster/resources shows for a vmid (the premise each test sets up). */
type Entry = { vmid: number; name?: string; status?: string; template?: number };
async function broadcast(vmid: number): Promise<Entry | undefined> {
  const res = await simRequest(sim, 'GET', '/cluster/resources', { auth: simToken(sim), params: { type: 'vm' } });
  return (res.json.data as Entry[]).find((r) => r.vmid === vmid);
}

const named = (name: string) => [...sim.state.vms.values()].filter((v) => v.config.name === name);
const cloneTasks = () => sim.tasks().filter((t) => t.type === 'qmclone');

/**
 * A clone step whose target node broadcasts while the clone still has only its temporary `lock: clone` config
 * (the copy is held by a fault until then): afterwards /cluster/resources shows it as `VM <newid>`.
 */
async function cloneBroadcastMidCopy(name: string): Promise<number> {
  sim.configure({ faults: { holdTasks: ['qmclone'] } });
  const pending = step(sim, { clone: 'st-tpl', name, full: 'true' }, { post: false });
  try {
    await until(() => [...sim.state.vms.values()].some((v) => v.config.lock === 'clone' && v.config.name === undefined), 'the temporary clone config');
    sim.broadcastStats();
  } finally {
    sim.configure({ faults: {} });
  }
  const out = ok(await pending);
  const vmid = Number(out.vmid);
  expect(vmOf(sim, vmid).config.name).toBe(name);
  expect(await broadcast(vmid)).toMatchObject({ name: `VM ${vmid}` });
  return vmid;
}

describe('a clone broadcast as VM <newid>', () => {
  test('state: absent by name right after the clone removes it', async () => {
    const vmid = await cloneBroadcastMidCopy('st-gone-soon');
    const out = ok(await step(sim, { name: 'st-gone-soon', state: 'absent' }, { post: false }));
    expect(out.msg).toBe(`VM ${vmid} removed`);
    expect(sim.state.vms.has(vmid)).toBe(false);
  });

  test('the same clone step again finds the clone instead of cloning twice', async () => {
    const vmid = await cloneBroadcastMidCopy('st-once');
    const clonesBefore = cloneTasks().length;
    const again = ok(await step(sim, { clone: 'st-tpl', name: 'st-once', full: 'true' }, { post: false }));
    expect(again.vmid).toBe(String(vmid));
    expect(again.changed).toBe('false');
    expect(cloneTasks()).toHaveLength(clonesBefore);
    expect(named('st-once').map((v) => v.vmid)).toEqual([vmid]);
  });
});

describe('a template conversion not broadcast yet', () => {
  test('cloning it with storage makes a linked clone (storage not sent), as PVE decides from the config', async () => {
    seedVm(sim, 910, 'pve1', { name: 'st-fresh-tpl', scsi0: 'local-lvm:vm-910-disk-0,size=4G', net0: 'virtio=BC:24:11:00:09:10,bridge=vmbr0' });
    sim.state.volumes.get('local-lvm')!.add('vm-910-disk-0');
    ok(await step(sim, { vmid: '910', state: 'template' }, { post: false }));
    expect(vmOf(sim, 910).config.template).toBe('1');
    expect(await broadcast(910)).toMatchObject({ template: 0 });
    const since = sim.tasks().length;
    const out = ok(await step(sim, { clone: 'st-fresh-tpl', name: 'st-linked', storage: 'local-lvm' }, { post: false }));
    const log = sim.tasks().slice(since).find((t) => t.type === 'qmclone')!.log;
    expect(log).toContain('create linked clone of drive scsi0 (local-lvm:base-910-disk-0)');
    expect(vmOf(sim, Number(out.vmid)).config.name).toBe('st-linked');
  });
});

describe('a rename not broadcast yet', () => {
  test('the VM is found by its new name, and not by its old one', async () => {
    const vm = seedVm(sim, 920, 'pve2', { name: 'st-before', net0: 'virtio=BC:24:11:00:09:20,bridge=vmbr0' });
    vm.config.name = 'st-after'; // renamed by someone else; pve2 has not broadcast since
    expect(await broadcast(920)).toMatchObject({ name: 'st-before' });
    const cur = ok(await step(sim, { name: 'st-after', state: 'current' }, { post: false }));
    expect([cur.vmid, cur.name]).toEqual(['920', 'st-after']);
    const old = ok(await step(sim, { name: 'st-before', state: 'absent' }, { post: false }));
    expect(old.msg).toBe('VM with name = st-before is already absent');
    expect(sim.state.vms.has(920)).toBe(true);
  });

  test('two VMs that swapped names: each is found by its new name', async () => {
    const a = seedVm(sim, 950, 'pve1', { name: 'st-left' });
    const b = seedVm(sim, 951, 'pve2', { name: 'st-right' });
    [a.config.name, b.config.name] = ['st-right', 'st-left'];
    expect(await broadcast(950)).toMatchObject({ name: 'st-left' });
    const left = ok(await step(sim, { name: 'st-left', state: 'current' }, { post: false }));
    expect([left.vmid, left.node]).toEqual(['951', 'pve2']);
    const right = ok(await step(sim, { name: 'st-right', state: 'current' }, { post: false }));
    expect([right.vmid, right.node]).toEqual(['950', 'pve1']);
  });

  test('a vmid reused by a new VM is not taken for the old VM of that id', async () => {
    seedVm(sim, 930, 'pve1', { name: 'st-first' });
    ok(await step(sim, { vmid: '930', state: 'absent' }, { post: false }));
    ok(await step(sim, { node: 'pve1', vmid: '930', name: 'st-second' }, { post: false }));
    expect(await broadcast(930)).toMatchObject({ name: 'st-first' }); // pmxcfs keeps the data per vmid
    const out = ok(await step(sim, { name: 'st-first', state: 'absent' }, { post: false }));
    expect(out.msg).toBe('VM with name = st-first is already absent');
    expect(vmOf(sim, 930).config.name).toBe('st-second');
  });
});

describe('request economy', () => {
  test('a VM found by its broadcast name costs no extra reads', async () => {
    seedVm(sim, 940, 'pve2', { name: 'st-plain' });
    const since = sim.log.length;
    const out = ok(await step(sim, { name: 'st-plain', state: 'current' }, { post: false }));
    expect(out.vmid).toBe('940');
    const reads = requests(sim, since, (e) => e.method === 'GET' && !e.path.startsWith('/access') && !e.path.startsWith('/version'))
      .map((e) => e.path)
      .sort();
    expect(reads).toEqual(['/cluster/resources', '/nodes/pve2/qemu/940/config', '/nodes/pve2/qemu/940/status/current']);
  });

  test('a name nobody has: one live list per node with VMs, then the create', async () => {
    const since = sim.log.length;
    const out = ok(await step(sim, { node: 'pve1', name: 'st-new' }, { post: false }));
    const lists = requests(sim, since, (e) => e.method === 'GET' && /^\/nodes\/[^/]+\/qemu$/.test(e.path)).map((e) => e.path).sort();
    expect(lists).toEqual(['/nodes/pve1/qemu', '/nodes/pve2/qemu']);
    expect(vmOf(sim, Number(out.vmid)).config.name).toBe('st-new');
  });
});
