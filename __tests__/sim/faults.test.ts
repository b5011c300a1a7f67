// Fault injection and realism knobs: injected 5xx answers that apply nothing, dropped connections, method
// selection, seeded reproducibility, latency, and held VM flocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { FaultInjector } from '../../sim/faults.js';
import { simRequest, simToken, type SimAuth } from '../support/sim-client.js';

let sim: Simulator;
let token: SimAuth;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
  token = simToken(sim);
});
afterAll(() => sim.close());

describe('injected errors', () => {
  it('answer reads with 5xx before any handler runs when errorRate is 1', async () => {
    sim.configure({ faults: { errorRate: 1, seed: 7 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await simRequest(sim, 'GET', '/version', { auth: token });
      statuses.add(res.status);
      if (res.status === 500) expect(res.json).toEqual({ data: null, message: 'Internal Server Error\n' });
      if (res.status === 503) expect([res.statusText, res.body]).toEqual(['Service Unavailable', '']);
    }
    expect([...statuses].sort()).toEqual([500, 503]);
    expect(sim.log[sim.log.length - 1]).toMatchObject({ fault: 'error', path: '/version' });
    sim.configure({ faults: {} });
    expect((await simRequest(sim, 'GET', '/version', { auth: token })).status).toBe(200);
  });

  it('leave writes alone by default and apply nothing when writes are selected', async () => {
    sim.configure({ faults: { errorRate: 1 } });
    expect((await simRequest(sim, 'POST', '/pools', { auth: token, params: { poolid: 'kept' } })).status).toBe(200);
    sim.configure({ faults: { errorRate: 1, methods: ['POST'], errorStatus: 596 } });
    const res = await simRequest(sim, 'POST', '/pools', { auth: token, params: { poolid: 'lost' } });
    expect([res.status, res.statusText]).toEqual([596, 'Connection timed out']);
    expect(sim.state.pools.has('lost')).toBe(false);
    expect((await simRequest(sim, 'GET', '/pools', { auth: token })).status).toBe(200);
    sim.configure({ faults: {} });
  });

  it('drop connections without an answer when dropRate is 1', async () => {
    sim.configure({ faults: { dropRate: 1 } });
    await expect(simRequest(sim, 'GET', '/version', { auth: token })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.log[sim.log.length - 1]).toMatchObject({ fault: 'drop', status: 0 });
    expect((await simRequest(sim, 'POST', '/pools', { auth: token, params: { poolid: 'ok2' } })).status).toBe(200);
    sim.configure({ faults: {} });
  });

  it('with maxInARow, clear after that many faults in a row on one method and path', () => {
    const f = new FaultInjector({ dropRate: 1, maxInARow: 2 });
    const seq = (path: string, n: number) => Array.from({ length: n }, () => f.beforeRequest('GET', path)?.kind ?? 'ok').join(',');
    expect(seq('/a', 6)).toBe('drop,drop,ok,drop,drop,ok');
    expect(seq('/b', 3)).toBe('drop,drop,ok'); // counted per path
    expect(f.beforeRequest('POST', '/a')).toBeUndefined(); // methods: GET only by default
  });

  it('are reproducible from a seed', () => {
    const decide = (seed: number) => {
      const f = new FaultInjector({ errorRate: 0.5, dropRate: 0.2, seed });
      return Array.from({ length: 40 }, () => f.beforeRequest('GET')?.kind ?? 'ok').join(',');
    };
    expect(decide(42)).toBe(decide(42));
    expect(decide(42)).not.toBe(decide(43));
    expect(decide(42)).toMatch(/drop/);
    expect(decide(42)).toMatch(/error/);
    expect(decide(42)).toMatch(/ok/);
  });
});

describe('latency', () => {
  it('adds fixed or ranged latency to every request', async () => {
    sim.configure({ latencyMs: 60 });
    let t0 = Date.now();
    await simRequest(sim, 'GET', '/version', { auth: token });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    sim.configure({ latencyMs: [30, 40] });
    t0 = Date.now();
    await simRequest(sim, 'GET', '/version', { auth: token });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(28);
    sim.configure({ latencyMs: undefined });
    const f = new FaultInjector({ seed: 1 });
    for (let i = 0; i < 20; i++) expect(f.latency([30, 40])).toSatisfy((ms: number) => ms >= 30 && ms <= 40);
  });
});

describe('holdLock', () => {
  it('holds the VM flock exclusively for the scaled time, then releases it', async () => {
    sim.configure({ faults: { holdLock: { vmid: 777, ms: 5000 } } });
    expect(sim.state.flocks.get(777)).toMatchObject({ exclusive: true, holders: 1 });
    await expect.poll(() => sim.state.flocks.has(777), { timeout: 60_000 }).toBe(false);
    sim.configure({ faults: {} });
  });

  it('with releaseAfterRefusals: lets go right after that many lock attempts gave up, and not before', async () => {
    sim.state.vms.set(778, {
      vmid: 778, node: 'pve1', config: { name: 'held', memory: '1024' }, pending: {}, pendingDelete: {}, snapshots: {},
      status: 'stopped', qmpstatus: 'stopped', createdAt: Date.now() - 3_600_000,
    });
    const put = (memory: string) => simRequest(sim, 'PUT', '/nodes/pve1/qemu/778/config', { auth: token, params: { memory } });
    try {
      sim.configure({ faults: { holdLock: { vmid: 778, releaseAfterRefusals: 2 } } });
      const refused = "can't lock file '/var/lock/qemu-server/lock-778.conf' - got timeout";
      expect((await put('2048')).statusText).toBe(refused);
      expect(sim.state.flocks.get(778)).toMatchObject({ exclusive: true, holders: 1 });
      expect((await put('2048')).statusText).toBe(refused);
      expect(sim.state.flocks.has(778)).toBe(false);
      expect((await put('2048')).status).toBe(200);
      expect(sim.state.vms.get(778)?.config.memory).toBe('2048');
    } finally {
      sim.configure({ faults: {} });
      sim.state.vms.delete(778);
    }
  });

  it('with neither ms nor releaseAfterRefusals: held until the fault set is replaced', async () => {
    sim.configure({ faults: { holdLock: { vmid: 779 } } });
    expect(sim.state.flocks.get(779)).toMatchObject({ exclusive: true, holders: 1 });
    sim.configure({ faults: { holdLock: { vmid: 780 } } });
    expect(sim.state.flocks.has(779)).toBe(false);
    expect(sim.state.flocks.get(780)).toMatchObject({ exclusive: true, holders: 1 });
    sim.configure({ faults: {} });
    expect(sim.state.flocks.has(780)).toBe(false);
  });

  it('applies at start too', async () => {
    const held = await startSimulator({ timeScale: 1, faults: { holdLock: { vmid: 100, ms: 60_000 } } });
    try {
      expect(held.state.flocks.get(100)).toMatchObject({ exclusive: true, holders: 1 });
    } finally {
      await held.close();
    }
  });
});

describe('holdTasks', () => {
  it('keeps tasks of the held types at their simulated work until the fault set is replaced', async () => {
    sim.configure({ faults: { holdTasks: ['qmstart'] } });
    try {
      const state = (upid: string) => sim.tasks().find((t) => t.upid === upid)?.status;
      const held = sim.startTask({ node: 'pve1', type: 'qmstart', id: '781', authid: 'root@pam', durationMs: 10, run: () => undefined });
      // A task of another type with twice the work: once it has ended, the held one is overdue.
      const free = sim.startTask({ node: 'pve1', type: 'qmstop', id: '782', authid: 'root@pam', durationMs: 20, run: () => undefined });
      await expect.poll(() => state(free), { timeout: 60_000 }).toBe('stopped');
      expect(state(held)).toBe('running');
      sim.configure({ faults: {} });
      await expect.poll(() => state(held), { timeout: 60_000 }).toBe('stopped');
    } finally {
      sim.configure({ faults: {} });
    }
  });
});

describe('lineUp', () => {
  it('holds the first `count` requests for a path until all of them are there; later ones pass', async () => {
    sim.configure({ faults: { lineUp: { path: '/version', count: 2 } } });
    try {
      const since = sim.log.length;
      const first = simRequest(sim, 'GET', '/version', { auth: token });
      const second = simRequest(sim, 'GET', '/version', { auth: token });
      expect((await Promise.all([first, second])).map((r) => r.status)).toEqual([200, 200]);
      const [a, b] = sim.log.slice(since).sort((x, y) => x.at - y.at);
      // The first was answered only once the second had arrived.
      expect(a.at + a.ms).toBeGreaterThanOrEqual(b.at);
      expect((await simRequest(sim, 'GET', '/version', { auth: token })).status).toBe(200);
    } finally {
      sim.configure({ faults: {} });
    }
  });
});
