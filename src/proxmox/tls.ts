// TLS policy for the PVE connection: system CAs (+ ca_path), a SHA-256 certificate pin, or no verification.
// The check runs in our connector, after the handshake and before undici gets the socket, so nothing is sent
// to a server we have not accepted.
import { createSecureContext, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { Connection } from '../settings.js';
import { TlsError, errorCode } from './errors.js';

const WAYS_OUT =
  'Ways out: ca_path (the CA that signed the PVE certificate, as a file or inline PEM), ' +
  'tls_fingerprint (the SHA-256 fingerprint of the server certificate, as shown in the PVE GUI under ' +
  'System > Certificates), or validate_certs: false (no verification at all).';

/** Upper-case hex pairs joined by ':' (the PVE GUI's form), whatever the input's case or separators. */
export function normaliseFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

const REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed CA that is not trusted (e.g. the PVE cluster CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is signed by an unknown CA',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not issued for this host name',
};

function certificateFailure(hostPort: string, reason: string, cert?: PeerCertificate, cause?: unknown): TlsError {
  const fingerprint = cert?.fingerprint256 || undefined;
  const presented = fingerprint ? ` The server presented SHA-256 fingerprint ${fingerprint}.` : '';
  return new TlsError(`TLS verification of PVE at ${hostPort} failed: ${reason}.${presented} ${WAYS_OUT}`, {
    cause,
    fingerprint,
  });
}

/** Why Node refused the certificate, in words, with the details that help (names, dates). */
function describeRefusal(code: string, cert: PeerCertificate | undefined, host: string): string {
  let reason = REASONS[code] ?? `the certificate was refused (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    reason = `the certificate is not issued for "${host}" (it names ${cert?.subjectaltname || cert?.subject?.CN || 'nothing'})`;
  } else if (code === 'CERT_HAS_EXPIRED' && cert?.valid_to) {
    reason += ` (valid until ${cert.valid_to})`;
  } else if (code === 'CERT_NOT_YET_VALID' && cert?.valid_from) {
    reason += ` (valid from ${cert.valid_from})`;
  }
  return reason;
}

/** The server answered a TLS hello in plain text: an HTTP (not HTTPS) endpoint or the wrong port. */
export function isPlainHttpAnswer(err: unknown): boolean {
  const code = errorCode(err) ?? '';
  const msg = err instanceof Error ? err.message : '';
  // OpenSSL reads the "HTTP/1.1 400" reply as a TLS record header; which check trips first varies by version.
  return /^ERR_SSL_(WRONG_VERSION_NUMBER|HTTP_REQUEST|PACKET_LENGTH_TOO_LONG)$/.test(code) || /wrong version number|packet length too long/i.test(msg);
}

/** Builds the undici connector that enforces the connection's TLS policy. */
export function tlsConnector(conn: Connection, connectTimeoutMs: number): buildConnector.connector {
  const pin = conn.tlsFingerprint ? normaliseFingerprint(conn.tlsFingerprint) : undefined;
  const verifyChain = conn.validateCerts && !pin;
  const base = buildConnector({
    // Node must not abort the handshake itself: we want the peer certificate for the message, and a pin
    // replaces chain verification entirely. The decision is made below, before undici may write.
    rejectUnauthorized: false,
    // One secure context per client: passing `ca` instead makes Node parse the whole bundle on every
    // connection (100-300 ms of CPU each, which 50 parallel jobs on 2 cores feel).
    secureContext: verifyChain && conn.caPem ? createSecureContext({ ca: [...rootCertificates, conn.caPem] }) : undefined,
    // A resumed session skips the identity check; a full handshake every time keeps the policy exact.
    maxCachedSessions: 0,
    timeout: connectTimeoutMs,
  });

  return (options, callback) => {
    const hostPort = `${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}:${options.port}`;
    base(options, (err, socket) => {
      if (err) {
        callback(err, null);
        return;
      }
      const tlsSocket = socket as TLSSocket;
      let refusal: TlsError | undefined;
      if (pin) {
        const cert = tlsSocket.getPeerCertificate();
        const actual = cert?.fingerprint256 ? normaliseFingerprint(cert.fingerprint256) : '';
        if (actual !== pin) {
          refusal = certificateFailure(hostPort, `the certificate does not match tls_fingerprint ${pin}`, cert);
        }
      } else if (verifyChain && !tlsSocket.authorized) {
        const cert = tlsSocket.getPeerCertificate();
        const code = String(tlsSocket.authorizationError ?? 'UNKNOWN');
        refusal = certificateFailure(hostPort, describeRefusal(code, cert, options.hostname), cert);
      }
      if (refusal) {
        socket!.destroy();
        callback(refusal, null);
        return;
      }
      callback(null, socket!);
    });
  };
}
