// Worker tasks: UPID format, running -> stopped transitions, exit statuses, logs, injected failures and the
// /nodes/{node}/tasks endpoints with their errors and access rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DURATIONS, PveError, paramError, startSimulator, type Durations, type Simulator, type TaskHandle } from '../../sim/index.js';
import { seededRandom } from '../../sim/faults.js';
import { SimTaskManager, decodeUpid, encodeUpid, seedFor } from '../../sim/tasks.js';
import { simLogin, simRequest, simToken, simWaitTask, type SimAuth } from '../support/sim-client.js';

let sim: Simulator;
let token: SimAuth;

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0.01,
    users: [
      { userid: 'root@pam', password: 'root-pw' },
      { userid: 'ops@pve', password: 'ops-pw', privs: ['VM.Audit'] },
    ],
  });
  token = simToken(sim);
});
afterAll(() => sim.close());

const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const statusOf = (upid: string, auth: SimAuth = token) =>
  simRequest(sim, 'GET', `/nodes/${upid.split(':')[1]}/tasks/${encodeURIComponent(upid)}/status`, { auth });
const logOf = (upid: string, params: Record<string, number> = {}, auth: SimAuth = token) =>
  simRequest(sim, 'GET', `/nodes/${upid.split(':')[1]}/tasks/${encodeURIComponent(upid)}/log`, { auth, params });

describe('UPIDs', () => {
  it('have PVE\'s format with upper-case hex and a trailing colon', () => {
    const upid = sim.startTask({ node: 'pve1', type: 'qmstart', id: '100', authid: 'root@pam', durationMs: 0, run: () => undefined });
    expect(upid).toMatch(UPID_RE);
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:100:root@pam:$/);
    const d = decodeUpid(upid)!;
    expect(d).toMatchObject({ node: 'pve1', type: 'qmstart', id: '100', user: 'root@pam' });
    expect(Math.abs(d.starttime - Date.now() / 1000)).toBeLessThan(5);
    expect(encodeUpid({ ...d, authid: d.user })).toBe(upid);
  });

  it('allow an empty id and token authids', () => {
    const upid = sim.startTask({ node: 'pve2', type: 'vzdump', id: '', authid: 'root@pam!ci', durationMs: 0, run: () => undefined });
    expect(upid).toMatch(/^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzdump::root@pam!ci:$/);
    expect(decodeUpid('UPID:pve1:zz:00:00:qmstart:1:root@pam:')).toBeUndefined();
  });
});

