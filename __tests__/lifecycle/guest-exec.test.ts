// wait_for: cloud-init and guest_exec through the bundled action: cloud-init's verdicts (done, error, degraded)
// with its message and log tail, the commands' outputs and exit codes, guest_exec_allow_failure, dry_run, the
// wait_timeout bound (held by the simulated guest until the test releases it), and a hostile guest's output.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GuestExecAnswer, Simulator, VmRecord } from '../../sim/index.js';
import { annotations, expectNoSecretsShown, failed, lifecycleSim, ok, requests, seedVm, step, until, visibleText } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const agentPath = (vmid: number, what: string) => `/nodes/pve1/qemu/${vmid}/agent/${what}`;
const calls = (vmid: number, what: string, since = 0) => requests(sim, since, (e) => e.path === agentPath(vmid, what));

/** A stopped VM with the agent on, in the cluster already; `state: started` starts it. */
function guestVm(vmid: number, guest: NonNullable<VmRecord['guest']> = {}, agent: string | null = '1'): VmRecord {
  const config: Record<string, string> = { name: `exec-${vmid}`, net0: `virtio=BC:24:11:00:${String(vmid).slice(0, 2)}:${String(vmid).slice(2, 4).padStart(2, '0')},bridge=vmbr0` };
  if (agent !== null) config.agent = agent;
  const vm = seedVm(sim, vmid, 'pve1', config);
  vm.guest = guest;
  return vm;
}

/** A guest whose commands answer from a table (argv joined with spaces → answer), anything else exits 0. */
const table = (t: Record<string, GuestExecAnswer>, seen: string[][] = []) => (argv: readonly string[]): GuestExecAnswer | undefined => {
  seen.push([...argv]);
  return t[argv.join(' ')] ?? (argv[0] === 'cloud-init' ? undefined : { exitcode: 0 });
};

const held = () => {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
};

