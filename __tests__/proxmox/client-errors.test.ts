// ProxmoxClient against PVE's error envelope and an unreliable network: messages, which failures are retried
// (reads only, plus writes that never left), keep-alive across server idle closes, timeouts and aborts.
import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxClient, type ClientOptions } from '../../src/proxmox/client.js';
import { ConnectionError, PveApiError } from '../../src/proxmox/errors.js';
import type { Connection } from '../../src/settings.js';
import { testPki } from './support/certs.js';
import { TOKEN } from './support/fake-auth.js';
import { bare, connectionTo, droppingProxy, ok, pveError, startStub, type Stub, type StubHandler, type StubOptions, type StubReply } from './support/stub.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(() => void testPki());

const tokenConn: Partial<Connection> = { password: undefined, tokenId: TOKEN.tokenid, tokenSecret: TOKEN.secret };
const fastRetry: ClientOptions = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

async function setup(handler: StubHandler, opts: ClientOptions = fastRetry, conn: Partial<Connection> = {}, stubOpts: Partial<StubOptions> = {}) {
  const stub = await startStub({ tls: testPki().server, handler, ...stubOpts });
  const debug: string[] = [];
  const client = new ProxmoxClient(connectionTo(stub, { ...tokenConn, ...conn }), {
    log: { debug: (m) => debug.push(m), info: (m) => debug.push(m), warning: (m) => debug.push(m) },
    ...opts,
  });
  cleanups.push(() => stub.close(), () => client.close());
  return { stub, client, debug };
}

/** Answers the n-th request (1-based) with replies[n-1], the last reply from then on. */
function sequence(...replies: (StubReply | Promise<StubReply>)[]): StubHandler {
  let n = 0;
  return () => replies[Math.min(n++, replies.length - 1)];
}

const errorOf = (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected a rejection'); }, (e: Error) => e);

describe('error envelope', () => {
  it('uses the PVE message: method, path, status and text', async () => {
    const { client } = await setup(() => pveError(500, "unable to create VM 100 - VM 100 already exists on node 'pve1'"));
    const err = (await errorOf(client.post('/nodes/pve1/qemu', { vmid: 100 }))) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.message).toBe("PVE 500 on POST /nodes/pve1/qemu: unable to create VM 100 - VM 100 already exists on node 'pve1'");
    expect(err).toMatchObject({ status: 500, method: 'POST', path: '/nodes/pve1/qemu', statusText: "unable to create VM 100 - VM 100 already exists on node 'pve1'" });
    expect(err.pveMessage).toBe("unable to create VM 100 - VM 100 already exists on node 'pve1'");
  });

  it('lists each parameter error of a 400', async () => {
    const errors = { net0: 'invalid format - format error\\nnet0.tag: value must have a maximum value of 4094', vmid: 'value must have a minimum value of 100' };
    const { client } = await setup(() => pveError(400, 'Parameter verification failed.', errors));
    const err = (await errorOf(client.post('/nodes/pve1/qemu', { vmid: 7 }))) as PveApiError;
    expect(err.errors).toEqual(errors);
    expect(err.message).toBe(
      'PVE 400 on POST /nodes/pve1/qemu: Parameter verification failed.\n' +
        '  net0: invalid format - format error\\nnet0.tag: value must have a maximum value of 4094\n' +
        '  vmid: value must have a minimum value of 100',
    );
  });

  it('falls back to the status line when an old PVE sends no message', async () => {
    const { client } = await setup(() => ({ status: 403, reason: 'Permission check failed (/vms/100, VM.Allocate)', json: { data: null } }));
    const err = (await errorOf(client.get('/nodes/pve1/qemu/100/config'))) as PveApiError;
    expect(err.pveMessage).toBeUndefined();
    expect(err.message).toMatch(/^PVE 403 on GET \/nodes\/pve1\/qemu\/100\/config: Permission check failed \(\/vms\/100, VM\.Allocate\) - API token root@pam!ci: /);
  });

  it('reports 501 for an unknown path without retrying', async () => {
    const { stub, client } = await setup(() => pveError(501, "Method 'GET /nodes/pve1/foo' not implemented"));
    const err = (await errorOf(client.get('/nodes/pve1/foo'))) as PveApiError;
    expect(err.status).toBe(501);
    expect(err.message).toBe("PVE 501 on GET /nodes/pve1/foo: Method 'GET /nodes/pve1/foo' not implemented");
    expect(stub.requests).toHaveLength(1);
  });

  it('returns data, including null and string ids', async () => {
    const { client } = await setup(sequence(ok('100'), ok(null), ok([{ vmid: 100 }], { total: 1 })));
    expect(await client.get('/cluster/nextid')).toBe('100');
    expect(await client.put('/nodes/pve1/qemu/100/config', { cores: 2 })).toBeNull();
    expect(await client.get('/nodes/pve1/qemu')).toEqual([{ vmid: 100 }]);
  });

  it('says so when the answer is not JSON', async () => {
    const { client } = await setup(() => ({ status: 200, raw: '<html>hello</html>' }));
    await expect(client.get('/version')).rejects.toThrow(/not JSON - is 127\.0\.0\.1:\d+ the PVE API/);
  });

  it('scrubs known secrets that PVE echoes back', async () => {
    const { client } = await setup(() => pveError(400, 'Parameter verification failed.', { password: `bad value '${TOKEN.secret}'` }));
    const err = await errorOf(client.post('/access/users', {}));
    expect(err.message).toContain("password: bad value '***'");
    expect(err.message).not.toContain(TOKEN.secret);
  });
});

