// What dist/ bundles is licensed acceptably: scripts/check-licenses.mjs reads the licenses.txt ncc writes beside each
// bundle (scripts/build.mjs passes --license) and checks every package against an allow-list; the simulator's
// AGPL-3.0 schema data must never be bundled.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe as suite, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'check-licenses.mjs');

suite('licenses of the bundled packages', () => {
  it('dist/ bundles only allowed licenses, and lists the runtime dependencies', () => {
    const out = execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8' });
    for (const dep of ['@actions/core', 'js-yaml', 'undici']) expect(out).toMatch(new RegExp(`^MIT\\s+${dep}$`, 'm'));
    expect(out).toMatch(/all under allowed licenses/);
  });

  it('refuses a package outside the allow-list, a missing licenses.txt and bundled schema data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'licenses-'));
    try {
      mkdirSync(join(dir, 'dist', 'main'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', 'copyleft'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'copyleft', 'package.json'), JSON.stringify({ name: 'copyleft', license: 'GPL-3.0' }));
      writeFileSync(join(dir, 'dist', 'main', 'licenses.txt'), 'copyleft\nGPL-3.0\nSome text\n\n');
      writeFileSync(join(dir, 'dist', 'main', 'index.js'), 'const s = {"_allEndpoints": []};');
      const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('copyleft (dist/main): license GPL-3.0 is not in the allow-list');
      expect(r.stderr).toContain('dist/post/licenses.txt is missing');
      expect(r.stderr).toContain("contains the simulator's AGPL-3.0 schema data");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
