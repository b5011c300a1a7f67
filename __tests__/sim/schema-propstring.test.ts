// Property strings: parsing with default key / alias / keyAlias, PVE's canonical print, and PVE's error texts.
import { describe, expect, it } from 'vitest';
import {
  formatSize,
  parsePropertyString,
  printPropertyString,
  PropertyStringError,
  resolveFormat,
  type FormatDef,
} from '../../sim/schema/property-string.js';
import { configKeySchema, findEndpoint, validateParams, type EndpointMatch } from '../../sim/schema/validate.js';

const fmtOf = (key: string): FormatDef => resolveFormat(configKeySchema(key)?.format) as FormatDef;
const NET = fmtOf('net0');
const DISK = fmtOf('scsi0');

function put(params: Record<string, unknown>): Record<string, string> | null {
  const m = findEndpoint('PUT', '/nodes/pve1/qemu/100/config') as EndpointMatch;
  return validateParams(m.schema, { ...m.pathParams, ...params });
}
const formatError = (...lines: string[]): string => `invalid format - format error\n${lines.map((l) => `${l}\n`).join('')}`;

describe('parsePropertyString', () => {
  it('parses net values in all three spellings', () => {
    expect(parsePropertyString('virtio=BC:24:11:00:00:01,bridge=vmbr0', NET)).toEqual({
      model: 'virtio',
      macaddr: 'BC:24:11:00:00:01',
      bridge: 'vmbr0',
    });
    expect(parsePropertyString('virtio,bridge=vmbr0', NET)).toEqual({ model: 'virtio', bridge: 'vmbr0' });
    expect(parsePropertyString('model=e1000,tag=10', NET)).toEqual({ model: 'e1000', tag: '10' });
  });

  it('parses disks with the file as default key and resolves the volume alias', () => {
    expect(parsePropertyString('local-lvm:10,iothread=1', DISK)).toEqual({ file: 'local-lvm:10', iothread: '1' });
    expect(parsePropertyString('volume=local:iso/a.iso,media=cdrom', DISK)).toEqual({ file: 'local:iso/a.iso', media: 'cdrom' });
  });

  it('normalises boolean sub-keys like PVE (on/yes/true -> 1)', () => {
    expect(parsePropertyString('virtio,firewall=true,link_down=off', NET)).toMatchObject({ firewall: '1', link_down: '0' });
  });

  it('throws PVE texts for malformed strings', () => {
    const err = (v: string, f: FormatDef = NET): string => {
      try {
        parsePropertyString(v, f, 'net0');
      } catch (e) {
        expect(e).toBeInstanceOf(PropertyStringError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('virtio,foo=1')).toBe('invalid key in comma-separated list property: foo\n');
    expect(err('virtio,e1000')).toBe('duplicate key in comma-separated list property: model\n');
    expect(err('virtio,bridge=a,bridge=b')).toBe('duplicate key in comma-separated list property: bridge\n');
    expect(err('virtio,tag=')).toBe('missing key in comma-separated list property\n');
    expect(err('model=virtio,virtio=BC:24:11:00:00:01')).toBe("key alias 'model' is already defined\n");
    expect(err('virtio,tag=5000')).toBe('format error\nnet0.tag: value must have a maximum value of 4094\n');
    expect(err('bridge=vmbr0')).toBe('format error\nnet0.model: property is missing and it is not optional\n');
    const e = (() => {
      try {
        parsePropertyString('virtio,tag=0,mtu=x', NET, 'net0');
      } catch (x) {
        return x as PropertyStringError;
      }
    })();
    expect(e?.errors).toEqual({ 'net0.mtu': "type check ('integer') failed - got 'x'", 'net0.tag': 'value must have a minimum value of 1' });
  });

  it('applies the validator of a named format', () => {
    expect(() => parsePropertyString('kvm64,reported-model=host', 'pve-vm-cpu-conf')).toThrow(
      "Property 'reported-model' not allowed in VM-specific CPU config.\n",
    );
    expect(parsePropertyString('host,flags=+aes;-pcid', 'pve-vm-cpu-conf')).toEqual({ cputype: 'host', flags: '+aes;-pcid' });
  });
});

describe('printPropertyString', () => {
  it('prints net canonically: model=MAC first, then sorted keys', () => {
    const parsed = parsePropertyString('virtio,bridge=vmbr0,firewall=1', NET);
    expect(printPropertyString({ ...parsed, macaddr: 'BC:24:11:3F:9A:01' }, NET)).toBe(
      'virtio=BC:24:11:3F:9A:01,bridge=vmbr0,firewall=1',
    );
    expect(printPropertyString(parsePropertyString('tag=5,model=e1000,bridge=vmbr1', NET), NET)).toBe('e1000,bridge=vmbr1,tag=5');
  });

  it('prints disks with the file first and sizes with a unit', () => {
    const parsed = parsePropertyString('size=32G,iothread=1,local-lvm:vm-100-disk-0', DISK);
    expect(printPropertyString(parsed, DISK)).toBe('local-lvm:vm-100-disk-0,iothread=1,size=32G');
    expect(printPropertyString({ file: 'local:100/vm-100-disk-0.qcow2', size: String(528 * 1024) }, DISK)).toBe(
      'local:100/vm-100-disk-0.qcow2,size=528K',
    );
  });

  it('prints non-optional keys before optional ones', () => {
    const agent = fmtOf('agent');
    expect(printPropertyString({ type: 'virtio', enabled: '1', fstrim_cloned_disks: '1' }, agent)).toBe(
      '1,fstrim_cloned_disks=1,type=virtio',
    );
    const tdx = resolveFormat('pve-qemu-tdx-fmt') as FormatDef;
    expect(printPropertyString({ 'vsock-cid': '3', attestation: '1', type: 'tdx' }, tdx)).toBe('tdx,attestation=1,vsock-cid=3');
  });

  it('refuses unknown keys and commas in values', () => {
    expect(() => printPropertyString({ model: 'virtio', nope: '1' }, NET)).toThrow("invalid key 'nope'\n");
    expect(() => printPropertyString({ model: 'virtio', bridge: 'a,b' }, NET)).toThrow("bridge: invalid format - invalid bridge ID 'a,b'");
    const free: FormatDef = { text: { type: 'string', optional: 1 } };
    expect(() => printPropertyString({ text: 'a,b' }, free)).toThrow('illegal value with commas for text\n');
  });

  it('formatSize uses the largest exact unit', () => {
    expect(formatSize(32 * 1024 ** 3)).toBe('32G');
    expect(formatSize(4 * 1024 ** 2)).toBe('4M');
    expect(formatSize(2 * 1024 ** 4)).toBe('2T');
    expect(formatSize(1536)).toBe('1536');
  });
});

describe('property-string parameters through validateParams', () => {
  it('net', () => {
    expect(put({ net0: 'virtio,bridge=vmbr0,tag=5000' })).toEqual({ net0: formatError('net0.tag: value must have a maximum value of 4094') });
    expect(put({ net0: 'virtio,foo=1' })).toEqual({ net0: 'invalid format - invalid key in comma-separated list property: foo\n' });
    expect(put({ net0: 'rtl9999' })).toEqual({
      net0: formatError(
        "net0.model: value 'rtl9999' does not have a value in the enumeration 'e1000, e1000-82540em, e1000-82544gc, e1000-82545em, e1000e, i82551, i82557b, i82559er, ne2k_isa, ne2k_pci, pcnet, rtl8139, virtio, vmxnet3'",
      ),
    });
    expect(put({ net0: 'virtio=01:00:00:00:00:01' })).toEqual({
      net0: formatError('net0.macaddr: invalid format - value does not look like a valid unicast MAC address\n'),
    });
  });

  it('disks', () => {
    for (const ok of ['local-lvm:10', 'VMs:2,format=qcow2', 'local:cloudinit', 'none,media=cdrom', 'local-lvm:0,import-from=/tmp/a.img'])
      expect(put({ scsi0: ok }), ok).toBeNull();
    expect(put({ scsi0: 'local-lvm:10,foo=1' })).toEqual({ scsi0: 'invalid format - invalid key in comma-separated list property: foo\n' });
    expect(put({ scsi0: 'local-lvm:10,cache=fast' })?.scsi0).toMatch(/^invalid format - format error\nscsi0\.cache: value 'fast' does not/);
    expect(put({ virtio0: '32' })).toEqual({
      virtio0: formatError("virtio0.file: invalid format - unable to parse volume ID '32'\n"),
    });
    expect(put({ scsi0: 'local-lvm:vm-100-disk-0,size=12Q' })).toEqual({
      scsi0: formatError('scsi0.size: invalid format - value does not look like a valid disk size: 12Q\n'),
    });
  });

  it('efidisk0 and tpmstate0', () => {
    expect(put({ efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=1' })).toBeNull();
    expect(put({ efidisk0: 'local-lvm:1,efitype=8m' })).toEqual({
      efidisk0: formatError("efidisk0.efitype: value '8m' does not have a value in the enumeration '2m, 4m'"),
    });
    expect(put({ tpmstate0: 'local-lvm:1,version=v2.0' })).toBeNull();
    expect(put({ tpmstate0: 'local-lvm:1,version=v3' })).toEqual({
      tpmstate0: formatError("tpmstate0.version: value 'v3' does not have a value in the enumeration 'v1.2, v2.0'"),
    });
  });

  it('agent', () => {
    expect(put({ agent: '1' })).toBeNull();
    expect(put({ agent: 'enabled=1,fstrim_cloned_disks=1,type=isa' })).toBeNull();
    expect(put({ agent: 'type=virtio' })).toEqual({ agent: formatError('agent.enabled: property is missing and it is not optional') });
    expect(put({ agent: 'maybe' })).toEqual({ agent: formatError("agent.enabled: type check ('boolean') failed - got 'maybe'") });
  });

  it('ipconfig', () => {
    expect(put({ ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1', ipconfig1: 'ip=dhcp,ip6=auto', ipconfig2: 'ip6=2001:db8::5/64,gw6=2001:db8::1' })).toBeNull();
    expect(put({ ipconfig0: 'gw=10.0.0.1' })).toEqual({
      ipconfig0: formatError("ipconfig0.ip: missing property - 'ipconfig0.gw' requires this property"),
    });
    expect(put({ ipconfig0: 'ip=10.0.0.5' })).toEqual({
      ipconfig0: formatError('ipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n'),
    });
    expect(put({ ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.300' })).toEqual({
      ipconfig0: formatError('ipconfig0.gw: invalid format - value does not look like a valid IPv4 address\n'),
    });
    expect(put({ ipconfig0: 'ip=dhcp,mask=24' })).toEqual({
      ipconfig0: 'invalid format - invalid key in comma-separated list property: mask\n',
    });
  });

  it('usb', () => {
    expect(put({ usb0: 'host=1234:abcd,usb3=1', usb1: 'spice', usb2: 'mapping=mydev' })).toBeNull();
    expect(put({ usb0: 'host=nothing' })).toEqual({ usb0: formatError('usb0.host: value does not match the regex pattern') });
    expect(put({ usb0: 'spice,usb3=maybe' })).toEqual({ usb0: formatError("usb0.usb3: type check ('boolean') failed - got 'maybe'") });
  });

  it('memory and vga ranges', () => {
    expect(put({ memory: '8' })).toEqual({ memory: formatError('memory.current: value must have a minimum value of 16') });
    expect(put({ vga: 'std,memory=1024' })).toEqual({ vga: formatError('vga.memory: value must have a maximum value of 512') });
  });
});
