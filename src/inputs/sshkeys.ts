// `sshkeys` as Proxmox VE checks it: every line that is not blank must pass `ssh-keygen -l` (pve-common
// PVE::Tools::validate_ssh_public_keys, called by qemu-server create_vm and update_vm_api), or the whole request is
// refused with "SSH public key validation error", naming no line. The same rules (OpenSSH's public-key line:
// `[options] <type> <base64 key blob> [comment]`, the blob starting with its own type) name the line and what is
// wrong before anything is sent. DSA keys (dropped by OpenSSH 10) and certificates (whose signature only ssh-keygen
// verifies) are left to Proxmox VE to judge.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';

type Kind = 'ed25519' | 'ed25519-sk' | 'ecdsa' | 'ecdsa-sk' | 'rsa' | 'other';
interface KeyType {
  kind: Kind;
  curve?: 'nistp256' | 'nistp384' | 'nistp521';
}

/** OpenSSH's key type names; rsa-sha2-* name the same RSA keys. */
const TYPES: Record<string, KeyType> = {
  'ssh-ed25519': { kind: 'ed25519' },
  'sk-ssh-ed25519@openssh.com': { kind: 'ed25519-sk' },
  'ecdsa-sha2-nistp256': { kind: 'ecdsa', curve: 'nistp256' },
  'ecdsa-sha2-nistp384': { kind: 'ecdsa', curve: 'nistp384' },
  'ecdsa-sha2-nistp521': { kind: 'ecdsa', curve: 'nistp521' },
  'sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com': { kind: 'ecdsa-sk', curve: 'nistp256' },
  'ssh-rsa': { kind: 'rsa' },
  'rsa-sha2-256': { kind: 'rsa' },
  'rsa-sha2-512': { kind: 'rsa' },
  'ssh-dss': { kind: 'other' },
};
const typeOf = (name: string): KeyType | undefined =>
  Object.hasOwn(TYPES, name) ? TYPES[name] : /^[a-z0-9.@-]+-cert-v01@openssh\.com$/.test(name) ? { kind: 'other' } : undefined;
const KNOWN = 'ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa or a security-key type';
const COPIED = 'cut or changed when copied?';

