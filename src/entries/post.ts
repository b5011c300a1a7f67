// The post step's entry. Most post steps have nothing to do (cleanup: never, or main created no VM): they decide
// that from STATE_* alone (state-read.ts imports nothing) and exit, without loading @actions/core, undici or the
// planner, which ../post.js brings in a separate chunk (ncc emits one per dynamic import).
import { EOL } from 'node:os';
import { cleanupWanted, readPostState } from '../state-read.js';

const st = readPostState();
if (cleanupWanted(st)) {
  const { run } = await import('../post.js');
  await run(st);
} else if (st.created) {
  // What ../post.js logs in this case (log.info → core.info: the text and EOL on stdout; the policy is a plain word).
  process.stdout.write(`cleanup: ${st.cleanup}; leaving the VM in place${EOL}`);
}
