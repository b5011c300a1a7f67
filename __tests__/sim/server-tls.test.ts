// Transport options: HTTPS verified against the simulator's CA, the GUI-style fingerprint of the peer
// certificate, the expired and wrong-name certificate variants, and plain HTTP.
import { request as httpsRequest } from 'node:https';
import { type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { simRequest, simToken } from '../support/sim-client.js';

/** Connects with the given trust settings; resolves with the peer's SHA-256 fingerprint or rejects with the TLS error code. */
function handshake(sim: Simulator, opts: { ca?: string; rejectUnauthorized?: boolean; servername?: string }): Promise<string> {
  const url = new URL(sim.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path: '/api2/json/version', agent: false, ...opts }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve(peer.fingerprint256));
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code ?? e.message)));
    req.end();
  });
}

describe('HTTPS', () => {
  it('verifies against the CA and presents the advertised fingerprint', async () => {
    const sim = await startSimulator();
    try {
      expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(await handshake(sim, { ca: sim.caCert })).toBe(sim.fingerprint);
      await expect(handshake(sim, {})).rejects.toThrow(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      const nodes = (await simRequest(sim, 'GET', '/nodes', { auth: simToken(sim) })).json.data;
      expect(nodes[0].ssl_fingerprint).toBe(sim.fingerprint);
      expect(sim.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    } finally {
      await sim.close();
    }
  });

  it('can present an expired certificate', async () => {
    const sim = await startSimulator({ certificate: { expired: true } });
    try {
      await expect(handshake(sim, { ca: sim.caCert })).rejects.toThrow('CERT_HAS_EXPIRED');
      expect(await handshake(sim, { rejectUnauthorized: false })).toBe(sim.fingerprint);
    } finally {
      await sim.close();
    }
  });

  it('can present a certificate for another host name', async () => {
    const sim = await startSimulator({ certificate: { hostname: 'pve.example.invalid' } });
    try {
      await expect(handshake(sim, { ca: sim.caCert })).rejects.toThrow('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(await handshake(sim, { ca: sim.caCert, servername: 'pve.example.invalid', rejectUnauthorized: true })).toBe(sim.fingerprint);
    } finally {
      await sim.close();
    }
  });
});

describe('plain HTTP', () => {
  it('serves the same API without TLS', async () => {
    const sim = await startSimulator({ https: false });
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await simRequest(sim, 'GET', '/version', { auth: simToken(sim) });
      expect(res.json.data.release).toBe('9.1');
    } finally {
      await sim.close();
    }
  });
});
