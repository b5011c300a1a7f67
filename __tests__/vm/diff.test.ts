import { describe, expect, test } from 'vitest';
import { diffConfig } from '../../src/vm/diff.js';

const opts = { unsafe: false, secretKeys: new Set(['cipassword']) };
const src = (spec: Record<string, string>) => Object.fromEntries(Object.keys(spec).map((k) => [k, k]));
const diff = (spec: Record<string, string>, live: Record<string, string | number>, o = opts) => diffConfig(spec, src(spec), live, o);

describe('diffConfig', () => {
  test('scalars compare by value, numbers numerically', () => {
    const d = diff({ cores: '2', memory: '2048', onboot: '1', cpulimit: '1.5' }, { cores: 2, memory: '2048', onboot: 1, cpulimit: '1.50' });
    expect(d.set).toEqual({});
    const d2 = diff({ cores: '4' }, { cores: 2 });
    expect(d2.set).toEqual({ cores: '4' });
    expect(d2.changes).toEqual([{ key: 'cores', from: '2', to: '4', input: 'cores', secret: false }]);
  });

  test('a NIC without MAC in the request matches the stored NIC with its generated MAC', () => {
    const live = { net0: 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,firewall=1' };
    expect(diff({ net0: 'virtio,bridge=vmbr0,firewall=1' }, live, { ...opts, unsafe: true }).set).toEqual({});
    expect(diff({ net0: 'model=virtio,firewall=1,bridge=vmbr0' }, live, { ...opts, unsafe: true }).set).toEqual({});
  });

  test('a changed NIC keeps its MAC and needs update_unsafe', () => {
    const live = { net0: 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr0' };
    const safe = diff({ net0: 'virtio,bridge=vmbr1' }, live);
    expect(safe.set).toEqual({});
    expect(safe.skippedUnsafe).toEqual(['net0']);
    const d = diff({ net0: 'virtio,bridge=vmbr1' }, live, { ...opts, unsafe: true });
    expect(d.set).toEqual({ net0: 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr1' });
  });

  test('a disk allocation request never re-allocates an existing disk; growth becomes a resize', () => {
    const live = { scsi0: 'local-lvm:vm-100-disk-0,iothread=1,size=10G' };
    expect(diff({ scsi0: 'local-lvm:10,iothread=1' }, live, { ...opts, unsafe: true }).set).toEqual({});
    const grow = diff({ scsi0: 'local-lvm:20,iothread=1' }, live, { ...opts, unsafe: true });
    expect(grow.set).toEqual({});
    expect(grow.resizes).toEqual([{ disk: 'scsi0', size: '20G', from: '10G' }]);
    const opt = diff({ scsi0: 'local-lvm:10,iothread=1,discard=on' }, live, { ...opts, unsafe: true });
    expect(opt.set).toEqual({ scsi0: 'local-lvm:vm-100-disk-0,discard=on,iothread=1,size=10G' });
    const shrink = diff({ scsi0: 'local-lvm:5,iothread=1' }, live, { ...opts, unsafe: true });
    expect(shrink.resizes).toEqual([]);
    expect(shrink.notes[0]).toMatch(/cannot shrink/);
  });

  test('disks are only touched with update_unsafe; a new disk is sent as given', () => {
    expect(diff({ scsi1: 'local-lvm:4' }, {}).skippedUnsafe).toEqual(['scsi1']);
    expect(diff({ scsi1: 'local-lvm:4' }, {}, { ...opts, unsafe: true }).set).toEqual({ scsi1: 'local-lvm:4' });
  });

  test('cloud-init drive request matches the stored cloud-init volume', () => {
    const live = { ide2: 'local:100/vm-100-cloudinit.qcow2,media=cdrom' };
    expect(diff({ ide2: 'local:cloudinit,format=qcow2' }, live, { ...opts, unsafe: true }).set).toEqual({});
  });

  test('tags compare as sets, sshkeys decoded, property strings by sub-key', () => {
    expect(diff({ tags: 'b;a' }, { tags: 'a;b' }).set).toEqual({});
    expect(diff({ tags: 'a;c' }, { tags: 'a;b' }).set).toEqual({ tags: 'a;c' });
    expect(diff({ sshkeys: 'ssh-ed25519%20AAAA%20me' }, { sshkeys: 'ssh-ed25519%20AAAA%20me%0A' }).set).toEqual({});
    expect(diff({ agent: 'enabled=1,fstrim_cloned_disks=1' }, { agent: 'fstrim_cloned_disks=1,enabled=1' }).set).toEqual({});
    expect(diff({ agent: '1' }, { agent: '1' }).set).toEqual({});
    expect(diff({ ipconfig0: 'ip=dhcp' }, { ipconfig0: 'ip=dhcp,gw=10.0.0.1' }).set).toEqual({ ipconfig0: 'ip=dhcp' });
  });

  test('a stored secret is not re-sent and the value never shows', () => {
    const d = diff({ cipassword: 'hunter2' }, { cipassword: '**********' });
    expect(d.set).toEqual({});
    expect(JSON.stringify(d)).not.toContain('hunter2');
    const fresh = diff({ cipassword: 'hunter2' }, {});
    expect(fresh.changes[0].secret).toBe(true);
  });
});
