// The catalogue covers both module docs plus the maintained module's additions, and its entries are consistent.
import { describe as suite, expect, it } from 'vitest';
import { catalogue, describe, outputs, param, pveKeyInfo, pveKeysOf } from '../src/catalogue/index.js';

// Every parameter of /work/shared/spec/000_*.txt and 001_*.txt (extracted from the docs' option tables).
const SPEC_PARAMS = [
  'acpi', 'agent', 'api_host', 'api_password', 'api_token_id', 'api_token_secret', 'api_user', 'args', 'autostart', 'balloon',
  'bios', 'boot', 'bootdisk', 'cicustom', 'cipassword', 'citype', 'ciuser', 'clone', 'cores', 'cpu', 'cpulimit', 'cpuunits',
  'delete', 'description', 'digest', 'force', 'format', 'freeze', 'full', 'hostpci', 'hotplug', 'hugepages', 'ide', 'ipconfig',
  'keyboard', 'kvm', 'localtime', 'lock', 'machine', 'memory', 'migrate_downtime', 'migrate_speed', 'name', 'nameservers', 'net',
  'newid', 'node', 'numa', 'numa_enabled', 'onboot', 'ostype', 'parallel', 'pool', 'protection', 'proxmox_default_behavior',
  'reboot', 'revert', 'sata', 'scsi', 'scsihw', 'searchdomains', 'serial', 'shares', 'skiplock', 'smbios', 'snapname', 'sockets',
  'sshkeys', 'startdate', 'startup', 'state', 'storage', 'tablet', 'tags', 'target', 'tdf', 'template', 'timeout', 'update',
  'validate_certs', 'vcpus', 'vga', 'virtio', 'vmid', 'watchdog',
];
const MAINTAINED_ADDITIONS = [
  'api_port', 'api_timeout', 'api_otp', 'ca_path', 'archive', 'allow_ksm', 'audio', 'ciupgrade', 'destroy_unreferenced_disks',
  'efidisk0', 'hookscript', 'migrate', 'purge', 'rng0', 'spice_enhancements', 'tpmstate0', 'update_unsafe', 'usb', 'virtiofs',
  'with_local_disks',
];
const ACTION_ADDITIONS = [
  'tls_fingerprint', 'wait_for', 'wait_timeout', 'ip_family', 'ip_cidr', 'cleanup', 'vmid_range', 'dry_run', 'prune', 'prune_tags',
  'prune_older_than', 'github_token',
];

suite('catalogue coverage', () => {
  it('has every parameter of both module docs, the maintained additions and the lifecycle inputs', () => {
    const names = new Set(catalogue.map((p) => p.name));
    const missing = [...SPEC_PARAMS, ...MAINTAINED_ADDITIONS, ...ACTION_ADDITIONS].filter((n) => !names.has(n));
    expect(missing).toEqual([]);
  });

  it('has no duplicate names', () => {
    expect(new Set(catalogue.map((p) => p.name)).size).toBe(catalogue.length);
  });

  it('accepts the old docs enum values (ostype, vga, lock, scsihw, format, state, hugepages)', () => {
    for (const v of ['other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris']) {
      expect(param('ostype').choices).toContain(v);
    }
    for (const v of ['migrate', 'backup', 'snapshot', 'rollback']) expect(param('lock').choices).toContain(v);
    for (const v of ['cloop', 'cow', 'qcow', 'qcow2', 'qed', 'raw', 'vmdk', 'unspecified']) expect(param('format').choices).toContain(v);
    for (const v of ['present', 'started', 'absent', 'stopped', 'restarted', 'current', 'template', 'paused', 'hibernated']) {
      expect(param('state').choices).toContain(v);
    }
    expect(param('hugepages').choices).toEqual(['any', '2', '1024']);
    expect(param('citype').choices).toEqual(expect.arrayContaining(['nocloud', 'configdrive2', 'opennebula']));
    // vga is free-form now: the old enum values still pass its property-string format
    expect(param('vga').kind).toBe('string');
  });
});

