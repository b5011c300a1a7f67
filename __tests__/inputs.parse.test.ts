// Parsing rules of single inputs: booleans, strict numbers, lists, dictionaries (YAML and JSON), property strings.
import { describe as suite, expect, it } from 'vitest';
import { readSettings, type InputError } from '../src/inputs/index.js';
import { parseBool, parseDict, parseIntStrict, parseList } from '../src/inputs/parse.js';
import { sshPublicKey } from '../tools/sshkeys.js';

const BASE = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };

function run(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const all: Record<string, string> = { ...BASE, ...inputs };
  return readSettings((n) => all[n] ?? '', env);
}
const spec = (inputs: Record<string, string>) => {
  const r = run(inputs);
  expect(r.errors).toEqual([]);
  return r.settings!.spec;
};
const errorsOf = (inputs: Record<string, string>): InputError[] => run(inputs).errors;

suite('booleans', () => {
  it('accepts every spelling in any case', () => {
    for (const t of ['true', 'TRUE', 'True', 'yes', 'Yes', 'on', 'ON', '1']) expect(parseBool(t), t).toEqual({ ok: true, value: true });
    for (const f of ['false', 'FALSE', 'no', 'No', 'off', 'Off', '0']) expect(parseBool(f), f).toEqual({ ok: true, value: false });
  });

  it('sends 1/0 to PVE', () => {
    expect(spec({ onboot: 'yes', tablet: 'Off', numa_enabled: 'TRUE' })).toMatchObject({ onboot: '1', tablet: '0', numa: '1' });
  });

  it('names the input and the accepted form for a bad boolean', () => {
    const [e] = errorsOf({ acpi: 'maybe' });
    expect(e.input).toBe('acpi');
    expect(e.message).toContain("'acpi'");
    expect(e.message).toContain("'maybe'");
    expect(e.message).toMatch(/true or false/);
  });
});

suite('numbers', () => {
  it('rejects anything but a plain integer', () => {
    for (const bad of ['1.5', '12abc', '0x10', '1e3', '', ' ']) expect(parseIntStrict(bad).ok, bad).toBe(false);
    expect(parseIntStrict(' 42 ')).toEqual({ ok: true, value: 42 });
  });

  it('checks ranges from the catalogue', () => {
    expect(errorsOf({ vmid: '99' })[0].message).toMatch(/at least 100/);
    expect(errorsOf({ vmid: '1000000000' })[0].message).toMatch(/at most 999999999/);
    expect(errorsOf({ cpulimit: '129' })[0].message).toMatch(/at most 128/);
    expect(spec({ cpulimit: '1.5', migrate_downtime: '0.1' })).toMatchObject({ cpulimit: '1.5', migrate_downtime: '0.1' });
  });
});

