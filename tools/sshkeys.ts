// Real OpenSSH public keys for tests and the demo: node:crypto key pairs written in the OpenSSH public-key format
// (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709; the security-key forms of OpenSSH's PROTOCOL.u2f), the line
// `ssh-keygen -y` prints. Proxmox VE checks every sshkeys line with ssh-keygen, so made-up base64 is refused.
import { generateKeyPairSync } from 'node:crypto';

export type SshKeyType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'sk-ed25519' | 'sk-ecdsa';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const sshString = (b: Buffer | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  return Buffer.concat([u32(data.length), data]);
};
/** An unsigned big-endian number as an SSH mpint: no leading zeros, one zero byte when the top bit is set. */
export const sshMpint = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  const d = b.subarray(i);
  return sshString(d.length && d[0] & 0x80 ? Buffer.concat([Buffer.from([0]), d]) : d);
};
const jwkBytes = (s: string | undefined): Buffer => Buffer.from(s!, 'base64url');

function ecPoint(curve: 'P-256' | 'P-384' | 'P-521'): Buffer {
  const jwk = generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), jwkBytes(jwk.x), jwkBytes(jwk.y)]);
}

/** The key blob (what the base64 of the line encodes) of a fresh key of `type`. */
export function sshKeyBlob(type: SshKeyType, rsaBits = 2048): { name: string; blob: Buffer } {
  switch (type) {
    case 'ed25519':
    case 'sk-ed25519': {
      const pk = jwkBytes(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x);
      return type === 'ed25519'
        ? { name: 'ssh-ed25519', blob: Buffer.concat([sshString('ssh-ed25519'), sshString(pk)]) }
        : { name: 'sk-ssh-ed25519@openssh.com', blob: Buffer.concat([sshString('sk-ssh-ed25519@openssh.com'), sshString(pk), sshString('ssh:')]) };
    }
    case 'sk-ecdsa': {
      const name = 'sk-ecdsa-sha2-nistp256@openssh.com';
      return { name, blob: Buffer.concat([sshString(name), sshString('nistp256'), sshString(ecPoint('P-256')), sshString('ssh:')]) };
    }
    case 'rsa': {
      const jwk = generateKeyPairSync('rsa', { modulusLength: rsaBits }).publicKey.export({ format: 'jwk' });
      return { name: 'ssh-rsa', blob: Buffer.concat([sshString('ssh-rsa'), sshMpint(jwkBytes(jwk.e)), sshMpint(jwkBytes(jwk.n))]) };
    }
    default: {
      const bits = type.slice('ecdsa-p'.length);
      const name = `ecdsa-sha2-nistp${bits}`;
      const point = ecPoint(`P-${bits}` as 'P-256' | 'P-384' | 'P-521');
      return { name, blob: Buffer.concat([sshString(name), sshString(`nistp${bits}`), sshString(point)]) };
    }
  }
}

/** One `authorized_keys` line: `<type> <base64 blob>[ <comment>]`. */
export function sshPublicKey(type: SshKeyType = 'ed25519', comment?: string): string {
  const { name, blob } = sshKeyBlob(type);
  return `${name} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/**
 * Lines around the edges of what `ssh-keygen -l` takes: real keys of every type, bare and with comments, options or
 * a host first, and the ways a pasted key goes wrong (cut, unpadded, changed type, extra bytes, comment lines...).
 */
export function sshKeyLineCorpus(): string[] {
  const lines: string[] = [];
  for (const t of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa', 'sk-ed25519', 'sk-ecdsa'] as const) {
    const key = sshPublicKey(t, 'me@host');
    const [name, b64] = key.split(' ');
    const blob = Buffer.from(b64, 'base64');
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 3] ^= 0x40;
    lines.push(
      key, `${name} ${b64}`, `\t ${key}`, `${key}\r`, `${key} PRIVATE KEY`,
      `from="a b",no-pty ${key}`, `command="x \\" y" ${key}`, `host.example ${key}`, `0 ${key}`,
      `from="a b"  ${key}`, `1024 ${key}`, `x ${key} PRIVATE KEY`, `# ${key}`, name, `${name} `,
      `${name} ${b64.slice(0, -4)}`, `${name} ${b64.replace(/=+$/, '')}`, `${name} ${b64}x`,
      `${name} ${Buffer.concat([blob, Buffer.from([0])]).toString('base64')}`, `${name} ${flipped.toString('base64')}`,
      `rsa-sha2-256 ${b64}`, `ssh-ed25519 ${b64}`, `ecdsa-sha2-nistp384 ${b64}`,
    );
  }
  const small = sshKeyBlob('rsa', 768).blob.toString('base64');
  const rsa1024 = sshKeyBlob('rsa', 1024).blob.toString('base64');
  const ed = jwkBytes(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x);
  lines.push(
    `ssh-rsa ${small}`, `ssh-rsa ${rsa1024}`, `rsa-sha2-512 ${rsa1024}`,
    `webauthn-sk-ecdsa-sha2-nistp256@openssh.com ${sshKeyBlob('sk-ecdsa').blob.toString('base64')}`,
    `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519\u0000'), sshString(ed)]).toString('base64')}`,
    `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed\u0000519'), sshString(ed)]).toString('base64')}`,
    `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(ed.subarray(1))]).toString('base64')}`,
    `ssh-rsa ${Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([0x81])), sshMpint(Buffer.alloc(200, 0xff))]).toString('base64')}`,
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForTheSimulatorOnly demo@example',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+ =',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+==',
    '-----BEGIN OPENSSH PRIVATE KEY-----', 'hello', 'ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L%2B',
  );
  return lines;
}
