// readSettings refuses what PVE 9.1 answers 400 to, and accepts what it takes: each case is judged by the
// simulator's copy of PVE's schema too (sim/schema), so our verdict and PVE's must agree. Refusals name the input
// and say what is accepted.
import { describe as suite, expect, it } from 'vitest';
import { param } from '../src/catalogue/index.js';
import { readSettings } from '../src/inputs/index.js';
import { findEndpoint, validateParams } from '../sim/schema/validate.js';

const BASE = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };
const create = (() => {
  const m = findEndpoint('POST', '/nodes/pve1/qemu');
  if (!m || 'methodMissing' in m) throw new Error('no create endpoint');
  return m.schema;
})();

/** [input, PVE key, value as PVE gets it, what our message says when refused (undefined: accepted)] */
type Case = [string, string, string, RegExp | undefined];

const CASES: Case[] = [
  ['bootdisk', 'bootdisk', 'ide37', /ide0\.\.ide3, sata0\.\.sata5, scsi0\.\.scsi30 or virtio0\.\.virtio15/],
  ['bootdisk', 'bootdisk', 'sata20', /disk key/],
  ['bootdisk', 'bootdisk', 'scsi01', /disk key/],
  ['bootdisk', 'bootdisk', 'virtio15', undefined],
  ['cpu', 'cpu', 'flags=+md-clear;-pcid,hv-vendor-id=proxmox', /'cputype' is required/],
  ['cpu', 'cpu', 'host,reported-model=EPYC', /reported-model' is only for custom CPU models/],
  ['cpu', 'cpu', 'host,flags=+avx2', /'\+avx2'.*\+flag or -flag.*md-clear/],
  ['cpu', 'cpu', 'host,flags=md-clear', /'md-clear'.*\+flag or -flag/],
  ['cpu', 'cpu', 'x86-64-v2-AES,flags=+md-clear;-pcid;+aes', undefined],
  ['cpu', 'cpu', 'custom-mine,flags=+nested-virt', undefined],
  ['machine', 'machine', `pc-q35-${'1.'.repeat(17)}1`, /at most 40 characters/],
  ['machine', 'machine', 'pc-i440fx-8.1+pve1,viommu=intel', undefined],
  ['net', 'net0', 'virtio=A5:05:F8:07:EA:BC,bridge=vmbr0', /unicast MAC/],
  ['net', 'net0', 'model=virtio,macaddr=01:00:5E:00:00:01', /unicast MAC/],
  ['net', 'net0', 'virtio=BC:24:11:00:00:01,bridge=vmbr0', undefined],
  ['hostpci', 'hostpci0', 'host=0000:01:00.0,vendor-id=10de', /vendor-id=10de: must be 0x followed by 4 hex digits/],
  ['hostpci', 'hostpci0', 'host=0000:01:00.0,device-id=0x1234,sub-vendor-id=0xabcd,sub-device-id=0xABCD', undefined],
  ['hostpci', 'hostpci0', 'host=0000:0A:00.0', /lower-case hex/],
  ['hostpci', 'hostpci0', 'mapping=gpu/1', /mapping=gpu\/1: must be an id/],
  ['hostpci', 'hostpci0', 'host=01:00.0,mdev=a.b', /mdev=a\.b/],
  ['smbios', 'smbios1', 'manufacturer=Dell Inc.', /manufacturer=Dell Inc\.: must be letters, digits, \+ and \/.*base64=1/],
  ['smbios', 'smbios1', 'base64=1,manufacturer=RGVsbCBJbmMu,serial=abc==', undefined],
  ['smbios', 'smbios1', `serial=${'A'.repeat(520)}`, /PVE accepts at most 512/],
  ['startup', 'startup', '0', /bare 0.*order=0/],
  ['startup', 'startup', 'up=+5', /up=\+5: must be a whole number/],
  ['startup', 'startup', 'order=0,up=30', undefined],
  ['description', 'description', 'd'.repeat(8193), /at most 8192/],
  ['ipconfig', 'ipconfig0', 'ip=10.0.0.5/7', /prefix length of 8 to 32/],
  ['ipconfig', 'ipconfig0', 'ip=manual,ip6=manual', undefined],
  ['ipconfig', 'ipconfig0', 'ip6=fe80::1%eth0/64', /IPv6 address with a prefix/],
  ['ipconfig', 'ipconfig0', 'ip6=fd00::5/64,gw6=fe80::1%eth0', /without a %zone/],
  ['nameservers', 'nameserver', 'fe80::1%eth0', /without a %zone/],
  ['scsi', 'scsi0', 'local-lvm:8,serial=has space', /serial=has space: must be URL-encoded/],
  ['scsi', 'scsi0', `local-lvm:8,serial=${'s'.repeat(61)}`, /at most 60 characters/],
  ['scsi', 'scsi0', 'bad volume,media=cdrom', /<storage>:<size in GiB>/],
  ['scsi', 'scsi0', 'local:iso/x.iso,media=cdrom,serial=ABC%20D', undefined],
  ['ide', 'ide2', 'cdrom,media=cdrom', undefined],
  ['ide', 'ide2', 'none,media=cdrom', undefined],
  ['cicustom', 'cicustom', 'user=snippets/user.yml', /volume id <storage>:<name>/],
  ['cicustom', 'cicustom', 'user=local:snippets/user.yml', undefined],
  ['boot', 'boot', 'order=scsi0;efidisk0', /'efidisk0'.*net0\.\.net31/],
  ['boot', 'boot', 'order=scsi31', /'scsi31'/],
  ['boot', 'boot', 'order=scsi0;net31;usb13;hostpci15;ide3', undefined],
  ['virtiofs', 'virtiofs0', 'dirid=a', /must be an id/],
  ['usb', 'usb0', 'host=spice,mapping=9x', /mapping=9x: must be an id/],
];

/** How the input is written: dict inputs as a YAML mapping, the rest as is. */
function inputText(input: string, key: string, value: string): string {
  return param(input).kind === 'dict' ? `${key}: ${JSON.stringify(value)}` : value;
}

suite('agreement with PVE 9.1 on the values it refuses', () => {
  for (const [input, key, value, refused] of CASES) {
    it(`${input}: ${value.slice(0, 60)}${refused ? ' is refused' : ' is accepted'}`, () => {
      const all: Record<string, string> = { ...BASE, [input]: inputText(input, key, value) };
      const { settings, errors } = readSettings((n) => all[n] ?? '', {});
      // PVE's verdict on the same value (ours as sent when accepted)
      const wire = settings?.spec[key] ?? value;
      const pve = validateParams(create, { node: 'pve1', vmid: '100', [key]: wire });
      if (refused) {
        expect(pve?.[key], `PVE accepts ${key}=${value.slice(0, 80)}`).toBeDefined();
        expect(errors.length).toBeGreaterThan(0);
        expect(new Set(errors.map((e) => e.input))).toEqual(new Set([input]));
        for (const e of errors) expect(e.message).toContain(`'${input}'`);
        expect(errors.map((e) => e.message).join('\n')).toMatch(refused);
      } else {
        expect(errors).toEqual([]);
        expect(pve ?? {}).toEqual({});
      }
    });
  }
});