suite('lists', () => {
  it('accepts comma- and newline-separated text, YAML and JSON lists', () => {
    expect(parseList('a, b,c')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(parseList('a\nb\n\n')).toEqual({ ok: true, value: ['a', 'b'] });
    expect(parseList("- '1.1.1.1'\n- 8.8.8.8")).toEqual({ ok: true, value: ['1.1.1.1', '8.8.8.8'] });
    expect(parseList('["x", "y"]')).toEqual({ ok: true, value: ['x', 'y'] });
    expect(parseList('[[1]]').ok).toBe(false);
  });

  it('joins per PVE key and checks items', () => {
    expect(spec({ tags: 'ci, web+1', nameservers: '["1.1.1.1","2606:4700::1111"]', searchdomains: 'a.example\nb.example' })).toMatchObject({
      tags: 'ci;web+1', nameserver: '1.1.1.1 2606:4700::1111', searchdomain: 'a.example b.example',
    });
    expect(errorsOf({ tags: 'ok,-bad' })[0].message).toMatch(/'-bad'.*must start with/);
    // PVE's own separators (`;`, spaces) work as well as commas and newlines.
    expect(spec({ tags: 'ci;web web2,db' })).toMatchObject({ tags: 'ci;web;web2;db' });
    expect(errorsOf({ tags: 'ok;-bad' })[0].message).toMatch(/'-bad'.*must start with/);
    expect(errorsOf({ nameservers: '1.1.1.1,dns.example' })[0].message).toMatch(/'dns.example'.*IPv4 or IPv6/);
  });
});

suite('dictionaries', () => {
  it('reads a YAML block and a JSON object alike', () => {
    expect(parseDict('net0: virtio,bridge=vmbr1\nnet1: e1000')).toEqual({ ok: true, value: { net0: 'virtio,bridge=vmbr1', net1: 'e1000' } });
    expect(parseDict('{"net0":"virtio,bridge=vmbr1,rate=200"}')).toEqual({ ok: true, value: { net0: 'virtio,bridge=vmbr1,rate=200' } });
    expect(parseDict('[1, 2]').ok).toBe(false);
    expect(parseDict('net0: [a]').ok).toBe(false);
    expect(parseDict('a: 1\na: 2').ok).toBe(false);
  });

  it('takes the old spec JSON strings, dropping the stray trailing comma', () => {
    expect(spec({ net: '{"net0":"virtio,bridge=vmbr1,rate=200", "net1":"e1000,bridge=vmbr2,"}' })).toMatchObject({
      net0: 'virtio,bridge=vmbr1,rate=200', net1: 'e1000,bridge=vmbr2',
    });
    expect(spec({ virtio: '{"virtio0":"VMs_LVM:10", "virtio1":"VMs:2,format=qcow2", "virtio2":"VMs:5,format=raw"}' })).toMatchObject({
      virtio0: 'VMs_LVM:10', virtio1: 'VMs:2,format=qcow2', virtio2: 'VMs:5,format=raw',
    });
  });

  it('rejects keys outside PVE’s ranges', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['net', 'net32: virtio', /'net32'.*net0\.\.net31/],
      ['ide', 'ide4: local:cloudinit', /'ide4'.*ide0\.\.ide3/],
      ['scsi', 'scsi31: local-lvm:8', /'scsi31'.*scsi0\.\.scsi30/],
      ['net', 'eth0: virtio', /'eth0'/],
      ['net', 'net01: virtio', /'net01'/],
      ['audio', 'audio1: device=AC97', /'audio1'.*audio0/],
    ];
    for (const [input, value, msg] of cases) {
      const errs = errorsOf({ [input]: value });
      expect(errs.length, value).toBe(1);
      expect(errs[0].input).toBe(input);
      expect(errs[0].message).toMatch(msg);
    }
  });

  it('rejects unknown sub-keys and bad sub-values before any request', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['net', 'net0: virtio,brige=vmbr0', /unknown option 'brige'.*bridge/],
      ['net', 'net0: virtio,tag=5000', /tag=5000: must be at most 4094/],
      ['net', 'net0: virtio,firewall=yes', /firewall=yes: must be 1 or 0/],
      ['net', 'net0: model=rtl9999', /must be one of/],
      ['net', 'net0: bridge=vmbr0', /'model' is required/],
      ['scsi', 'scsi0: local-lvm:32,cache=fast', /cache=fast: must be one of none/],
      ['scsi', 'scsi0: local-lvm:32,iothread=1,speed=9', /unknown option 'speed'/],
      ['sata', 'sata0: local-lvm:8,iothread=1', /unknown option 'iothread'/],
      ['ipconfig', 'ipconfig0: ip=192.168.1.300/24', /ip=192.168.1.300\/24/],
      ['ipconfig', 'ipconfig0: gw=192.168.1.1', /'gw' needs 'ip'/],
      ['serial', 'serial0: tty0', /socket/],
      ['parallel', 'parallel0: /dev/lp0', /parport/],
      ['numa', 'numa0: cpu=0-3', /unknown option 'cpu'/],
      ['usb', 'usb0: host=spice,usb3=2', /usb3=2: must be 1 or 0/],
      ['hostpci', 'hostpci0: host=01:00.0,pcie=true', /pcie=true: must be 1 or 0/],
      ['virtiofs', 'virtiofs0: share,cache=sometimes', /cache=sometimes/],
      ['agent', 'enabled=1,fstrim=1', /unknown option 'fstrim'/],
      ['rng0', '/dev/zero', /must be one of/],
      ['vga', 'std,memory=1024', /memory=1024: must be at most 512/],
      ['watchdog', 'model=i6300esb,action=explode', /action=explode/],
      ['startup', 'order=x', /order=x: must be a whole number/],
    ];
    for (const [input, value, msg] of cases) {
      const errs = errorsOf({ [input]: value });
      expect(errs.length, value).toBeGreaterThan(0);
      expect(new Set(errs.map((e) => e.input)), value).toEqual(new Set([input]));
      expect(errs.some((e) => msg.test(e.message)), `${value}: ${errs.map((e) => e.message).join(' | ')}`).toBe(true);
    }
  });

  it('accepts the PVE forms of devices', () => {
    expect(spec({
      net: 'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\nnet1: model=e1000e,bridge=vmbr1,tag=77,trunks=10;20-30,mtu=1',
      scsi: 'scsi0: local-lvm:32,iothread=1,discard=on,ssd=1\nscsi1: file=local:iso/x.iso,media=cdrom',
      serial: 'serial0: socket', usb: 'usb0: spice\nusb1: host=046d:c52b,usb3=1',
      numa: 'numa0: cpus=0-3;6,hostnodes=0,memory=2048,policy=bind', hostpci: 'hostpci0: 0000:01:00.0;0000:01:00.1,pcie=1',
      ipconfig: 'ipconfig0: ip=dhcp,ip6=auto\nipconfig1: ip=10.0.0.5/24,gw=10.0.0.1,ip6=fd00::5/64,gw6=fd00::1',
      agent: 'enabled=1,fstrim_cloned_disks=1', vga: 'serial0', machine: 'q35,viommu=virtio', rng0: '/dev/urandom',
    })).toMatchObject({
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0', net1: 'model=e1000e,bridge=vmbr1,tag=77,trunks=10;20-30,mtu=1',
      scsi1: 'file=local:iso/x.iso,media=cdrom', serial0: 'socket', usb0: 'spice', numa0: 'cpus=0-3;6,hostnodes=0,memory=2048,policy=bind',
      ipconfig1: 'ip=10.0.0.5/24,gw=10.0.0.1,ip6=fd00::5/64,gw6=fd00::1', agent: 'enabled=1,fstrim_cloned_disks=1', vga: 'serial0',
    });
  });

  it('accepts every vga value of the old module', () => {
    for (const v of ['std', 'cirrus', 'vmware', 'qxl', 'serial0', 'serial1', 'serial2', 'serial3', 'qxl2', 'qxl3', 'qxl4', 'virtio,memory=64']) {
      expect(spec({ vga: v }).vga).toBe(v);
    }
  });
});

