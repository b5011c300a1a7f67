// The main step's entry: loads the action from a separate chunk (ncc emits one per dynamic import), then sets the
// V8 flag that must come after the modules are loaded and before the first connection (v8-flags.ts).
//
// Node's compile cache (module.enableCompileCache, Node ≥ 22.1) was tried here with RUNNER_TEMP as its folder and
// left out: on the bench machine it saved no CPU time on Node 24 with a warm cache, and a job's first step (a fresh
// RUNNER_TEMP) pays for writing it.
import { baselineWasmOnly } from './v8-flags.js';

const { run } = await import('../main.js');
baselineWasmOnly();
await run();
