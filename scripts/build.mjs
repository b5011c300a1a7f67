// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
// Each bundle is built beside its target and swapped in by rename, so a test running the old bundle never
// sees a half-written or missing file.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';

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

for (const entry of ['main', 'post']) {
  const tmp = `dist/.${entry}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', tmp, '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );
  checkChunks(tmp);
  const old = `dist/.${entry}-old-${process.pid}`;
  try {
    renameSync(`dist/${entry}`, old);
  } catch {
    // first build: nothing to move away
  }
  renameSync(tmp, `dist/${entry}`);
  rmSync(old, { recursive: true, force: true });
}
