// `sshkeys` through the bundled action against the simulator: Proxmox VE runs ssh-keygen on every line (pve-common
// PVE::Tools::validate_ssh_public_keys), so real keys of any common type go through, and what PVE would refuse is
// refused by the action before any request, naming the input and the line; what the action leaves to PVE gets PVE's
// own refusal.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { sshMpint, sshPublicKey, sshString } from '../../tools/sshkeys.js';
import { act, exampleSim, failed, mutations, ok, schemaClean } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await exampleSim();
});
afterAll(async () => {
  schemaClean(sim);
  await sim.close();
});

const base = { node: 'sabrewulf' };

describe('sshkeys', () => {
  test('real keys of every common type, with options, comments, blank lines and CRLF, reach the VM as given', async () => {
    const keys = [
      sshPublicKey('ed25519', 'ci@example'),
      '',
      `from="10.0.0.0/8",no-pty ${sshPublicKey('ecdsa-p256', 'ops key')}`,
      `${sshPublicKey('ecdsa-p521')}\r`,
      sshPublicKey('rsa', 'legacy@host'),
      sshPublicKey('sk-ed25519', 'yubikey'),
    ].join('\n');
    const out = ok(await act(sim, { ...base, name: 'keys-ok', sshkeys: keys }));
    expect(decodeURIComponent(String(sim.state.vms.get(Number(out.vmid))!.config.sshkeys))).toBe(keys);
  });

  test.each([
    ['a made-up key (the old demo key)', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForTheSimulatorOnly demo@example', /line 1 is not a valid public key: the key data after 'ssh-ed25519' is not base64/],
    ['a comment line', `# deploy key\n${sshPublicKey()}`, /line 1 is a comment/],
    ['a key cut short when copied', `${sshPublicKey()}\n${sshPublicKey('rsa').slice(0, 200)}`, /line 2 is not a valid public key/],
    ['a type that does not match the key data', sshPublicKey('ed25519').replace('ssh-ed25519', 'ssh-rsa'), /says 'ssh-rsa' but its key data is a 'ssh-ed25519' key/],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', /private key/],
  ])('%s is refused before any request, naming the input and the line', async (_, sshkeys, why) => {
    const since = sim.log.length;
    const err = failed(await act(sim, { ...base, name: 'keys-bad', sshkeys }));
    expect(err).toMatch(/Input 'sshkeys'/);
    expect(err).toMatch(why);
    expect(mutations(sim, since)).toEqual([]);
  });

  test('on an existing VM too (update), before any change', async () => {
    const out = ok(await act(sim, { ...base, name: 'keys-upd' }));
    const since = sim.log.length;
    const err = failed(await act(sim, { ...base, name: 'keys-upd', update: 'yes', cores: '2', sshkeys: 'ssh-ed25519 AAAA me' }));
    expect(err).toMatch(/Input 'sshkeys'.*line 1/);
    expect(mutations(sim, since)).toEqual([]);
    expect(sim.state.vms.get(Number(out.vmid))!.config.cores).toBeUndefined();
  });

  test('a key the action leaves to PVE (DSA, gone from OpenSSH 10) gets PVE\'s own refusal, and no VM', async () => {
    const dss = Buffer.concat([sshString('ssh-dss'), ...[128, 20, 128, 128].map((n) => sshMpint(Buffer.alloc(n, 0x5a)))]);
    const count = sim.state.vms.size;
    const err = failed(await act(sim, { ...base, name: 'keys-dsa', sshkeys: `ssh-dss ${dss.toString('base64')} old@host` }));
    expect(err).toMatch(/SSH public key validation error/);
    expect(sim.state.vms.size).toBe(count);
  });
});