/** DER prefix of an SPKI with an uncompressed point of each curve: OpenSSL checks the point is on the curve. */
let spki: Map<string, { prefix: Buffer; length: number }> | undefined;
function pointOnCurve(curve: string, point: Buffer): boolean {
  spki ??= new Map(
    (['nistp256', 'nistp384', 'nistp521'] as const).map((c) => {
      const der = generateKeyPairSync('ec', { namedCurve: `P-${c.slice(5)}` }).publicKey.export({ type: 'spki', format: 'der' });
      const length = 1 + 2 * Math.ceil(Number(c.slice(5)) / 8);
      return [c, { prefix: der.subarray(0, der.length - length), length }] as const;
    }),
  );
  const s = spki.get(curve)!;
  if (point.length !== s.length || point[0] !== 4) return false;
  try {
    createPublicKey({ key: Buffer.concat([s.prefix, point]), format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

/** The blob's fields (uint32-length-prefixed strings); undefined when it ends inside one. */
function fields(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    const len = blob.length - at >= 4 ? blob.readUInt32BE(at) : Infinity;
    if (blob.length - at - 4 < len) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** Bits of an SSH mpint (undefined when negative). */
function mpintBits(d: Buffer): number | undefined {
  if (d.length && d[0] & 0x80) return undefined;
  let i = 0;
  while (i < d.length && d[i] === 0) i++;
  return i === d.length ? 0 : (d.length - i - 1) * 8 + (32 - Math.clz32(d[i]));
}

/** What is wrong with `<type> <blob>…` at the start of `s` (the rest is a comment), or undefined when fine. */
function keyProblem(name: string, type: KeyType, rest: string): string | undefined {
  const b64 = rest.replace(/^[ \t]+/, '').split(/[ \t]/)[0];
  if (!b64) return `no key data after '${name}'`;
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(b64);
  const blob = m && (m[1].length + m[2].length) % 4 === 0 && (m[2] === '' || m[1].length % 4 > 1) ? Buffer.from(b64, 'base64') : undefined;
  if (!blob || blob.toString('base64') !== b64) return `the key data after '${name}' is not base64 (${COPIED})`;
  const head = blob.length >= 4 ? blob.readUInt32BE(0) : Infinity;
  const inner = head <= blob.length - 4 ? blob.subarray(4, 4 + head).toString('latin1').replace(/\0$/, '') : undefined;
  const innerType = inner === undefined ? undefined : typeOf(inner);
  if (!innerType) return `the key data after '${name}' is not an OpenSSH public key (${COPIED})`;
  if (innerType.kind !== type.kind || innerType.curve !== type.curve) return `the line says '${name}' but its key data is a '${inner}' key`;
  if (type.kind === 'other') return undefined; // DSA and certificates: Proxmox VE decides
  const incomplete = `the ${name} key data is incomplete or has extra bytes (${COPIED})`;
  const f = fields(blob);
  if (!f) return incomplete;
  switch (type.kind) {
    case 'ed25519':
    case 'ed25519-sk':
      return f[1]?.length === 32 && f.length === (type.kind === 'ed25519' ? 2 : 3) ? undefined : incomplete;
    case 'ecdsa':
    case 'ecdsa-sk':
      if (f.length !== (type.kind === 'ecdsa' ? 3 : 4) || f[1].toString('latin1') !== type.curve) return incomplete;
      return pointOnCurve(type.curve!, f[2]) ? undefined : `the ${name} key is not a point on its curve (${COPIED})`;
    case 'rsa': {
      const bits = f.length === 3 ? mpintBits(f[2]) : undefined;
      if (bits === undefined || mpintBits(f[1]) === undefined) return incomplete;
      return bits < 1024 ? `an RSA key of ${bits} bits: OpenSSH accepts no fewer than 1024 (use ssh-ed25519)` : undefined;
    }
  }
}

/** One line as ssh-keygen reads it: a bare key, else one leading token (options or a host) and then a key. */
function lineProblem(line: string): string | undefined {
  const cp = line.split(/[\r\0]/)[0].replace(/^[ \t]+/, '');
  if (cp.startsWith('#')) return 'is a comment: Proxmox VE checks every line that is not blank as a key, so leave comments out';
  if (/^-----.*PRIVATE KEY/.test(cp)) return 'is part of a private key: give the public key (the .pub file)';
  if (/^-----(BEGIN|END) /.test(cp)) return "is a '-----BEGIN/END' line: give each key on one line, as a .pub file holds it";
  const first = cp.split(/[ \t]/)[0];
  const type = typeOf(first);
  const direct = type && keyProblem(first, type, cp.slice(first.length));
  if (type && !direct) return undefined;
  // ssh-keygen reads a line naming "PRIVATE KEY" as a private key file: only a bare public key survives that
  if (cp.includes('PRIVATE KEY')) return direct || "holds 'PRIVATE KEY', so ssh-keygen reads it as a private key: give the public key alone";
  // else, as ssh-keygen: authorized_keys options or a known_hosts host (one token, quotes honoured), one blank, a key
  let i = 0;
  for (let quoted = false; i < cp.length && (quoted || (cp[i] !== ' ' && cp[i] !== '\t')); i++) {
    if (cp[i] === '\\' && cp[i + 1] === '"') i++;
    else if (cp[i] === '"') quoted = !quoted;
  }
  const after = cp.slice(i + 1);
  const second = after.split(/[ \t]/)[0];
  // a number first (an SSH1 key's size) is not skipped
  const type2 = i < cp.length && !(/^[+-]?\d+$/.test(first) && Number(first) !== 0) ? typeOf(second) : undefined;
  const skipped = type2 && keyProblem(second, type2, after.slice(second.length));
  if (type2 && !skipped) return undefined;
  if (!direct && !skipped && /^[a-z0-9@.-]+%20/i.test(cp)) return 'looks URL-encoded: give the key as it is; the action URL-encodes it for Proxmox VE';
  return direct || skipped || `does not start with a key type (${KNOWN}): '<type> <base64 key> [comment]'`;
}

/** Undefined when every line that is not blank is a public key Proxmox VE would take, else which line and why. */
export function sshKeysError(value: string): string | undefined {
  const lines = value.split('\n');
  for (let n = 0; n < lines.length; n++) {
    if (/^[ \t\r\f\v]*$/.test(lines[n])) continue;
    const problem = lineProblem(lines[n]);
    if (problem) return `line ${n + 1} ${/^(is|does|holds|looks) /.test(problem) ? problem : `is not a valid public key: ${problem}`}`;
  }
  return undefined;
}