describe('retries', () => {
  it('retries a GET on 503 and succeeds', async () => {
    const { stub, client, debug } = await setup(sequence(bare(503, 'Service Unavailable'), ok({ version: '9.1.1' })));
    await expect(client.get('/version')).resolves.toEqual({ version: '9.1.1' });
    expect(stub.requests).toHaveLength(2);
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, reads: 1, writes: 0 });
    expect(debug.some((l) => /GET \/version: 503 Service Unavailable; retry 1\/3 in \d+ ms/.test(l))).toBe(true);
  });

  it('gives up after the configured attempts', async () => {
    const { stub, client } = await setup(() => pveError(596, 'Connection timed out'), { retry: { attempts: 3, baseDelayMs: 1 } });
    const err = (await errorOf(client.get('/version'))) as PveApiError;
    expect(err.status).toBe(596);
    expect(stub.requests).toHaveLength(3);
  });

  it('retries a 500 only when it carries no real PVE message', async () => {
    const real = await setup(() => pveError(500, "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist"));
    await expect(real.client.get('/nodes/pve1/qemu/999/config')).rejects.toThrow(/does not exist/);
    expect(real.stub.requests).toHaveLength(1);

    const empty = await setup(sequence({ status: 500, reason: 'Internal Server Error', raw: '' }, pveError(500, 'Internal Server Error'), ok(1)));
    await expect(empty.client.get('/version')).resolves.toBe(1);
    expect(empty.stub.requests).toHaveLength(3);
  });

  it('retries a GET whose connection drops before the answer', async () => {
    const { stub, client } = await setup(sequence({ drop: true }, ok('fine')));
    await expect(client.get('/version')).resolves.toBe('fine');
    expect(stub.requests).toHaveLength(2);
    expect(client.stats.retries).toBe(1);
  });

  it('never retries a POST on 503', async () => {
    const { stub, client } = await setup(sequence(bare(503, 'Service Unavailable'), ok('UPID:x')));
    const err = (await errorOf(client.post('/nodes/pve1/qemu/100/status/start'))) as PveApiError;
    expect(err.status).toBe(503);
    expect(stub.requests).toHaveLength(1);
    expect(client.stats.retries).toBe(0);
  });

  it('never re-sends a POST the server received before the connection dropped', async () => {
    const { stub, client } = await setup(sequence({ drop: true }, ok('UPID:x')));
    const err = await errorOf(client.post('/nodes/pve1/qemu', { vmid: 100 }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/^cannot talk to PVE at 127\.0\.0\.1:\d+ \(POST \/nodes\/pve1\/qemu\): /);
    expect(stub.requests).toHaveLength(1);
  });
});

