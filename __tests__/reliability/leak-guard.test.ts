// The leak guard itself: it must learn the secrets a simulator hands out and find them (and anything shaped
// like a ticket) in captured text, while the runner's own ::add-mask:: lines do not count.
import { findLeaks, registerSecret } from './leak-guard.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/index.js';

let sim: Simulator;
let ticket: string;
let csrf: string;

beforeAll(async () => {
  sim = await startSimulator({ https: false });
  const res = await fetch(`${sim.url}/api2/json/access/ticket`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: sim.credentials.user, password: sim.credentials.password }),
  });
  const data = ((await res.json()) as { data: { ticket: string; CSRFPreventionToken: string } }).data;
  ticket = data.ticket;
  csrf = data.CSRFPreventionToken;
});
afterAll(() => sim.close());

test('secrets the simulator issued or accepted are found in captured text', () => {
  const texts = [`login ok ${ticket}`, `csrf ${csrf} sent`, `pw=${sim.credentials.password}`, `tok ${sim.credentials.tokens.full.secret}`];
  expect(findLeaks(texts).map((l) => [l.run, l.kind])).toEqual(
    expect.arrayContaining([
      [0, 'ticket'],
      [1, 'CSRF token'],
      [2, 'password'],
      [3, 'token secret'],
    ]),
  );
  // The context shown in a failure never contains the secret itself.
  expect(findLeaks(texts).every((l) => !l.context.includes(sim.credentials.password) && !l.context.includes(ticket))).toBe(true);
});

test('registered values are found, also URL-encoded; ::add-mask:: lines and clean text are not leaks', () => {
  const secret = 'p@ss w/rd+åäö-123';
  registerSecret(secret);
  expect(findLeaks([`x ${encodeURIComponent(secret)} y`])).toHaveLength(1);
  expect(findLeaks([`::add-mask::${secret}\n::add-mask::${ticket}\nall fine`])).toEqual([]);
  expect(findLeaks(['VM 100 started; task UPID:pve1:0032ABB6:0735BA20:6B025762:qmstart:100:root@pam:'])).toEqual([]);
});

test('text shaped like a PVE ticket or CSRF token is a leak even if the guard never saw it issued', () => {
  const foreignTicket = 'PVE:ci@pve:6B025762::bm90IGEgcmVhbCBzaWduYXR1cmUgYnV0IGxvbmcgZW5vdWdo';
  const foreignCsrf = `6B025762:${'A'.repeat(43)}`;
  expect(findLeaks([foreignTicket]).map((l) => l.kind)).toEqual(['ticket-shaped text']);
  expect(findLeaks([`header ${foreignCsrf} end`]).map((l) => l.kind)).toEqual(['CSRF-token-shaped text']);
});
