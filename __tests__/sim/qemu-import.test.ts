// POST /nodes/{node}/qemu with `import-from`: a fresh VM from a cloud image (PVE's `import` content), as qemu-server
// API2/Qemu.pm `$check_drive_param`, `$check_storage_access` and `create_disks` do it, and the errors on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../sim/index.js';
import { volumesOfVm } from '../../sim/qemu/volumes.js';
import { startQemuSim, STORAGES, type QemuSim } from './qemu-support.js';

const GiB = 1024 ** 3;
const NOBLE = 'imports:import/noble-server-cloudimg-amd64.qcow2';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim({
    storages: [...(STORAGES ?? []), { storage: 'imports', type: 'dir', content: 'iso,import' }],
    importFiles: { [NOBLE]: 3.5 * GiB },
  });
});
afterAll(() => q.close());

describe('import-from on create', () => {
  it('copies the image into a new volume of its size, with a cloud-init drive, and logs the copy', async () => {
    const upid = await q.run('POST', '/nodes/pve1/qemu', {
      vmid: 200,
      scsi0: `local-lvm:0,import-from=${NOBLE},iothread=1,discard=on`,
      ide2: 'local-lvm:cloudinit',
      agent: '1',
    });
    expect(await q.wait(upid)).toBe('OK');
    const conf = await q.config(200);
    expect(conf.scsi0).toBe('local-lvm:vm-200-disk-0,discard=on,iothread=1,size=3584M');
    expect(conf.ide2).toBe('local-lvm:vm-200-cloudinit,media=cdrom');
    expect(JSON.stringify(conf)).not.toContain('import-from');
    const log = q.log(upid);
    expect(log).toContain(`create full clone of drive (${NOBLE})`);
    expect(log).toContain("allocated target volume 'local-lvm:vm-200-disk-0'");
    expect(log).toContain('transferred 0.0 B of 3.5 GiB (0.00%)');
    expect(log).toContain('transferred 3.5 GiB of 3.5 GiB (100.00%)');
    expect(log).toContain("scsi0: successfully created disk 'local-lvm:vm-200-disk-0,discard=on,iothread=1,size=3584M'");
    // the source stays
    expect(q.sim.state.volumes.get('imports')?.has('import/noble-server-cloudimg-amd64.qcow2')).toBe(true);
  });

  it('gives the default local storage the import content type of a PVE 9 install', async () => {
    const sim = await startSimulator({ timeScale: 0.02 });
    try {
      expect(sim.state.storages.get('local')?.content.split(',')).toContain('import');
    } finally {
      await sim.close();
    }
  });

  it("refuses a size other than 0 before forking: 'import-from' requires <storage>:0", async () => {
    const res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 201, scsi0: `local-lvm:32,import-from=${NOBLE}` });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>" });
    expect(q.sim.state.vms.has(201)).toBe(false);
  });

  it('refuses a source of the wrong type or with an unparsable name before forking', async () => {
    let res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 201, scsi0: 'local-lvm:0,import-from=isos:iso/debian.iso' });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ scsi0: "isos:iso/debian.iso has wrong type 'iso' - needs to be 'images' or 'import'" });
    // .img is an iso name to PVE, not an import name (pve-storage $IMPORT_EXT_RE_1: ova|ovf|qcow2|raw|vmdk)
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 201, scsi0: 'local-lvm:0,import-from=imports:import/noble.img' });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe("unable to parse directory volume name 'import/noble.img'\n");
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 201, scsi0: 'local-lvm:0,import-from=local-lvm:import/noble.qcow2' });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe("unable to parse lvm volume name 'import/noble.qcow2'\n");
    expect(q.sim.state.vms.has(201)).toBe(false);
  });

  it('fails the task on a missing image (failed to stat) and frees what it had allocated', async () => {
    const upid = await q.run('POST', '/nodes/pve1/qemu', {
      vmid: 202,
      ide2: 'local-lvm:cloudinit',
      scsi0: 'local-lvm:0,import-from=imports:import/missing.qcow2',
    });
    expect(await q.wait(upid)).toBe("unable to create VM 202 - failed to stat '/mnt/pve/imports/import/missing.qcow2'");
    expect(q.sim.state.vms.has(202)).toBe(false);
    expect(volumesOfVm(q.sim.state, 202)).toEqual([]);
  });

  it('allows an absolute path to root@pam only', async () => {
    q.sim.placeImportFile('/root/jammy.qcow2', 2 * GiB);
    const res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 203, scsi0: 'local-lvm:0,import-from=/root/jammy.qcow2' });
    expect(res.status).toBe(500);
    expect(res.json.message).toMatch(/^Only root can pass arbitrary filesystem paths\. at /);
    const upid = await q.run('POST', '/nodes/pve1/qemu', { vmid: 203, scsi0: 'local-lvm:0,import-from=/root/jammy.qcow2' }, q.root);
    expect(await q.wait(upid)).toBe('OK');
    expect((await q.config(203)).scsi0).toBe('local-lvm:vm-203-disk-0,size=2G');
  });

  it('needs Datastore.Audit or AllocateSpace on the source storage (check_volume_access)', async () => {
    const acl = q.sim.acl;
    acl.addRole('Maker', ['VM.Allocate', 'VM.Config.Disk', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Config.HWType', 'VM.Config.Options', 'Datastore.AllocateSpace']);
    acl.addRole('StoreAudit', ['Datastore.Audit']);
    const cred = q.sim.addToken({ userid: 'root@pam', tokenid: 'maker', privsep: true });
    acl.addAcl({ path: '/vms', ugid: 'root@pam!maker', kind: 'token', roleid: 'Maker' });
    acl.addAcl({ path: '/storage/local-lvm', ugid: 'root@pam!maker', kind: 'token', roleid: 'Maker' });
    const auth = { token: cred.header };
    let res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 204, scsi0: `local-lvm:0,import-from=${NOBLE}` }, auth);
    expect(res.status).toBe(403);
    expect(res.statusText).toContain('/storage/imports');
    acl.addAcl({ path: '/storage/imports', ugid: 'root@pam!maker', kind: 'token', roleid: 'StoreAudit' });
    res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 204, scsi0: `local-lvm:0,import-from=${NOBLE}` }, auth);
    expect(res.status).toBe(200);
    expect(await q.wait(res.json.data)).toBe('OK');
  });
});

describe('placeImportFile', () => {
  it('takes import names on dir/nfs storages and absolute paths only', async () => {
    expect(() => q.sim.placeImportFile('local-lvm:import/x.qcow2', GiB)).toThrow(/dir or nfs/);
    expect(() => q.sim.placeImportFile('imports:import/x.img', GiB)).toThrow(/unable to parse directory volume name/);
    expect(() => q.sim.placeImportFile('nosuch:import/x.qcow2', GiB)).toThrow(/no such storage/);
  });
});
