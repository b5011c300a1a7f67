// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
// Each bundle is built beside its target and swapped in by rename, so a test running the old bundle never
// sees a half-written or missing file.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Chunks: ncc emits every dynamic import() of the bundle (github-octokit.ts, loaded only to ask GitHub about workflow
// runs) as `<id>.index.js` beside index.js, loaded on demand through `__nccwpck_require__.e(<id>)`. They are part of the
// bundle and committed with it (the dist drift checks see a new, changed or missing one); this refuses an output whose
// index.js names a chunk that is not there, or that holds a chunk nothing names.
function checkChunks(dir) {
  const wanted = new Set([...readFileSync(`${dir}/index.js`, 'utf8').matchAll(/__nccwpck_require__\.e\((\d+)\)/g)].map((m) => `${m[1]}.index.js`));
  const present = new Set(readdirSync(dir).filter((f) => /^\d+\.index\.js$/.test(f)));
  const missing = [...wanted].filter((f) => !present.has(f));
  const stray = [...present].filter((f) => !wanted.has(f));
  if (missing.length || stray.length)
    throw new Error(`${dir}: chunk files missing (${missing.join(', ') || 'none'}) or unreferenced (${stray.join(', ') || 'none'})`);
}

// licenses.txt: ncc's --license file is written per chunk under one name, so with chunks the last one written wins and
// the packages of index.js go missing from it. It is rewritten from the build's module list (--stats-out), in ncc's
// format ("<name>\n<license>\n<license text>" blocks, blank-line separated) that scripts/check-licenses.mjs reads.
function writeLicenses(dir) {
  const stats = JSON.parse(readFileSync(`${dir}/stats.json`, 'utf8'));
  rmSync(`${dir}/stats.json`);
  const names = new Set();
  const walk = (mods) => {
    for (const m of mods ?? []) {
      const resource = String(m.identifier ?? m.name ?? '').split('!').pop().split('|')[0];
      const at = resource.lastIndexOf('node_modules/');
      if (at >= 0) {
        const [a, b] = resource.slice(at + 'node_modules/'.length).split('/');
        names.add(a.startsWith('@') ? `${a}/${b}` : a);
      }
      walk(m.modules);
    }
  };
  walk(stats.modules);
  const blocks = [...names].sort().map((name) => {
    const pkgDir = join('node_modules', name);
    const license = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).license ?? 'UNKNOWN';
    const file = readdirSync(pkgDir).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
    const text = file && existsSync(join(pkgDir, file)) ? readFileSync(join(pkgDir, file), 'utf8').trim() : '';
    return `${name}\n${license}\n${text}\n`;
  });
  writeFileSync(`${dir}/licenses.txt`, blocks.join('\n'));
}

for (const entry of ['main', 'post']) {
  const tmp = `dist/.${entry}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', tmp, '--license', 'licenses.txt', '--stats-out', `${tmp}/stats.json`, '--quiet'],
    { stdio: 'inherit' },
  );
  checkChunks(tmp);
  writeLicenses(tmp);
  const old = `dist/.${entry}-old-${process.pid}`;
  try {
    renameSync(`dist/${entry}`, old);
  } catch {
    // first build: nothing to move away
  }
  renameSync(tmp, `dist/${entry}`);
  rmSync(old, { recursive: true, force: true });
}
