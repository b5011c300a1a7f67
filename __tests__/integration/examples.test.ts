// Every example of both spec documents, run through the bundled action (dist/) against the simulator,
// asserting the outputs, the simulator's resulting state, and that every request passed schema validation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { act, exampleSim, failed, ok, schemaClean, visibleText } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await exampleSim();
});
afterAll(async () => {
  schemaClean(sim);
  await sim.close();
});

const vm = (id: number | string) => {
  const r = sim.state.vms.get(Number(id));
  if (!r) throw new Error(`VM ${id} not in the simulator`);
  return r;
};
const base = { node: 'sabrewulf' };

describe('spec examples, in order', () => {
  test('create new VM with minimal options', async () => {
    const out = ok(await act(sim, { ...base, name: 'spynal' }));
    expect(out.changed).toBe('true');
    expect(out.vmid).toBe('100');
    expect(out.msg).toBe('VM spynal with vmid 100 deployed');
    expect(out.status).toBe('stopped');
    expect(vm(100).node).toBe('sabrewulf');
    expect(vm(100).config.name).toBe('spynal');
  });

  test('the same step again changes nothing', async () => {
    const before = sim.log.length;
    const out = ok(await act(sim, { ...base, name: 'spynal' }));
    expect(out.changed).toBe('false');
    expect(out.vmid).toBe('100');
    expect(out.msg).toBe('VM with name <spynal> already exists');
    expect(sim.log.slice(before).filter((e) => e.method !== 'GET' && e.path !== '/access/ticket')).toEqual([]);
  });

  test('create new VM with minimal options and given vmid (name exists, vmid new → created)', async () => {
    const out = ok(await act(sim, { ...base, name: 'spynal', vmid: '120' }));
    expect(out.changed).toBe('true');
    expect(out.vmid).toBe('120');
    expect(vm(120).config.name).toBe('spynal');
    // and with the vmid existing → unchanged
    const again = ok(await act(sim, { ...base, name: 'spynal', vmid: '120' }));
    expect(again.changed).toBe('false');
    expect(again.msg).toBe('VM with vmid <120> already exists');
  });

  test('create new VM with two network interfaces (old JSON string form, trailing comma)', async () => {
    const out = ok(
      await act(sim, { ...base, name: 'two-nics', net: '{"net0":"virtio,bridge=vmbr1,rate=200", "net1":"e1000,bridge=vmbr2,"}' }),
    );
    const mac = JSON.parse(out.mac);
    expect(Object.keys(mac)).toEqual(['net0', 'net1']);
    expect(mac.net0).toMatch(/^BC:24:11(:[0-9A-F]{2}){3}$/);
    const cfg = vm(out.vmid).config;
    expect(cfg.net0).toBe(`virtio=${mac.net0},bridge=vmbr1,rate=200`);
    expect(cfg.net1).toBe(`e1000=${mac.net1},bridge=vmbr2`);
  });

  test('create new VM with two network interfaces (YAML block form)', async () => {
    const out = ok(await act(sim, { ...base, name: 'two-nics-yaml', net: "net0: 'virtio,bridge=vmbr1,rate=200'\nnet1: 'e1000,bridge=vmbr2'\n" }));
    expect(Object.keys(JSON.parse(out.mac))).toEqual(['net0', 'net1']);
  });

  test('one NIC, three virtio disks, 4 cores, 2 vcpus', async () => {
    const out = ok(
      await act(sim, {
        ...base,
        name: 'disks',
        net: "net0: 'virtio,bridge=vmbr1,rate=200'",
        virtio: "virtio0: 'VMs_LVM:10'\nvirtio1: 'VMs:2,format=qcow2'\nvirtio2: 'VMs:5,format=raw'",
        cores: '4',
        vcpus: '2',
      }),
    );
    const id = out.vmid;
    expect(JSON.parse(out.devices)).toEqual({
      virtio0: `VMs_LVM:vm-${id}-disk-0`,
      virtio1: `VMs:${id}/vm-${id}-disk-0.qcow2`,
      virtio2: `VMs:${id}/vm-${id}-disk-1.raw`,
    });
    expect(vm(id).config.cores).toBe('4');
    expect(vm(id).config.vcpus).toBe('2');
    expect(vm(id).config.virtio0).toBe(`VMs_LVM:vm-${id}-disk-0,size=10G`);
  });

  test('clone VM with only source VM name (full clone to storage VMs, qcow2)', async () => {
    const src = ok(await act(sim, { ...base, name: 'clone-src', scsi: "scsi0: 'local-lvm:4'" }));
    const out = ok(await act(sim, { ...base, clone: 'clone-src', name: 'zavala', storage: 'VMs', format: 'qcow2', timeout: '500' }));
    expect(out.changed).toBe('true');
    expect(out.msg).toBe(`VM zavala with newid ${out.vmid} cloned from vm with vmid ${src.vmid}`);
    expect(vm(out.vmid).config.name).toBe('zavala');
    expect(vm(out.vmid).config.scsi0).toMatch(new RegExp(`^VMs:${out.vmid}/vm-${out.vmid}-disk-0\\.qcow2,size=4G$`));
    expect(vm(out.vmid).config.lock).toBeUndefined();
    // idempotent by the target name
    const again = ok(await act(sim, { ...base, clone: 'clone-src', name: 'zavala', storage: 'VMs', format: 'qcow2' }));
    expect(again.changed).toBe('false');
    expect(again.vmid).toBe(out.vmid);
  });

  test('create linked clone VM with only source VM name (template source, format unspecified)', async () => {
    const tpl = ok(await act(sim, { ...base, name: 'tpl', scsi: "scsi0: 'local-lvm:4'", net: "net0: 'virtio,bridge=vmbr0'" }));
    ok(await act(sim, { ...base, name: 'tpl', state: 'template' }));
    expect(vm(tpl.vmid).config.template).toBe('1');
    const out = ok(await act(sim, { ...base, clone: 'tpl', name: 'linked', storage: 'VMs', full: 'no', format: 'unspecified', timeout: '500' }));
    expect(out.changed).toBe('true');
    const cfg = vm(out.vmid).config;
    expect(cfg.scsi0).toMatch(new RegExp(`^local-lvm:vm-${out.vmid}-disk-0`));
    expect(cfg.net0).not.toBe(vm(tpl.vmid).config.net0); // new MAC
  });

  test('clone VM with source vmid and target newid and raw format', async () => {
    ok(await act(sim, { ...base, name: 'src108', vmid: '108', scsi: "scsi0: 'local-lvm:2'" }));
    const out = ok(
      await act(sim, { ...base, clone: 'arbitrary_name', vmid: '108', newid: '152', name: 'zavala152', storage: 'LVM_STO', format: 'raw', timeout: '300' }),
    );
    expect(out.vmid).toBe('152');
    expect(vm(152).config.name).toBe('zavala152');
    expect(vm(152).config.scsi0).toMatch(/^LVM_STO:vm-152-disk-0/);
    const again = ok(await act(sim, { ...base, clone: 'arbitrary_name', vmid: '108', newid: '152', name: 'zavala152', storage: 'LVM_STO', format: 'raw' }));
    expect(again.changed).toBe('false');
  });

  test('create new VM and lock it for snapshot', async () => {
    const out = ok(await act(sim, { ...base, name: 'locked', lock: 'snapshot' }));
    expect(vm(out.vmid).config.lock).toBe('snapshot');
  });

  test('create new VM with protection', async () => {
    const out = ok(await act(sim, { ...base, name: 'protected', protection: 'yes' }));
    expect(vm(out.vmid).config.protection).toBe('1');
    const err = failed(await act(sim, { name: 'protected', state: 'absent' }));
    expect(err).toMatch(/protection mode enabled/);
    expect(sim.state.vms.has(Number(out.vmid))).toBe(true);
  });

  test('create new VM using cloud-init with a username and password', async () => {
    const run = await act(sim, {
      ...base,
      name: 'ci-pass',
      ide: "ide2: 'local:cloudinit,format=qcow2'",
      ciuser: 'mylinuxuser',
      cipassword: 'supersecret',
      searchdomains: 'mydomain.internal',
      nameservers: '1.1.1.1',
      net: "net0: 'virtio,bridge=vmbr1,tag=77'",
      ipconfig: "ipconfig0: 'ip=192.168.1.1/24,gw=192.168.1.1'",
    });
    const out = ok(run);
    const cfg = vm(out.vmid).config;
    expect(cfg.ciuser).toBe('mylinuxuser');
    expect(cfg.searchdomain).toBe('mydomain.internal');
    expect(cfg.nameserver).toBe('1.1.1.1');
    expect(cfg.ipconfig0).toBe('ip=192.168.1.1/24,gw=192.168.1.1');
    expect(cfg.ide2).toBe(`local:${out.vmid}/vm-${out.vmid}-cloudinit.qcow2,media=cdrom`);
    expect(run.main.masks).toContain('supersecret');
    expect(visibleText(run)).not.toContain('supersecret');
  });

  test('create new VM using cloud-init with an ssh key and two nameservers', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+';
    const out = ok(
      await act(sim, {
        ...base,
        name: 'ci-key',
        ide: "ide2: 'local:cloudinit,format=qcow2'",
        sshkeys: key,
        searchdomains: 'mydomain.internal',
        nameservers: "- '1.1.1.1'\n- '8.8.8.8'",
        net: "net0: 'virtio,bridge=vmbr1,tag=77'",
        ipconfig: "ipconfig0: 'ip=192.168.1.1/24'",
      }),
    );
    const cfg = vm(out.vmid).config;
    expect(decodeURIComponent(cfg.sshkeys)).toBe(key);
    expect(cfg.nameserver).toBe('1.1.1.1 8.8.8.8');
  });

  test('start, stop, stop with force, restart', async () => {
    let out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', state: 'started' }));
    expect(out.changed).toBe('true');
    expect(out.status).toBe('running');
    expect(vm(100).status).toBe('running');
    out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', state: 'started' }));
    expect(out.changed).toBe('false');
    expect(out.msg).toBe('VM 100 is already running');

    out = ok(await act(sim, { ...base, vmid: '100', state: 'restarted' }));
    expect(out.changed).toBe('true');
    expect(out.status).toBe('running');

    out = ok(await act(sim, { ...base, vmid: '100', state: 'stopped' }));
    expect(out.changed).toBe('true');
    expect(out.status).toBe('stopped');
    expect(sim.log.some((e) => e.path === '/nodes/sabrewulf/qemu/100/status/shutdown')).toBe(true);

    ok(await act(sim, { ...base, vmid: '100', state: 'started' }));
    out = ok(await act(sim, { ...base, vmid: '100', state: 'stopped', force: 'yes' }));
    expect(out.status).toBe('stopped');
    const shutdown = sim.log.filter((e) => e.path === '/nodes/sabrewulf/qemu/100/status/shutdown').at(-1)!;
    expect(shutdown.params.forceStop).toBe('1');

    out = ok(await act(sim, { ...base, vmid: '100', state: 'restarted' }));
    expect(out.changed).toBe('false');
    expect(out.msg).toBe('VM 100 is not running');
  });

  test('get VM current state', async () => {
    const out = ok(await act(sim, { ...base, name: 'disks', state: 'current' }));
    expect(out.changed).toBe('false');
    expect(out.status).toBe('stopped');
    expect(out.msg).toMatch(/^VM disks with vmid = \d+ is stopped$/);
  });

  test('update VM configuration (cores 8, memory 16384)', async () => {
    const out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', cores: '8', memory: '16384', update: 'yes' }));
    expect(out.changed).toBe('true');
    expect(vm(100).config.cores).toBe('8');
    expect(vm(100).config.memory).toBe('16384');
    const again = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', cores: '8', memory: '16384', update: 'yes' }));
    expect(again.changed).toBe('false');
  });

  test("the old document's update example (cpu: 8) is refused with a clear error before any change", async () => {
    const before = sim.log.length;
    const err = failed(await act(sim, { ...base, name: 'spynal', cpu: '8', memory: '16384', update: 'yes' }));
    expect(err).toMatch(/cpu/);
    expect(err).toMatch(/cores/);
    expect(sim.log.slice(before).filter((e) => e.method !== 'GET' && e.path !== '/access/ticket')).toEqual([]);
  });

  test('delete QEMU parameters, then revert a pending change', async () => {
    ok(await act(sim, { ...base, vmid: '100', update: 'yes', cpulimit: '2', args: '-serial unix:/tmp/x.serial,server,nowait' }));
    expect(vm(100).config.cpulimit).toBe('2');
    let out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', delete: 'args,template,cpulimit' }));
    expect(out.changed).toBe('true');
    expect(vm(100).config.cpulimit).toBeUndefined();
    expect(vm(100).config.args).toBeUndefined();
    out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', delete: 'args,template,cpulimit' }));
    expect(out.changed).toBe('false');

    // revert: on a running VM, `template` is not hot-pluggable and stays pending; the literal example reverts it
    ok(await act(sim, { ...base, vmid: '100', state: 'started' }));
    ok(await act(sim, { ...base, vmid: '100', update: 'yes', template: 'yes' }));
    expect(vm(100).pending.template).toBe('1');
    out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', revert: 'template,cpulimit' }));
    expect(out.changed).toBe('true');
    expect(vm(100).pending.template).toBeUndefined();
    expect(vm(100).config.template).toBeUndefined();
    out = ok(await act(sim, { ...base, name: 'spynal', vmid: '100', revert: 'template,cpulimit' }));
    expect(out.changed).toBe('false');
  });

  test('remove VM: running without force is an error naming the VM; with force it is stopped and removed', async () => {
    const err = failed(await act(sim, { ...base, vmid: '100', state: 'absent' }));
    expect(err).toMatch(/VM 100 \(spynal\) on sabrewulf is running/);
    expect(sim.state.vms.has(100)).toBe(true);
    const out = ok(await act(sim, { ...base, vmid: '100', state: 'absent', force: 'yes' }));
    expect(out.changed).toBe('true');
    expect(out.status).toBe('absent');
    expect(sim.state.vms.has(100)).toBe(false);
    const again = ok(await act(sim, { ...base, vmid: '100', state: 'absent' }));
    expect(again.changed).toBe('false');
  });

  test('remove VM by name', async () => {
    const out = ok(await act(sim, { ...base, name: 'locked', state: 'absent', skiplock: 'yes' }));
    expect(out.changed).toBe('true');
  });
});
