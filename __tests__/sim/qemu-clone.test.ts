// Templates and clones: base-volume renames, linked/full clone volids, the pre-fork rules, lock: clone on the
// target while the task runs, shared source flocks (concurrent clones of one template) and target collisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimResponse } from '../support/sim-client.js';
import { MAC_RE, startQemuSim, until, type QemuSim } from './qemu-support.js';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim();
  await q.create(9000, {
    name: 'tmpl',
    scsi0: 'local-lvm:16',
    efidisk0: 'local-lvm:1,efitype=4m',
    ide2: 'local-lvm:cloudinit',
    net0: 'virtio,bridge=vmbr0',
    description: 'golden image',
    scsi1: 'local-lvm:1',
  });
  expect((await q.api('PUT', '/nodes/pve1/qemu/9000/config', { delete: 'scsi1' })).status).toBe(200);
  expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/9000/template'))).toBe('OK');
  await q.create(9001, { name: 'dirtmpl', scsi0: 'local:8', net0: 'virtio,bridge=vmbr0' });
  expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/9001/template'))).toBe('OK');
  await q.create(300, { name: 'plain', scsi0: 'local-lvm:4', net0: 'virtio,bridge=vmbr0' });
});
afterAll(() => q.close());

const clone = (vmid: number, params: Record<string, string | number>) => q.api('POST', `/nodes/pve1/qemu/${vmid}/clone`, params);

describe('template', () => {
  it('renames disks to base-N-disk-M and sets template: 1', async () => {
    const conf = await q.config(9000);
    expect(conf.template).toBe(1);
    expect(conf.efidisk0).toBe('local-lvm:base-9000-disk-0,efitype=4m,size=4M');
    expect(conf.scsi0).toBe('local-lvm:base-9000-disk-1,size=16G');
    expect(conf.ide2).toBe('local-lvm:vm-9000-cloudinit,media=cdrom');
    expect(conf.unused0).toBe('local-lvm:vm-9000-disk-2');
    expect((await q.config(9001)).scsi0).toBe('local:9001/base-9001-disk-0.qcow2,size=8G');
  });

  it('refuses templates, running VMs and VMs with snapshots', async () => {
    let res = await q.api('POST', '/nodes/pve1/qemu/9000/template');
    expect(res.json.message).toBe("you can't convert a template to a template\n");
    await q.create(301, { scsi0: 'local-lvm:1' });
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/301/snapshot', { snapname: 'first' }))).toBe('OK');
    res = await q.api('POST', '/nodes/pve1/qemu/301/template');
    expect(res.json.message).toBe('unable to create template, because VM contains snapshots\n');
  });
});

