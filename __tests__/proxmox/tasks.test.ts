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
    // 700 ms: polls at ~300 and ~500 ms, the last with ~200 ms of budget left (a loaded machine still answers in time).
    const err = await waitForTask(client, UPID, { timeoutMs: 700, what: 'clone VM 9000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    const e = err as TaskTimeoutError;
    expect(e.upid).toBe(UPID);
    expect(e.logTail).toEqual(['trying to acquire lock...', 'still copying']);
    expect(e.message).toBe(
      `clone VM 9000 (PVE task qmcreate 100 on pve1) did not finish within 700 ms (timeout); it may still be running as ${UPID}\n` +
        'Last lines of the task log:\n  trying to acquire lock...\n  still copying',
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(700);
    // The task never ends, so ending at all is the timeout at work; the bound (far above what a loaded machine
    // needs for the 700 ms budget and the log read) only tells "at the limit" from "many times it".
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

  it('waits before the first poll and keeps a floor between polls', async () => {
    // The task ends at the 5th poll (an event, not a time): the gaps between polls are what the poller chose.
    // Timers never fire early, so the first poll comes at least 300 ms after the call and every gap is at least the
    // 200 ms floor (a poller without one would ask every few ms). A slow machine only makes gaps longer.
    const task = fakeTask({ doneAtPoll: (n) => n === 5 });
    const { client } = await setup(task);
    const called = Date.now();
    await waitForTask(client, UPID, { timeoutMs: 60_000 });
    expect(task.polls).toHaveLength(5);
    expect(task.polls[0] - called).toBeGreaterThanOrEqual(299);
    const gaps = task.polls.slice(1).map((t, i) => t - task.polls[i]);
    gaps.forEach((g, i) => expect(g, `gap ${i}: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(199));
    expect(task.logReads).toEqual([]);
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

describe('waitForTask on a task that logs progress (full clone)', () => {
  const CLONE = 'UPID:pve1:0003A2B1:00C1D2E3:66F1A2B3:qmclone:9000:root@pam!ci:';
  const progress = (pct: number) => `transferred ${pct / 10} GiB of 10.0 GiB (${pct.toFixed(2)}%)`;

  async function setupClone(task: FakeTask): Promise<ProxmoxClient> {
    const stub = await startStub({ tls: testPki().server, handler: taskRoutes(new Map([[CLONE, task]])) });
    const client = new ProxmoxClient(connectionTo(stub, { password: undefined, tokenId: TOKEN.tokenid, tokenSecret: TOKEN.secret }), {
      retry: { attempts: 4, baseDelayMs: 1 },
    });
    cleanups.push(() => stub.close(), () => client.close());
    return client;
  }

  /** A log that grows by one progress line per read (0, 25, 50, 75, 100 %), then ends with `end`. */
  function growing(end: string, extra: string[] = []): FakeTask {
    const task = fakeTask({ log: [] });
    const script = ['create full clone of drive scsi0 (local-lvm:base-9000-disk-0)', progress(0), progress(25), progress(50), progress(75), progress(100), ...extra, end];
    task.beforeLogRead = (read) => {
      // Two lines on the first read, one more on each later one.
      task.log.splice(0, task.log.length, ...script.slice(0, Math.min(script.length, read + 1)));
    };
    return task;
  }

  it('follows the log incrementally and ends on its TASK OK line, without a status poll', async () => {
    const task = growing('TASK OK');
    const client = await setupClone(task);
    const result = await waitForTask(client, CLONE, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ exitstatus: 'OK', warnings: 0, logTail: [], type: 'qmclone', id: '9000' });
    expect(task.polls).toEqual([]);
    // Each read starts where the last one ended: no line is read twice.
    const starts = task.logReads.map(([start]) => start);
    expect(starts[0]).toBe(0);
    starts.slice(1).forEach((s, i) => expect(s).toBeGreaterThanOrEqual(starts[i]));
    expect(starts[starts.length - 1]).toBeLessThan(task.log.length);
  });

  it('fails with the exit status and tail of the log it followed, without reading it again', async () => {
    const task = growing("TASK ERROR: clone failed: storage 'thick' does not exist");
    const client = await setupClone(task);
    const err = (await waitForTask(client, CLONE, { timeoutMs: 60_000, what: 'clone VM 9000' }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err.exitstatus).toBe("clone failed: storage 'thick' does not exist");
    expect(err.logTail).toEqual(task.log.slice(-10));
    expect(err.message).toContain("clone VM 9000 (PVE task qmclone 9000 on pve1) failed: clone failed: storage 'thick' does not exist");
    expect(task.polls).toEqual([]);
    expect(task.logReads.every(([start], i) => i === 0 || start > 0)).toBe(true);
  });

  it('passes WARN lines on from the followed log', async () => {
    const task = growing('TASK WARNINGS: 1', ['WARN: discarding pending changes']);
    const client = await setupClone(task);
    const warned: string[] = [];
    const result = await waitForTask(client, CLONE, { timeoutMs: 60_000, onWarning: (m) => warned.push(m) });
    expect(result).toMatchObject({ exitstatus: 'WARNINGS: 1', warnings: 1 });
    expect(warned).toEqual(['discarding pending changes']);
  });

  it('takes an empty log for what PVE answers ("no content") and keeps reading from the start', async () => {
    const task = fakeTask({ log: [] });
    task.beforeLogRead = (read) => {
      if (read >= 3) task.log.splice(0, task.log.length, 'create linked clone of drive scsi0 (local-lvm:base-9000-disk-0)', 'TASK OK');
    };
    const client = await setupClone(task);
    await expect(waitForTask(client, CLONE, { timeoutMs: 60_000 })).resolves.toMatchObject({ exitstatus: 'OK' });
    expect(task.logReads.map(([start]) => start)).toEqual([0, 0, 0]);
  });

  it('times out like any task when the log never ends', async () => {
    const task = fakeTask({ log: ['create full clone of drive scsi0 (local-lvm:base-9000-disk-0)', progress(0)] });
    const client = await setupClone(task);
    const err = (await waitForTask(client, CLONE, { timeoutMs: 800 }).catch((e: unknown) => e)) as TaskTimeoutError;
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err.logTail).toEqual(task.log);
  });
});
