// TLS policy for the PVE connection: system CAs (+ ca_path), a SHA-256 certificate pin, or no verification.
// The check runs in our Agent (transport.ts), after the handshake and before a request gets the socket, so nothing is sent
// to a server we have not accepted.
import { createSecureContext, rootCertificates, type PeerCertificate, type SecureContext } from 'node:tls';
import type { Connection } from '../settings.js';
import { TlsError, errorCode } from './errors.js';
import type { TlsCheck } from './transport.js';

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

/** The connection's TLS policy: the secure context to handshake with and the check a new socket must pass. */
export function tlsPolicy(conn: Connection): { secureContext?: SecureContext; check: TlsCheck } {
  const pin = conn.tlsFingerprint ? normaliseFingerprint(conn.tlsFingerprint) : undefined;
  const verifyChain = conn.validateCerts && !pin;
  // One secure context per client: passing `ca` per connection makes Node parse the whole bundle every time
  // (100-300 ms of CPU each, which 50 parallel jobs on 2 cores feel).
  // Without chain verification (a pin, or validate_certs: false) no CA is ever consulted: an empty CA list spares
  // building the default store of ~150 root certificates (~1-2 ms of start-up on Node 24).
  const secureContext = !verifyChain
    ? createSecureContext({ ca: [] })
    : conn.caPem
      ? createSecureContext({ ca: [...rootCertificates, conn.caPem] })
      : undefined;

  const check: TlsCheck = (socket, hostname, port) => {
    const hostPort = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    if (pin) {
      const cert = socket.getPeerCertificate();
      const actual = cert?.fingerprint256 ? normaliseFingerprint(cert.fingerprint256) : '';
      if (actual !== pin) return certificateFailure(hostPort, `the certificate does not match tls_fingerprint ${pin}`, cert);
    } else if (verifyChain && !socket.authorized) {
      const cert = socket.getPeerCertificate();
      const code = String(socket.authorizationError ?? 'UNKNOWN');
      return certificateFailure(hostPort, describeRefusal(code, cert, hostname), cert);
    }
    return undefined;
  };
  return { secureContext, check };
}
