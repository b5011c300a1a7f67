// PUT/POST .../config and GET .../pending: the pre-fork errors, digest, locks and flocks, pending values on a running
// VM (hot-plug vs next boot), revert and delete, disks detached to unusedN, and the qmconfig task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdFlock } from '../../sim/qemu/locks.js';
import { MAC_RE, startQemuSim, until, type QemuSim } from './qemu-support.js';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim();
  await q.create(200, { name: 'cfg', cores: 1, memory: '1024', scsi0: 'local-lvm:8', net0: 'virtio,bridge=vmbr0' });
});
afterAll(() => q.close());

const put = (vmid: number, params: Record<string, string | number>, auth = q.token) =>
  q.api('PUT', `/nodes/pve1/qemu/${vmid}/config`, params, auth);

describe('PUT config (sync)', () => {
  it('applies at once on a stopped VM, returns null and changes the digest', async () => {
    const before = await q.config(200);
    const res = await put(200, { cores: 4, description: 'line one\nline two', tags: 'B;a,b c' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: null });
    const after = await q.config(200);
    expect(after.cores).toBe(4);
    expect(after.description).toBe('line one\nline two');
    expect(after.tags).toBe('a;b;c');
    expect(after.digest).not.toBe(before.digest);
  });

  it('refuses a stale digest with the exact text and accepts the current one', async () => {
    const { digest } = await q.config(200);
    await put(200, { onboot: 1 });
    const stale = await put(200, { onboot: 0, digest: String(digest) });
    expect(stale.status).toBe(500);
    expect(stale.statusText).toBe('checksum mismatch (file change by other user?)');
    const fresh = await q.config(200);
    expect((await put(200, { onboot: 0, digest: String(fresh.digest) })).status).toBe(200);
  });

  it('answers the parameter errors of update_vm', async () => {
    let res = await put(200, {});
    expect(res.status).toBe(500);
    expect(res.json.message).toBe('no options specified\n');
    res = await put(200, { delete: 'foo' });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ delete: "unknown option 'foo'" });
    res = await put(200, { cores: 2, delete: 'cores' });
    expect(res.json.errors).toEqual({ delete: "you can't use '-cores' and -delete cores' at the same time" });
    res = await put(200, { balloon: 4096 });
    expect(res.json.message).toBe('balloon value too large (must be smaller than assigned memory)\n');
    res = await put(200, { cores: 2, skiplock: 1 });
    expect(res.json.errors).toEqual({ skiplock: 'Only root may use this option.' });
    res = await q.api('PUT', '/nodes/pve1/qemu/999/config', { cores: 2 });
    expect(res.json.message).toBe("Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n");
  });

  it('refuses a locked VM unless root uses skiplock', async () => {
    q.sim.state.vms.get(200)!.config.lock = 'backup';
    try {
      const res = await put(200, { cores: 3 });
      expect(res.statusText).toBe('VM is locked (backup)');
      expect((await put(200, { cores: 3, skiplock: 1 }, q.root)).status).toBe(200);
      expect((await q.config(200)).cores).toBe(3);
    } finally {
      delete q.sim.state.vms.get(200)!.config.lock;
    }
  });

  it('keeps a given MAC, generates one for a NIC without, and allocates new disks', async () => {
    const mac = String((await q.config(200)).net0).split(',')[0].split('=')[1];
    await put(200, { net0: `virtio=${mac},bridge=vmbr1`, net1: 'e1000,bridge=vmbr0,tag=20', scsi1: 'local-lvm:2' });
    const conf = await q.config(200);
    expect(conf.net0).toBe(`virtio=${mac},bridge=vmbr1`);
    expect(String(conf.net1)).toMatch(/^e1000=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=20$/);
    expect(String(conf.net1).split(',')[0].split('=')[1]).toMatch(MAC_RE);
    expect(conf.scsi1).toBe('local-lvm:vm-200-disk-1,size=2G');
  });

  it('detaches a deleted disk to unusedN, and deleting unusedN frees the volume', async () => {
    await put(200, { delete: 'scsi1' });
    let conf = await q.config(200);
    expect(conf.scsi1).toBeUndefined();
    expect(conf.unused0).toBe('local-lvm:vm-200-disk-1');
    await put(200, { delete: 'unused0' });
    conf = await q.config(200);
    expect(conf.unused0).toBeUndefined();
    expect(q.sim.state.volumes.get('local-lvm')!.has('vm-200-disk-1')).toBe(false);
  });

  it('protection blocks removing disks', async () => {
    await put(200, { protection: 1 });
    const res = await put(200, { delete: 'scsi0' });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe("can't remove drive 'scsi0' - protection mode enabled\n");
    await put(200, { delete: 'protection' });
  });

  it('waits for the flock and fails after 10 s (scaled) with PVE\'s message', async () => {
    // Held until the test lets go (not for a fixed time), so a slow request cannot arrive after the release.
    let release = holdFlock(q.sim.state, 200, {});
    try {
      const t0 = Date.now();
      const res = await put(200, { cores: 2 });
      expect(res.status).toBe(500);
      expect(res.statusText).toBe("can't lock file '/var/lock/qemu-server/lock-200.conf' - got timeout");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(190); // 10 s * 0.02
    } finally {
      release();
    }
    await until(() => !q.sim.state.flocks.has(200), 60_000);
    // A PUT that is waiting for the flock goes ahead as soon as the holder lets go.
    release = holdFlock(q.sim.state, 200, {});
    let answered = false;
    const pending = put(200, { cores: 2 }).finally(() => (answered = true));
    try {
      await until(() => (q.sim.state.flocks.get(200)?.releasers.length ?? 0) > 0, 60_000);
      expect(answered).toBe(false);
    } finally {
      release();
    }
    const ok = await pending;
    expect(ok.status).toBe(200);
    expect((await q.config(200)).cores).toBe(2);
  });
});

