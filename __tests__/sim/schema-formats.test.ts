// Named formats (pve-tag-list, urlencoded, pve-vm-cpu-conf, ...): accepted values and PVE's rejection texts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { NAMED_CHECKS, NAMED_HASH_FORMATS, splitList } from '../../sim/schema/formats.js';
import { DEFAULT_OUT } from '../../sim/schema/generate.js';
import { findEndpoint, methodSchema, validateParams, type EndpointMatch } from '../../sim/schema/validate.js';
import { sshPublicKey } from '../../tools/sshkeys.js';

function req(method: string, path: string, params: Record<string, unknown>): Record<string, string> | null {
  const m = findEndpoint(method, path) as EndpointMatch;
  return validateParams(m.schema, { ...m.pathParams, ...params });
}
const put = (params: Record<string, unknown>) => req('PUT', '/nodes/pve1/qemu/100/config', params);
const formatError = (...lines: string[]): string => `invalid format - format error\n${lines.map((l) => `${l}\n`).join('')}`;

describe('coverage', () => {
  it('checks every named format of the simulated endpoints except the POST /storage and ticket-privs ones', () => {
    methodSchema('GET', '/version'); // loads the schema, which registers pve-qm-ide
    const used = new Set<string>();
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'format' && typeof x === 'string') used.add(x);
        else walk(x);
      }
    };
    walk(JSON.parse(readFileSync(DEFAULT_OUT, 'utf8')).endpoints);
    const unchecked = [...used].filter((f) => {
      const base = (/^(.*?)(?:-(list|opt))?$/.exec(f) as RegExpExecArray)[1] as string;
      return !NAMED_CHECKS[base] && !NAMED_HASH_FORMATS[base];
    });
    expect(unchecked.sort()).toEqual([
      'prune-backups',
      'pve-dir-override-list',
      'pve-priv-list',
      'pve-storage-options',
      'pve-storage-path',
      'pve-storage-portal-dns',
      'pve-storage-portal-dns-list',
      'pve-storage-server',
      'pve-storage-vgname',
    ]);
  });
});

describe('splitList', () => {
  it('splits like PVE split_list', () => {
    expect(splitList('a;b,c  d')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitList(' ,a')).toEqual(['a']);
    expect(splitList('a b\0c,d\0')).toEqual(['a b', 'c,d']);
    expect(splitList('')).toEqual([]);
  });
});

describe('tags (pve-tag-list)', () => {
  it('accepts the PVE tag rule with ; , and space separators', () => {
    expect(put({ tags: 'web;prod,Team_A v1.2+x' })).toBeNull();
    expect(put({ tags: '' })).toBeNull();
  });
  it('rejects tags that break the rule', () => {
    expect(put({ tags: 'ok;-bad' })).toEqual({ tags: 'invalid format - invalid characters in tag\n' });
    expect(put({ tags: 'a/b' })).toEqual({ tags: 'invalid format - invalid characters in tag\n' });
  });
});

describe('sshkeys (urlencoded)', () => {
  it('accepts encodeURIComponent output and rejects raw keys', () => {
    const key = `${sshPublicKey('ed25519', 'user@host')}\n${sshPublicKey('rsa', 'other')}`;
    expect(put({ sshkeys: encodeURIComponent(key) })).toBeNull();
    expect(put({ sshkeys: 'ssh-ed25519 AAAA' })).toEqual({
      sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519 AAAA\n',
    });
    expect(put({ sshkeys: 'a+b' })).toEqual({ sshkeys: 'invalid format - invalid urlencoded string: a+b\n' });
  });
});

describe('cpu (pve-vm-cpu-conf)', () => {
  it('accepts built-in models with allowed flags', () => {
    for (const cpu of ['host', 'x86-64-v2-AES', 'kvm64,flags=+aes;-pcid', 'cputype=EPYC-Rome,hidden=1,phys-bits=host', 'max,guest-phys-bits=40'])
      expect(put({ cpu }), cpu).toBeNull();
  });
  it('rejects unknown models, flags and forbidden keys', () => {
    expect(put({ cpu: 'pentium9' })).toEqual({
      cpu: "invalid format - Built-in cputype 'pentium9' is not defined (missing 'custom-' prefix?)\n",
    });
    expect(put({ cpu: 'host,flags=+avx2' })?.cpu).toMatch(/^invalid format - VM-specific CPU flags must be a subset of: nested-virt, /);
    expect(put({ cpu: 'host,reported-model=kvm64' })).toEqual({
      cpu: "invalid format - Property 'reported-model' not allowed in VM-specific CPU config.\n",
    });
    expect(put({ cpu: 'host,phys-bits=99' })).toEqual({
      cpu: formatError("cpu.phys-bits: invalid format - value must be an integer between 8 and 64 or 'host'\n"),
    });
    expect(put({ cpu: 'hidden=1' })).toEqual({ cpu: 'invalid format - CPU is missing cputype\n' });
  });
});

