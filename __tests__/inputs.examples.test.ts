// The examples of both module docs (and the maintained module's), written as action inputs, give the expected Settings.
import { describe as suite, expect, it } from 'vitest';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';
import type { Settings } from '../src/settings.js';

const AUTH = { api_user: 'root@pam', api_password: 'secret', api_host: 'helldorado' };

function settings(inputs: Record<string, string>): Settings {
  const all: Record<string, string> = { ...AUTH, ...inputs };
  const r = readSettings((n) => all[n] ?? '', {});
  expect(formatInputErrors(r.errors)).toBe('');
  return r.settings!;
}

suite('creating VMs', () => {
  it('minimal options, with and without vmid', () => {
    const s = settings({ name: 'spynal', node: 'sabrewulf' });
    expect(s).toMatchObject({ state: 'present', name: 'spynal', node: 'sabrewulf', vmid: undefined, spec: { name: 'spynal' } });
    expect(settings({ name: 'spynal', node: 'sabrewulf', vmid: '100' }).vmid).toBe(100);
  });

  it('two network interfaces: the old JSON string and the YAML mapping agree', () => {
    const old = settings({ name: 'spynal', node: 'sabrewulf', net: '{"net0":"virtio,bridge=vmbr1,rate=200", "net1":"e1000,bridge=vmbr2,"}' });
    const yaml = settings({ name: 'spynal', node: 'sabrewulf', net: "net0: 'virtio,bridge=vmbr1,rate=200'\nnet1: 'e1000,bridge=vmbr2'" });
    expect(old.spec).toEqual({ name: 'spynal', net0: 'virtio,bridge=vmbr1,rate=200', net1: 'e1000,bridge=vmbr2' });
    expect(yaml.spec).toEqual(old.spec);
    expect(old.specSource).toMatchObject({ net0: 'net', net1: 'net' });
  });

  it('one NIC, three virtio disks, 4 cores and 2 vcpus', () => {
    const s = settings({
      name: 'spynal', node: 'sabrewulf', net: "net0: 'virtio,bridge=vmbr1,rate=200'",
      virtio: "virtio0: 'VMs_LVM:10'\nvirtio1: 'VMs:2,format=qcow2'\nvirtio2: 'VMs:5,format=raw'", cores: '4', vcpus: '2',
    });
    expect(s.spec).toEqual({
      name: 'spynal', net0: 'virtio,bridge=vmbr1,rate=200', virtio0: 'VMs_LVM:10', virtio1: 'VMs:2,format=qcow2',
      virtio2: 'VMs:5,format=raw', cores: '4', vcpus: '2',
    });
  });

  it('lock and protection', () => {
    expect(settings({ name: 'spynal', node: 'sabrewulf', lock: 'snapshot' }).spec.lock).toBe('snapshot');
    expect(settings({ name: 'spynal', node: 'sabrewulf', protection: 'yes' }).spec.protection).toBe('1');
  });

  it('cloud-init with a user and password', () => {
    const s = settings({
      node: 'sabrewulf', name: 'spynal', ide: "ide2: 'local:cloudinit,format=qcow2'", ciuser: 'mylinuxuser', cipassword: 'supersecret',
      searchdomains: 'mydomain.internal', nameservers: '1.1.1.1', net: "net0: 'virtio,bridge=vmbr1,tag=77'",
      ipconfig: "ipconfig0: 'ip=192.168.1.1/24,gw=192.168.1.1'",
    });
    expect(s.spec).toEqual({
      name: 'spynal', ide2: 'local:cloudinit,format=qcow2', ciuser: 'mylinuxuser', cipassword: 'supersecret',
      searchdomain: 'mydomain.internal', nameserver: '1.1.1.1', net0: 'virtio,bridge=vmbr1,tag=77', ipconfig0: 'ip=192.168.1.1/24,gw=192.168.1.1',
    });
    expect(s.specSource).toMatchObject({ searchdomain: 'searchdomains', nameserver: 'nameservers', ipconfig0: 'ipconfig' });
  });

  it('cloud-init with an ssh key and two name servers', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+';
    const s = settings({
      node: 'sabrewulf', name: 'spynal', ide: "ide2: 'local:cloudinit,format=qcow2'", sshkeys: key, searchdomains: 'mydomain.internal',
      nameservers: "- '1.1.1.1'\n- '8.8.8.8'", net: "net0: 'virtio,bridge=vmbr1,tag=77'", ipconfig: "ipconfig0: 'ip=192.168.1.1/24'",
    });
    expect(s.spec).toMatchObject({
      sshkeys: 'ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L%2B',
      nameserver: '1.1.1.1 8.8.8.8', ipconfig0: 'ip=192.168.1.1/24',
    });
  });

  it('EFI disk and TPM (maintained module)', () => {
    const s = settings({
      name: 'spynal', node: 'sabrewulf', sata: "sata0: 'VMs_LVM:10,format=raw'", bios: 'ovmf',
      efidisk0: 'storage: VMs_LVM_thin\nformat: raw\nefitype: 4m\npre_enrolled_keys: false', tpmstate0: '{storage: local-lvm, version: "2.0"}',
    });
    expect(s.spec).toMatchObject({
      sata0: 'VMs_LVM:10,format=raw', bios: 'ovmf', efidisk0: 'VMs_LVM_thin:1,efitype=4m,format=raw,pre-enrolled-keys=0',
      tpmstate0: 'local-lvm:1,version=v2.0',
    });
  });

  it('restore from an archive', () => {
    const s = settings({ name: 'spynal', archive: 'backup-storage:backup/vm/140/2023-03-08T06:41:23Z' });
    expect(s.archive).toBe('backup-storage:backup/vm/140/2023-03-08T06:41:23Z');
    expect(s.spec).toEqual({ name: 'spynal' });
  });
});

