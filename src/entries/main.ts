// The main step's entry: loads the action from a separate chunk (ncc emits one per dynamic import) and runs it.
//
// Node's compile cache (module.enableCompileCache, Node ≥ 22.1) was tried here with RUNNER_TEMP as its folder and
// left out: on the bench machine it saved no CPU time on Node 24 with a warm cache, and a job's first step (a fresh
// RUNNER_TEMP) pays for writing it. Opening the PVE connection here, while the bundle loads, was tried too and left
// out: on one machine the handshake cannot progress while the bundle compiles (first request 83 vs 82 ms, median of
// 20 alternating runs), so it gained nothing measurable here for an early connection to an unvalidated host.
const { run } = await import('../main.js');
await run();