describe('pending changes on a running VM', () => {
  beforeAll(async () => {
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/200/status/start'))).toBe('OK');
  });

  it('applies hot-pluggable keys live and leaves the rest pending', async () => {
    await put(200, { cores: 8, memory: '4096', name: 'renamed', onboot: 1 });
    const cur = await q.config(200, 'pve1', { current: 1 });
    expect(cur.cores).toBe(2);
    expect(cur.name).toBe('renamed');
    expect(cur.onboot).toBe(1);
    const withPending = await q.config(200);
    expect(withPending.cores).toBe(8);
    expect(withPending.memory).toBe('4096');
    const pending = (await q.api('GET', '/nodes/pve1/qemu/200/pending')).json.data as Array<Record<string, unknown>>;
    expect(pending.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: 2, pending: 8 });
    expect(pending.find((p) => p.key === 'name')).toEqual({ key: 'name', value: 'renamed' });
    expect(pending.find((p) => p.key === 'digest')?.value).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reverts a pending value and marks deletions', async () => {
    await put(200, { revert: 'memory', delete: 'cores' });
    const pending = (await q.api('GET', '/nodes/pve1/qemu/200/pending')).json.data as Array<Record<string, unknown>>;
    expect(pending.find((p) => p.key === 'memory')).toEqual({ key: 'memory', value: '1024' });
    expect(pending.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: 2, delete: 1 });
    expect((await q.config(200)).cores).toBeUndefined();
    expect((await q.config(200, 'pve1', { current: 1 })).cores).toBe(2);
  });

  it('hot-plugs a new NIC but keeps an ide disk pending', async () => {
    await put(200, { net2: 'virtio,bridge=vmbr0', ide1: 'local-lvm:1' });
    const cur = await q.config(200, 'pve1', { current: 1 });
    expect(cur.net2).toBeDefined();
    expect(cur.ide1).toBeUndefined();
    expect((await q.config(200)).ide1).toBe('local-lvm:vm-200-disk-1,size=1G');
  });

  // API2/Qemu.pm `$update_vm_api` uses a plain Perl `warn` for unset keys: logged, and the task still ends OK.
  it('POST config runs a qmconfig task with the update line and a plain warning for unset keys', async () => {
    const upid = await q.run('POST', '/nodes/pve1/qemu/200/config', { sockets: 2, delete: 'serial0' });
    expect(upid).toContain(':qmconfig:200:');
    expect(await q.wait(upid)).toBe('OK');
    expect(q.log(upid)).toEqual([
      'update VM 200: -delete serial0 -sockets 2',
      "cannot delete 'serial0' - not set in current configuration!",
      'TASK OK',
    ]);
    expect((await q.config(200)).sockets).toBe(2);
  });

  it('POST config with background_delay returns null when the task ends in time', async () => {
    // Real time here: the delay (5 s) is then 16 times the task (300 ms), which a loaded machine cannot eat up;
    // at the suite's time scale both shrink, the delay to 100 ms.
    q.sim.configure({ timeScale: 1 });
    try {
      const res = await q.api('POST', '/nodes/pve1/qemu/200/config', { description: 'bg', background_delay: 5 });
      expect(res.status).toBe(200);
      expect(res.json.data).toBeNull();
      expect((await q.config(200)).description).toBe('bg');
      const failed = await q.api('POST', '/nodes/pve1/qemu/200/config', { boot: 'order=scsi9', background_delay: 5 });
      expect(failed.status).toBe(500);
      expect(failed.json.message).toBe("failed to update VM 200: invalid bootorder: device 'scsi9' does not exist'\n");
    } finally {
      q.sim.configure({ timeScale: 0.02 });
    }
  });

  it('applies everything pending when the VM stops', async () => {
    expect(await q.wait(await q.run('POST', '/nodes/pve1/qemu/200/status/stop'))).toBe('OK');
    const cur = await q.config(200, 'pve1', { current: 1 });
    expect(cur.cores).toBeUndefined();
    expect(cur.ide1).toBe('local-lvm:vm-200-disk-1,size=1G');
    expect(cur.sockets).toBe(2);
    expect((await q.api('GET', '/nodes/pve1/qemu/200/pending')).json.data.every((p: { pending?: unknown }) => p.pending === undefined)).toBe(true);
  });
});