describe('status and log', () => {
  it('report running without exitstatus, then stopped with OK and the TASK OK line', async () => {
    const gate = deferred();
    const upid = sim.startTask({
      node: 'pve1', type: 'qmstart', id: '100', authid: 'root@pam', durationMs: 0,
      run: async (t: TaskHandle) => {
        t.log('starting VM 100');
        await gate.promise;
        t.log('done');
      },
    });
    await expect.poll(async () => (await logOf(upid)).json.data[0].t, { timeout: 60_000 }).toBe('starting VM 100');
    const running = await statusOf(upid);
    expect(running.json.data).toMatchObject({ upid, node: 'pve1', type: 'qmstart', id: '100', user: 'root@pam', status: 'running' });
    expect(running.json.data).not.toHaveProperty('exitstatus');
    expect(typeof running.json.data.pid).toBe('number');
    gate.resolve();
    const stopped = await simWaitTask(sim, token, upid);
    expect(stopped.exitstatus).toBe('OK');
    const log = await logOf(upid);
    expect(log.json).toEqual({
      data: [
        { n: 1, t: 'starting VM 100' },
        { n: 2, t: 'done' },
        { n: 3, t: 'TASK OK' },
      ],
      total: 3,
    });
  });

  // pve-common RESTEnvironment.pm: only log_warn counts toward `TASK WARNINGS: n`; a plain Perl warn is a log line.
  it('count log_warn lines as WARNINGS: n', async () => {
    const upid = sim.startTask({
      node: 'pve1', type: 'qmshutdown', id: '100', authid: 'root@pam', durationMs: 0,
      run: (t) => {
        t.logWarn('guest did not answer');
        t.warn('VM still running - terminating now with SIGTERM');
        t.logWarn('forced stop');
      },
    });
    expect((await simWaitTask(sim, token, upid)).exitstatus).toBe('WARNINGS: 2');
    const lines = (await logOf(upid)).json.data.map((l: { t: string }) => l.t);
    expect(lines).toEqual(['WARN: guest did not answer', 'VM still running - terminating now with SIGTERM', 'WARN: forced stop', 'TASK WARNINGS: 2']);
  });

  it('end OK after plain warns, which are logged as they are', async () => {
    const upid = sim.startTask({
      node: 'pve1', type: 'qmconfig', id: '100', authid: 'root@pam', durationMs: 0,
      run: (t) => t.warn("cannot delete 'serial0' - not set in current configuration!"),
    });
    expect((await simWaitTask(sim, token, upid)).exitstatus).toBe('OK');
    const lines = (await logOf(upid)).json.data.map((l: { t: string }) => l.t);
    expect(lines).toEqual(["cannot delete 'serial0' - not set in current configuration!", 'TASK OK']);
  });

  it('turn thrown errors into exit statuses with newlines as spaces', async () => {
    const plain = sim.startTask({
      node: 'pve1', type: 'qmstart', id: '101', authid: 'root@pam', durationMs: 0,
      run: () => {
        throw new Error('first line\nsecond line\n');
      },
    });
    expect((await simWaitTask(sim, token, plain)).exitstatus).toBe('first line second line');
    expect((await logOf(plain)).json.data.at(-1).t).toBe('TASK ERROR: first line second line');

    const param = sim.startTask({
      node: 'pve1', type: 'qmconfig', id: '101', authid: 'root@pam', durationMs: 0,
      run: () => {
        throw paramError({ net0: 'hotplug problem - no bridge' });
      },
    });
    expect((await simWaitTask(sim, token, param)).exitstatus).toBe('400 Parameter verification failed. net0: hotplug problem - no bridge');

    const died = sim.startTask({
      node: 'pve1', type: 'qmstart', id: '999', authid: 'root@pam', durationMs: 0,
      run: () => {
        throw new PveError(500, "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist");
      },
    });
    expect((await simWaitTask(sim, token, died)).exitstatus).toBe("Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist");
  });

  it('pages the log with start/limit and says "no content" for an empty log', async () => {
    const gate = deferred();
    const quiet = sim.startTask({ node: 'pve1', type: 'qmstop', id: '5', authid: 'root@pam', durationMs: 0, run: () => gate.promise });
    expect((await logOf(quiet)).json).toEqual({ data: [{ n: 1, t: 'no content' }], total: 1 });
    gate.resolve();
    const chatty = sim.startTask({
      node: 'pve1', type: 'qmcreate', id: '5', authid: 'root@pam', durationMs: 0,
      run: (t) => {
        for (let i = 1; i <= 5; i++) t.log(`line ${i}`);
      },
    });
    await simWaitTask(sim, token, chatty);
    expect((await logOf(chatty, { start: 2, limit: 2 })).json).toEqual({ data: [{ n: 3, t: 'line 3' }, { n: 4, t: 'line 4' }], total: 6 });
    expect((await logOf(chatty, { start: 4, limit: 0 })).json.data.map((l: { n: number }) => l.n)).toEqual([5, 6]);
  });

  it('scale the default durations by timeScale', async () => {
    // 100 s of simulated work is 1 s at this time scale: time enough to see it running over the API, and far
    // from the unscaled 100 s.
    sim.configure({ durations: { qmdestroy: 100_000 } });
    const t0 = Date.now();
    const upid = sim.startTask({ node: 'pve1', type: 'qmdestroy', id: '7', authid: 'root@pam', run: () => undefined });
    expect((await statusOf(upid)).json.data.status).toBe('running');
    await simWaitTask(sim, token, upid, 60_000);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(50_000);
  });

  it('split a token authid into user and tokenid', async () => {
    const upid = sim.startTask({ node: 'pve1', type: 'qmstart', id: '8', authid: 'root@pam!ci', durationMs: 0, run: () => undefined });
    const data = await simWaitTask(sim, token, upid);
    expect(data).toMatchObject({ user: 'root@pam', tokenid: 'ci', status: 'stopped', exitstatus: 'OK' });
  });
});

