// `npm run bench` (7-9 minutes on 2 cores) or `npm run bench -- --quick` (a ~2-minute smoke run): the bundled
// action against the real Ansible proxmox_kvm module on the simulator with random (seeded) task durations; writes BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ansibleVersions, ensureAnsible } from '../peer/ansible.js';
import { PINNED_NODE24 } from '../tools/runner/index.js';
import { bareNode, repoRoot, snapshotAction, spawnPostNothing, useNode, type PostCase } from './action.js';
import { ensureGnuTime } from './ansible.js';
import { TEMPLATE_ID, createTemplate, startBenchEnv, type BenchEnv } from './env.js';
import { coldStart, minimalStart, parallelClones, type ColdSample, type ParallelSample } from './extras.js';
import { renderReport, type Results, type ScenarioResult } from './report.js';
import { Round, SCENARIOS, measure } from './scenarios.js';

const quick = process.argv.includes('--quick');
/** `--startup`: only the start-up measurements (bare Node, cold start, post step), both Nodes; a minute or two. */
const startupOnly = process.argv.includes('--startup');
const plan = quick
  ? { rounds: 1, cold: 6, bare: 6, post: 6, parallel: [[1, 1], [10, 1], [50, 1]] }
  : { rounds: 5, cold: 20, bare: 20, post: 20, parallel: [[1, 5], [10, 3], [50, 3]] };

// Node 24 first (what GitHub runs `using: node24` actions with; the pinned devDependency), then the Node running the
// bench (Node 20 on this machine). `--node 24` or `--node self` runs one pass only.
const nodeArg = process.argv.includes('--node') ? process.argv[process.argv.indexOf('--node') + 1] : undefined;
const passes = [
  { id: '24', path: PINNED_NODE24 },
  { id: 'self', path: process.execPath },
].filter((p) => !nodeArg || p.id === nodeArg);

function nodeVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}

const say = (line: string): void => console.log(line);