describe('wait_for: cloud-init', () => {
  test('waits for the agent, then until cloud-init has finished; outputs as for wait_for: agent plus cloud_init', async () => {
    const boot = held();
    guestVm(800, { cloudInit: { until: boot.promise } });
    const since = sim.log.length;
    const pending = step(sim, { vmid: '800', state: 'started', wait_for: 'cloud-init', wait_timeout: '120' }, { post: false });
    // cloud-init is still running: the step polls exec-status and sees `exited: 0` a few times.
    await until(() => calls(800, 'exec-status', since).filter((e) => e.status === 200).length >= 3, 'three exec-status polls');
    boot.release();
    const run = await pending;
    const out = ok(run);
    expect(out.cloud_init).toBe('done');
    expect(out.ip).toMatch(/^10\./);
    const exec = calls(800, 'exec', since);
    expect(exec).toHaveLength(1);
    expect(exec[0].method).toBe('POST');
    expect(exec[0].params.command).toEqual(['cloud-init', 'status', '--wait', '--long']);
    expect(calls(800, 'file-read', since)).toEqual([]);
    expect(run.main.groups).toContain('Wait for cloud-init');
    expect(run.main.summary).toMatch(/\| cloud-init \| done \|/);
  });

  test('status error: the step fails with cloud-init\'s message and the tail of cloud-init-output.log', async () => {
    guestVm(801, { cloudInit: { result: 'error' } });
    const run = await step(sim, { vmid: '801', state: 'started', wait_for: 'cloud-init' }, { post: false });
    const err = failed(run);
    expect(err).toContain('VM 801: cloud-init finished with status error (exit code 1');
    expect(err).toContain("RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands')");
    expect(err).toContain('Last lines of /var/log/cloud-init-output.log:');
    expect(err).toContain('E: Unable to locate package ngnix');
    expect(err).toMatch(/finished at .*DataSourceNoCloud/);
    expect(run.main.outputs.cloud_init).toBe('error');
    expect(run.main.outputs.ip).toMatch(/^10\./);
    // The summary shows it too, escaped (parentheses and quotes of guest text become references).
    expect(run.main.summary).toContain('Unable to locate package ngnix');
    expect(run.main.summary).toContain('RuntimeError&#40;&#39;Runparts');
  });

  test('status degraded (recoverable errors, exit 2) fails too', async () => {
    guestVm(802, { cloudInit: { result: 'degraded' } });
    const run = await step(sim, { vmid: '802', state: 'started', wait_for: 'cloud-init' }, { post: false });
    const err = failed(run);
    expect(err).toMatch(/cloud-init finished with status degraded \(exit code 2/);
    expect(err).toContain('extended_status: degraded done');
    expect(err).toContain("Failed to set locale 'xx_XX.UTF-8'");
    expect(run.main.outputs.cloud_init).toBe('degraded');
  });

  test('a hostile guest log is bounded and inert: no workflow command, no HTML, no control characters', async () => {
    const evil = [
      'line one',
      '::error::owned by the guest',
      '::add-mask::hide-everything',
      '<img src=x onerror=alert(1)> [link](http://evil.example) | cell | \u001b[31mred\u001b[0m \u202eevil',
      ...Array.from({ length: 5000 }, (_, i) => `filler ${i} ${'y'.repeat(100)}`),
      '::warning::last words',
    ].join('\n');
    guestVm(803, { cloudInit: { result: 'error', outputLog: evil, statusText: 'status: error\n::notice::from status\n' } });
    const run = await step(sim, { vmid: '803', state: 'started', wait_for: 'cloud-init' }, { post: false });
    const err = failed(run);
    expect(err).toContain('last words');
    expect(err.length).toBeLessThan(6000);
    expect(annotations(run.main, 'error')).toHaveLength(1);
    expect(annotations(run.main, 'warning')).toEqual([]);
    expect(annotations(run.main, 'notice')).toEqual([]);
    expect(run.main.masks).not.toContain('hide-everything');
    expect(run.main.stdout).not.toMatch(/^::(warning|notice|error)::(last words|from status|owned)/m);
    expect(run.main.stdout + run.main.summary).not.toContain('\u001b');
    expect(run.main.summary).not.toContain('<img');
    // The log tail is the end of the file: the first lines are not in it.
    expect(err).not.toContain('line one');
  });

  test('cloud-init still running at wait_timeout: a clear error, the process left running in the guest', async () => {
    const boot = held();
    guestVm(804, { cloudInit: { until: boot.promise } });
    try {
      const run = await step(sim, { vmid: '804', state: 'started', wait_for: 'cloud-init', wait_timeout: '2' }, { post: false });
      expect(failed(run)).toMatch(/VM 804: gave up waiting for cloud-init to finish after 2 s \(wait_timeout\)/);
      expect(run.main.outputs.cloud_init ?? '').toBe('');
    } finally {
      boot.release();
    }
  });

  test('cloud-init not installed: the agent\'s own error, at once', async () => {
    guestVm(805, { exec: () => ({ agentError: 'Guest agent command failed, error was \'Failed to execute child process “cloud-init” (No such file or directory)\'' }) });
    const run = await step(sim, { vmid: '805', state: 'started', wait_for: 'cloud-init' }, { post: false });
    expect(failed(run)).toMatch(/VM 805: wait_for: cloud-init could not run cloud-init in the guest \(is it installed\?\): .*No such file or directory/);
  });
});

describe('guest_exec', () => {
  test('one shell command per line, run in order through /bin/sh -c; outputs and a log group per command', async () => {
    const seen: string[][] = [];
    guestVm(810, {
      exec: table({
        '/bin/sh -c hostname': { exitcode: 0, stdout: 'exec-810\n' },
        '/bin/sh -c systemctl is-active nginx || true': { exitcode: 0, stdout: 'active\n', stderr: 'a warning\n' },
      }, seen),
    });
    const since = sim.log.length;
    const run = await step(sim, { vmid: '810', state: 'started', guest_exec: 'hostname\n\n  systemctl is-active nginx || true  \n' }, { post: false });
    const out = ok(run);
    // No wait_for: the agent is waited for first all the same.
    expect(calls(810, 'network-get-interfaces', since).at(-1)!.status).toBe(200);
    expect(seen).toEqual([['/bin/sh', '-c', 'hostname'], ['/bin/sh', '-c', 'systemctl is-active nginx || true']]);
    expect(calls(810, 'exec', since).map((e) => e.params.command)).toEqual(seen);
    expect(JSON.parse(out.exec_output)).toEqual([
      { command: ['/bin/sh', '-c', 'hostname'], exitcode: 0, signal: null, stdout: 'exec-810\n', stderr: '', stdout_truncated: false, stderr_truncated: false },
      { command: ['/bin/sh', '-c', 'systemctl is-active nginx || true'], exitcode: 0, signal: null, stdout: 'active\n', stderr: 'a warning\n', stdout_truncated: false, stderr_truncated: false },
    ]);
    expect(out.exec_exitcode).toBe('0');
    expect(run.main.groups).toEqual(expect.arrayContaining(['guest_exec 1/2: hostname', 'guest_exec 2/2: systemctl is-active nginx || true']));
    expect(run.main.stdout).toContain('exec-810');
    expect(run.main.stdout).toContain('a warning');
    expect(run.main.stdout).toMatch(/exit code 0/);
    expect(run.main.summary).toContain('| `hostname` | 0 |');
  });

  test('a YAML list of argument lists runs each list as given (no shell)', async () => {
    const seen: string[][] = [];
    guestVm(811, { exec: table({}, seen) });
    const out = ok(await step(sim, { vmid: '811', state: 'started', guest_exec: '- ["systemctl", "is-active", "nginx"]\n- [/usr/bin/test, -f, "/etc/a b"]' }, { post: false }));
    expect(seen).toEqual([['systemctl', 'is-active', 'nginx'], ['/usr/bin/test', '-f', '/etc/a b']]);
    expect(JSON.parse(out.exec_output).map((r: { command: string[] }) => r.command)).toEqual(seen);
  });

  test('a failing command fails the step, stops the list, and its exit code and stderr are shown', async () => {
    const seen: string[][] = [];
    guestVm(812, { exec: table({ '/bin/sh -c false-ish': { exitcode: 3, stderr: 'boom: it broke\n' } }, seen) });
    const run = await step(sim, { vmid: '812', state: 'started', guest_exec: 'echo one\nfalse-ish\necho three' }, { post: false });
    const err = failed(run);
    expect(err).toMatch(/VM 812: guest_exec command 2 \(false-ish\) failed: exit code 3; its output ends:\n\s*boom: it broke/);
    // The list stopped at the failure; after it, only the diagnostics' read-only commands ran (diagnostics: auto).
    expect(seen.filter((a) => a[0] === '/bin/sh').map((a) => a[2])).toEqual(['echo one', 'false-ish']);
    expect(seen.filter((a) => a[0] !== '/bin/sh').map((a) => a[0])).toEqual(['cloud-init', 'journalctl']);
    expect(run.main.outputs.exec_exitcode).toBe('3');
    expect(JSON.parse(run.main.outputs.exec_output)).toHaveLength(2);
    expect(run.main.stdout).toMatch(/exit code 3/);
  });

  test('guest_exec_allow_failure: every command runs, the step succeeds, exec_exitcode is the first failure', async () => {
    const seen: string[][] = [];
    guestVm(813, { exec: table({ '/bin/sh -c a': { exitcode: 4 }, '/bin/sh -c b': { exitcode: 5 } }, seen) });
    const run = await step(sim, { vmid: '813', state: 'started', guest_exec: 'a\nb\nc', guest_exec_allow_failure: 'true' }, { post: false });
    const out = ok(run);
    expect(seen).toHaveLength(3);
    expect(out.exec_exitcode).toBe('4');
    expect(JSON.parse(out.exec_output).map((r: { exitcode: number }) => r.exitcode)).toEqual([4, 5, 0]);
    expect(annotations(run.main, 'warning')).toEqual([
      'VM 813: guest_exec command 1 (a) failed: exit code 4 (guest_exec_allow_failure: carrying on)',
      'VM 813: guest_exec command 2 (b) failed: exit code 5 (guest_exec_allow_failure: carrying on)',
    ]);
  });

  test('dry_run: the plan lists the commands, nothing is sent to the agent', async () => {
    guestVm(814);
    const since = sim.log.length;
    const run = await step(sim, { vmid: '814', state: 'started', wait_for: 'cloud-init', guest_exec: 'apt-get update\nsystemctl restart nginx', dry_run: 'true' }, { post: false });
    const out = ok(run);
    const plan = JSON.parse(out.plan) as { steps: Array<{ action: string; command?: string[] }> };
    expect(plan.steps.map((s) => s.action)).toEqual(['power', 'wait', 'guest-exec', 'guest-exec']);
    expect(plan.steps.slice(2).map((s) => s.command)).toEqual([['/bin/sh', '-c', 'apt-get update'], ['/bin/sh', '-c', 'systemctl restart nginx']]);
    expect(requests(sim, since, (e) => e.path.includes('/agent/'))).toEqual([]);
    expect(out.exec_output ?? '').toBe('');
  });

  test('a command still running at wait_timeout fails the step; the test releases it afterwards', async () => {
    const hold = held();
    guestVm(815, { exec: table({ '/bin/sh -c sleep forever': { exitcode: 0, until: hold.promise } }) });
    try {
      const run = await step(sim, { vmid: '815', state: 'started', guest_exec: 'true\nsleep forever', wait_timeout: '2' }, { post: false });
      expect(failed(run)).toMatch(/VM 815: guest_exec command 2 \(sleep forever\) is still running after 2 s \(wait_timeout\); it keeps running in the guest/);
      const results = JSON.parse(run.main.outputs.exec_output);
      expect(results).toHaveLength(2);
      expect(results[1].exitcode).toBeNull();
      expect(run.main.outputs.exec_exitcode).toBe('-1');
    } finally {
      hold.release();
    }
  });

  test('hostile output: workflow commands, control characters and 1 MiB of text are neutralised and bounded; cipassword never shown', async () => {
    const pw = 'Guest-Sekr1t-pw';
    const noisy = [
      'z'.repeat(1024 * 1024),
      '::error::owned',
      '  ::add-mask::everything',
      '::set-output name=ip::6.6.6.6',
      `echoing ${pw} back`,
      'carriage\rreturn \u001b]0;title\u0007 \u202edesrever',
      'tail end',
    ].join('\n');
    guestVm(816, { exec: table({ '/bin/sh -c noisy': { exitcode: 0, stdout: noisy, stderr: `::warning::from stderr ${pw}\n` } }) });
    const run = await step(sim, { vmid: '816', state: 'started', guest_exec: 'noisy', cipassword: pw, ciuser: 'ci', update: 'true' }, { post: false });
    const out = ok(run);
    expect(annotations(run.main, 'error')).toEqual([]);
    expect(annotations(run.main, 'warning')).toEqual([]);
    expect(run.main.masks).not.toContain('everything');
    expect(run.main.outputs.ip).toMatch(/^10\./);
    // Booleans, not matchers: a failure must not print a megabyte of output.
    const stdout = run.main.stdout;
    expect(stdout.includes('owned') && stdout.includes('everything') && stdout.includes('from stderr')).toBe(true);
    expect(/^\s*::(error|warning|add-mask|set-output)[^\n]*(owned|everything|6\.6\.6\.6|from stderr)/m.test(stdout)).toBe(false);
    expect(/[\u001b\u0007\u202e]/.test(stdout)).toBe(false);
    const [r] = JSON.parse(out.exec_output);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect(r.stdout_truncated).toBe(true);
    expect(r.stdout.endsWith('tail end')).toBe(true);
    expect(r.stdout.includes(`echoing *** back`)).toBe(true);
    expect(visibleText(run).includes(pw)).toBe(false);
    expect(r.stderr).toBe('::warning::from stderr ***\n');
  });
});

describe('guest_exec needs a running VM with the agent', () => {
  test('input errors: a state without a running VM, agent: false, allow_failure alone', async () => {
    const a = await step(sim, { vmid: '820', state: 'stopped', guest_exec: 'true' }, { post: false });
    expect(failed(a)).toMatch(/Input 'guest_exec' needs a running VM/);
    const b = await step(sim, { vmid: '820', state: 'started', guest_exec: 'true', agent: 'false' }, { post: false });
    expect(failed(b)).toMatch(/Input 'guest_exec' runs commands through the QEMU guest agent: it needs 'agent' enabled/);
    const c = await step(sim, { vmid: '820', state: 'started', guest_exec_allow_failure: 'true' }, { post: false });
    expect(failed(c)).toMatch(/Input 'guest_exec_allow_failure' has no effect without 'guest_exec'/);
    const d = await step(sim, { vmid: '820', state: 'started', guest_exec: '- []' }, { post: false });
    expect(failed(d)).toMatch(/Input 'guest_exec'.*non-empty list of strings/);
  });

  test('a VM without the agent configured: a clear error at once, nothing sent to the agent', async () => {
    guestVm(821, {}, null);
    const since = sim.log.length;
    const run = await step(sim, { vmid: '821', state: 'started', guest_exec: 'true' }, { post: false });
    expect(failed(run)).toMatch(/VM 821: guest_exec needs the QEMU guest agent, but it is not enabled on the VM/);
    expect(requests(sim, since, (e) => e.path.includes('/agent/'))).toEqual([]);
  });

  test('state: present on a stopped VM: guest_exec fails, it does not run', async () => {
    guestVm(822);
    const run = await step(sim, { vmid: '822', state: 'present', guest_exec: 'true' }, { post: false });
    expect(failed(run)).toMatch(/VM 822: guest_exec needs a running VM, but it is stopped after this step/);
  });
});
