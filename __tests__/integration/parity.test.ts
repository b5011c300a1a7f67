// Where the action's outputs and messages must match what Proxmox VE did, through the bundled action against the
// simulator: a linked clone that drops the asked-for storage says so as a warning (PVE refuses storage/format for
// linked clones), and the status output follows a change of template-ness made by a config step.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { act, exampleSim, ok, schemaClean } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await exampleSim();
});
afterAll(async () => {
  schemaClean(sim);
  await sim.close();
});

const base = { node: 'sabrewulf' };
const warnings = (run: Awaited<ReturnType<typeof act>>) => run.main.annotations.filter((a) => a.level === 'warning').map((a) => a.message);

describe('linked clones and template-ness', () => {
  let tplid = '';
  test('a linked clone that cannot go to the asked-for storage says so as a warning', async () => {
    tplid = ok(await act(sim, { ...base, name: 'parity-tpl', scsi: "scsi0: 'local-lvm:4'" })).vmid;
    ok(await act(sim, { ...base, name: 'parity-tpl', state: 'template' }));
    const run = await act(sim, { ...base, clone: 'parity-tpl', name: 'parity-linked', storage: 'VMs', format: 'qcow2' });
    const out = ok(run);
    expect(warnings(run)).toContainEqual(expect.stringMatching(/linked clone: storage 'VMs' and format 'qcow2' not sent .*full: true/));
    // PVE refuses storage/format for a linked clone: the clone sits beside the template's disk (LVM-thin snapshot)
    expect(sim.state.vms.get(Number(out.vmid))!.config.scsi0).toMatch(new RegExp(`^local-lvm:vm-${out.vmid}-disk-0,`));
  });

  test('after `delete: template` the status output says what the VM is now', async () => {
    const out = ok(await act(sim, { ...base, vmid: tplid, name: 'parity-tpl', delete: 'template' }));
    expect(out.changed).toBe('true');
    expect(sim.state.vms.get(Number(tplid))!.config.template).toBeUndefined();
    expect(out.status).toBe('stopped');
  });

  test('and after `template: yes` by a config update, it says template', async () => {
    const out = ok(await act(sim, { ...base, vmid: tplid, name: 'parity-tpl', update: 'yes', template: 'yes' }));
    expect(sim.state.vms.get(Number(tplid))!.config.template).toBe('1');
    expect(out.status).toBe('template');
  });
});