describe('other named formats of the VM config', () => {
  it('boot and bootdisk', () => {
    expect(put({ boot: 'order=scsi0;ide2;net0' })).toBeNull();
    expect(put({ boot: 'cdn' })).toBeNull();
    expect(put({ boot: 'order=scsi0;efidisk0' })).toEqual({ boot: formatError("boot.order: invalid format - invalid boot device 'efidisk0'\n") });
    expect(put({ bootdisk: 'scsi31' })).toEqual({ bootdisk: "invalid format - invalid boot disk 'scsi31'\n" });
  });

  it('hostpci, smbios1, watchdog, rng0, cicustom, startup', () => {
    expect(put({ hostpci0: '0000:01:00.0;0000:01:00.1,pcie=1,x-vga=1', smbios1: 'uuid=0b7e2c5e-1f5a-4a39-9e8b-2d4c6f8a1b3c' })).toBeNull();
    expect(put({ hostpci0: 'host=zz:00.0' })).toEqual({ hostpci0: formatError('hostpci0.host: value does not match the regex pattern') });
    expect(put({ smbios1: 'uuid=nope' })).toEqual({ smbios1: formatError('smbios1.uuid: value does not match the regex pattern') });
    expect(put({ watchdog: 'i6300esb,action=reset' })).toBeNull();
    expect(put({ watchdog: 'action=explode' })?.watchdog).toMatch(/^invalid format - format error\nwatchdog\.action: value 'explode'/);
    expect(put({ rng0: 'source=/dev/urandom,max_bytes=1024' })).toBeNull();
    expect(put({ rng0: 'max_bytes=1' })).toEqual({ rng0: formatError('rng0.source: property is missing and it is not optional') });
    expect(put({ cicustom: 'user=local:snippets/u.yml' })).toBeNull();
    expect(put({ cicustom: 'user=u.yml' })).toEqual({ cicustom: formatError("cicustom.user: invalid format - unable to parse volume ID 'u.yml'\n") });
    expect(put({ startup: 'order=2,up=30,down=10' })).toBeNull();
    expect(put({ startup: 'order=x' })).toEqual({ startup: 'invalid format - unable to parse startup options\n' });
  });

  it('name, nameserver, hotplug, affinity, delete', () => {
    expect(put({ name: 'web-01.example', nameserver: '1.1.1.1 2606:4700::1111', hotplug: 'disk,network', affinity: '0,2-3' })).toBeNull();
    expect(put({ name: 'web_01' })).toEqual({ name: 'invalid format - value does not look like a valid DNS name\n' });
    expect(put({ nameserver: '1.1.1.1;x_y' })).toEqual({ nameserver: 'invalid format - value does not look like a valid address: x_y\n' });
    expect(put({ hotplug: 'disk,gpu' })).toEqual({ hotplug: "invalid format - invalid hotplug feature 'gpu'\n" });
    expect(put({ affinity: '3-1' })).toEqual({ affinity: 'invalid format - unable to parse cpuset option\n' });
    expect(put({ delete: 'net1,scsi2' })).toBeNull();
    expect(put({ delete: 'net1,2x' })).toEqual({ delete: "invalid format - invalid configuration ID '2x'\n" });
  });
});

describe('named formats of the other endpoints', () => {
  it('clone newid and snapshot names', () => {
    expect(req('POST', '/nodes/pve1/qemu/100/clone', { newid: '101', name: 'c1' })).toBeNull();
    expect(req('POST', '/nodes/pve1/qemu/100/clone', { newid: '42' })).toEqual({
      newid: 'invalid format - value does not look like a valid VM ID\n',
    });
    expect(req('POST', '/nodes/pve1/qemu/100/snapshot', { snapname: 'before-upgrade' })).toBeNull();
    expect(req('POST', '/nodes/pve1/qemu/100/snapshot', { snapname: '1st' })).toEqual({
      snapname: "invalid format - invalid configuration ID '1st'\n",
    });
  });

  it('pools and storage ids', () => {
    expect(req('POST', '/pools', { poolid: 'ci-pool' })).toBeNull();
    expect(req('POST', '/pools', { poolid: 'ci pool' })).toEqual({ poolid: "invalid format - pool name 'ci pool' contains invalid characters\n" });
    expect(req('PUT', '/pools/ci', { vms: '100,101', storage: 'local-lvm' })).toBeNull();
    expect(req('PUT', '/pools/ci', { vms: '100,99' })).toEqual({ vms: 'invalid format - value does not look like a valid VM ID\n' });
    expect(req('GET', '/nodes/pve1/storage', { content: 'images,iso' })).toBeNull();
    expect(req('GET', '/nodes/pve1/storage', { content: 'images,disks' })).toEqual({
      content: "invalid format - invalid content type 'disks'\n",
    });
    expect(req('POST', '/nodes/pve1/qemu', { vmid: '100', storage: '1local' })).toEqual({
      storage: "invalid format - storage ID '1local' contains illegal characters\n",
    });
  });

  it('migrate and ticket parameters', () => {
    expect(req('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', migration_network: '10.0.0.0/24', targetstorage: 'local:fast,ssd1' })).toBeNull();
    expect(req('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', migration_network: '10.0.0.1' })).toEqual({
      migration_network: 'invalid format - value does not look like a valid CIDR network\n',
    });
    expect(req('POST', '/access/ticket', { username: 'root', password: 'x', realm: 'pam' })).toBeNull();
    expect(req('POST', '/access/ticket', { username: 'root', password: 'x', realm: '1pam' })).toEqual({
      realm: 'invalid format - value does not look like a valid realm\n',
    });
    expect(req('POST', '/access/ticket', { username: 'root', password: 'x', path: '/vms' })).toEqual({
      privs: "missing property - 'path' requires this property",
    });
  });
});
