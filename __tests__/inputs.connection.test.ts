// Connection inputs: env fallbacks, host/port forms, token forms, TLS trust inputs, and secrets kept out of messages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe as suite, expect, it } from 'vitest';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';
import { parseHost } from '../src/inputs/connection.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTEST\n-----END CERTIFICATE-----\n';
const dir = mkdtempSync(join(tmpdir(), 'inputs-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const all: Record<string, string> = { name: 'vm1', ...inputs };
  return readSettings((n) => all[n] ?? '', env);
}
const conn = (inputs: Record<string, string>, env: Record<string, string> = {}) => {
  const r = run(inputs, env);
  expect(formatInputErrors(r.errors)).toBe('');
  return r.settings!.connection;
};
const PW = { api_host: 'pve', api_user: 'root@pam', api_password: 'pw' };

suite('environment fallbacks', () => {
  it('fills every connection input from PROXMOX_* when the input is empty', () => {
    const ca = join(dir, 'env-ca.pem');
    writeFileSync(ca, PEM);
    const c = conn({}, {
      PROXMOX_HOST: 'pve.lab', PROXMOX_PORT: '8443', PROXMOX_USER: 'ci@pve', PROXMOX_TOKEN_ID: 'gh', PROXMOX_TOKEN_SECRET: 'uuid-1',
      PROXMOX_CA_PATH: ca, PROXMOX_VALIDATE_CERTS: 'false',
    });
    expect(c).toEqual({
      host: 'pve.lab', port: 8443, user: 'ci@pve', password: undefined, otp: undefined, tokenId: 'gh', tokenSecret: 'uuid-1',
      validateCerts: false, caPem: PEM, tlsFingerprint: undefined, apiTimeoutMs: 30000,
    });
    expect(conn({}, { PROXMOX_HOST: 'h', PROXMOX_USER: 'root@pam', PROXMOX_PASSWORD: 'pw', PROXMOX_OTP: '123456' }))
      .toMatchObject({ password: 'pw', otp: '123456' });
  });

  it('prefers the input over the environment', () => {
    expect(conn({ ...PW, api_port: '9000', validate_certs: 'true' }, { PROXMOX_HOST: 'other', PROXMOX_PORT: '1', PROXMOX_VALIDATE_CERTS: 'no' }))
      .toMatchObject({ host: 'pve', port: 9000, validateCerts: true });
  });

  it('says when a bad value came from the environment', () => {
    const r = run(PW, { PROXMOX_VALIDATE_CERTS: 'perhaps' });
    expect(r.errors[0].input).toBe('validate_certs');
    expect(r.errors[0].message).toMatch(/PROXMOX_VALIDATE_CERTS/);
  });

  it('defaults port, timeout and certificate validation', () => {
    expect(conn(PW)).toMatchObject({ port: 8006, apiTimeoutMs: 30000, validateCerts: true });
    expect(conn({ ...PW, api_timeout: '5' }).apiTimeoutMs).toBe(5000);
  });
});

suite('api_host forms', () => {
  it('parses host, host:port, IPv6 with and without brackets, https:// prefix', () => {
    expect(parseHost('pve.example.com')).toEqual({ host: 'pve.example.com' });
    expect(parseHost('pve:8443')).toEqual({ host: 'pve', port: 8443 });
    expect(parseHost('[2001:db8::10]:8006')).toEqual({ host: '2001:db8::10', port: 8006 });
    expect(parseHost('[::1]')).toEqual({ host: '::1' });
    expect(parseHost('2001:db8::10')).toEqual({ host: '2001:db8::10' });
    expect(parseHost('https://10.0.0.5:8006/')).toEqual({ host: '10.0.0.5', port: 8006 });
    for (const bad of ['http://pve', 'pve:99999', '[pve]:8006', 'pve/api2/json', 'pve:80:80', 'bad host']) {
      expect(typeof parseHost(bad), bad).toBe('string');
    }
  });

  it('takes the port from api_host, and refuses a different explicit api_port', () => {
    expect(conn({ ...PW, api_host: 'pve:8443' }).port).toBe(8443);
    expect(conn({ ...PW, api_host: 'pve:8443', api_port: '8443' }).port).toBe(8443);
    expect(run({ ...PW, api_host: 'pve:8443', api_port: '8006' }).errors.map((e) => e.input)).toEqual(['api_port']);
    expect(run({ ...PW, api_host: 'ftp://pve' }).errors.map((e) => e.input)).toEqual(['api_host']);
  });
});

suite('credentials', () => {
  it('needs a password or a token, and a token needs both halves', () => {
    expect(run({ api_host: 'h', api_user: 'root@pam' }).errors.map((e) => e.input)).toEqual(['api_password']);
    expect(run({ api_host: 'h', api_user: 'root@pam', api_token_id: 'ci' }).errors.map((e) => e.input)).toEqual(['api_token_secret']);
    expect(run({ api_host: 'h', api_user: 'root@pam', api_token_secret: 's' }).errors.map((e) => e.input)).toEqual(['api_token_id']);
    expect(run({ api_user: 'root@pam', api_password: 'pw' }).errors.map((e) => e.input)).toEqual(['api_host']);
    expect(run({ api_host: 'h', api_password: 'pw' }).errors.map((e) => e.input)).toEqual(['api_user']);
  });

  it('derives the user from a full token id, which must agree with api_user', () => {
    expect(conn({ api_host: 'h', api_token_id: 'ci@pve!github', api_token_secret: 's' })).toMatchObject({ user: 'ci@pve', tokenId: 'github' });
    expect(conn({ api_host: 'h', api_user: 'ci@pve', api_token_id: 'ci@pve!github', api_token_secret: 's' }).tokenId).toBe('github');
    const r = run({ api_host: 'h', api_user: 'root@pam', api_token_id: 'ci@pve!github', api_token_secret: 's' });
    expect(r.errors.map((e) => e.input)).toEqual(['api_token_id']);
    expect(run({ api_host: 'h', api_user: 'root', api_password: 'pw' }).errors[0].message).toMatch(/user@realm/);
    expect(run({ api_host: 'h', api_user: 'root@pam', api_token_id: '9bad', api_token_secret: 's' }).errors.map((e) => e.input))
      .toEqual(['api_token_id']);
  });

  it('uses the token when both a token and a password are given', () => {
    expect(conn({ ...PW, api_otp: '1', api_token_id: 'ci', api_token_secret: 's' })).toMatchObject({
      password: undefined, otp: undefined, tokenId: 'ci', tokenSecret: 's',
    });
  });

  it('never puts secret values into messages', () => {
    const secrets = { api_password: 'hunter2-pw', api_token_secret: 'tok-3c1d-secret', cipassword: 'ci-s3cret' };
    const r = run({ api_host: 'h', api_user: 'bad user', ...secrets, args: '-x', skiplock: 'yes', cores: 'x' });
    const block = formatInputErrors(r.errors);
    expect(r.errors.length).toBeGreaterThan(0);
    for (const s of Object.values(secrets)) expect(block).not.toContain(s);
  });
});

suite('TLS trust', () => {
  it('reads ca_path from a file, or takes inline PEM', () => {
    const file = join(dir, 'ca.pem');
    writeFileSync(file, PEM);
    expect(conn({ ...PW, ca_path: file }).caPem).toBe(PEM);
    expect(conn({ ...PW, ca_path: PEM }).caPem).toBe(PEM.trim());
  });

  it('names ca_path when the file is missing or holds no certificate', () => {
    const missing = run({ ...PW, ca_path: join(dir, 'nope.pem') });
    expect(missing.errors.map((e) => e.input)).toEqual(['ca_path']);
    expect(missing.errors[0].message).toMatch(/cannot read.*nope\.pem.*ENOENT/);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(run({ ...PW, ca_path: notPem }).errors[0].message).toMatch(/holds no PEM certificate/);
  });

  it('reads only regular files of at most 1 MiB: a FIFO, a device or a huge file fails at once, naming ca_path', () => {
    const fifo = join(dir, 'fifo.pem');
    execFileSync('mkfifo', [fifo]); // nobody writes to it: a plain read would block forever
    const big = join(dir, 'big.pem');
    writeFileSync(big, PEM);
    truncateSync(big, 1024 * 1024 + 1);
    const cases: Array<[string, RegExp]> = [
      [fifo, /fifo\.pem' is not a regular file/],
      ['/dev/zero', /'\/dev\/zero' is not a regular file/],
      [dir, /is not a regular file/],
      [big, /1048577 bytes.*at most 1 MiB/],
    ];
    for (const [path, msg] of cases) {
      const r = run({ ...PW, ca_path: path });
      expect(r.errors.map((e) => e.input), path).toEqual(['ca_path']);
      expect(r.errors[0].message, path).toMatch(msg);
    }
  });

  it('cuts a long ca_path or api_host in its message', () => {
    const path = `/${'p'.repeat(100_000)}.pem`;
    const r = run({ ...PW, ca_path: path, api_host: `${'h'.repeat(40_000)}/x` });
    expect(r.errors.map((e) => e.input).sort()).toEqual(['api_host', 'ca_path']);
    for (const e of r.errors) {
      expect(e.message.length, e.input).toBeLessThan(300);
      expect(e.message, e.input).toContain('…');
    }
  });

  it('normalises tls_fingerprint to upper-case colon pairs', () => {
    const hex = 'ab'.repeat(31) + '0f';
    const want = ('AB:'.repeat(31) + '0F');
    expect(conn({ ...PW, tls_fingerprint: hex }).tlsFingerprint).toBe(want);
    expect(conn({ ...PW, tls_fingerprint: want.toLowerCase() }).tlsFingerprint).toBe(want);
    expect(conn({ ...PW, tls_fingerprint: `SHA256 Fingerprint=${want}` }).tlsFingerprint).toBe(want);
    expect(run({ ...PW, tls_fingerprint: 'AB:CD' }).errors.map((e) => e.input)).toEqual(['tls_fingerprint']);
    expect(run({ ...PW, tls_fingerprint: 'zz'.repeat(32) }).errors.map((e) => e.input)).toEqual(['tls_fingerprint']);
  });
});
