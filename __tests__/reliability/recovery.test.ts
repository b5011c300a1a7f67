// Recovery and clean failure: a ticket that expires in the middle of a long task wait is renewed transparently;
// a failing task fails the step at the next poll with its log; a lock held past `timeout` fails clearly and
// changes nothing.
import { registerSecret } from './leak-guard.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RequestLogEntry, Simulator } from '../../sim/index.js';
import { conn, exampleSim } from '../integration/helpers.js';
import { runAction, type ActionRun } from '../../tools/runner/index.js';
import { ACTION_DIR, describeLog, errorText, isMutation, printFigures, transcript } from './support.js';

const TIME_SCALE = 0.02;
let sim: Simulator;
const figures: Record<string, string | number> = {};

beforeAll(async () => {
  sim = await exampleSim({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  printFigures('recovery', figures);
  await sim?.close();
});

async function act(inputs: Record<string, string>, debug = false): Promise<ActionRun> {
  return runAction({ inputs: { ...conn(sim, 'password'), ...inputs }, debug, timeoutMs: 120_000, actionDir: ACTION_DIR });
}

function ok(run: ActionRun): Record<string, string> {
  expect(run.main.exitCode, transcript(run)).toBe(0);
  return run.main.outputs;
}

/** Creates a stopped VM through the action and returns its vmid. */
async function vmNamed(name: string, extra: Record<string, string> = {}): Promise<number> {
  const out = ok(await act({ node: 'sabrewulf', name, ...extra }));
  return Number(out.vmid);
}

const isLogin = (e: RequestLogEntry) => e.method === 'POST' && e.path === '/access/ticket';

describe('ticket expiry in the middle of a run', () => {
  test('a ticket that expires during a slow full clone is renewed and the step succeeds', async () => {
    await vmNamed('golden', { scsi: 'scsi0: local-lvm:2', net: 'net0: virtio,bridge=vmbr0' });
    // The clone task takes 5 s; a ticket lives 1-2 s (PVE's check is in whole seconds).
    sim.configure({ durations: { qmclone_full: 5000 / TIME_SCALE }, ticketLifetimeSec: 1 });
    const cipassword = `ci-${randomBytes(12).toString('hex')}`;
    registerSecret(cipassword);
    const since = sim.log.length;
    const started = performance.now();
    try {
      const run = await act(
        { clone: 'golden', name: 'golden-copy', node: 'sabrewulf', full: 'true', timeout: '60', ciuser: 'ci', cipassword },
        true,
      );
      const out = ok(run);
      const vm = sim.state.vms.get(Number(out.vmid));
      expect(vm?.config.name).toBe('golden-copy');
      expect(vm?.config.ciuser).toBe('ci');

      const log = sim.log.slice(since);
      const logins = log.filter((e) => isLogin(e) && e.status === 200);
      const refused = log.filter((e) => !isLogin(e) && e.status === 401);
      // The evidence of a transparent renewal: a request was refused, a fresh login followed, and the same
      // request then went through.
      expect(refused.length, describeLog(log)).toBeGreaterThan(0);
      const first = refused[0];
      const after = log.slice(log.indexOf(first) + 1);
      expect(after.findIndex((e) => isLogin(e) && e.status === 200), describeLog(log)).toBeGreaterThanOrEqual(0);
      expect(after.some((e) => e.method === first.method && e.path === first.path && e.status === 200), describeLog(log)).toBe(true);
      figures['ticket expiry: logins during the clone step'] = logins.length;
      figures['ticket expiry: requests refused with 401 and re-sent'] = refused.length;
      figures['ticket expiry: step time'] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    } finally {
      sim.configure({ durations: { qmclone_full: 3000 }, ticketLifetimeSec: 7200 });
    }
  }, 120_000);
});

describe('a failing task', () => {
  test('fails the step at the next status poll, with the last lines of the task log in the error', async () => {
    const vmid = await vmNamed('doomed');
    const message = 'start failed: QEMU exited with code 1';
    // The simulator fails an injected task as soon as it is forked, so "the next poll" is the first one.
    sim.configure({ faults: { failTask: { type: 'qmstart', message } } });
    const since = sim.log.length;
    try {
      const run = await act({ name: 'doomed', state: 'started', timeout: '300' });
      expect(run.main.exitCode).not.toBe(0);
      const error = errorText(run);
      expect(error).toContain(message);
      // The tail of the task log (PVE's final line), not only the exit status.
      expect(error).toContain(`TASK ERROR: ${message}`);
      expect(error).toMatch(new RegExp(`\\b${vmid}\\b`));

      const log = sim.log.slice(since);
      const start = log.find((e) => e.method === 'POST' && e.path.endsWith(`/qemu/${vmid}/status/start`));
      expect(start, describeLog(log)).toBeDefined();
      // Nothing is retried after a task failure: the start was the only change.
      expect(log.filter(isMutation)).toEqual([start]);
      const task = sim.tasks().find((t) => t.type === 'qmstart' && t.id === String(vmid))!;
      expect(task.exitstatus).toBe(message);
      const polls = log.filter((e) => e.method === 'GET' && e.path.endsWith(`${task.upid}/status`));
      // The verdict is the first poll answered after the task stopped: the poller stops there, and every earlier
      // poll arrived while the task was still running (on a loaded machine the task may outlast the first poll).
      const endedAt = task.endedAt!;
      expect(endedAt, 'the simulator records when the task stopped').toBeGreaterThan(0);
      const verdict = polls[polls.length - 1];
      expect(verdict, describeLog(log)).toBeDefined();
      expect(verdict.at + verdict.ms, describeLog(log)).toBeGreaterThanOrEqual(endedAt);
      // (≤: the clocks have millisecond resolution, and a poll may arrive in the very millisecond the task stops.)
      expect(polls.slice(0, -1).every((p) => p.at <= endedAt), describeLog(log)).toBe(true);
      // No waiting for `timeout` (300 s): the verdict is the first poll after the task's end (above), and the poll
      // interval (≤ 500 ms) is nowhere near `timeout`. The bounds are far above what a loaded machine needs and far
      // below `timeout`, so only a poller that waits for something else than the task could break them.
      expect(verdict.at - endedAt).toBeLessThan(10_000);
      expect(run.main.durationMs).toBeLessThan(30_000);
      expect(sim.state.vms.get(vmid)?.status).toBe('stopped');
      figures['failing task: status polls until the verdict'] = polls.length;
      figures['failing task: step time (timeout 300 s)'] = `${(run.main.durationMs / 1000).toFixed(1)} s`;
    } finally {
      sim.configure({ faults: {} });
    }
  });
});

describe('a lock held longer than timeout', () => {
  test('fails with a clear error naming the lock, and the VM config is unchanged', async () => {
    const vmid = await vmNamed('locked', { cores: '1', memory: '1024' });
    const before = { ...sim.state.vms.get(vmid)!.config };
    // Someone else (a backup, a migration) holds the VM's lock until this step is over; our timeout is 2 s.
    sim.configure({ faults: { holdLock: { vmid } } });
    const since = sim.log.length;
    let run: ActionRun;
    try {
      run = await act({ name: 'locked', update: 'true', cores: '4', memory: '2048', timeout: '2' });
      // The step ended while the lock was still held: it gave up by itself.
      expect(sim.state.flocks.get(vmid)).toMatchObject({ exclusive: true, holders: 1 });
    } finally {
      sim.configure({ faults: {} });
    }

    expect(run.main.exitCode, transcript(run)).not.toBe(0);
    const error = errorText(run);
    expect(error).toMatch(/lock/i);
    expect(error).toMatch(new RegExp(`\\b${vmid}\\b`));
    // Bounded by timeout (2 s), not by the lock: far above what a loaded machine needs (process start-up and
    // backoff rounding included), far below the test's time limit.
    expect(run.main.durationMs).toBeLessThan(30_000);
    const vm = sim.state.vms.get(vmid)!;
    expect(vm.config).toEqual(before);
    expect(vm.pending).toEqual({});
    figures['held lock: step time'] = `${(run.main.durationMs / 1000).toFixed(1)} s`;
    figures['held lock: config change attempts'] = sim.log.slice(since).filter(isMutation).length;
  });
});
