// Ticket and token authentication: login answers, PVE's empty-body 401s, CSRF, expiry and renewal, token
// parsing, and privilege checks with their exact 403 texts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { simLogin, simRequest, simToken } from '../support/sim-client.js';

let sim: Simulator;
const WIDE_SECRET = '5b0c6a3e-1f7d-4c2a-9e8b-0d4f6a2c1e3b';

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0.01,
    users: [
      { userid: 'root@pam', password: 'sekrit-root' },
      { userid: 'viewer@pve', password: 'sekrit-viewer', privs: ['VM.Audit'] },
    ],
    tokens: [
      { userid: 'root@pam', tokenid: 'ci', privs: 'all' },
      { userid: 'root@pam', tokenid: 'ro', privs: 'readonly' },
      { userid: 'viewer@pve', tokenid: 'wide', secret: WIDE_SECRET, privs: 'all' },
    ],
  });
});
afterAll(() => sim.close());

const TICKET_RE = /^PVE:root@pam:[0-9A-F]{8}::[A-Za-z0-9+/]+=*$/;

describe('POST /access/ticket', () => {
  it('returns a ticket, a CSRF token, capabilities and the cluster name', async () => {
    const res = await simRequest(sim, 'POST', '/access/ticket', { params: { username: 'root@pam', password: 'sekrit-root' } });
    expect(res.status).toBe(200);
    const d = res.json.data;
    expect(d.username).toBe('root@pam');
    expect(d.ticket).toMatch(TICKET_RE);
    expect(d.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:[A-Za-z0-9+/]+$/);
    expect(d.cap.vms['VM.Allocate']).toBe(1);
    expect(d.cap.nodes['Sys.Audit']).toBe(1);
    expect(Object.keys(d.cap).sort()).toEqual(['access', 'dc', 'mapping', 'nodes', 'sdn', 'storage', 'vms']);
    expect(d.clustername).toBe('simcluster');
  });

  it('appends the realm parameter and leaves clustername out without Sys.Audit', async () => {
    const res = await simRequest(sim, 'POST', '/access/ticket', { params: { username: 'viewer', realm: 'pve', password: 'sekrit-viewer' } });
    expect(res.json.data.username).toBe('viewer@pve');
    expect(res.json.data.clustername).toBeUndefined();
    expect(res.json.data.cap.vms).toEqual({ 'VM.Audit': 1 });
  });

  it('answers every failure with the same JSON 401', async () => {
    for (const params of [
      { username: 'root@pam', password: 'wrong' },
      { username: 'nobody@pam', password: 'sekrit-root' },
      { username: 'root', password: 'sekrit-root' },
    ]) {
      const res = await simRequest(sim, 'POST', '/access/ticket', { params });
      expect([res.status, res.statusText]).toEqual([401, 'authentication failure']);
      expect(res.json).toEqual({ data: null, message: 'authentication failure\n' });
    }
  });

  it('validates the login parameters', async () => {
    const res = await simRequest(sim, 'POST', '/access/ticket', { params: { username: 'root@pam' } });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ password: 'property is missing and it is not optional' });
  });

  it('renews a valid ticket given as password, but not for another user', async () => {
    const { ticket } = await simLogin(sim, 'root@pam', 'sekrit-root');
    const renewed = await simRequest(sim, 'POST', '/access/ticket', { params: { username: 'root@pam', password: ticket } });
    expect(renewed.status).toBe(200);
    expect(renewed.json.data.ticket).toMatch(TICKET_RE);
    const other = await simRequest(sim, 'POST', '/access/ticket', { params: { username: 'viewer@pve', password: ticket } });
    expect(other.status).toBe(401);
  });

  it('refuses a login carrying an API token header (allowtoken=0), as rest_handler does', async () => {
    const params = { username: 'root@pam', password: 'sekrit-root' };
    const res = await simRequest(sim, 'POST', '/access/ticket', { params, headers: { Authorization: sim.credentials.tokens.full.header } });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe("Permission check failed (URI '/access/ticket' not available with API token, need proper ticket.");
    expect(res.json).toEqual({ data: null, message: "Permission check failed (URI '/access/ticket' not available with API token, need proper ticket.\n)\n" });
    expect((await simRequest(sim, 'GET', '/access/ticket', { headers: { Authorization: sim.credentials.tokens.full.header } })).json).toEqual({ data: null });
  });

  it('holds failed logins back by authFailureDelayMs', async () => {
    const delayed = await startSimulator({ authFailureDelayMs: 150 });
    try {
      const t0 = Date.now();
      const res = await simRequest(delayed, 'POST', '/access/ticket', { params: { username: 'root@pam', password: 'nope' } });
      expect(res.status).toBe(401);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      const t1 = Date.now();
      expect((await simRequest(delayed, 'GET', '/version')).status).toBe(401);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(140);
    } finally {
      await delayed.close();
    }
  });
});