describe('connections', () => {
  it('keeps one connection alive across requests', async () => {
    const { stub, client } = await setup(() => ok(1));
    for (let i = 0; i < 5; i++) await client.get('/version');
    await client.post('/nodes/pve1/qemu');
    // undici may open a second socket while it checks an idle one before reuse; never one per request.
    expect(stub.handshakes).toBeLessThanOrEqual(2);
    expect(stub.closedConnections).toBe(0);
    const perConnection = new Map<number, number>();
    for (const r of stub.requests) perConnection.set(r.connection, (perConnection.get(r.connection) ?? 0) + 1);
    expect(Math.max(...perConnection.values())).toBeGreaterThanOrEqual(3);
  });

  it('sends a write once when the server closed the idle connection', async () => {
    const { stub, client } = await setup(() => ok('UPID:x'), fastRetry, {}, { keepAliveTimeoutMs: 100 });
    await client.get('/version');
    await stub.waitFor(() => stub.closedConnections >= 1);
    await expect(client.post('/nodes/pve1/qemu', { vmid: 100 })).resolves.toBe('UPID:x');
    expect(stub.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(stub.requests.map((r) => r.connection)).toEqual([1, 2]);
  });

  it('sends a write again only when its connection died before anything was sent', async () => {
    const { stub } = await setup(() => ok('UPID:x'));
    const proxy = await droppingProxy(stub.port, 1);
    const client = new ProxmoxClient(connectionTo(stub, { ...tokenConn, port: proxy.port }), fastRetry);
    cleanups.push(() => proxy.close(), () => client.close());
    await expect(client.post('/nodes/pve1/qemu', { vmid: 100 })).resolves.toBe('UPID:x');
    expect(proxy.accepted).toBe(2);
    expect(stub.requests).toHaveLength(1);
    expect(client.stats.retries).toBe(1);
  });

  it('names host:port and what to check when the connection is refused', async () => {
    const port = await freePort();
    const client = new ProxmoxClient({ host: '127.0.0.1', port, user: 'root@pam', tokenId: 'ci', tokenSecret: TOKEN.secret, validateCerts: true, apiTimeoutMs: 2000 }, fastRetry);
    cleanups.push(() => client.close());
    const err = await errorOf(client.get('/version'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toBe(`cannot talk to PVE at 127.0.0.1:${port} (GET /version): connection refused - check api_port (the PVE API listens on 8006) and that pveproxy is running`);
    expect(client.stats).toMatchObject({ requests: 4, retries: 3 });
  });

  it('gives up after api_timeout without retrying', async () => {
    const hang = new Promise<never>(() => {});
    const { stub, client } = await setup(() => hang, fastRetry, { apiTimeoutMs: 300 });
    const started = Date.now();
    const err = await errorOf(client.get('/version'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/no complete answer within 300 ms \(api_timeout\)/);
    // The stub never answers: ending at all is api_timeout at work; the bound only tells "at the limit" from "many
    // times it", far above what a loaded machine needs.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stub.requests).toHaveLength(1);
  });

  it('stops at once when the caller aborts', async () => {
    const { stub, client } = await setup(() => new Promise<never>(() => {}));
    const controller = new AbortController();
    const pending = errorOf(client.get('/version', undefined, { signal: controller.signal }));
    await stub.waitFor(() => stub.requests.length === 1);
    controller.abort();
    const err = await pending;
    expect(err.name).toBe('AbortError');
  });

  it('brackets an IPv6 literal host', async () => {
    const port = await freePort();
    const client = new ProxmoxClient({ ...connectionTo({ host: '::1', port } as Stub, tokenConn), host: '::1' }, { retry: { attempts: 1 } });
    cleanups.push(() => client.close());
    const err = await errorOf(client.get('/version'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(`cannot talk to PVE at [::1]:${port} (GET /version): `);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
