// `npm run bench:warm`: how fast a job gets a running VM whose guest agent answers, three ways, against the same
// simulated cluster and task durations as `npm run bench` (bench/env.ts, time scale 1): a warm VM rolled back to a
// snapshot taken with its memory (`state: rollback`), a linked clone of the template started, and a full clone
// started. Each is one action step through the bundled action (dist/), `wait_for: agent`; the variants alternate
// per round, and clones are removed between rounds (not measured). Prints a markdown table for BENCHMARKS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runActionStep, snapshotAction } from './action.js';
import { DURATIONS, JITTER, NODE, TEMPLATE, createTemplate, startBenchEnv } from './env.js';
import { ms, quantile } from './stats.js';

const ROUNDS = Number(process.env.WARM_ROUNDS ?? 5);
const WARM = 'warm-pool-1';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-warm-'));
  const sha = snapshotAction(dir);
  const env = await startBenchEnv(dir);
  try {
    await createTemplate(env);
    const step = async (inputs: Record<string, string>) => {
      const s = await runActionStep({ ...env.actionConn, ...inputs });
      if (!s.ok) throw new Error(`${JSON.stringify(inputs)}: ${s.error}`);
      return s;
    };
    // The pool's VM, made once (not measured): cloned, booted, snapshotted with its memory.
    await step({ clone: TEMPLATE, name: WARM, node: NODE, full: 'false', agent: 'true', state: 'started', wait_for: 'agent' });
    await step({ name: WARM, state: 'snapshot', snapname: 'clean', vmstate: 'true' });

    const variants: Record<string, (n: number) => Record<string, string>> = {
      'rollback (warm VM, snapshot with memory)': () => ({ name: WARM, state: 'rollback', snapname: 'clean', wait_for: 'agent' }),
      'linked clone + start': (n) => ({ clone: TEMPLATE, name: `warm-lc-${n}`, node: NODE, full: 'false', agent: 'true', state: 'started', wait_for: 'agent' }),
      'full clone + start': (n) => ({ clone: TEMPLATE, name: `warm-fc-${n}`, node: NODE, full: 'true', agent: 'true', state: 'started', wait_for: 'agent' }),
    };
    const names = Object.keys(variants);
    const walls: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    for (let n = 0; n < ROUNDS; n++) {
      const order = names.map((_, i) => names[(i + n) % names.length]);
      const made: number[] = [];
      for (const name of order) {
        const s = await step(variants[name](n));
        walls[name].push(s.wallMs);
        if (!name.startsWith('rollback')) made.push(Number(s.outputs.vmid));
      }
      await env.destroy(made);
      process.stderr.write(`round ${n + 1}/${ROUNDS} done\n`);
    }
    const rows = names.map((k) => `| ${k} | ${ms(quantile(walls[k], 0.5))} | ${ms(Math.min(...walls[k]))} | ${ms(Math.max(...walls[k]))} |`);
    console.log(
      [
        `Time to a running VM whose guest agent answers, one action step each (\`wait_for: agent\`), node ${process.version},`,
        `${ROUNDS} alternating rounds, bundle ${sha.slice(0, 12)}; nominal simulated durations (each task × U[${1 - JITTER}, ${1 + JITTER}], seeded): clone linked ${DURATIONS.qmclone_linked} ms,`,
        `full ${DURATIONS.qmclone_full} ms, start ${DURATIONS.qmstart} ms, guest agent up ${DURATIONS.agentUp} ms after a boot,`,
        `rollback ${DURATIONS.qmrollback} ms + the resume from memory ${DURATIONS.qmstart} ms (the guest was running: its agent answers at once).`,
        '',
        '| way | median | min | max |',
        '|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