function gitHead(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'dist'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes in src/ or dist/)` : head;
  } catch {
    return 'unknown';
  }
}

async function runRounds(env: BenchEnv): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = SCENARIOS.map((s) => ({
    id: s.id,
    title: s.title,
    variants: s.variants.map((v) => ({ id: v.id, tool: v.tool, label: v.label, steps: v.steps, samples: [] })),
  }));
  for (let n = 0; n < plan.rounds; n++) {
    const round = new Round(n);
    for (const [si, s] of SCENARIOS.entries()) {
      // Interleaved pairs; who goes first alternates per round so neither tool always follows the other.
      const order = s.variants.map((v, i) => ({ v, i }));
      if (n % 2 === 1) order.sort((a, b) => (a.v.tool === b.v.tool ? 0 : a.v.tool === 'ansible' ? -1 : 1));
      for (const { v, i } of order) {
        const sample = await measure(env, v, round);
        results[si].variants[i].samples.push(sample);
        const fig = sample.ok
          ? `${Math.round(sample.wallMs)} ms wall, ${Math.round(sample.overheadMs)} ms overhead, ${sample.requests} requests`
          : `FAILED: ${sample.error}`;
        say(`  round ${n + 1}/${plan.rounds}  ${s.title.padEnd(28)} ${v.label.padEnd(17)} ${fig}`);
      }
    }
    await env.destroy([...round.leftovers, ...Object.values(round.vm)]);
  }
  await env.destroy([...env.sim.state.vms.keys()].filter((id) => id !== TEMPLATE_ID));
  return results;
}

async function onePass(env: BenchEnv, nodePath: string): Promise<Results> {
  const started = Date.now();
  const loadStart = loadavg();
  useNode(nodePath);
  const node = nodeVersion(nodePath);
  say(`== Node ${node} (${nodePath})`);
  say('cold start and post step');
  // Interleaved so that a busy moment on the machine hits every kind of run alike.
  const bare: Results['bare'] = [];
  const cold: ColdSample[] = [];
  const post: Results['post'] = [];
  const minimal: NonNullable<Results['minimal']> = [];
  const kinds: PostCase[] = ['never', 'nothing-created'];
  for (let i = 0; i < Math.max(plan.bare, plan.cold, plan.post); i++) {
    if (i < plan.bare) bare.push(await bareNode());
    // Every other cold run without the probe: those give the start-up ratios without the probe's own cost.
    if (i < plan.cold) cold.push(await coldStart(env, i % 2 === 0));
    if (i < plan.cold) minimal.push(await minimalStart(env));
    for (const kind of kinds) {
      if (i >= plan.post) continue;
      const p = await spawnPostNothing(env.actionConn, kind);
      post.push({ kind, ms: p.ms, ok: p.exitCode === 0 });
    }
  }

  say(`scenarios: ${startupOnly ? 'skipped (--startup)' : `${plan.rounds} round(s)`}`);
  const scenarios = startupOnly ? [] : await runRounds(env);

  const parallel: ParallelSample[] = [];
  for (const [n, reps] of startupOnly ? [] : plan.parallel) {
    for (let rep = 0; rep < reps; rep++) {
      const p = await parallelClones(env, n, rep);
      parallel.push(p);
      say(`  parallel ${String(n).padStart(2)} clones: ${Math.round(p.wallMs)} ms, ${p.failures} failed, ${p.uniqueIds} unique ids; absent ${Math.round(p.absent.wallMs)} ms, ${p.absent.failures} failed; left behind ${p.leftBehind}`);
    }
  }
  const cpu = cpus();
  return {
    mode: quick ? 'quick' : 'full',
    command: `npm run bench${quick || startupOnly || nodeArg ? ` --${quick ? ' --quick' : ''}${startupOnly ? ' --startup' : ''}${nodeArg ? ` --node ${nodeArg}` : ''}` : ''}`,
    date: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    machine: {
      cores: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 1024 ** 3,
      kernel: release(),
      node,
      nodePath,
      ansible: ansibleVersions(),
      loadStart,
      loadEnd: loadavg(),
    },
    action: { git: gitHead(), bundleSha: '' },
    rounds: plan.rounds,
    scenarios,
    bare,
    cold,
    minimal,
    post,
    parallel,
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const missing = ensureAnsible() ?? ensureGnuTime();
  if (missing) {
    console.error(`bench cannot run: ${missing}`);
    return 1;
  }
  if (!passes.length) {
    console.error(`bench: --node ${nodeArg}: use 24 or self`);
    return 1;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bench-'));
  // The harness makes a temp folder per run and keeps it; inside the scratch folder they all go at the end.
  process.env.TMPDIR = scratch;
  const bundleSha = snapshotAction(scratch);
  const env = await startBenchEnv(scratch);
  try {
    say(`bench (${quick ? 'quick' : 'full'}): simulator ${env.sim.url}; creating the template and waiting out pvestatd's lag`);
    await createTemplate(env);
    const runs: Results[] = [];
    for (const pass of passes) runs.push({ ...(await onePass(env, pass.path)), action: { git: gitHead(), bundleSha } });
    for (const r of runs) r.durationMs = Date.now() - started;
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
    writeFileSync(join(repoRoot, `bench/results/${stamp}-${runs[0].mode}.raw.json`), JSON.stringify(runs, null, 1));
    const md = renderReport(runs);
    // A partial run (--startup, --node) prints its report but leaves BENCHMARKS.md to full and quick runs.
    const out = startupOnly || nodeArg ? join(repoRoot, 'bench/results', `${stamp}-partial.md`) : join(repoRoot, 'BENCHMARKS.md');
    writeFileSync(out, md);
    say(`\n${md.slice(md.indexOf('## Targets'), md.indexOf('## Notes')).trim()}`);
    say(`\nwrote ${out} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
    return 0;
  } finally {
    await env.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * `--render <bench/results/…full.raw.json>`: writes BENCHMARKS.md again from a full run's saved measurements (after a
 * change to the report's wording or verdicts; nothing is measured).
 */
function render(file: string): number {
  const runs = JSON.parse(readFileSync(file, 'utf8')) as Results[];
  writeFileSync(join(repoRoot, 'BENCHMARKS.md'), renderReport(runs));
  console.log(`wrote BENCHMARKS.md from ${file}`);
  return 0;
}

const renderArg = process.argv.includes('--render') ? process.argv[process.argv.indexOf('--render') + 1] : undefined;
process.exitCode = renderArg ? render(renderArg) : await main();
