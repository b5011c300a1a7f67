// TLS material for the simulator: a per-process cluster CA and server certificates signed by it, shaped like the
// ones pvecm creates (CA "Proxmox Virtual Environment" / node cert "PVE Cluster Node"), plus the GUI fingerprint.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface CertificateOptions {
  /** Issue a certificate whose validity ended yesterday (for TLS failure tests). */
  expired?: boolean;
  /** Issue the certificate for this DNS name only (no 127.0.0.1/localhost SAN), so name checks fail. */
  hostname?: string;
}

export interface ServerCertificate {
  caCert: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by ':' (as the PVE GUI shows it). */
  fingerprint: string;
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  keyPem: string;
}

// RSA key generation in pure JS takes seconds; Node's native generator takes milliseconds. Keys and certificates
// are cached per process because every test file starts several simulators.
function newKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e), keyPem };
}

function serialNumber(): string {
  // Positive, non-zero, 16 bytes: DER integers with the high bit set would be read as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

interface Ca {
  cert: forge.pki.Certificate;
  keys: KeyPair;
  pem: string;
}

let caCache: Ca | undefined;
const serverCache = new Map<string, ServerCertificate>();

function clusterCa(): Ca {
  if (caCache) return caCache;
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 86_400_000);
  cert.validity.notAfter = new Date(now + 10 * 365 * 86_400_000);
  const subject = [
    { name: 'commonName', value: 'Proxmox Virtual Environment' },
    { shortName: 'OU', value: randomBytes(16).toString('hex') },
    { name: 'organizationName', value: 'PVE Cluster Manager CA' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  caCache = { cert, keys, pem: forge.pki.certificateToPem(cert) };
  return caCache;
}

export function fingerprintOf(certPem: string): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes();
  const hex = createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/** The server certificate for these options (cached per process), signed by the per-process cluster CA. */
export function serverCertificate(options: CertificateOptions = {}): ServerCertificate {
  const key = `${options.expired ? 'expired' : 'valid'}|${options.hostname ?? ''}`;
  const cached = serverCache.get(key);
  if (cached) return cached;
  const ca = clusterCa();
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  const now = Date.now();
  if (options.expired) {
    cert.validity.notBefore = new Date(now - 30 * 86_400_000);
    cert.validity.notAfter = new Date(now - 86_400_000);
  } else {
    cert.validity.notBefore = new Date(now - 86_400_000);
    cert.validity.notAfter = new Date(now + 2 * 365 * 86_400_000);
  }
  const cn = options.hostname ?? 'localhost';
  cert.setSubject([
    { name: 'commonName', value: cn },
    { shortName: 'OU', value: 'PVE Cluster Node' },
    { name: 'organizationName', value: 'Proxmox Virtual Environment' },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  const altNames = options.hostname
    ? [{ type: 2, value: options.hostname }]
    : [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, dataEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.keys.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const result: ServerCertificate = { caCert: ca.pem, certPem, keyPem: keys.keyPem, fingerprint: fingerprintOf(certPem) };
  serverCache.set(key, result);
  return result;
}