describe('errors and access', () => {
  it('answer malformed, unknown and other-node UPIDs with PVE\'s 400s', async () => {
    const bad = await simRequest(sim, 'GET', '/nodes/pve1/tasks/garbage/status', { auth: token });
    expect([bad.status, bad.statusText]).toEqual([400, 'Parameter verification failed.']);
    expect(bad.json.errors).toEqual({ upid: 'unable to parse worker upid' });
    const unknown = 'UPID:pve1:00001234:00ABCDEF:66F1A2B3:qmstart:100:root@pam:';
    expect((await statusOf(unknown)).json.errors).toEqual({ upid: 'no such task' });
    const upid = sim.startTask({ node: 'pve1', type: 'qmstart', id: '9', authid: 'root@pam', durationMs: 0, run: () => undefined });
    const elsewhere = await simRequest(sim, 'GET', `/nodes/pve2/tasks/${encodeURIComponent(upid)}/log`, { auth: token });
    expect(elsewhere.json.errors).toEqual({ upid: 'no such task' });
  });

  it('let owners read their tasks and need Sys.Audit for others\'', async () => {
    const ops = await simLogin(sim, 'ops@pve', 'ops-pw');
    const own = sim.startTask({ node: 'pve1', type: 'qmstart', id: '10', authid: 'ops@pve', durationMs: 0, run: () => undefined });
    const foreign = sim.startTask({ node: 'pve1', type: 'qmstart', id: '11', authid: 'root@pam', durationMs: 0, run: () => undefined });
    await sim.waitForTasks();
    expect((await statusOf(own, ops.auth)).status).toBe(200);
    const denied = await statusOf(foreign, ops.auth);
    expect([denied.status, denied.statusText]).toEqual([403, 'Permission check failed (/nodes/pve1, Sys.Audit)']);
    const list = await simRequest(sim, 'GET', '/nodes/pve1/tasks', { auth: ops.auth });
    expect(list.json.data.map((t: { upid: string }) => t.upid)).toEqual([own]);
  });
});

describe('GET /nodes/{node}/tasks', () => {
  it('lists finished tasks newest first with filters and a total', async () => {
    const fresh = await startSimulator({ timeScale: 0.01 });
    try {
      const auth = simToken(fresh);
      const gate = deferred();
      const a = fresh.startTask({ node: 'pve1', type: 'qmcreate', id: '200', authid: 'root@pam', durationMs: 0, run: () => undefined });
      const b = fresh.startTask({ node: 'pve1', type: 'qmstart', id: '200', authid: 'root@pam!ci', durationMs: 0, run: () => { throw new Error('boom'); } });
      const c = fresh.startTask({ node: 'pve1', type: 'qmstart', id: '201', authid: 'root@pam', durationMs: 0, run: () => gate.promise });
      fresh.startTask({ node: 'pve2', type: 'qmstart', id: '300', authid: 'root@pam', durationMs: 0, run: () => undefined });
      await expect.poll(() => fresh.tasks().filter((t) => t.status === 'stopped').length, { timeout: 60_000 }).toBe(3);
      const list = async (params: Record<string, string | number> = {}) =>
        (await simRequest(fresh, 'GET', '/nodes/pve1/tasks', { auth, params })).json;
      const all = await list();
      expect(all.total).toBe(2);
      expect(all.data.map((t: { upid: string }) => t.upid)).toEqual([b, a]);
      expect(all.data[0]).toMatchObject({ status: 'boom', user: 'root@pam!ci', type: 'qmstart', id: '200', node: 'pve1' });
      expect(all.data[1]).toMatchObject({ status: 'OK', endtime: expect.any(Number) });
      expect((await list({ source: 'active' })).data.map((t: { upid: string }) => t.upid)).toEqual([c]);
      expect((await list({ source: 'all' })).total).toBe(3);
      expect((await list({ errors: 1 })).data.map((t: { upid: string }) => t.upid)).toEqual([b]);
      expect((await list({ typefilter: 'qmcreate' })).data.map((t: { upid: string }) => t.upid)).toEqual([a]);
      expect((await list({ vmid: 201, source: 'all' })).data.map((t: { upid: string }) => t.upid)).toEqual([c]);
      expect((await list({ userfilter: '!ci' })).total).toBe(1);
      expect((await list({ statusfilter: 'ok' })).data.map((t: { upid: string }) => t.upid)).toEqual([a]);
      const page = await list({ limit: 1, start: 1 });
      expect([page.total, page.data.length, page.data[0].upid]).toEqual([2, 1, a]);
      gate.resolve();
      await fresh.waitForTasks();
      expect(fresh.tasks().find((t) => t.upid === c)).toMatchObject({ status: 'stopped', exitstatus: 'OK', log: ['TASK OK'] });
    } finally {
      await fresh.close();
    }
  });
});

