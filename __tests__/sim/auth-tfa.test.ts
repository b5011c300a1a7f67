// A TOTP user, as pve-access-control's create_ticket_do / authenticate_2nd_new_do treat one: the password alone
// yields a `!tfa!` ticket to answer, a second factor must be typed (`totp:<code>`), every code works once, and a
// valid ticket renews without a second factor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { simRequest } from '../support/sim-client.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0.01,
    users: [{ userid: 'tfa@pve', password: 'pw', totp: ['111111', '222222', '333333', '444444'] }],
  });
});
afterAll(() => sim.close());

const login = (params: Record<string, string>) => simRequest(sim, 'POST', '/access/ticket', { params: { username: 'tfa@pve', ...params } });
const version = (ticket: string) => simRequest(sim, 'GET', '/version', { headers: { cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` } });

describe('TOTP', () => {
  it('the password alone gets NeedTFA and a !tfa! ticket that the API does not accept', async () => {
    const res = await login({ password: 'pw' });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ username: 'tfa@pve', NeedTFA: 1 });
    expect(res.json.data.ticket).toMatch(/^PVE:!tfa![A-Za-z0-9_-]+:[0-9A-F]{8}::/);
    expect((await version(res.json.data.ticket)).status).toBe(401);
  });

  it('answering the challenge with totp:<code> completes the login; the same code never works twice', async () => {
    const first = (await login({ password: 'pw' })).json.data.ticket;
    const done = await login({ 'tfa-challenge': first, password: 'totp:111111' });
    expect(done.status).toBe(200);
    expect(done.json.data.NeedTFA).toBeUndefined();
    expect((await version(done.json.data.ticket)).status).toBe(200);
    const again = (await login({ password: 'pw' })).json.data.ticket;
    expect((await login({ 'tfa-challenge': again, password: 'totp:111111' })).status).toBe(401);
  });

  it('otp with the password must be typed: a bare code is refused, totp:<code> logs in at once', async () => {
    expect((await login({ password: 'pw', otp: '222222' })).status).toBe(401);
    const ok = await login({ password: 'pw', otp: 'totp:222222' });
    expect(ok.status).toBe(200);
    expect(ok.json.data.NeedTFA).toBeUndefined();
    expect((await login({ password: 'pw', otp: 'totp:222222' })).status).toBe(401); // replay
  });

  it('a valid ticket renews without a second factor; a wrong password with a good code fails', async () => {
    const t = (await login({ password: 'pw', otp: 'totp:333333' })).json.data.ticket;
    const renewed = await login({ password: t });
    expect(renewed.status).toBe(200);
    expect(renewed.json.data.NeedTFA).toBeUndefined();
    expect((await login({ password: 'nope', otp: 'totp:444444' })).status).toBe(401);
  });
});
