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
    await expect.poll(() => sim.state.flocks.has(777), { timeout: 2000 }).toBe(false);
    sim.configure({ faults: {} });
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
