// waitForTask and parseUpid against scripted task endpoints: OK, warnings, failure with the log tail, timeout,
// abort, growing poll intervals, transient poll errors.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxClient } from '../../src/proxmox/client.js';
import { PveApiError } from '../../src/proxmox/errors.js';
import { TaskFailedError, TaskTimeoutError, parseUpid, waitForTask } from '../../src/proxmox/tasks.js';
import { testPki } from './support/certs.js';
import { TOKEN } from './support/fake-auth.js';
import { fakeTask, taskRoutes, type FakeTask } from './support/fake-tasks.js';
import { bare, connectionTo, startStub, type Stub } from './support/stub.js';

const UPID = 'UPID:pve1:0003A2B1:00C1D2E3:66F1A2B3:qmcreate:100:root@pam!ci:';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(() => void testPki());

async function setup(task: FakeTask, attempts = 4): Promise<{ stub: Stub; client: ProxmoxClient }> {
  const stub = await startStub({ tls: testPki().server, handler: taskRoutes(new Map([[UPID, task]])) });
  const client = new ProxmoxClient(
    connectionTo(stub, { password: undefined, tokenId: TOKEN.tokenid, tokenSecret: TOKEN.secret }),
    { retry: { attempts, baseDelayMs: 1 } },
  );
  cleanups.push(() => stub.close(), () => client.close());
  return { stub, client };
}

const numbered = (count: number, from = 1): string[] => Array.from({ length: count }, (_, i) => `line ${from + i}`);

describe('parseUpid', () => {
  it('decodes every field, hex included', () => {
    expect(parseUpid(UPID)).toEqual({
      node: 'pve1',
      pid: 0x3a2b1,
      pstart: 0xc1d2e3,
      starttime: 0x66f1a2b3,
      type: 'qmcreate',
      id: '100',
      user: 'root@pam!ci',
    });
  });

  it('accepts a 9-digit pstart and an empty id', () => {
    expect(parseUpid('UPID:node-2:00001234:1C1D2E3F4:66F1A2B3:vzdump::root@pam:')).toMatchObject({ node: 'node-2', pstart: 0x1c1d2e3f4, id: '', type: 'vzdump' });
  });

  it('refuses what is not a UPID', () => {
    expect(() => parseUpid('UPID:pve1:xyz')).toThrow('not a PVE task id (UPID): "UPID:pve1:xyz"');
    expect(() => parseUpid('100')).toThrow(/not a PVE task id/);
  });
});

