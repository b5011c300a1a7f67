// diagnostics through the bundled action: on a failure, what an operator looks at first (status, config with
// secrets masked, pending changes, and through the agent cloud-init's status, its log's end and the journal's
// errors) lands in a log group and the job summary, escaped; never with diagnostics: never, dry_run, or before
// any VM is known; with always also after a success.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator, VmRecord } from '../../sim/index.js';
import { GUEST, expectNoSecretsShown, failed, lifecycleSim, ok, requests, seedVm, step, until, vmByName } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const SECRET = 'Diag-Secret-7731';

function guestVm(vmid: number, guest: NonNullable<VmRecord['guest']> = {}): VmRecord {
  const vm = seedVm(sim, vmid, 'pve1', {
    name: `diag-${vmid}`, agent: '1', memory: '1024', cipassword: SECRET,
    net0: `virtio=BC:24:11:00:${String(vmid).slice(0, 2)}:${String(vmid).slice(2, 4).padStart(2, '0')},bridge=vmbr0`,
  });
  vm.guest = guest;
  return vm;
}

const journal = (lines: string) => (argv: readonly string[]) => (argv[0] === 'journalctl' ? { exitcode: 0, stdout: lines } : undefined);

describe('diagnostics', () => {
  test('a cloud-init error: status, config (cipassword masked), pending, cloud-init and journal in a group and the summary', async () => {
    guestVm(870, { cloudInit: { result: 'error' }, exec: journal('Dec 05 10:00:01 ci kernel: EXT4-fs error (device sda1): bad block\n::error::forged | <b>row</b>\n') });
    const run = await step(sim, { vmid: '870', state: 'started', wait_for: 'cloud-init', wait_timeout: '120' }, { post: false });
    expect(failed(run)).toMatch(/cloud-init/);
    expect(run.main.groups).toContain('Diagnostics: VM 870');
    const md = run.main.summary;
    expect(md).toMatch(/<details><summary>Diagnostics: VM 870 on pve1<\/summary>/);
    expect(md).toMatch(/\| status \| running \|/);
    expect(md).toMatch(/\| config \| .*memory: 1024/);
    expect(md).toMatch(/cipassword: (?:\*\*\*|&#42;&#42;&#42;)/); // mdText writes * as a character reference
    expect(md).toMatch(/\| pending changes \| none \|/);
    expect(md).toMatch(/\| cloud-init status --long \| .*status: error/);
    expect(md).toMatch(/\| end of \/var\/log\/cloud-init-output\.log \| .*E: Unable to locate package/);
    expect(md).toMatch(/\| journalctl -b -p err \| .*EXT4-fs error/);
    // The guest's text cannot add rows or tags to the summary, nor commands to the log.
    expect(md).not.toMatch(/<b>row<\/b>/);
    expect(run.main.stdout.split('\n').filter((l) => l.startsWith('::error::forged'))).toEqual([]);
    expect(`${run.main.stdout}\n${md}`).not.toContain(SECRET);
  });

  test('a start that fails: status and config, no guest commands on a stopped VM', async () => {
    guestVm(871);
    sim.configure({ faults: { failTask: { type: 'qmstart', message: 'start failed: QEMU exited with code 1', id: '871' } } });
    const since = sim.log.length;
    try {
      const run = await step(sim, { vmid: '871', state: 'started' }, { post: false });
      expect(failed(run)).toMatch(/QEMU exited with code 1/);
      expect(run.main.summary).toMatch(/\| status \| stopped \|/);
      expect(run.main.summary).toMatch(/\| guest \| not asked: the VM is stopped \|/);
      expect(requests(sim, since, (e) => e.path.includes('/agent/'))).toEqual([]);
    } finally {
      sim.configure({ faults: {} });
    }
  });

  test('diagnostics: never gathers nothing; nor does a failure before any VM is known', async () => {
    guestVm(872, { cloudInit: { result: 'error' } });
    const never = await step(sim, { vmid: '872', state: 'started', wait_for: 'cloud-init', diagnostics: 'never' }, { post: false });
    failed(never);
    expect(never.main.summary).not.toMatch(/Diagnostics/);
    const unknown = await step(sim, { name: 'diag-nobody', state: 'stopped' }, { post: false });
    expect(failed(unknown)).toMatch(/does not exist/);
    expect(unknown.main.summary).not.toMatch(/Diagnostics/);
  });

  test('a guest_exec failure on a VM the step created: diagnostics first, then cleanup: on-failure removes it', async () => {
    // The start is held until the test has given the new VM's guest a failing command (an event, not a clock).
    sim.configure({ faults: { holdTasks: ['qmstart'] } });
    try {
      const pending = step(sim, { node: 'pve1', name: 'diag-clean', ...GUEST, state: 'started', guest_exec: 'false-ish', cleanup: 'on-failure' });
      await until(() => vmByName(sim, 'diag-clean') !== undefined && sim.tasks().some((t) => t.type === 'qmstart' && t.status === 'running'), 'the held start of the new VM');
      vmByName(sim, 'diag-clean')!.guest = { exec: (argv) => (argv[2] === 'false-ish' ? { exitcode: 1, stderr: 'nope\n' } : undefined) };
      sim.configure({ faults: {} });
      const run = await pending;
      expect(failed(run)).toMatch(/guest_exec command 1 \(false-ish\) failed: exit code 1/);
      expect(run.main.summary).toMatch(/Diagnostics: VM \d+ on pve1/);
      expect(run.post?.exitCode).toBe(0);
      expect(vmByName(sim, 'diag-clean')).toBeUndefined();
    } finally {
      sim.configure({ faults: {} });
    }
  });

  test('always: also after a success; dry_run never', async () => {
    guestVm(873);
    const run = await step(sim, { vmid: '873', state: 'started', diagnostics: 'always', wait_for: 'agent' }, { post: false });
    ok(run);
    expect(run.main.summary).toMatch(/Diagnostics: VM 873 on pve1/);
    expect(run.main.summary).toMatch(/\| journalctl -b -p err \| .*No entries/);
    const since = sim.log.length;
    const dry = await step(sim, { vmid: '873', state: 'stopped', diagnostics: 'always', dry_run: 'true' }, { post: false });
    ok(dry);
    expect(dry.main.summary).not.toMatch(/Diagnostics/);
    expect(requests(sim, since, (e) => e.path.includes('/agent/'))).toEqual([]);
  });
});
