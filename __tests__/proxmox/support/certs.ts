// Test PKI for the client's TLS tests: one CA and leaf certificates signed by it (valid, expired, wrong host,
// self-signed). Keys come from Node's native generator (fast); node-forge only assembles and signs certificates.
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by ':' (as the PVE GUI shows it). */
  fingerprint: string;
}

export interface TestPki {
  caPem: string;
  /** For 127.0.0.1, ::1 and localhost, signed by the CA. */
  server: Issued;
  expired: Issued;
  /** For other.example only. */
  wrongHost: Issued;
  /** Signed by its own key, no CA. */
  selfSigned: Issued;
}

function keyPair(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

interface CertSpec {
  cn: string;
  publicKey: forge.pki.rsa.PublicKey;
  signer: forge.pki.rsa.PrivateKey;
  issuer?: forge.pki.Certificate;
  ca?: boolean;
  names?: { dns?: string[]; ips?: string[] };
  notBefore: Date;
  notAfter: Date;
}

function makeCert(spec: CertSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.publicKey;
  // A positive DER integer: clear the top bit, keep it non-zero.
  const serial = randomBytes(12);
  serial[0] = (serial[0] & 0x7f) | 0x10;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject([{ name: 'commonName', value: spec.cn }]);
  cert.setIssuer(spec.issuer ? spec.issuer.subject.attributes : [{ name: 'commonName', value: spec.cn }]);
  const extensions: object[] = [{ name: 'basicConstraints', cA: !!spec.ca, critical: !!spec.ca }];
  if (spec.ca) {
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  } else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
  }
  const alt = [
    ...(spec.names?.dns ?? []).map((value) => ({ type: 2, value })),
    ...(spec.names?.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (alt.length) extensions.push({ name: 'subjectAltName', altNames: alt });
  cert.setExtensions(extensions);
  cert.sign(spec.signer, forge.md.sha256.create());
  return cert;
}

function issued(cert: forge.pki.Certificate, keyPem: string): Issued {
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, keyPem, fingerprint: new X509Certificate(certPem).fingerprint256 };
}

let cached: TestPki | undefined;

/** Built once per test file (about 0.2 s). */
export function testPki(): TestPki {
  if (cached) return cached;
  const day = 24 * 3600 * 1000;
  const now = Date.now();
  const valid = { notBefore: new Date(now - day), notAfter: new Date(now + 365 * day) };
  const caKey = keyPair();
  const serverKey = keyPair();
  const ca = makeCert({ cn: 'Test PVE Cluster CA', publicKey: caKey.publicKey, signer: caKey.forgeKey, ca: true, ...valid });
  const local = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };
  const leaf = (cn: string, names: CertSpec['names'], dates = valid): Issued =>
    issued(
      makeCert({ cn, publicKey: serverKey.publicKey, signer: caKey.forgeKey, issuer: ca, names, ...dates }),
      serverKey.pem,
    );
  cached = {
    caPem: forge.pki.certificateToPem(ca),
    server: leaf('pve1.test', local),
    expired: leaf('pve1.test', local, { notBefore: new Date(now - 30 * day), notAfter: new Date(now - day) }),
    wrongHost: leaf('other.example', { dns: ['other.example'] }),
    selfSigned: issued(
      makeCert({ cn: 'pve1.test', publicKey: serverKey.publicKey, signer: serverKey.forgeKey, names: local, ...valid }),
      serverKey.pem,
    ),
  };
  return cached;
}