suite('catalogue entries', () => {
  it('gives enums choices, dicts keys or sub-options, lists a check or free text', () => {
    for (const p of catalogue) {
      if (p.kind === 'enum') expect(p.choices?.length, p.name).toBeGreaterThan(0);
      if (p.kind === 'dict') expect(Boolean(p.subOptions) || Boolean(p.keyPattern && p.indexRange), p.name).toBe(true);
      if (p.default !== undefined && p.choices) expect(p.choices, p.name).toContain(p.default);
      expect(p.doc.length, p.name).toBeGreaterThan(10);
    }
  });

  it('has exactly the old module compatibility defaults', () => {
    const compat = Object.fromEntries(catalogue.filter((p) => p.compatDefault !== undefined).map((p) => [p.name, p.compatDefault]));
    expect(compat).toEqual({
      acpi: 'true', autostart: 'false', balloon: '0', boot: 'cnd', cores: '1', cpu: 'kvm64', cpuunits: '1000', format: 'qcow2',
      kvm: 'true', memory: '512', onboot: 'true', ostype: 'l26', sockets: '1', tablet: 'false', template: 'false', vga: 'std',
      force: 'false',
    });
  });

  it('has the action defaults the brief fixes', () => {
    const d = (n: string) => param(n).default;
    expect([d('state'), d('timeout'), d('validate_certs'), d('api_port'), d('api_timeout')]).toEqual(['present', '300', 'true', '8006', '30']);
    expect([d('proxmox_default_behavior'), d('update'), d('update_unsafe'), d('full')]).toEqual(['no_defaults', 'false', 'false', undefined]);
    expect([d('wait_for'), d('wait_timeout'), d('ip_family'), d('cleanup'), d('dry_run')]).toEqual(['none', '300', 'any', 'never', 'false']);
    expect(param('timeout').doc).toMatch(/too short for full clones/);
    expect(param('full').doc).toMatch(/Only sent when given/);
  });

  it('flags secrets and env fallbacks', () => {
    expect(catalogue.filter((p) => p.secret).map((p) => p.name).sort()).toEqual(
      ['api_otp', 'api_password', 'api_token_secret', 'cipassword', 'github_token'].sort(),
    );
    const env = Object.fromEntries(catalogue.filter((p) => p.env).map((p) => [p.name, p.env]));
    expect(env).toEqual({
      api_host: 'PROXMOX_HOST', api_port: 'PROXMOX_PORT', api_user: 'PROXMOX_USER', api_password: 'PROXMOX_PASSWORD',
      api_otp: 'PROXMOX_OTP', api_token_id: 'PROXMOX_TOKEN_ID', api_token_secret: 'PROXMOX_TOKEN_SECRET',
      ca_path: 'PROXMOX_CA_PATH', validate_certs: 'PROXMOX_VALIDATE_CERTS',
    });
  });

  it('marks disks and NICs unsafe to update', () => {
    expect(catalogue.filter((p) => p.unsafeToUpdate).map((p) => p.name).sort()).toEqual(
      ['efidisk0', 'ide', 'net', 'sata', 'scsi', 'tpmstate0', 'virtio'],
    );
  });

  it('maps parameters to their PVE keys', () => {
    expect(param('numa_enabled').pve).toBe('numa');
    expect(param('smbios').pve).toBe('smbios1');
    expect(param('nameservers').pve).toBe('nameserver');
    expect(param('searchdomains').pve).toBe('searchdomain');
    expect(param('allow_ksm').pve).toBe('allow-ksm');
    expect(param('audio').pve).toBe('audio0');
    expect([param('tags').join, param('nameservers').join, param('searchdomains').join]).toEqual([';', ' ', ' ']);
  });

  it('uses the PVE index ranges for indexed dicts', () => {
    const ranges = Object.fromEntries(catalogue.filter((p) => p.indexRange).map((p) => [p.name, p.indexRange]));
    expect(ranges).toEqual({
      net: [0, 31], ipconfig: [0, 31], scsi: [0, 30], virtio: [0, 15], sata: [0, 5], ide: [0, 3], hostpci: [0, 15],
      serial: [0, 3], parallel: [0, 2], numa: [0, 7], usb: [0, 13], virtiofs: [0, 9], audio: [0, 0],
    });
    expect(pveKeysOf(param('ide'))).toEqual(['ide0', 'ide1', 'ide2', 'ide3']);
  });

  it('throws for unknown names', () => {
    expect(() => param('no_such_input')).toThrow(/unknown parameter 'no_such_input'/);
  });
});

suite('pveKeyInfo', () => {
  it('finds the entry for plain, renamed and indexed keys', () => {
    expect(pveKeyInfo('cores')?.param.name).toBe('cores');
    expect(pveKeyInfo('numa')?.param.name).toBe('numa_enabled');
    expect(pveKeyInfo('numa3')?.param.name).toBe('numa');
    expect(pveKeyInfo('smbios1')?.param.name).toBe('smbios');
    expect(pveKeyInfo('audio0')?.param.name).toBe('audio');
    expect(pveKeyInfo('net31')).toMatchObject({ unsafeToUpdate: true, secret: false, param: { name: 'net' } });
    expect(pveKeyInfo('efidisk0')).toMatchObject({ unsafeToUpdate: true, param: { name: 'efidisk0' } });
    expect(pveKeyInfo('cipassword')).toMatchObject({ secret: true, unsafeToUpdate: false });
    expect(pveKeyInfo('usb13')?.param.name).toBe('usb');
  });

  it('knows nothing of keys outside the ranges or the catalogue', () => {
    for (const k of ['net32', 'ide4', 'scsi31', 'usb14', 'audio1', 'vmgenid', 'meta', 'digest', 'unused0']) {
      expect(pveKeyInfo(k), k).toBeUndefined();
    }
  });
});

suite('docs', () => {
  it('describes accepted values, default, env fallback, compat default and example', () => {
    expect(describe(param('cores'))).toMatch(/Accepted: an integer of at least 1\. .*compatibility.* `1`\. Example: `4`\./);
    expect(describe(param('api_port'))).toContain('Default: `$PROXMOX_PORT` if set, else `8006`.');
    expect(describe(param('state'))).toContain('one of `present`, `started`');
    expect(describe(param('update'))).toContain('Default: `false`.');
  });

  it('lists the outputs the vm/ code reports', () => {
    expect(outputs.map((o) => o.name)).toEqual(
      ['vmid', 'node', 'name', 'status', 'changed', 'msg', 'mac', 'devices', 'plan', 'ip', 'ipv4', 'ipv6', 'interfaces', 'exec_output', 'exec_exitcode', 'cloud_init', 'pruned'],
    );
  });
});
