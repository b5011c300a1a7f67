// The client and task poller against the PVE simulator over real HTTPS: ticket and token auth, TLS with the
// simulator's CA and fingerprint, PVE errors, tasks with every outcome, and reads surviving injected faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { ProxmoxClient } from '../../src/proxmox/client.js';
import { PveApiError, TlsError } from '../../src/proxmox/errors.js';
import { TaskFailedError, waitForTask } from '../../src/proxmox/tasks.js';
import type { Connection } from '../../src/settings.js';

let sim: Simulator;
const clients: ProxmoxClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

function conn(over: Partial<Connection> = {}): Connection {
  return { host: sim.host, port: sim.port, user: sim.credentials.user, validateCerts: true, caPem: sim.caCert, apiTimeoutMs: 5000, ...over };
}

function client(over: Partial<Connection> = {}, secrets: string[] = []): ProxmoxClient {
  const c = new ProxmoxClient(conn(over), { onSecret: (s) => secrets.push(s), retry: { baseDelayMs: 1 } });
  clients.push(c);
  return c;
}

const full = () => sim.credentials.tokens.full;

describe('against the simulator', () => {
  it('logs in with a password and uses the ticket for reads and writes', async () => {
    const secrets: string[] = [];
    const c = client({ password: sim.credentials.password }, secrets);
    const nodes = await c.get<{ node: string }[]>('/nodes');
    expect(nodes.map((n) => n.node).sort()).toEqual(['pve1', 'pve2']);
    // A write needs the CSRF token: creating a VM is an async task we then wait for.
    const upid = await c.post<string>('/nodes/pve1/qemu', { vmid: 4242, name: 'client-test', memory: 512, start: false });
    const result = await waitForTask(c, upid, { timeoutMs: 10_000, what: 'create VM 4242' });
    expect(result).toMatchObject({ exitstatus: 'OK', node: 'pve1', type: 'qmcreate', id: '4242' });
    expect(secrets[0]).toBe(sim.credentials.password);
    expect(secrets.some((s) => s.startsWith('PVE:'))).toBe(true);
    expect(c.stats.writes).toBe(1);
  });

  it('uses an API token without logging in', async () => {
    const c = client({ tokenId: full().tokenid, tokenSecret: full().secret });
    const version = await c.get<{ version: string }>('/version');
    expect(version.version).toMatch(/^\d+\.\d+/);
    await c.get('/nodes');
    const mine = sim.log.filter((e) => e.authid === `${full().user}!${full().tokenid}`);
    expect(mine.map((e) => `${e.method} ${e.path}`).slice(-2)).toEqual(['GET /version', 'GET /nodes']);
    expect(sim.log.filter((e) => e.path === '/access/ticket' && e.at >= mine.at(-2)!.at)).toEqual([]);
  });

  it('refuses a wrong password with a clear message', async () => {
    const c = client({ password: 'definitely-wrong' });
    const err = (await c.get('/nodes').catch((e: unknown) => e)) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('check api_user and api_password');
    expect(err.message).not.toContain('definitely-wrong');
  });

  it('reports PVE errors for a missing VM', async () => {
    const c = client({ tokenId: full().tokenid, tokenSecret: full().secret });
    const err = (await c.get('/nodes/pve1/qemu/98765/config').catch((e: unknown) => e)) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/^PVE 500 on GET \/nodes\/pve1\/qemu\/98765\/config: .*98765.*does not exist/);
  });

  it('pins the simulator by fingerprint and refuses it without its CA', async () => {
    const pinned = client({ tokenId: full().tokenid, tokenSecret: full().secret, caPem: undefined, tlsFingerprint: sim.fingerprint.toLowerCase() });
    await expect(pinned.get('/version')).resolves.toBeTruthy();
    const untrusted = client({ tokenId: full().tokenid, tokenSecret: full().secret, caPem: undefined });
    await expect(untrusted.get('/version')).rejects.toBeInstanceOf(TlsError);
  });

  it('waits for failing and warning tasks', async () => {
    const c = client({ tokenId: full().tokenid, tokenSecret: full().secret });
    const failing = sim.startTask({
      node: 'pve2', type: 'qmstart', id: '555', authid: full().user + '!' + full().tokenid, durationMs: 20,
      run: (t) => {
        t.log('starting VM 555');
        throw new Error('start failed: QEMU exited with code 1');
      },
    });
    const err = (await waitForTask(c, failing, { timeoutMs: 10_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err.exitstatus).toBe('start failed: QEMU exited with code 1');
    expect(err.logTail).toContain('starting VM 555');

    const warning = sim.startTask({
      node: 'pve1', type: 'qmconfig', id: '556', authid: full().user + '!' + full().tokenid, durationMs: 20,
      run: (t) => t.logWarn('something odd'),
    });
    const seen: string[] = [];
    const result = await waitForTask(c, warning, { timeoutMs: 10_000, onWarning: (m) => seen.push(m) });
    expect(result.warnings).toBe(1);
    expect(seen).toEqual(['something odd']);
  });

  it('keeps reading through injected 503s and dropped connections', async () => {
    const c = client({ tokenId: full().tokenid, tokenSecret: full().secret });
    sim.configure({ faults: { errorRate: 0.2, dropRate: 0.1, errorStatus: [500, 503, 596], seed: 7, maxInARow: 3 } });
    try {
      for (let i = 0; i < 20; i++) await c.get('/version');
    } finally {
      sim.configure({ faults: {} });
    }
    expect(c.stats.retries).toBeGreaterThan(0);
    expect(c.stats.reads).toBe(20);
  });
});
