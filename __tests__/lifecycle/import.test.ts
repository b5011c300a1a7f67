// A fresh cloud-image VM without a template, through the bundled action (the examples/cloud-image.yml recipe):
// `scsi0: local-lvm:0,import-from=local:import/<image>.qcow2` + a cloud-init drive + agent, then a grow-and-start
// step; an update with the same inputs changes nothing (PVE does not store import-from); a missing image fails the
// create naming the file, and leaves no VM and no volume behind (qemu-server API2/Qemu.pm create_disks, create_vm).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { volumesOfVm } from '../../sim/qemu/volumes.js';
import { expectNoSecretsShown, failed, lifecycleSim, mutations, ok, step, vmByName } from './support.js';

const GiB = 1024 ** 3;
const IMAGE = 'local:import/noble-server-cloudimg-amd64.qcow2';

let sim: Simulator;
beforeAll(async () => {
  // the default `local` storage has PVE 9's `import` content (pve-installer StorageConfig.pm)
  sim = await lifecycleSim({ importFiles: { [IMAGE]: 3.5 * GiB } });
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const run = (inputs: Record<string, string>) => step(sim, { cleanup: 'never', ...inputs }, { post: false });

/** The recipe's create step (examples/cloud-image.yml). */
const CREATE = {
  node: 'pve1',
  name: 'noble-1',
  state: 'present',
  memory: '2048',
  cores: '2',
  scsihw: 'virtio-scsi-single',
  scsi: `scsi0: 'local-lvm:0,import-from=${IMAGE},iothread=1,discard=on'`,
  ide: "ide2: 'local-lvm:cloudinit'",
  boot: 'order=scsi0',
  agent: '1',
  net: "net0: 'virtio,bridge=vmbr0'",
  ciuser: 'ubuntu',
  ipconfig: "ipconfig0: 'ip=dhcp'",
};

describe('a fresh Ubuntu cloud image VM (import-from)', () => {
  test('create imports the image at its size; grow + start + wait_for: agent; re-runs change nothing', async () => {
    const created = ok(await run(CREATE));
    expect(created.changed).toBe('true');
    const vm = vmByName(sim, 'noble-1')!;
    expect(vm.config.scsi0).toBe(`local-lvm:vm-${vm.vmid}-disk-0,discard=on,iothread=1,size=3584M`);
    expect(vm.config.ide2).toBe(`local-lvm:vm-${vm.vmid}-cloudinit,media=cdrom`);
    expect(vm.config.agent).toBe('1');
    const task = sim.tasks().find((t) => t.type === 'qmcreate' && t.id === String(vm.vmid))!;
    expect(task.log).toContain(`create full clone of drive (${IMAGE})`);
    expect(task.log).toContain('transferred 3.5 GiB of 3.5 GiB (100.00%)');

    // Same inputs again, with update: import-from is not in PVE's config and is no change.
    let since = sim.log.length;
    const again = ok(await run({ ...CREATE, update: 'true', update_unsafe: 'true' }));
    expect(again.changed).toBe('false');
    expect(mutations(sim, since)).toEqual([]);

    // The recipe's second step: grow the disk to 32G, start, wait for the agent.
    const grow = { name: 'noble-1', state: 'started', update: 'true', update_unsafe: 'true', scsi: "scsi0: 'local-lvm:32,iothread=1,discard=on'", wait_for: 'agent', agent: '1' };
    const grown = ok(await run(grow));
    expect(grown.changed).toBe('true');
    expect(vm.config.scsi0).toBe(`local-lvm:vm-${vm.vmid}-disk-0,discard=on,iothread=1,size=32G`);
    expect(vm.status).toBe('running');
    since = sim.log.length;
    expect(ok(await run(grow)).changed).toBe('false');
    expect(ok(await run(CREATE)).changed).toBe('false');
    expect(mutations(sim, since)).toEqual([]);
  });

  test('a size other than 0 with import-from is refused before any request', async () => {
    const since = sim.log.length;
    const err = failed(await run({ ...CREATE, name: 'noble-2', scsi: `scsi0: 'local-lvm:32,import-from=${IMAGE}'` }));
    expect(err).toContain("'import-from' needs size 0");
    expect(sim.log.length).toBe(since);
  });

  test('a missing image fails the create naming the file; no VM and no volume are left', async () => {
    const err = failed(await run({ ...CREATE, name: 'noble-3', scsi: "scsi0: 'local-lvm:0,import-from=local:import/nosuch.qcow2'" }));
    expect(err).toContain("failed to stat '/var/lib/vz/import/nosuch.qcow2'");
    expect(vmByName(sim, 'noble-3')).toBeUndefined();
    const task = sim.tasks().filter((t) => t.type === 'qmcreate').at(-1)!;
    expect(task.exitstatus).toContain('failed to stat');
    expect(volumesOfVm(sim.state, Number(task.id))).toEqual([]);
  });
});
