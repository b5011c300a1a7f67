// `sshkeys` as Proxmox VE checks it. qemu-server src/PVE/API2/Qemu.pm create_vm and update_vm_api URI-decode the
// value (URI::Escape::uri_unescape) and call pve-common src/PVE/Tools.pm validate_ssh_public_keys: every line that
// is not whitespace-only goes to a file of its own and must pass `ssh-keygen -l -f <file>`, else the request dies
// with "SSH public key validation error" (no line named). What ssh-keygen accepts is modelled from openssh-portable
// as Proxmox VE 9 ships it (Debian trixie, OpenSSH 10.0, which has no DSA): ssh-keygen.c do_fingerprint,
// authfile.c sshkey_try_load_public, sshkey.c sshkey_read / sshkey_from_blob_internal, the per-type
// deserialize_public functions, sshbuf-getput-*.c and openbsd-compat/base64.c b64_pton.
// Not modelled: certificates (*-cert-v01@openssh.com, whose CA signature ssh-keygen verifies) are refused.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';

export const SSH_KEY_ERROR = 'SSH public key validation error';

type Curve = 'nistp256' | 'nistp384' | 'nistp521';
type Kind = 'ed25519' | 'ed25519-sk' | 'ecdsa' | 'ecdsa-sk' | 'rsa';
interface KeyType {
  kind: Kind;
  curve?: Curve;
}

/** sshkey.c keyimpls[] names (WITH_OPENSSL, ENABLE_SK), certificates left out: name → key type (and curve). */
const TYPES: Record<string, KeyType> = {
  'ssh-ed25519': { kind: 'ed25519' },
  'sk-ssh-ed25519@openssh.com': { kind: 'ed25519-sk' },
  'ecdsa-sha2-nistp256': { kind: 'ecdsa', curve: 'nistp256' },
  'ecdsa-sha2-nistp384': { kind: 'ecdsa', curve: 'nistp384' },
  'ecdsa-sha2-nistp521': { kind: 'ecdsa', curve: 'nistp521' },
  'sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
  // rsa-sha2-* are signature names of the same KEY_RSA type, and peek_type_nid/type_from_name take them.
  'ssh-rsa': { kind: 'rsa' },
  'rsa-sha2-256': { kind: 'rsa' },
  'rsa-sha2-512': { kind: 'rsa' },
};

const typeOf = (name: string): KeyType | undefined => (Object.hasOwn(TYPES, name) ? TYPES[name] : undefined);

/** DER prefix of an SPKI holding an uncompressed point of each curve, so OpenSSL itself checks the point. */
const SPKI_PREFIX = new Map<Curve, { prefix: Buffer; pointLength: number }>();
for (const [curve, named] of [['nistp256', 'P-256'], ['nistp384', 'P-384'], ['nistp521', 'P-521']] as const) {
  const der = generateKeyPairSync('ec', { namedCurve: named }).publicKey.export({ type: 'spki', format: 'der' });
  const size = Math.ceil(Number(named.slice(2)) / 8);
  const pointLength = 1 + 2 * size;
  SPKI_PREFIX.set(curve, { prefix: der.subarray(0, der.length - pointLength), pointLength });
}

/** sshbuf's readers: strings are uint32-length-prefixed; any shortfall is a parse failure (undefined). */
class Reader {
  private off = 0;
  constructor(private readonly b: Buffer) {}
  get left(): number {
    return this.b.length - this.off;
  }
  string(): Buffer | undefined {
    if (this.left < 4) return undefined;
    const len = this.b.readUInt32BE(this.off);
    if (len > 0x8000000 - 4 || this.left - 4 < len) return undefined;
    const out = this.b.subarray(this.off + 4, this.off + 4 + len);
    this.off += 4 + len;
    return out;
  }
  /** sshbuf_get_cstring: a NUL is allowed only as the last byte. */
  cstring(): string | undefined {
    const s = this.string();
    if (!s) return undefined;
    const z = s.indexOf(0);
    if (z >= 0 && z < s.length - 1) return undefined;
    return s.subarray(0, z >= 0 ? z : s.length).toString('latin1');
  }
  /** sshbuf_get_bignum2: no sign bit, at most 16384 bits (one leading zero byte allowed); its bit length. */
  mpintBits(): number | undefined {
    const d = this.string();
    if (!d) return undefined;
    if (d.length > 0 && (d[0] & 0x80) !== 0) return undefined;
    if (d.length > 2049 || (d.length === 2049 && d[0] !== 0)) return undefined;
    let i = 0;
    while (i < d.length && d[i] === 0) i++;
    return i === d.length ? 0 : (d.length - i - 1) * 8 + (32 - Math.clz32(d[i]));
  }
}

