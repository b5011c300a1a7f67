// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const entries = ['main', 'post'];
for (const entry of entries) {
  rmSync(`dist/${entry}`, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', `dist/${entry}`, '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );
}