describe('failTask', () => {
  it('fails the next matching task instead of running it, and only that many times', async () => {
    let ran = 0;
    let rolledBack = 0;
    const spec = (id: string) => ({
      node: 'pve1', type: 'qmclone', id, authid: 'root@pam', durationMs: 0,
      run: () => {
        ran += 1;
      },
      rollback: () => {
        rolledBack += 1;
      },
    });
    sim.configure({ faults: { failTask: { type: 'qmclone', id: '9000', message: 'clone failed: storage full' } } });
    const other = sim.startTask(spec('9001'));
    const hit = sim.startTask(spec('9000'));
    const again = sim.startTask(spec('9000'));
    expect((await simWaitTask(sim, token, other)).exitstatus).toBe('OK');
    expect((await simWaitTask(sim, token, hit)).exitstatus).toBe('clone failed: storage full');
    expect((await simWaitTask(sim, token, again)).exitstatus).toBe('OK');
    expect((await logOf(hit)).json.data.at(-1).t).toBe('TASK ERROR: clone failed: storage full');
    expect([ran, rolledBack]).toEqual([2, 1]);

    sim.configure({ faults: { failTask: { type: 'qmstart', message: 'start failed', times: 2 } } });
    const results = [];
    for (let i = 0; i < 3; i++) {
      const upid = sim.startTask({ node: 'pve1', type: 'qmstart', id: String(400 + i), authid: 'root@pam', durationMs: 0, run: () => undefined });
      results.push((await simWaitTask(sim, token, upid)).exitstatus);
    }
    expect(results).toEqual(['start failed', 'start failed', 'OK']);
    sim.configure({ faults: {} });
  });
});

describe('duration jitter (durations.durationJitter, seeded)', () => {
  // The task manager alone, its sleep replaced by a recorder: the simulated work it asks for, no timers, no clock.
  async function workPeriods(durations: Partial<Durations>, seed: number, count: number): Promise<number[]> {
    const mgr = new SimTaskManager({
      durations: { ...DEFAULT_DURATIONS, ...durations },
      timeScale: () => 1,
      injectedFailure: () => undefined,
      random: (key) => seededRandom(seedFor(seed, key))(),
    });
    const asked: number[] = [];
    mgr.sleep = (ms: number) => {
      asked.push(ms);
      return Promise.resolve();
    };
    for (let i = 0; i < count; i++) {
      // Two work periods per task: the duration before `run`, and a sleep inside it (like a clone's per-disk step).
      mgr.start({ node: 'pve1', type: 'qmstart', id: String(100 + i), authid: 'root@pam', durationMs: 1000, run: (t) => t.sleep(400) });
      await mgr.idle();
    }
    mgr.close();
    return asked;
  }

  it('stay exact without jitter', async () => {
    const asked = await workPeriods({}, 1, 20);
    expect(asked).toEqual(Array.from({ length: 20 }, () => [1000, 400]).flat());
  });

  it('vary within [1 - j, 1 + j] of the nominal duration, one factor per task, the same for the same seed', async () => {
    const asked = await workPeriods({ durationJitter: 0.5 }, 42, 50);
    const before = asked.filter((_, i) => i % 2 === 0);
    const inside = asked.filter((_, i) => i % 2 === 1);
    for (const ms of before) expect(ms >= 500 && ms <= 1500).toBe(true);
    // The task's second period scales by the same factor as its first.
    inside.forEach((ms, i) => expect(ms / 400).toBeCloseTo(before[i] / 1000, 9));
    // Spread over the range, not stuck at one value.
    expect(Math.min(...before)).toBeLessThan(800);
    expect(Math.max(...before)).toBeGreaterThan(1200);
    expect(await workPeriods({ durationJitter: 0.5 }, 42, 50)).toEqual(asked);
    expect(await workPeriods({ durationJitter: 0.5 }, 43, 50)).not.toEqual(asked);
  });
});