/** sshbuf_get_eckey + sshkey_ec_validate_public: an uncompressed point on the curve (OpenSSL's oct2point). */
function validPoint(curve: Curve, point: Buffer): boolean {
  const spki = SPKI_PREFIX.get(curve)!;
  if (point.length === 0 || point.length > 133 || point[0] !== 0x04 || point.length !== spki.pointLength) return false;
  try {
    createPublicKey({ key: Buffer.concat([spki.prefix, point]), format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

/** sshkey_from_blob_internal: the blob's own type, its key-specific fields, and nothing after them. */
function parseBlob(blob: Buffer): KeyType | undefined {
  const r = new Reader(blob);
  const name = r.cstring();
  const type = name === undefined ? undefined : typeOf(name);
  if (!type) return undefined;
  switch (type.kind) {
    case 'ed25519':
    case 'ed25519-sk':
      if (r.string()?.length !== 32) return undefined; // ED25519_PK_SZ
      break;
    case 'ecdsa':
    case 'ecdsa-sk': {
      // the curve named inside must be the one of the blob's type name (SSH_ERR_EC_CURVE_MISMATCH)
      if (r.cstring() !== type.curve) return undefined;
      const point = r.string();
      if (!point || !validPoint(type.curve!, point)) return undefined;
      break;
    }
    case 'rsa': {
      const e = r.mpintBits();
      const n = r.mpintBits();
      if (e === undefined || n === undefined || n < 1024) return undefined; // SSH_RSA_MINIMUM_MODULUS_SIZE
      break;
    }
  }
  if (type.kind.endsWith('-sk') && r.cstring() === undefined) return undefined; // sshkey_deserialize_sk: application
  return r.left === 0 ? type : undefined;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const cSpace = (c: string): boolean => c === ' ' || (c >= '\t' && c <= '\r');

/** b64_pton: whitespace skipped, padding required at a partial end, and the bits it pads must be zero. */
function b64pton(src: string): Buffer | undefined {
  const t: number[] = [];
  let ti = 0;
  let state = 0;
  let i = 0;
  for (; i < src.length; i++) {
    const ch = src[i];
    if (cSpace(ch)) continue;
    if (ch === '=') break;
    const v = B64.indexOf(ch);
    if (v < 0) return undefined;
    if (state === 0) {
      t[ti] = v << 2;
    } else if (state === 1) {
      t[ti++] |= v >> 4;
      t[ti] = (v & 0x0f) << 4;
    } else if (state === 2) {
      t[ti++] |= v >> 2;
      t[ti] = (v & 0x03) << 6;
    } else {
      t[ti++] |= v;
    }
    state = (state + 1) % 4;
  }
  if (i < src.length) {
    // stopped at '='
    if (state === 0 || state === 1) return undefined;
    i++;
    if (state === 2) {
      while (i < src.length && cSpace(src[i])) i++;
      if (src[i] !== '=') return undefined;
      i++;
    }
    for (; i < src.length; i++) if (!cSpace(src[i])) return undefined;
    if (t[ti] !== 0) return undefined; // the padded-over bits carry data
  } else if (state !== 0) {
    return undefined; // a partial byte without padding
  }
  return Buffer.from(t.slice(0, ti));
}

/** sshkey_read on `s` (no leading whitespace skipped): `<type> <base64 blob>` of one type; the rest is a comment. */
function readKey(s: string): boolean {
  const space = s.search(/[ \t]/);
  if (space < 0) return false;
  const lineType = typeOf(s.slice(0, space));
  if (!lineType) return false;
  const rest = s.slice(space).replace(/^[ \t]+/, '');
  if (rest === '') return false;
  const end = rest.search(/[ \t]/);
  const blob = b64pton(end < 0 ? rest : rest.slice(0, end));
  const blobType = blob && parseBlob(blob);
  // the line's type must be the blob's (SSH_ERR_KEY_TYPE_MISMATCH), for ECDSA down to the curve
  return blobType !== undefined && blobType.kind === lineType.kind && blobType.curve === lineType.curve;
}

/** strtol(cp, &ep, 10) as do_fingerprint truncates it to an int: a key length of an SSH1 line is not skipped. */
function leadingInt(s: string): bigint | undefined {
  const m = /^[+-]?[0-9]+/.exec(s);
  if (!m || (s[m[0].length] !== ' ' && s[m[0].length] !== '\t')) return undefined;
  let v = BigInt(m[0]);
  const max = 2n ** 63n - 1n;
  v = v > max ? max : v < -max - 1n ? -max - 1n : v;
  return BigInt.asIntN(32, v);
}

/** `ssh-keygen -l -f` on a file holding just this line (do_fingerprint). */
function sshKeygenAccepts(raw: string): boolean {
  const line = raw.split(/[\r\n\0]/)[0]; // getline + strcspn("\r\n"); a NUL ends the C string
  const cp = line.replace(/^[ \t]+/, '');
  if (cp === '' || cp.startsWith('#')) return false; // nothing but a comment: "is not a public key file"
  if (cp.includes('PRIVATE KEY')) {
    // fingerprint_private: only sshkey_load_public's plain read can succeed on one line
    return !line.startsWith('-----BEGIN') && readKey(cp);
  }
  if (readKey(cp)) return true;
  const n = leadingInt(cp);
  if (n !== undefined && n !== 0n) return false; // not skipped, and no key there
  // authorized_keys options or a known_hosts host: one token, quotes (and \") honoured, then exactly one blank
  let i = 0;
  let quoted = false;
  for (; i < cp.length && (quoted || (cp[i] !== ' ' && cp[i] !== '\t')); i++) {
    if (cp[i] === '\\' && cp[i + 1] === '"') i++;
    else if (cp[i] === '"') quoted = !quoted;
  }
  return i < cp.length && readKey(cp.slice(i + 1));
}

/** URI::Escape::uri_unescape on the value's bytes; the result as a byte (latin1) string. */
function uriUnescape(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('latin1')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** validate_ssh_public_keys on the (still URL-encoded) parameter: whether PVE accepts it. */
export function sshKeysValid(encoded: string): boolean {
  return uriUnescape(encoded)
    .split('\n')
    .every((line) => /^[ \t\n\r\f\v]*$/.test(line) || sshKeygenAccepts(line));
}

/** The same check on one decoded line, for tests that compare it with a real ssh-keygen. */
export const sshKeyLineAccepted = (line: string): boolean => /^[ \t\n\r\f\v]*$/.test(line) || sshKeygenAccepts(line);
