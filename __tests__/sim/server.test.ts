// The simulator's HTTP layer: envelopes, status lines, headers, the 501/506 rules, parameter parsing and
// validation, node lookup errors and the request log.
import { Agent, request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { simLogin, simRequest, simToken, type SimAuth } from '../support/sim-client.js';

let sim: Simulator;
let token: SimAuth;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.01, nodeInfo: { pve2: { online: false } }, nodes: ['pve1', 'pve2', 'pve3'] });
  token = simToken(sim);
});
afterAll(() => sim.close());

/** One raw HTTPS request with hand-made headers and body (for framing cases the client helper avoids). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  const url = new URL(sim.url);
  return new Promise<{ status: number; statusText: string; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, method, path, headers, ca: sim.caCert, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, statusText: res.statusMessage!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('envelope and headers', () => {
  it('wraps data in {"data": ...} with PVE headers', async () => {
    const res = await simRequest(sim, 'GET', '/version', { auth: token });
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('OK');
    expect(res.json).toEqual({ data: { version: '9.1.2', release: '9.1', repoid: expect.stringMatching(/^[0-9a-f]{8,64}$/), console: 'html5' } });
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers.server).toBe('pve-api-daemon/3.0');
    expect(res.headers['cache-control']).toBe('max-age=0');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers.expires).toBe(res.headers.date);
  });

  it('says Keep-Alive on success and close on errors for a keep-alive client', async () => {
    const agent = new Agent({ keepAlive: true, ca: sim.caCert });
    const url = new URL(sim.url);
    const get = (path: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        httpsRequest({ host: url.hostname, port: url.port, path, agent, headers: { Authorization: sim.credentials.tokens.full.header } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/api2/json/version')).toEqual({ status: 200, connection: 'Keep-Alive' });
    expect(await get('/api2/json/nodes/pve1/nope')).toEqual({ status: 501, connection: 'close' });
    agent.destroy();
  });

  it('error bodies carry the message with a trailing newline and the status line its first line', async () => {
    const res = await simRequest(sim, 'GET', '/nodes/nosuch/storage', { auth: token });
    expect(res.status).toBe(500);
    const msg = "hostname lookup 'nosuch' failed - failed to get address info for: nosuch: Name or service not known";
    expect(res.statusText).toBe(msg);
    expect(res.json).toEqual({ data: null, message: `${msg}\n` });
    expect(res.headers.connection).toBe('close');
  });

  it('answers an offline node with a bare 595 from the proxy layer', async () => {
    const res = await simRequest(sim, 'GET', '/nodes/pve2/storage', { auth: token });
    expect([res.status, res.statusText, res.body]).toEqual([595, 'No route to host', '']);
  });

  it('gzips bodies over 1 KiB when asked', async () => {
    const res = await simRequest(sim, 'GET', '/cluster/resources', { auth: token, headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.json.data.length).toBeGreaterThan(3);
    const plain = await simRequest(sim, 'GET', '/cluster/resources', { auth: token });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('serves the extjs format with success flags inside a 200', async () => {
    const ok = await simRequest(sim, 'GET', '/api2/extjs/cluster/nextid', { auth: token });
    expect(ok.json).toEqual({ data: '100', success: 1 });
    const bad = await simRequest(sim, 'GET', '/api2/extjs/cluster/nextid', { auth: token, params: { vmid: 'x' } });
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ success: 0, status: 400, message: 'Parameter verification failed.\n' });
  });
});

describe('501 and 506 rules', () => {
  it('answers unknown and unsimulated paths with PVE\'s "not implemented" text', async () => {
    const res = await simRequest(sim, 'GET', '/nodes/pve1/foo', { auth: token });
    expect(res.status).toBe(501);
    expect(res.statusText).toBe("Method 'GET /nodes/pve1/foo' not implemented");
    expect(res.json).toEqual({ data: null, message: "Method 'GET /nodes/pve1/foo' not implemented" });
    const unsimulated = await simRequest(sim, 'GET', '/cluster/ha/resources', { auth: token });
    expect(unsimulated.statusText).toBe("Method 'GET /cluster/ha/resources' not implemented");
    const wrongMethod = await simRequest(sim, 'POST', '/version', { auth: token });
    expect(wrongMethod.statusText).toBe("Method 'POST /version' not implemented");
  });

  it('answers paths outside /api2/<format> with bare 501s', async () => {
    const noFormat = await simRequest(sim, 'GET', '/api2', { auth: token });
    expect([noFormat.status, noFormat.statusText, noFormat.body]).toEqual([501, 'no such uri', '']);
    const outside = await simRequest(sim, 'GET', '/foo', { auth: token, rawPath: true });
    expect([outside.status, outside.statusText]).toEqual([501, "no such file '/foo'"]);
    const format = await simRequest(sim, 'GET', '/api2/html/version', { auth: token });
    expect([format.status, format.statusText]).toEqual([501, 'no formatter for uri /version, html']);
  });

  it('refuses unknown methods, bodies on DELETE/GET, chunked bodies and other content types', async () => {
    const auth = { Authorization: sim.credentials.tokens.full.header };
    const patch = await raw('PATCH', '/api2/json/pools', auth);
    expect([patch.status, patch.statusText]).toEqual([501, "method 'PATCH' not available"]);
    const del = await simRequest(sim, 'DELETE', '/pools/x', { auth: token, body: 'poolid=x', contentType: 'application/x-www-form-urlencoded' });
    expect([del.status, del.statusText, del.body]).toEqual([501, "Unexpected content for method 'DELETE'", '']);
    const chunked = await raw('POST', '/api2/json/pools', { ...auth, 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/x-www-form-urlencoded' }, 'poolid=y');
    expect([chunked.status, chunked.statusText]).toEqual([501, 'chunked transfer encoding not supported']);
    const xml = await simRequest(sim, 'POST', '/pools', { auth: token, body: '<x/>', contentType: 'text/xml' });
    expect([xml.status, xml.statusText]).toEqual([506, "upload 'Content-Type 'text/xml' not implemented"]);
    const big = await simRequest(sim, 'POST', '/pools', { auth: token, params: { poolid: 'big', comment: 'x'.repeat(513 * 1024) } });
    expect([big.status, big.statusText]).toEqual([501, 'for data too large']);
    expect(sim.state.pools.has('y') || sim.state.pools.has('big')).toBe(false);
  });
});

describe('parameters', () => {
  it('checks form booleans and integers with PVE\'s messages', async () => {
    const res = await simRequest(sim, 'GET', '/nodes/pve1/tasks', { auth: token, params: { errors: 'true', limit: 'abc' } });
    expect(res.status).toBe(400);
    expect(res.statusText).toBe('Parameter verification failed.');
    expect(res.json).toEqual({
      data: null,
      message: 'Parameter verification failed.\n',
      errors: { errors: "type check ('boolean') failed - got 'true'", limit: "type check ('integer') failed - got 'abc'" },
    });
    const ok = await simRequest(sim, 'GET', '/nodes/pve1/tasks', { auth: token, params: { errors: true, limit: 5 } });
    expect(ok.status).toBe(200);
  });

  it('accepts JSON bodies with real booleans and merges query parameters over the body', async () => {
    const res = await simRequest(sim, 'POST', '/pools?comment=from-query', { auth: token, json: { poolid: 'jsonpool', comment: 'from-body' } });
    expect(res.json).toEqual({ data: null });
    expect(sim.state.pools.get('jsonpool')?.comment).toBe('from-query');
  });

  it('turns a repeated form key into an array that fails the type check', async () => {
    const res = await simRequest(sim, 'POST', '/pools', { auth: token, params: { poolid: ['a1', 'a2'] } });
    expect(res.status).toBe(400);
    expect(res.json.errors.poolid).toMatch(/type check/);
  });

  it('drops _dc and rejects a body parameter that contradicts the path', async () => {
    const dc = await simRequest(sim, 'GET', '/cluster/nextid', { auth: token, params: { _dc: 123 } });
    expect(dc.status).toBe(200);
    const dup = await simRequest(sim, 'GET', '/nodes/pve1/storage', { auth: token, params: { node: 'pve3' } });
    expect(dup.status).toBe(400);
    expect(dup.json.errors).toEqual({ node: 'duplicate parameter (already defined in URI) with conflicting values!' });
    const same = await simRequest(sim, 'GET', '/nodes/pve1/storage', { auth: token, params: { node: 'pve1' } });
    expect(same.status).toBe(200);
  });

  it('rejects parameters the schema does not know', async () => {
    const res = await simRequest(sim, 'GET', '/cluster/nextid', { auth: token, params: { bogus: 1 } });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ bogus: 'property is not defined in schema and the schema does not allow additional properties' });
  });
});

describe('request log', () => {
  it('records requests with secrets redacted', async () => {
    const { ticket, csrf } = await simLogin(sim);
    await simRequest(sim, 'POST', '/pools', { auth: { ticket, csrf }, params: { poolid: 'logged', comment: 'c' } });
    const login = sim.log.find((e) => e.path === '/access/ticket' && e.status === 200)!;
    expect(login.params).toEqual({ username: 'root@pam', password: '**********' });
    const create = sim.log.find((e) => e.path === '/pools' && e.params.poolid === 'logged')!;
    expect(create).toMatchObject({ method: 'POST', status: 200, authid: 'root@pam' });
    expect(create.ms).toBeGreaterThanOrEqual(0);
    const everything = JSON.stringify(sim.log);
    expect(everything).not.toContain(sim.credentials.password);
    expect(everything).not.toContain(ticket);
    expect(everything).not.toContain(csrf);
    expect(everything).not.toContain(sim.credentials.tokens.full.secret);
  });
});