describe('waitForTask', () => {
  it('returns when the task ends OK, without reading the log', async () => {
    const task = fakeTask({ doneAtPoll: (n) => n === 3, exitstatus: 'OK' });
    const { client } = await setup(task);
    const result = await waitForTask(client, UPID, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ upid: UPID, node: 'pve1', type: 'qmcreate', id: '100', exitstatus: 'OK', warnings: 0, logTail: [] });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(task.polls).toHaveLength(3);
    expect(task.logReads).toEqual([]);
  });

  it('passes WARN lines on and counts the warnings', async () => {
    const log = ['starting', 'WARN: no efidisk configured! Using temporary efivars disk.', 'middle', 'WARN: second problem', 'TASK WARNINGS: 2'];
    const task = fakeTask({ doneAtPoll: () => true, exitstatus: 'WARNINGS: 2', log });
    const { client } = await setup(task);
    const warnings: string[] = [];
    const result = await waitForTask(client, UPID, { timeoutMs: 10_000, onWarning: (m) => warnings.push(m) });
    expect(result).toMatchObject({ exitstatus: 'WARNINGS: 2', warnings: 2, logTail: log });
    expect(warnings).toEqual(['no efidisk configured! Using temporary efivars disk.', 'second problem']);
  });

  it('fails at once with the PVE error and the last log lines', async () => {
    const exitstatus = "unable to create VM 100 - disk 'local-lvm:vm-100-disk-0' already exists";
    const log = [...numbered(14), `TASK ERROR: ${exitstatus}`];
    const task = fakeTask({ doneAtPoll: () => true, exitstatus, log });
    const { client } = await setup(task);
    const err = await waitForTask(client, UPID, { timeoutMs: 10_000, what: 'create VM 100' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    const e = err as TaskFailedError;
    expect(e.upid).toBe(UPID);
    expect(e.exitstatus).toBe(exitstatus);
    expect(e.logTail).toEqual([...numbered(9, 6), `TASK ERROR: ${exitstatus}`]);
    expect(e.message).toBe(
      `create VM 100 (PVE task qmcreate 100 on pve1) failed: ${exitstatus}\nLast lines of the task log:\n` +
        e.logTail.map((l) => `  ${l}`).join('\n'),
    );
    expect(task.polls).toHaveLength(1);
  });

  it('names the task by type and id when no label is given, and reads long logs page by page', async () => {
    const task = fakeTask({ doneAtPoll: () => true, exitstatus: 'command failed', log: numbered(1200) });
    const { client } = await setup(task);
    const err = (await waitForTask(client, UPID, { timeoutMs: 10_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err.message).toMatch(/^PVE task qmcreate 100 on pve1 failed: command failed\n/);
    expect(err.logTail).toEqual(numbered(10, 1191));
    expect(task.logReads).toEqual([[0, 500], [500, 500], [1000, 500]]);
  });

  it('times out with the task, the limit and the last log lines', async () => {
    const task = fakeTask({ log: ['trying to acquire lock...', 'still copying'] });
    const { client } = await setup(task);
    const started = Date.now();
    const err = await waitForTask(client, UPID, { timeoutMs: 400, what: 'clone VM 9000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    const e = err as TaskTimeoutError;
    expect(e.upid).toBe(UPID);
    expect(e.logTail).toEqual(['trying to acquire lock...', 'still copying']);
    expect(e.message).toBe(
      `clone VM 9000 (PVE task qmcreate 100 on pve1) did not finish within 400 ms (timeout); it may still be running as ${UPID}\n` +
        'Last lines of the task log:\n  trying to acquire lock...\n  still copying',
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    // The task never ends, so ending at all is the timeout at work; the bound (far above what a loaded machine
    // needs for the 400 ms budget and the log read) only tells "at the limit" from "many times it".
    expect(elapsed).toBeLessThan(10_000);
  });

  it('stops when aborted', async () => {
    const task = fakeTask();
    const { stub, client } = await setup(task);
    const controller = new AbortController();
    const pending = waitForTask(client, UPID, { timeoutMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    await stub.waitFor(() => task.polls.length >= 2);
    controller.abort();
    const err = (await pending) as Error;
    expect(err.name).toBe('AbortError');
    const pollsAtAbort = task.polls.length;
    expect(pollsAtAbort).toBeLessThanOrEqual(3);
  });

  it('polls at growing intervals', async () => {
    // The task ends at the 7th poll (an event, not a time): the gaps between polls are what the poller chose.
    // Timers never fire early, so every gap is at least its interval: 50 ms growing by 1.5x (fixed 50 ms polling
    // would have gaps of ~50 ms all along). A slow machine only makes gaps longer.
    const task = fakeTask({ doneAtPoll: (n) => n === 7 });
    const { client } = await setup(task);
    await waitForTask(client, UPID, { timeoutMs: 60_000 });
    expect(task.polls).toHaveLength(7);
    const gaps = task.polls.slice(1).map((t, i) => t - task.polls[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(49);
    // the 5th wait is at least 50 * 1.5^4 = 253 ms
    expect(gaps[4]).toBeGreaterThanOrEqual(250);
    gaps.forEach((g, i) => expect(g, `gap ${i}: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(Math.floor(49 * 1.5 ** i)));
  });

  it('rides out transient poll errors inside the budget', async () => {
    const task = fakeTask({
      doneAtPoll: () => true,
      statusOverrides: [bare(503, 'Service Unavailable'), bare(596, 'Connection timed out')],
    });
    const { client } = await setup(task, 1);
    await expect(waitForTask(client, UPID, { timeoutMs: 10_000 })).resolves.toMatchObject({ exitstatus: 'OK' });
    expect(task.polls).toHaveLength(3);
  });

  it('reports a lasting poll failure when the time runs out', async () => {
    const task = fakeTask({ statusOverrides: Array(100).fill(bare(503, 'Service Unavailable')) });
    const { client } = await setup(task, 1);
    const err = (await waitForTask(client, UPID, { timeoutMs: 1500 }).catch((e: unknown) => e)) as TaskTimeoutError;
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err.message).toContain('\nLast status poll failed: PVE 503 on GET /nodes/pve1/tasks/');
  });

  it('throws a real PVE error at once', async () => {
    const { client } = await setup(fakeTask());
    const other = 'UPID:pve1:0003A2B1:00C1D2E3:66F1A2B3:qmstart:101:root@pam:';
    const err = (await waitForTask(client, other, { timeoutMs: 10_000 }).catch((e: unknown) => e)) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.message).toBe(`PVE 400 on GET /nodes/pve1/tasks/${other}/status: Parameter verification failed.\n  upid: no such task`);
  });
});
