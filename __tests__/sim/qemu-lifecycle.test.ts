// Destroy (pre-fork refusals, linked-clone guard, lock: destroyed, freed volumes, pools), migrate and resize.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQemuSim, until, type QemuSim } from './qemu-support.js';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim();
});
afterAll(() => q.close());

const del = (vmid: number, params: Record<string, string | number> = {}, auth = q.token) =>
  q.api('DELETE', `/nodes/pve1/qemu/${vmid}`, params, auth);
const lvNames = () => [...q.sim.state.volumes.get('local-lvm')!].sort();

describe('destroy', () => {
  it('refuses missing, protected and running VMs synchronously', async () => {
    let res = await del(990);
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("Configuration file 'nodes/pve1/qemu-server/990.conf' does not exist");
    await q.create(600, { scsi0: 'local-lvm:2', protection: 1 });
    res = await del(600);
    expect(res.statusText).toBe("can't remove VM 600 - protection mode enabled");
    await q.api('PUT', '/nodes/pve1/qemu/600/config', { delete: 'protection' });
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/600/status/start'))).toBe('OK');
    res = await del(600);
    expect(res.statusText).toBe('VM 600 is running - destroy failed');
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/600/status/stop'))).toBe('OK');
    res = await del(600, { skiplock: 1 });
    expect(res.json.errors).toEqual({ skiplock: 'Only root may use this option.' });
  });

  it('shows lock: destroyed while it runs, frees every owned volume and leaves the pools', async () => {
    await q.create(601, { scsi0: 'local-lvm:2', scsi1: 'local-lvm:1', ide2: 'local-lvm:cloudinit', pool: 'ci' });
    await q.api('PUT', '/nodes/pve1/qemu/601/config', { delete: 'scsi1' });
    expect(lvNames().filter((n) => n.includes('-601-'))).toEqual(['vm-601-cloudinit', 'vm-601-disk-0', 'vm-601-disk-1']);
    // Held (holdTasks) in its first half, then let go and held again as soon as the config says `destroyed`: the
    // second half waits for the test to read the config over the API, however slow the machine. (The poll that
    // sees `destroyed` is a 5 ms timer set before the task's 200 ms one, so it always comes first.)
    q.sim.configure({ durations: { qmdestroy: 20_000 }, faults: { holdTasks: ['qmdestroy'] } });
    let upid: string;
    try {
      upid = await q.run('DELETE', '/nodes/pve1/qemu/601', { purge: 1 });
      expect(upid).toContain(':qmdestroy:601:');
      await until(() => q.sim.state.flocks.has(601));
      expect(q.sim.state.vms.get(601)?.config.lock).toBeUndefined();
      q.sim.configure({ faults: {} });
      await until(() => q.sim.state.vms.get(601)?.config.lock === 'destroyed');
      q.sim.configure({ faults: { holdTasks: ['qmdestroy'] } });
      expect(await q.config(601)).toMatchObject({ lock: 'destroyed' });
      q.sim.configure({ faults: {} });
      expect(await q.wait(upid)).toBe('OK');
    } finally {
      q.sim.configure({ durations: { qmdestroy: 800 }, faults: {} });
    }
    expect(q.sim.state.vms.has(601)).toBe(false);
    expect(lvNames().filter((n) => n.includes('-601-'))).toEqual([]);
    expect(q.sim.state.pools.get('ci')!.members.has(601)).toBe(false);
    expect(q.log(upid)).toContain('purging VM 601 from related configurations..');
  });

  it('fails in the task for a locked VM unless root uses skiplock', async () => {
    await q.create(602, { scsi0: 'local-lvm:1' });
    q.sim.state.vms.get(602)!.config.lock = 'backup';
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/602'))).toBe('VM is locked (backup)');
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/602', { skiplock: 1 }, q.root))).toBe('OK');
    expect(q.sim.state.vms.has(602)).toBe(false);
  });

  it('keeps a template whose base volume a linked clone uses', async () => {
    await q.create(603, { scsi0: 'local-lvm:2' });
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/603/template'))).toBe('OK');
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/603/clone', { newid: 604 }))).toBe('OK');
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/603'))).toBe(
      "base volume 'local-lvm:base-603-disk-0' is still in use by linked cloned",
    );
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/604'))).toBe('OK');
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/603'))).toBe('OK');
    expect(lvNames().filter((n) => /-60[34]-/.test(n))).toEqual([]);
  });

  it('destroy-unreferenced-disks also frees volumes named after the VM', async () => {
    await q.create(605, { scsi0: 'local-lvm:1' });
    q.sim.state.volumes.get('local-lvm')!.add('vm-605-disk-7');
    expect(await q.wait(await q.run('DELETE', '/nodes/pve1/qemu/605', { 'destroy-unreferenced-disks': 1 }))).toBe('OK');
    expect(lvNames().filter((n) => n.includes('-605-'))).toEqual([]);
  });
});

