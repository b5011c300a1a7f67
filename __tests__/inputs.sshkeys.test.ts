// The action's own sshkeys check (src/inputs/sshkeys.ts): it takes what Proxmox VE's ssh-keygen check takes and
// refuses what it refuses (the simulator's model, itself compared with a real ssh-keygen in sim/sshkeys.test.ts),
// naming the line and what is wrong.
import { describe as suite, expect, it } from 'vitest';
import { sshKeysError } from '../src/inputs/sshkeys.js';
import { sshKeyLineAccepted } from '../sim/schema/sshkeys.js';
import { sshPublicKey, sshKeyLineCorpus } from '../tools/sshkeys.js';

suite('sshkeys check', () => {
  it('agrees with the model of PVE on every line of the corpus', () => {
    const differ = sshKeyLineCorpus()
      .filter((line) => (sshKeysError(line) === undefined) !== sshKeyLineAccepted(line))
      .map((line) => `${sshKeyLineAccepted(line) ? 'PVE takes' : 'PVE refuses'}: ${JSON.stringify(line.slice(0, 100))}`);
    expect(differ).toEqual([]);
  });

  it('skips blank lines and names the first bad one', () => {
    const good = sshPublicKey('ed25519', 'ci');
    expect(sshKeysError(`${good}\n\n  \r\n${sshPublicKey('rsa')}`)).toBeUndefined();
    expect(sshKeysError(`${good}\n\n# old key\n${good}`)).toMatch(/^line 3 is a comment/);
    expect(sshKeysError(`${good}\nssh-ed25519 ${good.split(' ')[1].slice(0, 40)}`)).toMatch(/^line 2 is not a valid public key: the ssh-ed25519 key data is incomplete/);
  });

  it('says why: private keys, URL-encoded keys, short RSA keys, unknown types', () => {
    expect(sshKeysError('-----BEGIN OPENSSH PRIVATE KEY-----')).toMatch(/private key: give the public key/);
    expect(sshKeysError(encodeURIComponent(sshPublicKey()))).toMatch(/URL-encoded/);
    expect(sshKeysError('hello world')).toMatch(/does not start with a key type/);
  });

  it('leaves DSA keys and certificates to Proxmox VE', () => {
    const blob = (name: string) => {
      const b = Buffer.from(name);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b, Buffer.alloc(8, 1)]).toString('base64');
    };
    expect(sshKeysError(`ssh-dss ${blob('ssh-dss')}`)).toBeUndefined();
    expect(sshKeysError(`ssh-ed25519-cert-v01@openssh.com ${blob('ssh-ed25519-cert-v01@openssh.com')}`)).toBeUndefined();
  });
});