suite('agent', () => {
  it('takes a boolean or a property string', () => {
    expect(spec({ agent: 'yes' }).agent).toBe('1');
    expect(spec({ agent: 'false' }).agent).toBe('0');
    expect(spec({ agent: 'enabled=1,type=isa' }).agent).toBe('enabled=1,type=isa');
  });
});

suite('efidisk0 and tpmstate0', () => {
  it('turn a mapping into a PVE drive string, as the maintained module does', () => {
    expect(spec({ bios: 'ovmf', efidisk0: '{storage: local-lvm, format: raw, efitype: 4m, pre_enrolled_keys: false}' }).efidisk0)
      .toBe('local-lvm:1,efitype=4m,format=raw,pre-enrolled-keys=0');
    expect(spec({ bios: 'ovmf', efidisk0: 'storage: VMs_LVM\npre_enrolled_keys: 1' }).efidisk0).toBe('VMs_LVM:1,pre-enrolled-keys=1');
    expect(spec({ tpmstate0: '{storage: local-lvm, version: v2.0}' }).tpmstate0).toBe('local-lvm:1,version=v2.0');
    expect(spec({ tpmstate0: 'storage: local-lvm\nversion: 1.2' }).tpmstate0).toBe('local-lvm:1,version=v1.2');
    expect(spec({ tpmstate0: 'storage: local-lvm' }).tpmstate0).toBe('local-lvm:1,version=v2.0');
  });

  it('accept a PVE drive string too', () => {
    expect(spec({ bios: 'ovmf', efidisk0: 'local-lvm:1,efitype=4m' }).efidisk0).toBe('local-lvm:1,efitype=4m');
  });

  it('reject unknown or missing sub-options and bad values', () => {
    expect(errorsOf({ tpmstate0: '{version: 2.0}' })[0].message).toMatch(/'storage' is required/);
    expect(errorsOf({ tpmstate0: '{storage: local-lvm, version: 3.0}' })[0].message).toMatch(/'version' = '3.0' must be one of/);
    expect(errorsOf({ bios: 'ovmf', efidisk0: '{storage: local-lvm, efitype: 8m}' })[0].message).toMatch(/'efitype' = '8m'/);
    expect(errorsOf({ bios: 'ovmf', efidisk0: '{storage: local-lvm, secure: 1}' })[0].message).toMatch(/unknown option 'secure'/);
    expect(errorsOf({ bios: 'ovmf', efidisk0: '{storage: local-lvm, pre_enrolled_keys: maybe}' })[0].message).toMatch(/pre_enrolled_keys/);
  });
});

suite('plain values', () => {
  it('checks names, ids, dates and enums', () => {
    expect(errorsOf({ name: 'my_vm' })[0].message).toMatch(/DNS name/);
    expect(errorsOf({ startdate: 'tomorrow' })[0].message).toMatch(/now/);
    expect(errorsOf({ bootdisk: 'nvme0' })[0].message).toMatch(/scsi0/);
    expect(errorsOf({ hotplug: 'network,gpu' })[0].message).toMatch(/network, disk/);
    expect(errorsOf({ ostype: 'win12' })[0].message).toMatch(/one of other, wxp/);
    expect(errorsOf({ delete: 'cores,bad key' })[0].message).toMatch(/config key/);
    expect(spec({ ostype: 'WIN11', hugepages: '2' })).toMatchObject({ ostype: 'win11', hugepages: '2' });
  });

  it('URL-encodes sshkeys as encodeURIComponent does', () => {
    const keys = `${sshPublicKey('ed25519', 'ci@x')}\n${sshPublicKey('rsa', 'other')}`;
    expect(spec({ sshkeys: keys }).sshkeys).toBe(encodeURIComponent(keys));
    expect(decodeURIComponent(spec({ sshkeys: keys }).sshkeys)).toBe(keys);
  });
});