describe('migrate', () => {
  it('answers the sync errors of migrate_vm', async () => {
    await q.create(610, { scsi0: 'local-lvm:2', ide2: 'isos:iso/x.iso,media=cdrom' });
    let res = await q.api('POST', '/nodes/pve1/qemu/610/migrate', { target: 'pve1' });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ target: 'target is local node.' });
    res = await q.api('POST', '/nodes/pve1/qemu/610/migrate', { target: 'pve7' });
    expect(res.json.message).toBe("no such cluster node 'pve7'\n");
    await q.create(611, { scsi0: 'pve1-only:1' });
    res = await q.api('POST', '/nodes/pve1/qemu/611/migrate', { target: 'pve2' });
    expect(res.json.message).toBe("storage 'pve1-only' is not available on node 'pve2'\n");
  });

  it('moves a stopped VM with lock: migrate during the task', async () => {
    // Held mid-migration (holdTasks) until the test has seen the lock, not for a fixed time.
    q.sim.configure({ faults: { holdTasks: ['qmigrate'] } });
    const upid = await q.run('POST', '/nodes/pve1/qemu/610/migrate', { target: 'pve2' });
    try {
      expect(upid).toMatch(/^UPID:pve1:.*:qmigrate:610:/);
      await until(() => q.sim.state.vms.get(610)?.config.lock === 'migrate');
      expect(q.sim.state.vms.get(610)!.node).toBe('pve1');
    } finally {
      q.sim.configure({ faults: {} });
    }
    expect(await q.wait(upid)).toBe('OK');
    expect(q.sim.state.vms.get(610)!.node).toBe('pve2');
    expect((await q.config(610, 'pve2')).lock).toBeUndefined();
    expect((await q.api('GET', '/nodes/pve1/qemu/610/config')).statusText).toBe(
      "Configuration file 'nodes/pve1/qemu-server/610.conf' does not exist",
    );
    expect(q.log(upid).at(-2)).toMatch(/^migration finished successfully \(duration \d\d:\d\d:\d\d\)$/);
  });

  it('needs online for a running VM and with-local-disks for its local disks', async () => {
    expect(await q.wait(await q.run('POST', '/nodes/pve2/qemu/610/status/start'))).toBe('OK');
    let res = await q.api('POST', '/nodes/pve2/qemu/610/migrate', { target: 'pve1' });
    expect(res.json.message).toBe("can't migrate running VM without --online\n");
    const upid = await q.run('POST', '/nodes/pve2/qemu/610/migrate', { target: 'pve1', online: 1 });
    expect(await q.wait(upid)).toBe("can't live migrate attached local disks without with-local-disks option");
    res = await q.api('POST', '/nodes/pve2/qemu/610/migrate', { target: 'pve1', online: 1, 'with-local-disks': 1 });
    expect(await q.wait(res.json.data)).toBe('OK');
    expect(q.sim.state.vms.get(610)).toMatchObject({ node: 'pve1', status: 'running' });
  });
});

describe('resize', () => {
  it('grows absolutely or relatively in a resize task and refuses shrinking and cdroms', async () => {
    await q.create(620, { scsi0: 'local-lvm:4', ide2: 'none,media=cdrom' });
    const upid = await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'scsi0', size: '+2G' });
    expect(upid).toContain(':resize:620:');
    expect(await q.wait(upid)).toBe('OK');
    expect((await q.config(620)).scsi0).toBe('local-lvm:vm-620-disk-0,size=6G');
    expect(await q.wait(await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'scsi0', size: '6656M' }))).toBe('OK');
    expect((await q.config(620)).scsi0).toBe('local-lvm:vm-620-disk-0,size=6656M');
    expect(await q.wait(await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'scsi0', size: '1G' }))).toBe(
      'shrinking disks is not supported',
    );
    expect(await q.wait(await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'ide2', size: '+1G' }))).toBe(
      "you can't resize a cdrom",
    );
    expect(await q.wait(await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'scsi3', size: '+1G' }))).toBe(
      "disk 'scsi3' does not exist",
    );
    expect(await q.wait(await q.run('PUT', '/nodes/pve1/qemu/620/resize', { disk: 'scsi0', size: '+1G', digest: '0'.repeat(40) }))).toBe(
      'checksum mismatch (file change by other user?)',
    );
  });
});

describe('snapshots', () => {
  it('lists snapshots and the current state, and config?snapshot= shows one', async () => {
    await q.create(630, { scsi0: 'local-lvm:1', cores: 2 });
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/630/snapshot', { snapname: 'before', description: 'pre-change' }))).toBe('OK');
    await q.api('PUT', '/nodes/pve1/qemu/630/config', { cores: 6 });
    const list = (await q.api('GET', '/nodes/pve1/qemu/630/snapshot')).json.data;
    expect(list.find((s: { name: string }) => s.name === 'before')).toMatchObject({ description: 'pre-change', vmstate: 0 });
    expect(list.find((s: { name: string }) => s.name === 'current')).toMatchObject({ parent: 'before', running: 0 });
    expect((await q.config(630, 'pve1', { snapshot: 'before' })).cores).toBe(2);
    expect((await q.api('GET', '/nodes/pve1/qemu/630/config', { snapshot: 'before', current: 1 })).json.errors).toEqual({
      snapshot: "cannot use 'snapshot' parameter with 'current'",
      current: "cannot use 'snapshot' parameter with 'current'",
    });
    const dup = await q.run('POST', '/nodes/pve1/qemu/630/snapshot', { snapname: 'before' });
    expect(await q.wait(dup)).toBe("snapshot name 'before' already used");
  });
});