// QemuServer.pm `parse_hotplug_features`: `1` is the default `network,disk,usb` (never cpu or memory), `0` is
// nothing; `vmconfig_hotplug_pending` reads the features before applying anything.
describe('hotplug features on a running VM', () => {
  const cur = (vmid: number) => q.config(vmid, 'pve1', { current: 1 });
  const startVm = async (vmid: number, hotplug: string) => {
    await q.create(vmid, { memory: '2048', numa: 1, vcpus: 1, cores: 2, hotplug, net0: 'virtio,bridge=vmbr0' });
    expect(await q.wait(await q.run('POST', `/nodes/pve1/qemu/${vmid}/status/start`))).toBe('OK');
  };

  it('hotplug: 1 plugs a NIC and the tablet live but keeps memory and vcpus pending', async () => {
    await startVm(211, '1');
    await put(211, { memory: '4096', vcpus: 2, net1: 'virtio,bridge=vmbr0', tablet: 0 });
    const now = await cur(211);
    expect(now.net1).toBeDefined();
    expect(now.tablet).toBe(0);
    expect(now.memory).toBe('2048');
    expect(now.vcpus).toBe(1);
    expect((await q.config(211)).memory).toBe('4096');
  });

  it('hotplug: 0 keeps even a NIC pending; a list with memory and cpu applies them live', async () => {
    await startVm(212, '0');
    await put(212, { net1: 'virtio,bridge=vmbr0' });
    expect((await cur(212)).net1).toBeUndefined();
    await startVm(213, 'memory,cpu,network');
    await put(213, { memory: '4096', vcpus: 2 });
    expect(await cur(213)).toMatchObject({ memory: '4096', vcpus: 2 });
    // balloon needs no hotplug feature: a new target, and its deletion (back to the memory size), apply live.
    await put(213, { balloon: 1024 });
    expect((await cur(213)).balloon).toBe(1024);
    await put(213, { delete: 'balloon' });
    expect((await cur(213)).balloon).toBeUndefined();
  });

  it('a new hotplug value naming cpu or memory waits for the next start; the same update uses the old features', async () => {
    await put(211, { hotplug: 'network,disk,usb,memory', memory: '3072' });
    const now = await cur(211);
    expect(now.hotplug).toBe('1');
    expect(now.memory).toBe('2048');
    await put(212, { hotplug: 'network', net2: 'virtio,bridge=vmbr0' });
    const after = await cur(212);
    expect(after.hotplug).toBe('network');
    expect(after.net2).toBeUndefined();
  });
});
