// `sshkeys` as PVE checks it (pve-common PVE::Tools::validate_ssh_public_keys: `ssh-keygen -l` on every line that
// is not blank, after URI-decoding): the simulator's model against a real ssh-keygen when one is installed, and the
// synchronous "SSH public key validation error" of create and both config updates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshKeyLineAccepted, sshKeysValid } from '../../sim/schema/sshkeys.js';
import { sshPublicKey, sshKeyLineCorpus } from '../../tools/sshkeys.js';
import { startQemuSim, type QemuSim } from './qemu-support.js';

const enc = encodeURIComponent;

function sshKeygen(): string | undefined {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (e) {
    // `-?` is a usage error (exit 1): the program is there
    if ((e as { status?: number }).status === 1) return 'ssh-keygen';
  }
  return undefined;
}
const keygen = sshKeygen();

describe('the model', () => {
  it('takes real keys of every type, with comments, options, blank lines and CRLF', () => {
    const keys = [sshPublicKey('ed25519', 'a@b'), ' ', `no-pty ${sshPublicKey('ecdsa-p384')}`, `${sshPublicKey('rsa')}\r`, sshPublicKey('sk-ecdsa', 'fido')];
    expect(sshKeysValid(enc(keys.join('\n')))).toBe(true);
    expect(sshKeysValid('')).toBe(true);
  });

  it('refuses made-up keys, comment lines and mismatched types, whatever else is fine', () => {
    const good = sshPublicKey();
    for (const bad of [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForTheSimulatorOnly demo@example',
      '# my laptop',
      good.replace('ssh-ed25519', 'ecdsa-sha2-nistp256'),
      good.slice(0, -3),
      'ssh-dss AAAAB3NzaC1kc3MAAAAA',
    ]) {
      expect(sshKeysValid(enc(`${good}\n${bad}`)), bad).toBe(false);
    }
  });

  it.skipIf(!keygen)('agrees with ssh-keygen -l on every line of the corpus (DSA aside: OpenSSH 10 has none)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshkeys-'));
    try {
      const file = join(dir, 'line');
      const differ: string[] = [];
      for (const line of sshKeyLineCorpus()) {
        writeFileSync(file, line);
        let real = true;
        try {
          execFileSync(keygen!, ['-l', '-f', file], { stdio: 'ignore' });
        } catch {
          real = false;
        }
        if (sshKeyLineAccepted(line) !== real) differ.push(`ssh-keygen ${real ? 'takes' : 'refuses'}: ${JSON.stringify(line.slice(0, 100))}`);
      }
      expect(differ).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the endpoints', () => {
  let q: QemuSim;
  beforeAll(async () => {
    q = await startQemuSim();
    await q.create(700, { name: 'keys' });
  });
  afterAll(() => q.close());
  const bad = enc('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForTheSimulatorOnly demo@example');

  it('create refuses a bad key synchronously, before anything else, and creates nothing', async () => {
    const res = await q.api('POST', '/nodes/pve1/qemu', { vmid: 701, sshkeys: bad, pool: 'no-such-pool' });
    expect(res.status).toBe(500);
    expect(res.json.message).toBe('SSH public key validation error\n');
    expect(q.sim.state.vms.has(701)).toBe(false);
  });

  it('PUT and POST config refuse it too and change nothing', async () => {
    for (const method of ['PUT', 'POST']) {
      const res = await q.api(method, '/nodes/pve1/qemu/700/config', { sshkeys: bad, cores: 2 });
      expect(res.status, method).toBe(500);
      expect(res.json.message).toBe('SSH public key validation error\n');
    }
    expect(q.sim.state.vms.get(700)!.config).not.toHaveProperty('cores');
    expect(q.sim.state.vms.get(700)!.config).not.toHaveProperty('sshkeys');
  });

  it('store a good value as sent (URL-encoded)', async () => {
    const keys = enc(`${sshPublicKey('ed25519', 'ci')}\n${sshPublicKey('ecdsa-p256')}`);
    expect((await q.api('PUT', '/nodes/pve1/qemu/700/config', { sshkeys: keys })).status).toBe(200);
    expect((await q.config(700)).sshkeys).toBe(keys);
  });
});
