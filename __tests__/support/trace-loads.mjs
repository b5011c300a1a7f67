// Preloaded into the action's node process (NODE_OPTIONS=--import=<this file>) by tests that need to know which
// files of the bundle it loaded: registers trace-loads-hooks.mjs, which appends the URL of every ES module the
// process loads (the bundle's entry and any chunk it imports) to the file named by TRACE_LOADS_FILE.
import { register } from 'node:module';

register('./trace-loads-hooks.mjs', import.meta.url);