describe('using tickets', () => {
  it('answers a missing or bad ticket with an empty-body 401 and no Content-Length', async () => {
    const none = await simRequest(sim, 'GET', '/version');
    expect([none.status, none.statusText, none.body]).toEqual([401, 'No ticket', '']);
    expect(none.headers['content-length']).toBeUndefined();
    expect(none.headers.connection).toBe('close');
    const forged = await simRequest(sim, 'GET', '/version', { auth: { ticket: 'PVE:root@pam:66000000::Zm9yZ2Vk' } });
    expect([forged.status, forged.statusText, forged.body]).toEqual([401, 'Authentication failed!', '']);
  });

  it('needs the CSRF token on writes but not on reads', async () => {
    const { ticket, csrf } = await simLogin(sim, 'root@pam', 'sekrit-root');
    expect((await simRequest(sim, 'GET', '/pools', { auth: { ticket } })).status).toBe(200);
    const missing = await simRequest(sim, 'POST', '/pools', { auth: { ticket }, params: { poolid: 'nocsrf' } });
    expect([missing.status, missing.statusText, missing.body]).toEqual([401, 'Permission denied - invalid csrf token', '']);
    const wrong = await simRequest(sim, 'POST', '/pools', { auth: { ticket, csrf: `${csrf.slice(0, 9)}AAAA` }, params: { poolid: 'nocsrf' } });
    expect(wrong.status).toBe(401);
    expect(sim.state.pools.has('nocsrf')).toBe(false);
    const ok = await simRequest(sim, 'POST', '/pools', { auth: { ticket, csrf }, params: { poolid: 'withcsrf' } });
    expect(ok.status).toBe(200);
  });

  it('accepts the ticket raw or URL-encoded, in the cookie or the Authorization header', async () => {
    const { ticket } = await simLogin(sim, 'root@pam', 'sekrit-root');
    const variants: Array<Record<string, string>> = [
      { Cookie: `PVEAuthCookie=${ticket}` },
      { Cookie: `other=1; PVEAuthCookie=${encodeURIComponent(ticket)}` },
      { Authorization: `PVEAuthCookie=${ticket}` },
    ];
    for (const headers of variants) {
      expect((await simRequest(sim, 'GET', '/version', { headers })).status).toBe(200);
    }
  });

  it('prefers a cookie ticket over an API token', async () => {
    const { ticket } = await simLogin(sim, 'viewer@pve', 'sekrit-viewer');
    await simRequest(sim, 'GET', '/version', { headers: { Cookie: `PVEAuthCookie=${ticket}`, Authorization: sim.credentials.tokens.full.header } });
    expect(sim.log[sim.log.length - 1].authid).toBe('viewer@pve');
  });

  it('expires tickets after the configured lifetime', async () => {
    const short = await startSimulator({ ticketLifetimeSec: 7200 });
    try {
      const { ticket, csrf } = await simLogin(short);
      expect((await simRequest(short, 'GET', '/version', { auth: { ticket } })).status).toBe(200);
      short.configure({ ticketLifetimeSec: -1 });
      const expired = await simRequest(short, 'GET', '/version', { auth: { ticket } });
      expect([expired.status, expired.statusText, expired.body]).toEqual([401, 'Authentication failed!', '']);
      const renew = await simRequest(short, 'POST', '/access/ticket', { params: { username: short.credentials.user, password: ticket } });
      expect(renew.status).toBe(401);
      short.configure({ ticketLifetimeSec: 7200 });
      expect((await simRequest(short, 'POST', '/pools', { auth: { ticket, csrf }, params: { poolid: 'p' } })).status).toBe(200);
    } finally {
      await short.close();
    }
  });

  it('rejects tickets of another simulator instance', async () => {
    const other = await startSimulator({ users: [{ userid: 'root@pam', password: 'sekrit-root' }] });
    try {
      const { ticket } = await simLogin(other, 'root@pam', 'sekrit-root');
      expect((await simRequest(sim, 'GET', '/version', { auth: { ticket } })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('API tokens', () => {
  it('works without CSRF, with "=" or a space after PVEAPIToken', async () => {
    const { user, tokenid, secret } = sim.credentials.tokens.full;
    const headers = [`PVEAPIToken=${user}!${tokenid}=${secret}`, `PVEAPIToken ${user}!${tokenid}=${secret}`];
    for (const [i, header] of headers.entries()) {
      const res = await simRequest(sim, 'POST', '/pools', { auth: { token: header }, params: { poolid: `tok${i}` } });
      expect(res.status).toBe(200);
    }
    expect(sim.log[sim.log.length - 1].authid).toBe('root@pam!ci');
  });

  it('answers a wrong secret, an unknown token or the PBS colon form with an empty 401', async () => {
    const { user, tokenid, secret } = sim.credentials.tokens.full;
    for (const token of [
      `PVEAPIToken=${user}!${tokenid}=00000000-0000-0000-0000-000000000000`,
      `PVEAPIToken=${user}!nope=${secret}`,
      `PVEAPIToken=${user}!${tokenid}:${secret}`,
    ]) {
      const res = await simRequest(sim, 'GET', '/version', { auth: { token } });
      expect([res.status, res.statusText, res.body]).toEqual([401, 'Authentication failed!', '']);
    }
  });

  it('gives a read-only token reads and PVE\'s exact 403 on writes', async () => {
    const ro = simToken(sim, 'readonly');
    expect((await simRequest(sim, 'GET', '/nodes/pve1/status', { auth: ro })).status).toBe(200);
    const res = await simRequest(sim, 'POST', '/pools', { auth: ro, params: { poolid: 'denied' } });
    expect([res.status, res.statusText]).toEqual([403, 'Permission check failed (/pool/denied, Pool.Allocate)']);
    expect(res.json).toEqual({ data: null, message: 'Permission check failed (/pool/denied, Pool.Allocate)\n' });
    expect(sim.state.pools.has('denied')).toBe(false);
  });

  it('limits a token to what its user may do (privilege separation)', async () => {
    // The token was created with 'all', but its user only holds VM.Audit.
    const wide = { token: `PVEAPIToken=viewer@pve!wide=${WIDE_SECRET}` };
    expect((await simRequest(sim, 'GET', '/cluster/resources', { auth: wide })).status).toBe(200);
    const status = await simRequest(sim, 'GET', '/nodes/pve1/status', { auth: wide });
    expect([status.status, status.statusText]).toEqual([403, 'Permission check failed (/nodes/pve1, Sys.Audit)']);
    expect(sim.log[sim.log.length - 1].authid).toBe('viewer@pve!wide');
  });
});
