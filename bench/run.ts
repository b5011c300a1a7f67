// `npm run bench` (7-9 minutes on 2 cores) or `npm run bench -- --quick` (a ~2-minute smoke run): the bundled
// action against the real Ansible proxmox_kvm module on the simulator with fixed task durations; writes BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ansibleVersions, ensureAnsible } from '../peer/ansible.js';
import { bareNode, repoRoot, snapshotAction } from './action.js';
import { ensureGnuTime } from './ansible.js';
import { TEMPLATE_ID, createTemplate, startBenchEnv, type BenchEnv } from './env.js';
import { coldStart, parallelClones, type ColdSample, type ParallelSample } from './extras.js';
import { renderReport, type Results, type ScenarioResult } from './report.js';
import { Round, SCENARIOS, measure } from './scenarios.js';

const quick = process.argv.includes('--quick');
const plan = quick
  ? { rounds: 1, cold: 3, bare: 3, parallel: [[1, 1], [10, 1], [50, 1]] }
  : { rounds: 5, cold: 15, bare: 5, parallel: [[1, 5], [10, 3], [50, 3]] };

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

async function main(): Promise<number> {
  const started = Date.now();
  const loadStart = loadavg();
  const missing = ensureAnsible() ?? ensureGnuTime();
  if (missing) {
    console.error(`bench cannot run: ${missing}`);
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

    say('cold start');
    const bare: Array<{ ms: number; rssKiB?: number }> = [];
    for (let i = 0; i < plan.bare; i++) bare.push(await bareNode());
    const cold: ColdSample[] = [];
    for (let i = 0; i < plan.cold; i++) cold.push(await coldStart(env));

    say(`scenarios: ${plan.rounds} round(s)`);
    const scenarios = await runRounds(env);

    const parallel: ParallelSample[] = [];
    for (const [n, reps] of plan.parallel) {
      for (let rep = 0; rep < reps; rep++) {
        const p = await parallelClones(env, n, rep);
        parallel.push(p);
        say(`  parallel ${String(n).padStart(2)} clones: ${Math.round(p.wallMs)} ms, ${p.failures} failed, ${p.uniqueIds} unique ids; absent ${Math.round(p.absent.wallMs)} ms, ${p.absent.failures} failed; left behind ${p.leftBehind}`);
      }
    }

    const cpu = cpus();
    const results: Results = {
      mode: quick ? 'quick' : 'full',
      command: quick ? 'npm run bench -- --quick' : 'npm run bench',
      date: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      machine: {
        cores: cpu.length,
        cpuModel: cpu[0]?.model.trim() ?? 'unknown',
        memoryGiB: totalmem() / 1024 ** 3,
        kernel: release(),
        node: process.version,
        ansible: ansibleVersions(),
        loadStart,
        loadEnd: loadavg(),
      },
      action: { git: gitHead(), bundleSha },
      rounds: plan.rounds,
      scenarios,
      bare,
      cold,
      parallel,
    };
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    const stamp = results.date.replace(/[:.]/g, '-');
    writeFileSync(join(repoRoot, `bench/results/${stamp}-${results.mode}.raw.json`), JSON.stringify(results, null, 1));
    const md = renderReport(results);
    writeFileSync(join(repoRoot, 'BENCHMARKS.md'), md);
    say(`\n${md.slice(md.indexOf('## Targets'), md.indexOf('## Notes')).trim()}`);
    say(`\nwrote BENCHMARKS.md (${((Date.now() - started) / 60000).toFixed(1)} min)`);
    return 0;
  } finally {
    await env.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
