// What the step reports: the job summary table (VM, vmid, node, state before → after, changed settings old → new
// with secrets masked, time per phase), the log groups per phase, and no secret anywhere in what it printed.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { DEFAULT_DURATIONS } from '../../sim/index.js';
import { expectNoSecretsShown, GUEST, lifecycleSim, ok, releaseAgentAfter, seedVm, step, visibleText } from './support.js';

const PASSWORD = 'Tr0ub4dor&3-summary';
let sim: Simulator;
beforeAll(async () => {
  // The agent only answers when a test releases it, so the guest wait has a share of the time on any machine.
  sim = await lifecycleSim({ durations: { ...DEFAULT_DURATIONS, agentUp: 100_000_000 } });
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

/** The two-column table's rows, key → value. */
function rows(summary: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of summary.matchAll(/^\| ([^|]+?) \| ([^|]*?) \|$/gm)) out[m[1]] = m[2];
  return out;
}

/** The settings table's rows: setting → [input, before, after]. */
function settings(summary: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of summary.matchAll(/^\| `([a-z0-9_]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)) out[m[1]] = [m[2], m[3], m[4]];
  return out;
}

test('an update + start + wait: the summary shows the VM, state, settings old → new (secret masked) and timings', async () => {
  seedVm(sim, 600, 'pve1', {
    name: 'report-vm',
    memory: '1024',
    cores: '1',
    agent: '1',
    ciuser: 'debian',
    net0: 'virtio=BC:24:11:00:06:00,bridge=vmbr0',
  });
  const since = sim.log.length;
  const pending = step(sim, { vmid: '600', state: 'started', update: 'true', memory: '2048', cores: '2', cipassword: PASSWORD, wait_for: 'ip' }, { post: false });
  await releaseAgentAfter(sim, 'report-vm', 2, since);
  const run = await pending;
  const out = ok(run);
  const s = run.main.summary;
  const r = rows(s);
  expect(r.VM).toBe('report-vm');
  expect(r.vmid).toBe('600');
  expect(r.node).toBe('pve1');
  expect(r.state).toBe('stopped → running');
  expect(r.changed).toBe('yes');
  expect(r['IP addresses']).toContain(`\`${out.ip}\``);
  const t = /^(\d+) ms total — API (\d+) ms, task wait (\d+) ms, guest wait (\d+) ms$/.exec(r.time);
  expect(t, r.time).not.toBeNull();
  const [total, api, task, guest] = t!.slice(1).map(Number);
  expect(guest).toBeGreaterThanOrEqual(100); // two refused polls, 100 ms apart at least
  expect(task).toBeGreaterThan(0);
  expect(api).toBeGreaterThan(0);
  expect(total).toBeGreaterThanOrEqual(api + task + guest - 5);

  const set = settings(s);
  expect(set.memory).toEqual(['memory', '`1024`', '`2048`']);
  expect(set.cores).toEqual(['cores', '`1`', '`2`']);
  expect(set.cipassword).toEqual(['cipassword', '—', '`***`']);
  expect(s).toMatch(/Steps: configure VM 600: [^;]*memory[^;]*; start VM 600/);

  // The password never shows, in clear or URL-encoded; the runner was told to mask it.
  const text = visibleText(run);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(encodeURIComponent(PASSWORD));
  expect(run.main.masks).toContain(PASSWORD);
  expect(run.main.outputs.plan).not.toContain(PASSWORD);
});

test('the log is grouped per phase: plan, apply, wait', async () => {
  const since = sim.log.length;
  const pending = step(sim, { node: 'pve2', name: 'report-groups', state: 'started', wait_for: 'agent', cleanup: 'always', ...GUEST });
  await releaseAgentAfter(sim, 'report-groups', 1, since);
  const run = await pending;
  ok(run);
  expect(run.main.groups).toEqual([
    'Plan: read the cluster and compare',
    expect.stringMatching(/^Apply: \d+ step\(s\)$/),
    'Wait for the guest (agent)',
  ]);
  // Every group is closed, and the step's "→ <step>" lines are inside the apply group.
  const lines = run.main.stdout.split('\n');
  expect(lines.filter((l) => l.startsWith('::group::')).length).toBe(lines.filter((l) => l === '::endgroup::').length);
  const apply = lines.findIndex((l) => l.startsWith('::group::Apply'));
  const applyEnd = lines.indexOf('::endgroup::', apply);
  expect(lines.slice(apply, applyEnd).filter((l) => l.startsWith('→ '))).toEqual([
    expect.stringMatching(/^→ create VM \d+ on pve2$/),
    expect.stringMatching(/^→ start VM \d+$/),
  ]);
});

test('a new VM: every given setting appears as — → new, the password as ***', async () => {
  const run = await step(sim, { node: 'pve1', name: 'report-new', cipassword: PASSWORD, memory: '768', cleanup: 'always' });
  ok(run);
  const s = run.main.summary;
  expect(rows(s).state).toBe('absent → stopped');
  const set = settings(s);
  expect(set.memory).toEqual(['memory', '—', '`768`']);
  expect(set.name).toEqual(['name', '—', '`report-new`']);
  expect(set.cipassword).toEqual(['cipassword', '—', '`***`']);
  expect(visibleText(run)).not.toContain(PASSWORD);
});

test('nothing to change (the stored password cannot be compared, so it is not re-sent): changed no, no settings table', async () => {
  const run = await step(sim, { vmid: '600', state: 'started', update: 'true', memory: '2048', cipassword: PASSWORD }, { post: false });
  const out = ok(run);
  expect(out.changed).toBe('false');
  const r = rows(run.main.summary);
  expect(r.changed).toBe('no');
  expect(r.state).toBe('running → running');
  expect(settings(run.main.summary)).toEqual({});
  expect(run.main.stdout).toContain('cipassword is already set on the VM and PVE does not reveal it');
  expect(visibleText(run)).not.toContain(PASSWORD);
});
