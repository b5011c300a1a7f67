// POST /nodes/{node}/qemu and the configs it leaves: lock: create during the task, disk allocation names and
// sizes, MAC generation, derived keys, the synchronous pre-fork errors and cleanup of a failed create.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAC_RE, startQemuSim, type QemuSim } from './qemu-support.js';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim();
});
afterAll(() => q.close());

describe('create', () => {
  it('writes lock: create synchronously and the full config when the task ends', async () => {
    // The create is held mid-work (holdTasks) until the test has looked at the config, not for a fixed time.
    q.sim.configure({ faults: { holdTasks: ['qmcreate'] } });
    const upid = await q.run('POST', '/nodes/pve1/qemu', {
      vmid: 100,
      name: 'web',
      cores: 2,
      memory: '2048',
      scsi0: 'local-lvm:32,iothread=1',
      efidisk0: 'local-lvm:1,efitype=4m',
      tpmstate0: 'local-lvm:1,version=v2.0',
      ide2: 'local-lvm:cloudinit',
      net0: 'model=virtio,bridge=vmbr0,firewall=1',
      net1: 'virtio=bc:24:11:aa:bb:cc,bridge=vmbr1',
      onboot: 1,
      cipassword: 'hunter2',
    });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmcreate:100:root@pam!ci:$/);
    let during: Record<string, unknown>;
    try {
      during = await q.config(100);
    } finally {
      q.sim.configure({ faults: {} });
    }
    expect(during).toEqual({ lock: 'create', digest: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await q.wait(upid)).toBe('OK');

    const conf = await q.config(100);
    expect(conf.lock).toBeUndefined();
    // sorted key order: efidisk0 < scsi0 < tpmstate0 get disk-0, -1, -2
    expect(conf.efidisk0).toBe('local-lvm:vm-100-disk-0,efitype=4m,size=4M');
    expect(conf.scsi0).toBe('local-lvm:vm-100-disk-1,iothread=1,size=32G');
    expect(conf.tpmstate0).toBe('local-lvm:vm-100-disk-2,size=4M,version=v2.0');
    expect(conf.ide2).toBe('local-lvm:vm-100-cloudinit,media=cdrom');
    const net0 = String(conf.net0);
    expect(net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,firewall=1$/);
    expect(net0.split(',')[0].split('=')[1]).toMatch(MAC_RE);
    expect(conf.net1).toBe('virtio=bc:24:11:aa:bb:cc,bridge=vmbr1');
    expect(conf.boot).toBe('order=scsi0;net0');
    expect(conf.meta).toMatch(/^creation-qemu=9\.2\.0,ctime=\d+$/);
    expect(conf.smbios1).toMatch(/^uuid=[0-9a-f-]{36}$/);
    expect(conf.vmgenid).toMatch(/^[0-9a-f-]{36}$/);
    expect(conf.cipassword).toBe('**********');
    expect(q.sim.state.vms.get(100)!.config.cipassword).toMatch(/^\$6\$/);
    // JSON typing as PVE: integers and booleans numified, memory (a property string) kept a string
    expect(conf.cores).toBe(2);
    expect(conf.onboot).toBe(1);
    expect(conf.memory).toBe('2048');
    expect(conf.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(q.log(upid)).toContain("scsi0: successfully created disk 'local-lvm:vm-100-disk-1,iothread=1,size=32G'");
  });

  it('uses file names with a format on dir storages', async () => {
    await q.create(101, {
      scsi0: 'local:10',
      scsi1: 'local:1.5,format=raw',
      efidisk0: 'local:1',
      ide2: 'local:cloudinit',
      net0: 'virtio,bridge=vmbr0',
    });
    const conf = await q.config(101);
    expect(conf.efidisk0).toBe('local:101/vm-101-disk-0.qcow2,size=528K');
    expect(conf.scsi0).toBe('local:101/vm-101-disk-1.qcow2,size=10G');
    expect(conf.scsi1).toBe('local:101/vm-101-disk-2.raw,size=1536M');
    expect(conf.ide2).toBe('local:101/vm-101-cloudinit.qcow2,media=cdrom');
    expect(conf.boot).toBe('order=scsi0;net0');
  });

  it('sizes an imported disk like its source', async () => {
    q.sim.placeImportFile('/var/tmp/cloud.qcow2', 2 * 1024 ** 3);
    // an absolute path is root@pam's only (check_volume_access), so root creates this one
    const upid = await q.run('POST', '/nodes/pve1/qemu', { vmid: 103, scsi0: 'local-lvm:0,import-from=local-lvm:vm-100-disk-1,iothread=1', scsi1: 'local-lvm:0,import-from=/var/tmp/cloud.qcow2' }, q.root);
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(103);
    expect(conf.scsi0).toBe('local-lvm:vm-103-disk-0,iothread=1,size=32G');
    expect(conf.scsi1).toBe('local-lvm:vm-103-disk-1,size=2G');
  });

  it('gives every VM different MACs and keeps cdroms and iso images as given', async () => {
    await q.create(102, { net0: 'virtio,bridge=vmbr0', ide0: 'none,media=cdrom', ide2: 'isos:iso/debian.iso,media=cdrom' });
    const a = await q.config(101);
    const b = await q.config(102);
    expect(b.net0).not.toBe(a.net0);
    expect(b.ide0).toBe('none,media=cdrom');
    expect(b.ide2).toBe('isos:iso/debian.iso,media=cdrom');
    expect(b.boot).toBe('order=ide0;net0');
  });

  it('refuses an id that exists anywhere in the cluster, synchronously', async () => {
    const res = await q.api('POST', '/nodes/pve2/qemu', { vmid: 100, cores: 1 });
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("unable to create VM 100 - VM 100 already exists on node 'pve1'");
    expect(res.json).toEqual({ data: null, message: "unable to create VM 100 - VM 100 already exists on node 'pve1'\n" });
  });

  it('checks storages, pools and iso media before forking', async () => {
    let res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 110, scsi0: 'nosuch:8' });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe("storage 'nosuch' does not exist\n");
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 110, scsi0: 'isos:8' });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ storage: "storage 'isos' does not support vm images" });
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 110, pool: 'nope' });
    // RPCEnvironment.pm check_pool_exist: raise_perm_exc
    expect(res.status).toBe(403);
    expect(res.json.message).toBe("Permission check failed (pool 'nope' does not exist)\n");
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 110, ide2: 'isos:iso/x.iso' });
    expect(res.json.errors).toEqual({ ide2: "explicit 'media=cdrom' is required for iso images" });
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 110, scsi0: 'local-lvm:8', pool: 'ci', start: 1, ide2: 'nosuch:cloudinit' });
    expect(res.json.message).toBe("storage 'nosuch' does not exist\n");
    expect(q.sim.state.vms.has(110)).toBe(false);
  });

  it('adds the VM to its pool', async () => {
    await q.create(111, { scsi0: 'local-lvm:4', pool: 'ci' });
    expect((await q.config(111)).scsi0).toBe('local-lvm:vm-111-disk-0,size=4G');
    expect(q.sim.state.pools.get('ci')!.members.has(111)).toBe(true);
  });

  it('frees allocated volumes and removes the config when a disk cannot be created', async () => {
    const upid = await q.run('POST', '/nodes/pve2/qemu', { vmid: 112, scsi0: 'local-lvm:4', scsi1: 'pve1-only:4' });
    expect(await q.wait(upid)).toBe("unable to create VM 112 - storage 'pve1-only' is not available on node 'pve2'");
    expect(q.sim.state.vms.has(112)).toBe(false);
    expect([...q.sim.state.volumes.get('local-lvm')!].filter((v) => v.includes('-112-'))).toEqual([]);
  });

  it('starts the VM in the same task with start=1', async () => {
    const upid = await q.run('POST', '/nodes/pve1/qemu', { vmid: 113, start: 1, scsi0: 'local-lvm:1' });
    expect(await q.wait(upid)).toBe('OK');
    expect(q.log(upid)).toContain('Execute autostart');
    const st = await q.api('GET', '/nodes/pve1/qemu/113/status/current');
    expect(st.json.data.status).toBe('running');
  });

  it('restores a small fixed config from an archive as qmrestore', async () => {
    const upid = await q.run('POST', '/nodes/pve1/qemu', { vmid: 114, archive: 'local:backup/vzdump-qemu-9-2024_01_01-00_00_00.vma.zst', cores: 3 });
    expect(upid).toContain(':qmrestore:114:');
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(114);
    expect(conf.cores).toBe(3);
    expect(conf.scsi0).toBe('local-lvm:vm-114-disk-0,size=8G');
    const res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 115, archive: 'local:backup/x.vma', scsi0: 'local-lvm:1' });
    expect(res.json.errors).toEqual({ scsi0: "option conflicts with option 'archive'" });
  });

  it('lists the node\'s VMs with vmstatus fields', async () => {
    const res = await q.api('GET', '/nodes/pve1/qemu');
    const web = res.json.data.find((v: { vmid: number }) => v.vmid === 100);
    expect(web).toMatchObject({ vmid: 100, name: 'web', status: 'stopped', cpus: 2, maxmem: 2048 * 1024 ** 2, maxdisk: 32 * 1024 ** 3, uptime: 0 });
    const other = res.json.data.find((v: { vmid: number }) => v.vmid === 102);
    expect(other.name).toBe('VM 102');
    expect((await q.api('GET', '/nodes/pve2/qemu')).json.data).toEqual([]);
  });
});
