// ProxmoxClient authentication against a scripted PVE: tokens, ticket login with CSRF, re-login on 401, renewal
// before the 2 h lifetime ends, and secrets reported before use and kept out of messages.
import { afterEach, describe, expect, it } from 'vitest';
import { ProxmoxClient, type ClientOptions } from '../../src/proxmox/client.js';
import { PveApiError } from '../../src/proxmox/errors.js';
import type { Connection } from '../../src/settings.js';
import { testPki } from './support/certs.js';
import { FakeAuth, PASSWORD, TOKEN, USER } from './support/fake-auth.js';
import { bare, connectionTo, ok, pveError, startStub, type Stub, type StubHandler } from './support/stub.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const routes: StubHandler = (req) => {
  if (req.path === '/version') return ok({ version: '9.1.1', release: '9.1' });
  if (req.path === '/nodes/pve1/qemu' && req.method === 'POST') return ok('UPID:pve1:00001234:00ABCDEF:66F1A2B3:qmcreate:100:root@pam:');
  if (req.path === '/nodes/pve1/qemu/100/config') return ok(null);
  return ok(null);
};

async function setup(conn: Partial<Connection> = {}, opts: ClientOptions = {}): Promise<{ stub: Stub; auth: FakeAuth; client: ProxmoxClient; secrets: string[] }> {
  const auth = new FakeAuth();
  const stub = await startStub({ tls: testPki().server, handler: auth.wrap(routes) });
  const secrets: string[] = [];
  const client = new ProxmoxClient(connectionTo(stub, conn), { onSecret: (s) => secrets.push(s), ...opts });
  cleanups.push(() => stub.close(), () => client.close());
  return { stub, auth, client, secrets };
}