describe('linked clones', () => {
  it('clone a template by default, with lock: clone on the target while the task runs', async () => {
    // The clone is held mid-copy (holdTasks) until the test has looked at the target, not for a fixed time.
    q.sim.configure({ faults: { holdTasks: ['qmclone'] } });
    let upid: string;
    try {
      const res = await clone(9000, { newid: 400 });
      expect(res.status).toBe(200);
      upid = res.json.data;
      expect(upid).toContain(':qmclone:9000:');
      await until(() => q.sim.state.vms.has(400));
      expect((await q.config(400)).lock).toBe('clone');
      expect((await q.api('GET', '/nodes/pve1/qemu/400/status/current')).json.data.lock).toBe('clone');
    } finally {
      q.sim.configure({ faults: {} });
    }
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(400);
    expect(conf.lock).toBeUndefined();
    expect(conf.template).toBeUndefined();
    expect(conf.name).toBe('Copy-of-VM-tmpl');
    expect(conf.description).toBe('golden image');
    expect(conf.scsi0).toBe('local-lvm:vm-400-disk-1,size=16G');
    expect(conf.efidisk0).toBe('local-lvm:vm-400-disk-0,efitype=4m,size=4M');
    expect(conf.ide2).toBe('local-lvm:vm-400-cloudinit,media=cdrom');
    expect(conf.unused0).toBeUndefined();
    const src = await q.config(9000);
    expect(conf.net0).not.toBe(src.net0);
    expect(String(conf.net0).split(',')[0].split('=')[1]).toMatch(MAC_RE);
    expect(conf.smbios1).not.toBe(src.smbios1);
    expect(conf.vmgenid).not.toBe(src.vmgenid);
    expect(q.log(upid)).toContain('create linked clone of drive scsi0 (local-lvm:base-9000-disk-1)');
  });

  it('encode the base in the volid on dir storages', async () => {
    const upid = (await clone(9001, { newid: 401, name: 'from-dir' })).json.data;
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(401);
    expect(conf.name).toBe('from-dir');
    expect(conf.scsi0).toBe('local:9001/base-9001-disk-0.qcow2/401/vm-401-disk-0.qcow2,size=8G');
  });

  it('of one template run concurrently under shared source locks', async () => {
    // The clones are held mid-copy (holdTasks) until the test lets them go, so all four are in flight at once
    // however slow the machine: only shared source locks let all of them through.
    q.sim.configure({ faults: { holdTasks: ['qmclone'] } });
    const clones = [410, 411, 412, 413];
    const upids: string[] = [];
    let put: Promise<SimResponse> | undefined;
    let putAnswered = false;
    try {
      for (const newid of clones) {
        const res = await clone(9000, { newid });
        expect(res.status).toBe(200);
        upids.push(res.json.data);
      }
      await until(() => clones.every((id) => q.sim.state.vms.get(id)?.config.lock === 'clone'));
      expect(q.sim.state.flocks.get(9000)).toMatchObject({ exclusive: false, holders: 4 });
      // An exclusive user of the template (a config update) has to wait until every clone is done. At time scale 1
      // its flock wait is PVE's real 10 s, far longer than the released clones need to finish.
      q.sim.configure({ timeScale: 1 });
      put = q.api('PUT', '/nodes/pve1/qemu/9000/config', { description: 'golden image' }).finally(() => (putAnswered = true));
      await until(() => (q.sim.state.flocks.get(9000)?.releasers.length ?? 0) > 0);
      expect(putAnswered).toBe(false);
      expect(q.sim.state.flocks.get(9000)).toMatchObject({ exclusive: false, holders: 4 });
    } finally {
      q.sim.configure({ faults: {} }); // the clones go on
    }
    try {
      expect((await put).status).toBe(200);
      expect(clones.map((id) => q.sim.state.vms.get(id)?.config.lock)).toEqual([undefined, undefined, undefined, undefined]);
      expect(await Promise.all(upids.map((u) => q.wait(u)))).toEqual(['OK', 'OK', 'OK', 'OK']);
    } finally {
      q.sim.configure({ timeScale: 0.02 });
    }
    const disks = await Promise.all(clones.map(async (id) => (await q.config(id)).scsi0));
    expect(disks).toEqual(clones.map((id) => `local-lvm:vm-${id}-disk-1,size=16G`));
  });

  it('are refused for non-templates and with storage/format', async () => {
    let res = await clone(300, { newid: 420, full: 0 });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe("Linked clone feature is not supported for 'local-lvm:vm-300-disk-0' (scsi0)\n");
    res = await clone(9000, { newid: 420, storage: 'local' });
    expect(res.json.message).toBe("parameter 'storage' not allowed for linked clones\n");
    res = await clone(9000, { newid: 420, format: 'qcow2' });
    expect(res.json.message).toBe("parameter 'format' not allowed for linked clones\n");
  });
});

