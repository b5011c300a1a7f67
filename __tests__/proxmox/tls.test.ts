// TLS policy of the client: trusted CA via ca_path, refusals (unknown CA, self-signed, expired, wrong host, wrong
// pin) with the three ways out, fingerprint pinning decided before any HTTP byte, validate_certs: false, plain HTTP.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxClient } from '../../src/proxmox/client.js';
import { ConnectionError, TlsError } from '../../src/proxmox/errors.js';
import { normaliseFingerprint } from '../../src/proxmox/tls.js';
import type { Connection } from '../../src/settings.js';
import { testPki, type Issued } from './support/certs.js';
import { TOKEN } from './support/fake-auth.js';
import { connectionTo, ok, startStub, type Stub } from './support/stub.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(() => void testPki());

async function serve(cert: Issued | undefined): Promise<Stub> {
  const stub = await startStub({ tls: cert, handler: () => ok({ version: '9.1.1' }) });
  cleanups.push(() => stub.close());
  return stub;
}

function clientFor(stub: Stub, conn: Partial<Connection>): ProxmoxClient {
  const client = new ProxmoxClient(
    connectionTo(stub, { password: undefined, tokenId: TOKEN.tokenid, tokenSecret: TOKEN.secret, validateCerts: true, ...conn }),
    { retry: { baseDelayMs: 1 } },
  );
  cleanups.push(() => client.close());
  return client;
}

const WAYS_OUT = /ca_path \(.*file or inline PEM\), tls_fingerprint \(the SHA-256 fingerprint .* PVE GUI.*\), or validate_certs: false/;

async function refusal(stub: Stub, conn: Partial<Connection>): Promise<TlsError> {
  const err = await clientFor(stub, conn).get('/version').then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TlsError);
  const tls = err as TlsError;
  expect(tls.message).toMatch(WAYS_OUT);
  expect(tls.message).toContain(`${stub.host}:${stub.port}`);
  // Refused in the handshake: not a single HTTP request reached the server, and it was not retried.
  expect(stub.requests).toHaveLength(0);
  expect(stub.handshakes).toBeLessThanOrEqual(1);
  return tls;
}

describe('TLS', () => {
  it('trusts a server signed by the CA given as ca_path', async () => {
    const stub = await serve(testPki().server);
    await expect(clientFor(stub, { caPem: testPki().caPem }).get('/version')).resolves.toEqual({ version: '9.1.1' });
    await expect(clientFor(stub, { caPem: testPki().caPem, host: 'localhost' }).get('/version')).resolves.toBeTruthy();
  });

  it('refuses an unknown CA and names the three ways out and the fingerprint', async () => {
    const stub = await serve(testPki().server);
    const err = await refusal(stub, {});
    expect(err.message).toContain('the certificate is signed by an unknown CA');
    expect(err.message).toContain(`The server presented SHA-256 fingerprint ${testPki().server.fingerprint}.`);
    expect(err.fingerprint).toBe(testPki().server.fingerprint);
  });

  it('refuses a self-signed certificate', async () => {
    const stub = await serve(testPki().selfSigned);
    const err = await refusal(stub, { caPem: testPki().caPem });
    expect(err.message).toContain('the certificate is self-signed');
  });

  it('refuses an expired certificate even from a trusted CA', async () => {
    const stub = await serve(testPki().expired);
    const err = await refusal(stub, { caPem: testPki().caPem });
    expect(err.message).toMatch(/the certificate has expired \(valid until .*\)/);
  });

  it('refuses a certificate for another host', async () => {
    const stub = await serve(testPki().wrongHost);
    const err = await refusal(stub, { caPem: testPki().caPem });
    expect(err.message).toContain('the certificate is not issued for "127.0.0.1" (it names DNS:other.example)');
  });

  it('accepts the pinned fingerprint whatever the CA, in any case or separator style', async () => {
    const stub = await serve(testPki().selfSigned);
    const fp = testPki().selfSigned.fingerprint;
    await expect(clientFor(stub, { tlsFingerprint: fp }).get('/version')).resolves.toBeTruthy();
    await expect(clientFor(stub, { tlsFingerprint: fp.replace(/:/g, '').toLowerCase() }).get('/version')).resolves.toBeTruthy();
  });

  it('refuses a wrong pin before any HTTP request is sent', async () => {
    const stub = await serve(testPki().server);
    const wrong = testPki().selfSigned.fingerprint; // another certificate's
    expect(wrong).not.toBe(testPki().server.fingerprint);
    // Even a CA the client would otherwise trust does not override the pin.
    const err = await refusal(stub, { tlsFingerprint: wrong, caPem: testPki().caPem });
    expect(stub.connections).toBe(1); // the server was reached, and then heard nothing
    expect(err.message).toContain(`the certificate does not match tls_fingerprint ${normaliseFingerprint(wrong)}`);
  });

  it('accepts anything with validate_certs: false', async () => {
    for (const cert of [testPki().selfSigned, testPki().expired, testPki().wrongHost]) {
      const stub = await serve(cert);
      await expect(clientFor(stub, { validateCerts: false }).get('/version')).resolves.toBeTruthy();
    }
  });

  it('explains a server that answers plain HTTP', async () => {
    const stub = await serve(undefined);
    const err = await clientFor(stub, {}).get('/version').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/answered in plain HTTP, not HTTPS .*check api_host and api_port/);
    expect(stub.requests).toHaveLength(0);
    expect(stub.connections).toBe(1); // not retried
  });
});

describe('normaliseFingerprint', () => {
  it('accepts colon-less, lower-case and spaced forms', () => {
    expect(normaliseFingerprint('ab:cd:EF:01')).toBe('AB:CD:EF:01');
    expect(normaliseFingerprint('abcdef01')).toBe('AB:CD:EF:01');
    expect(normaliseFingerprint(' AB CD-EF 01 ')).toBe('AB:CD:EF:01');
  });
});
