// TLS refusals: a certificate the action cannot trust (unknown CA, wrong pin, expired, other host name) or a
// plain-HTTP server is refused with a message that names the ways out, before a single request reaches the server.
import './leak-guard.js';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, test } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/index.js';
import { runAction, type ActionRun } from '../../tools/runner/index.js';
import { ACTION_DIR, errorText, printFigures, transcript } from './support.js';

const sims: Simulator[] = [];
let refused = 0;
let accepted = 0;

afterAll(async () => {
  printFigures('TLS', { 'connections refused as expected': refused, 'trusted connections (controls)': accepted });
  await Promise.all(sims.map((s) => s.close()));
});

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ timeScale: 0.02, ...options });
  sims.push(s);
  return s;
}

/** A `state: absent` step for a VM that is not there (succeeds when trusted) that logs in with the password: the first request would carry the secret. */
async function probe(s: Simulator, tls: Record<string, string>): Promise<ActionRun> {
  return runAction({
    inputs: { api_host: s.host, api_port: String(s.port), api_user: s.credentials.user, api_password: s.credentials.password, name: 'tls-probe', state: 'absent', ...tls },
    timeoutMs: 30_000,
    actionDir: ACTION_DIR,
  });
}

const WAYS_OUT = ['ca_path', 'tls_fingerprint', 'validate_certs'];

/** Refused, with the reason matching `why`, the three ways out named, and not one request seen by the server. */
function expectRefused(s: Simulator, run: ActionRun, why: RegExp, waysOut = WAYS_OUT): string {
  expect(run.main.exitCode, transcript(run)).not.toBe(0);
  const error = errorText(run);
  expect(error).toMatch(why);
  for (const way of waysOut) expect(error).toContain(way);
  expect(s.log, 'requests reached a server that was not trusted').toEqual([]);
  refused++;
  return error;
}

function expectTrusted(s: Simulator, run: ActionRun): void {
  expect(run.main.exitCode, transcript(run)).toBe(0);
  expect(s.log.length).toBeGreaterThan(0);
  accepted++;
}

describe('refused', () => {
  test('a certificate from a CA other than the one in ca_path', async () => {
    const s = await sim();
    // A real public root CA: valid PEM, but it did not sign the cluster certificate.
    expectRefused(s, await probe(s, { ca_path: rootCertificates[0] }), /unknown CA|not trusted|self-signed|verif/i);
  });

  test('the cluster CA when nothing says to trust it (validate_certs defaults to true)', async () => {
    const s = await sim();
    expectRefused(s, await probe(s, {}), /self-signed|not trusted|unknown CA/i);
  });

  test('a certificate whose fingerprint is not tls_fingerprint, naming the one presented', async () => {
    const s = await sim();
    const wrong = Array.from({ length: 32 }, () => 'AB').join(':');
    const error = expectRefused(s, await probe(s, { tls_fingerprint: wrong }), /fingerprint/i);
    // The message shows what the server presented, so the user can compare it with the PVE GUI.
    expect(error).toContain(s.fingerprint);
  });

  test('an expired certificate, even from the trusted CA', async () => {
    const s = await sim({ certificate: { expired: true } });
    expectRefused(s, await probe(s, { ca_path: s.caCert }), /expired/i);
  });

  test('a certificate issued for another host name', async () => {
    const s = await sim({ certificate: { hostname: 'pve.example.com' } });
    expectRefused(s, await probe(s, { ca_path: s.caCert }), /host ?name|pve\.example\.com/i);
  });

  test('a plain-HTTP server where HTTPS is expected (no downgrade, nothing sent in clear text)', async () => {
    const s = await sim({ https: false });
    const error = expectRefused(s, await probe(s, { validate_certs: 'false' }), /plain HTTP|not HTTPS|https/i, ['api_host', 'api_port']);
    expect(error).not.toContain(s.credentials.password);
  });
});

describe('trusted (controls, so the refusals above mean something)', () => {
  test('the cluster CA given inline in ca_path', async () => {
    const s = await sim();
    expectTrusted(s, await probe(s, { ca_path: s.caCert }));
  });

  test('the right tls_fingerprint, in lower case without colons', async () => {
    const s = await sim();
    expectTrusted(s, await probe(s, { tls_fingerprint: s.fingerprint.replace(/:/g, '').toLowerCase() }));
  });

  test('validate_certs: false', async () => {
    const s = await sim();
    expectTrusted(s, await probe(s, { validate_certs: 'false' }));
  });
});