describe('full clones and pre-fork checks', () => {
  it('copy disks to a new storage and format', async () => {
    const upid = (await clone(9000, { newid: 430, full: 1, storage: 'local', format: 'raw' })).json.data;
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(430);
    expect(conf.scsi0).toBe('local:430/vm-430-disk-1.raw,size=16G');
    expect(q.log(upid)).toContain('create full clone of drive scsi0 (local-lvm:base-9000-disk-1)');
  });

  it('are the default for plain VMs', async () => {
    const upid = (await clone(300, { newid: 431 })).json.data;
    expect(await q.wait(upid)).toBe('OK');
    expect((await q.config(431)).scsi0).toBe('local-lvm:vm-431-disk-0,size=4G');
    expect((await q.config(431)).name).toBe('Copy-of-VM-plain');
  });

  it('report the source and target problems synchronously', async () => {
    let res = await clone(9999, { newid: 440 });
    expect(res.json.message).toBe("unable to find configuration file for VM 9999 on node 'pve1'\n");
    res = await clone(9000, { newid: 400 });
    expect(res.json.message).toBe('unable to create VM 400: config file already exists\n');
    res = await clone(9000, { newid: 440, snapname: 'nope' });
    expect(res.json.message).toBe("snapshot 'nope' does not exist\n");
    res = await clone(9000, { newid: 440, target: 'pve2' });
    expect(res.json.message).toBe("can't clone VM to node 'pve2' (VM uses local storage)\n");
    res = await clone(9000, { newid: 440, target: 'pve9' });
    expect(res.json.message).toBe("no such cluster node 'pve9'\n");
    q.sim.state.vms.get(9000)!.config.lock = 'backup';
    try {
      res = await clone(9000, { newid: 440 });
      expect(res.json.message).toBe('VM is locked (backup)\n');
    } finally {
      delete q.sim.state.vms.get(9000)!.config.lock;
    }
  });

  it('onto an id of another node: accepted (only this node\'s configs are checked), failed by pmxcfs in the worker', async () => {
    await q.create(470, { name: 'elsewhere', memory: 1024 }, 'pve2');
    const before = { ...q.sim.state.vms.get(470)!.config };
    const res = await clone(300, { newid: 470 });
    expect(res.status).toBe(200);
    const upid = res.json.data;
    expect(await q.wait(upid)).toBe("close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/470.conf' failed: File exists");
    expect(q.log(upid)).toEqual([
      'creating a clone of VM 300 with ID 470',
      "TASK ERROR: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/470.conf' failed: File exists",
    ]);
    // nothing written for the new id, no disk copied, the other node's VM as it was
    expect(q.sim.state.vms.get(470)).toMatchObject({ node: 'pve2', config: before });
    expect([...q.sim.state.volumes.values()].flatMap((v) => [...v]).filter((v) => /-470-disk/.test(v))).toEqual([]);
  });

  it('to one newid: the second waits for the target flock and fails after 1 s (scaled)', async () => {
    q.sim.configure({ durations: { qmclone_full: 10_000 } });
    try {
      const first = (await clone(300, { newid: 450 })).json.data;
      await until(() => q.sim.state.flocks.has(450));
      const second = await clone(300, { newid: 450 });
      // Either the pre-fork check already sees the target, or the worker times out on its flock.
      if (second.status === 200) {
        expect(await q.wait(second.json.data)).toBe("can't lock file '/var/lock/qemu-server/lock-450.conf' - got timeout");
      } else {
        expect(second.json.message).toBe('unable to create VM 450: config file already exists\n');
      }
      expect(await q.wait(first)).toBe('OK');
    } finally {
      q.sim.configure({ durations: { qmclone_full: 3000 } });
    }
  });

  it('that fail remove the target config and its new volumes (clone failed: ...)', async () => {
    // Held mid-copy until the storage is gone, so the failure does not depend on how fast the test looks.
    q.sim.configure({ faults: { holdTasks: ['qmclone'] } });
    const saved = q.sim.state.storages.get('thick')!;
    try {
      const upid = (await clone(300, { newid: 455, storage: 'thick' })).json.data;
      await until(() => q.sim.state.vms.has(455));
      q.sim.state.storages.delete('thick');
      q.sim.configure({ faults: {} });
      expect(await q.wait(upid)).toBe("clone failed: storage 'thick' does not exist");
      expect(q.sim.state.vms.has(455)).toBe(false);
    } finally {
      q.sim.configure({ faults: {} });
      q.sim.state.storages.set('thick', saved);
    }
  });

  it('can be made from a snapshot and support a target node on shared storage', async () => {
    await q.create(302, { scsi0: 'shared-nfs:2', net0: 'virtio,bridge=vmbr0' });
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/302/snapshot', { snapname: 's1' }))).toBe('OK');
    const upid = (await clone(302, { newid: 460, snapname: 's1', target: 'pve2', pool: 'ci' })).json.data;
    expect(await q.wait(upid)).toBe('OK');
    expect(q.sim.state.vms.get(460)!.node).toBe('pve2');
    expect((await q.config(460, 'pve2')).scsi0).toBe('shared-nfs:460/vm-460-disk-0.qcow2,size=2G');
    expect(q.sim.state.pools.get('ci')!.members.has(460)).toBe(true);
  });
});
