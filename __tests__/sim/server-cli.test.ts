// `npm run sim`: the standalone simulator prints a usable URL, credentials and fingerprint, writes its CA and
// stops cleanly on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simLogin, simRequest } from '../support/sim-client.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('sim/cli.ts', () => {
  it('starts, prints how to connect, serves requests and stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const caFile = join(dir, 'ca.pem');
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', '--port', '0', '--auth-delay', '0', '--nodes', 'a1,a2,a3', '--ca-file', caFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      await new Promise<void>((res, rej) => {
        child.stdout.on('data', (c) => {
          out += c;
          if (out.includes('Press Ctrl-C')) res();
        });
        child.on('exit', (code) => rej(new Error(`cli exited early (${code}): ${out}`)));
      });
      const field = (name: string) => new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(out)?.[1] ?? '';
      const url = /listening on (\S+)/.exec(out)![1];
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(field('nodes')).toBe('a1, a2, a3');
      expect(field('fingerprint')).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(field('CA file')).toBe(caFile);
      const target = { url, caCert: readFileSync(caFile, 'utf8') };
      const login = await simLogin(target, field('user'), field('password'));
      expect(login.username).toBe('root@pam');
      const token = field('token \\(all\\)');
      expect(token).toMatch(/^root@pam!ci=[0-9a-f-]{36}$/);
      expect((await simRequest(target, 'GET', '/cluster/status', { auth: { token: `PVEAPIToken=${token}` } })).json.data[0].nodes).toBe(3);
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