suite('cloning', () => {
  it('by source name, full clone with format', () => {
    const s = settings({ clone: 'spynal', name: 'zavala', node: 'sabrewulf', storage: 'VMs', format: 'qcow2', timeout: '500' });
    expect(s).toMatchObject({ clone: 'spynal', name: 'zavala', storage: 'VMs', format: 'qcow2', timeoutSec: 500, full: undefined });
  });

  it('linked clone: full no, format unspecified', () => {
    const s = settings({ clone: 'spynal', name: 'zavala', node: 'sabrewulf', storage: 'VMs', full: 'no', format: 'unspecified', timeout: '500' });
    expect(s).toMatchObject({ full: false, format: undefined });
  });

  it('by source vmid into newid with raw format', () => {
    const s = settings({
      clone: 'arbitrary_name', vmid: '108', newid: '152', name: 'zavala', node: 'sabrewulf', storage: 'LVM_STO', format: 'raw', timeout: '300',
    });
    expect(s).toMatchObject({ clone: 'arbitrary_name', vmid: 108, newid: 152, format: 'raw', storage: 'LVM_STO', timeoutSec: 300 });
  });
});

suite('power states and other operations', () => {
  it('started, stopped (forced), restarted, absent, current, template, paused, hibernated', () => {
    for (const state of ['started', 'stopped', 'restarted', 'absent', 'current', 'template', 'paused', 'hibernated'] as const) {
      expect(settings({ name: 'spynal', node: 'sabrewulf', state }).state).toBe(state);
    }
    expect(settings({ name: 'spynal', node: 'sabrewulf', state: 'stopped', force: 'yes' }).force).toBe(true);
  });

  it('update of cores and memory (and unsafe net)', () => {
    const s = settings({ name: 'spynal', node: 'sabrewulf', cores: '8', memory: '16384', update: 'yes' });
    expect(s).toMatchObject({ update: true, updateUnsafe: false, spec: { cores: '8', memory: '16384' } });
    const u = settings({ name: 'spynal', node: 'sabrewulf', cores: '8', net: 'net0: virtio,bridge=vmbr1', update: 'true', update_unsafe: 'true' });
    expect(u).toMatchObject({ updateUnsafe: true, spec: { net0: 'virtio,bridge=vmbr1' } });
  });

  it('delete and revert take config keys', () => {
    expect(settings({ name: 'spynal', node: 'sabrewulf', delete: 'args,template,cpulimit' }).delete).toEqual(['args', 'template', 'cpulimit']);
    expect(settings({ name: 'spynal', node: 'sabrewulf', revert: 'template,cpulimit' }).revert).toEqual(['template', 'cpulimit']);
  });

  it('migrate, and a hookscript update', () => {
    expect(settings({ name: 'spynal', node: 'sabrewulf-2', migrate: 'true' })).toMatchObject({ migrate: true, withLocalDisks: false });
    expect(settings({ vmid: '999', node: 'sabrewulf', hookscript: 'local:snippets/hookscript.pl', update: 'true' }).spec)
      .toEqual({ hookscript: 'local:snippets/hookscript.pl' });
  });
});
