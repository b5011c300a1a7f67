// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
// Each bundle is built beside its target and swapped in by rename, so a test running the old bundle never
// sees a half-written or missing file.
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';

for (const entry of ['main', 'post']) {
  const tmp = `dist/.${entry}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', tmp, '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );
  const old = `dist/.${entry}-old-${process.pid}`;
  try {
    renameSync(`dist/${entry}`, old);
  } catch {
    // first build: nothing to move away
  }
  renameSync(tmp, `dist/${entry}`);
  rmSync(old, { recursive: true, force: true });
}
