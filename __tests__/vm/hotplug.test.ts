import { describe, expect, test } from 'vitest';
import { hotplugCategories, synchronousConfig } from '../../src/vm/hotplug.js';

describe('hotplugCategories', () => {
  test("PVE's default and its spellings", () => {
    expect(hotplugCategories(undefined)).toEqual(['network', 'disk', 'usb']);
    expect(hotplugCategories('1')).toEqual(['network', 'disk', 'usb']);
    expect(hotplugCategories(1)).toEqual(['network', 'disk', 'usb']);
    expect(hotplugCategories('0')).toEqual([]);
    expect(hotplugCategories('memory,cpu')).toEqual(['memory', 'cpu']);
  });
});

describe('synchronousConfig (PUT instead of a qmconfig task)', () => {
  test('unknown run state: always POST', () => {
    expect(synchronousConfig(undefined, undefined, { name: 'x' })).toBe(false);
  });
  test('stopped VM: PUT unless a disk is set, deleted or reverted', () => {
    expect(synchronousConfig(false, undefined, { memory: '2048', cores: '4', net0: 'virtio,bridge=vmbr1' })).toBe(true);
    expect(synchronousConfig(false, undefined, { scsi1: 'local-lvm:8' })).toBe(false);
    expect(synchronousConfig(false, undefined, { efidisk0: 'local-lvm:1' })).toBe(false);
    expect(synchronousConfig(false, undefined, { cdrom: 'local:iso/x.iso' })).toBe(false);
    expect(synchronousConfig(false, undefined, { delete: 'onboot,unused0' })).toBe(false);
    expect(synchronousConfig(false, undefined, { delete: 'onboot,tags' })).toBe(true);
    expect(synchronousConfig(false, '0', { revert: 'scsi0' })).toBe(false);
  });
  test("running VM: PUT only when nothing is hot-plugged under the VM's hotplug setting", () => {
    // Default hotplug (network,disk,usb): memory and cores only become pending.
    expect(synchronousConfig(true, undefined, { memory: '2048', cores: '4', digest: 'abc' })).toBe(true);
    expect(synchronousConfig(true, undefined, { net0: 'virtio,bridge=vmbr1' })).toBe(false);
    expect(synchronousConfig(true, undefined, { usb0: 'host=1234:5678' })).toBe(false);
    expect(synchronousConfig(true, undefined, { delete: 'net1' })).toBe(false);
    expect(synchronousConfig(true, 'network,disk,usb,memory', { memory: '2048' })).toBe(false);
    expect(synchronousConfig(true, 'cpu', { cores: '4' })).toBe(false);
    expect(synchronousConfig(true, 'cpu', { vcpus: '2' })).toBe(false);
    expect(synchronousConfig(true, '0', { net0: 'virtio,bridge=vmbr1', memory: '4096' })).toBe(true);
    expect(synchronousConfig(true, 'network,disk,usb,cloudinit', { ipconfig0: 'ip=dhcp' })).toBe(false);
    expect(synchronousConfig(true, undefined, { ipconfig0: 'ip=dhcp', name: 'x', tags: 'a' })).toBe(true);
  });
});