describe('API token auth', () => {
  it('sends PVEAPIToken=<user>!<id>=<secret>, no CSRF token and no login', async () => {
    const { stub, client, secrets } = await setup({ password: undefined, tokenId: TOKEN.tokenid, tokenSecret: TOKEN.secret });
    expect(secrets).toEqual([TOKEN.secret]);
    await client.get('/version');
    await client.post('/nodes/pve1/qemu', { vmid: 100 });
    expect(stub.requests.map((r) => r.path)).toEqual(['/version', '/nodes/pve1/qemu']);
    for (const r of stub.requests) {
      expect(r.headers.authorization).toBe(`PVEAPIToken=root@pam!ci=${TOKEN.secret}`);
      expect(r.headers.csrfpreventiontoken).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
    }
  });

  it('accepts a token id that already names the user', async () => {
    const { stub, client } = await setup({ user: 'someone@pve', tokenId: 'root@pam!ci', tokenSecret: TOKEN.secret });
    await expect(client.get('/version')).resolves.toMatchObject({ version: '9.1.1' });
    expect(stub.requests[0].headers.authorization).toBe(`PVEAPIToken=root@pam!ci=${TOKEN.secret}`);
  });

  it('turns the empty-body 401 into a clear message without the secret', async () => {
    const { stub, client } = await setup({ tokenId: 'ci', tokenSecret: 'wrong-secret-value' });
    const err = await client.get('/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveApiError);
    const e = err as PveApiError;
    expect(e.status).toBe(401);
    expect(e.statusText).toBe('Authentication failed!');
    expect(e.message).toMatch(/^PVE 401 on GET \/version: Authentication failed! - authentication failed: check api_token_id and api_token_secret \(token root@pam!ci\)/);
    expect(e.message).not.toContain('wrong-secret-value');
    // A token cannot be re-obtained: one request, no retry.
    expect(stub.requests).toHaveLength(1);
  });
});

describe('ticket auth', () => {
  it('logs in lazily, sends the cookie everywhere and the CSRF token on writes only', async () => {
    const { stub, auth, client, secrets } = await setup();
    await client.get('/version');
    await client.post('/nodes/pve1/qemu', { vmid: 100, name: 'ci vm', onboot: true, agent: false, skip: undefined, none: null });
    await client.put('/nodes/pve1/qemu/100/config', { cores: 2 });
    await client.delete('/nodes/pve1/qemu/100/config', { purge: true });

    const [login, get, post, put, del] = stub.requests;
    expect(login.path).toBe('/access/ticket');
    expect(Object.fromEntries(login.form)).toEqual({ username: USER, password: PASSWORD });
    expect(auth.logins).toHaveLength(1);
    const [ticket, csrf] = auth.issued;
    expect(secrets).toEqual([PASSWORD, ticket, csrf]);
    for (const r of [get, post, put, del]) expect(r.headers.cookie).toBe(`PVEAuthCookie=${ticket}`);
    expect(get.headers.csrfpreventiontoken).toBeUndefined();
    for (const r of [post, put, del]) expect(r.headers.csrfpreventiontoken).toBe(csrf);

    // Form bodies for POST/PUT (booleans 1/0, unset values left out); query string for DELETE, no body.
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post.body).toBe('vmid=100&name=ci%20vm&onboot=1&agent=0');
    expect(Object.fromEntries(put.form)).toEqual({ cores: '2' });
    expect(del.query.get('purge')).toBe('1');
    expect(del.body).toBe('');
    expect(del.headers['content-length'] ?? '0').toBe('0');
    expect(client.stats).toMatchObject({ reads: 1, writes: 3, requests: 5, retries: 0 });
  });

  it('puts GET parameters in the query string', async () => {
    const { stub, client } = await setup();
    await client.get('/version', { type: 'vm', full: true, x: undefined });
    const get = stub.requests[1];
    expect(get.query.toString()).toBe('type=vm&full=1');
    expect(get.body).toBe('');
  });

  it('reports ticket and CSRF token to onSecret before they are sent', async () => {
    const secrets: string[] = [];
    const auth = new FakeAuth();
    const seenAtArrival: boolean[] = [];
    const stub = await startStub({
      tls: testPki().server,
      handler: auth.wrap((req) => {
        const ticket = /PVEAuthCookie=(.*)/.exec(req.headers.cookie ?? '')![1];
        seenAtArrival.push(secrets.includes(ticket) && secrets.includes(String(req.headers.csrfpreventiontoken)));
        return ok(null);
      }),
    });
    const client = new ProxmoxClient(connectionTo(stub), { onSecret: (s) => secrets.push(s) });
    cleanups.push(() => stub.close(), () => client.close());
    await client.post('/nodes/pve1/qemu/100/status/start');
    expect(seenAtArrival).toEqual([true]);
  });

  it('sends otp with the login when given, typed as PVE wants it (a bare code is "bad otp response")', async () => {
    const { stub, auth, client, secrets } = await setup({ otp: '123456' });
    auth.otp = 'totp:123456';
    await client.login();
    expect(stub.requests[0].form.get('otp')).toBe('totp:123456');
    expect(secrets).toContain('123456');
  });

  it('keeps a response the user typed already (recovery keys)', async () => {
    const { stub, auth, client } = await setup({ otp: 'recovery:abcd-ef01' });
    auth.otp = 'recovery:abcd-ef01';
    await client.login();
    expect(stub.requests[0].form.get('otp')).toBe('recovery:abcd-ef01');
  });

  it('shares one login between concurrent first requests', async () => {
    const { auth, client } = await setup();
    await Promise.all([client.get('/version'), client.get('/version'), client.post('/nodes/pve1/qemu')]);
    expect(auth.logins).toHaveLength(1);
  });

  it('lets concurrent requests share a failed login instead of each trying again', async () => {
    const { auth, client } = await setup({ password: 'not-the-password' });
    const results = await Promise.allSettled([client.get('/version'), client.get('/version'), client.post('/nodes/pve1/qemu')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(auth.logins).toHaveLength(1);
  });

  it('on 401 logs in again once and retries the request once', async () => {
    const { stub, auth, client } = await setup();
    await client.get('/version');
    auth.expireAll();
    await expect(client.post('/nodes/pve1/qemu', { vmid: 100 })).resolves.toMatch(/^UPID:/);
    expect(auth.logins).toHaveLength(2);
    const posts = stub.requests.filter((r) => r.path === '/nodes/pve1/qemu');
    expect(posts).toHaveLength(2);
    expect(posts[1].headers.cookie).toBe(`PVEAuthCookie=${auth.issued[2]}`);
    expect(posts[1].headers.csrfpreventiontoken).toBe(auth.issued[3]);
    expect(client.stats.retries).toBe(1);
  });

  it('gives up after one re-login when the server keeps refusing', async () => {
    const auth = new FakeAuth();
    const stub = await startStub({
      tls: testPki().server,
      // e.g. a proxy in front of PVE that eats the cookie: every ticket is refused
      handler: auth.wrap((req) => (req.path === '/cluster/resources' ? bare(401, 'Authentication failed!') : ok(null))),
    });
    const client = new ProxmoxClient(connectionTo(stub));
    cleanups.push(() => stub.close(), () => client.close());
    const err = (await client.get('/cluster/resources').catch((e: unknown) => e)) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.status).toBe(401);
    expect(err.message).toBe(
      'PVE 401 on GET /cluster/resources: Authentication failed! - authentication failed even after a fresh login: check api_user and api_password (user root@pam)',
    );
    expect(auth.logins).toHaveLength(2);
    expect(stub.requests.filter((r) => r.path === '/cluster/resources')).toHaveLength(2);
  });

  it('fails the login with a clear message and no password in it', async () => {
    const { stub, client } = await setup({ password: 'not-the-password' });
    const err = (await client.get('/version').catch((e: unknown) => e)) as PveApiError;
    expect(err).toBeInstanceOf(PveApiError);
    expect(err.message).toBe(
      'PVE 401 on POST /access/ticket: authentication failure - authentication failed: check api_user and api_password (user root@pam)',
    );
    expect(stub.requests).toHaveLength(1);
  });

  it('asks for credentials when there are none', async () => {
    const { stub, client } = await setup({ password: undefined });
    await expect(client.get('/version')).rejects.toThrow(/no credentials for root@pam: set api_password, or api_token_id/);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('ticket renewal', () => {
  it('renews with the ticket as password after 1.5 h, not before', async () => {
    let now = 1_000_000;
    const { stub, auth, client } = await setup({}, { now: () => now });
    await client.get('/version');
    const first = auth.issued[0];

    now += 89 * 60_000;
    await client.get('/version');
    expect(auth.logins).toHaveLength(1);

    now += 2 * 60_000;
    await client.get('/version');
    expect(auth.logins).toHaveLength(2);
    expect(Object.fromEntries(auth.logins[1].form)).toEqual({ username: USER, password: first });
    const renewed = auth.issued[2];
    expect(stub.requests.at(-1)!.headers.cookie).toBe(`PVEAuthCookie=${renewed}`);

    // The renewed ticket gets its own 1.5 h.
    now += 60 * 60_000;
    await client.get('/version');
    expect(auth.logins).toHaveLength(2);
  });

  it('falls back to the password when the old ticket can no longer renew itself', async () => {
    let now = 0;
    const { auth, client } = await setup({}, { now: () => now });
    await client.get('/version');
    auth.expireAll();
    now += 3 * 3600_000;
    await client.get('/version');
    expect(auth.logins.map((l) => l.form.get('password'))).toEqual([PASSWORD, auth.issued[0], PASSWORD]);
  });
});

describe('secrets', () => {
  it('never appear in error messages or log lines', async () => {
    const auth = new FakeAuth();
    const lines: string[] = [];
    const log = { debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warning: (m: string) => lines.push(m) };
    const stub = await startStub({
      tls: testPki().server,
      handler: auth.wrap((req) => {
        if (req.path === '/echo') return pveError(500, `bad ticket ${req.headers.cookie} / ${String(req.headers.csrfpreventiontoken)}`);
        if (req.path === '/flaky') return bare(503, 'Service Unavailable');
        return ok(null);
      }),
    });
    const good = new ProxmoxClient(connectionTo(stub), { log, retry: { attempts: 2, baseDelayMs: 1 } });
    const bad = new ProxmoxClient(connectionTo(stub, { password: 'Wr0ng-Passw0rd' }), { log });
    const token = new ProxmoxClient(connectionTo(stub, { tokenId: 'ci', tokenSecret: 'not-the-token-secret' }), { log });
    cleanups.push(() => stub.close(), () => good.close(), () => bad.close(), () => token.close());

    const messages: string[] = [];
    const collect = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, (e: Error) => void messages.push(e.message));
    await collect(good.get('/version'));
    auth.expireAll();
    await collect(good.post('/echo', { password: 'in-a-param' }));
    await collect(good.get('/flaky'));
    await collect(bad.get('/version'));
    await collect(token.get('/version'));

    expect(messages).toHaveLength(4);
    expect(lines.length).toBeGreaterThan(4);
    const secrets = [PASSWORD, 'Wr0ng-Passw0rd', 'not-the-token-secret', 'in-a-param', ...auth.issued];
    expect(auth.issued).toHaveLength(4); // two logins: the first ticket expired
    for (const text of [...messages, ...lines]) {
      for (const s of secrets) expect(text).not.toContain(s);
    }
    expect(messages[0]).toBe('PVE 500 on POST /echo: bad ticket PVEAuthCookie=*** / ***');
  });
});
