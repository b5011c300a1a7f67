// Bad-input fuzzing: thousands of hostile input sets through readSettings in-process (no exception, every error
// names a real input, no secret echoed), then a sample of the invalid ones through the bundled action against a
// simulator: the step fails naming the inputs, nothing forged reaches the runner, and not one request is sent.
import { registerSecret } from './leak-guard.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { formatInputErrors, readSettings } from '../../src/inputs/index.js';
import { type Simulator, startSimulator } from '../../sim/index.js';
import { runAction, type ActionRun } from '../../tools/runner/index.js';
import { ACTION_INPUTS, BASE_CONNECTION, SECRET_MARKER, inputSet, type InputSet } from './bad-inputs.js';
import { ACTION_DIR, count, errorText, pool, printFigures, SEED, transcript } from './support.js';

const IN_PROCESS_RUNS = count(5000, 1500);
const DIST_SAMPLE = 60;
const INPUT_NAMES = new Set(ACTION_INPUTS.map((i) => i.name));
const DEFAULTS = new Map(ACTION_INPUTS.map((i) => [i.name, i.default ?? '']));

const stats = { sets: 0, rejected: 0, accepted: 0, errors: 0, maxMessage: 0, slowestMs: 0, distRuns: 0, distRequests: 0 };
const fuzzedInputs = new Set<string>();
const inputsInErrors = new Set<string>();

afterAll(() => {
  printFigures('bad-input fuzzing', {
    seed: SEED,
    'input sets fuzzed in-process': stats.sets,
    'rejected / accepted': `${stats.rejected} / ${stats.accepted}`,
    'input errors checked': stats.errors,
    'action.yml inputs fuzzed': `${fuzzedInputs.size} of ${INPUT_NAMES.size}`,
    'inputs named in errors': inputsInErrors.size,
    'longest error message': `${stats.maxMessage} chars`,
    'slowest readSettings': `${stats.slowestMs.toFixed(1)} ms`,
    'invalid sets run through dist': stats.distRuns,
    'requests they sent': stats.distRequests,
  });
});

/** readSettings exactly as the bundled action calls it: the runner passes action.yml defaults for inputs not given. */
function read(set: InputSet) {
  return readSettings((name) => set.inputs[name] ?? DEFAULTS.get(name) ?? '', set.env);
}

/** Longest acceptable single error message: values are echoed cut to 80 characters (src/inputs/errors.ts). */
const MAX_MESSAGE = 1000;
/** Longest acceptable error block for one step: GitHub cuts annotations at 64 KiB anyway. */
const MAX_BLOCK = 64 * 1024;

describe('in-process: readSettings', () => {
  test(`${IN_PROCESS_RUNS} hostile input sets: no exception, every error names a real input, no secret echoed, bounded messages`, () => {
    // Unbounded messages are collected across all sets (one summary line per input) rather than stopping at the first.
    const overlong = new Map<string, { message: number; block: number; count: number }>();
    const note = (input: string, o: { message?: number; block?: number; count?: number }) => {
      const was = overlong.get(input) ?? { message: 0, block: 0, count: 0 };
      overlong.set(input, {
        message: Math.max(was.message, o.message ?? 0),
        block: Math.max(was.block, o.block ?? 0),
        count: Math.max(was.count, o.count ?? 0),
      });
    };
    fc.assert(
      fc.property(inputSet, (set) => {
        const started = performance.now();
        const { settings, errors } = read(set);
        const ms = performance.now() - started;
        stats.sets++;
        stats.slowestMs = Math.max(stats.slowestMs, ms);
        for (const n of set.fuzzed) fuzzedInputs.add(n);
        // A parser that expands YAML aliases or backtracks catastrophically shows up here.
        if (ms > 2000) throw new Error(`readSettings took ${ms.toFixed(0)} ms`);
        if (errors.length ? settings !== undefined : settings === undefined) throw new Error('settings and errors disagree');
        stats[errors.length ? 'rejected' : 'accepted']++;
        const perInput = new Map<string, number>();
        for (const e of errors) {
          stats.errors++;
          inputsInErrors.add(e.input);
          stats.maxMessage = Math.max(stats.maxMessage, e.message.length);
          if (!INPUT_NAMES.has(e.input)) throw new Error(`'${e.input}' is not an input of action.yml`);
          if (!e.message.includes(e.input)) throw new Error(`the message does not mention '${e.input}': ${e.message.slice(0, 300)}`);
          if (e.message.includes(SECRET_MARKER)) throw new Error(`a secret value was echoed by '${e.input}'`);
          perInput.set(e.input, (perInput.get(e.input) ?? 0) + e.message.length);
          if (e.message.length > MAX_MESSAGE) note(e.input, { message: e.message.length });
        }
        // An oversized block is put down to the input that wrote most of it.
        const block = formatInputErrors(errors).length;
        if (block > MAX_BLOCK) note([...perInput].sort((a, b) => b[1] - a[1])[0][0], { block, count: errors.length });
      }),
      { numRuns: IN_PROCESS_RUNS, seed: SEED },
    );
    // Every input of action.yml was fuzzed at least once.
    expect([...INPUT_NAMES].filter((n) => !fuzzedInputs.has(n))).toEqual([]);
    const report = [...overlong].map(([input, o]) => `${input}: longest message ${o.message} chars; error block up to ${o.block} chars (${o.count} errors)`);
    expect(report, `error messages over ${MAX_MESSAGE} chars or error blocks over ${MAX_BLOCK} chars`).toEqual([]);
  }, 300_000);
});

/** Linux refuses NUL in environment strings and limits one string to 128 KiB: the runner could not pass these either. */
const passable = (set: InputSet) =>
  [...Object.values(set.inputs), ...Object.values(set.env)].every((v) => !v.includes('\0') && Buffer.byteLength(v) < 120_000);

describe('through the bundled action', () => {
  test(`${DIST_SAMPLE} invalid input sets: the step fails naming the inputs, nothing is forged, no request is sent`, async () => {
    const sims = await Promise.all(Array.from({ length: 4 }, () => startSimulator({ timeScale: 0.02 })));
    try {
      // Point the valid base connection at a live simulator, so a request the action should not send would be seen.
      const cases = fc
        .sample(inputSet, { seed: SEED + 1, numRuns: 20 * DIST_SAMPLE })
        .filter(passable)
        .map((set, i) => {
          const sim = sims[i % sims.length];
          const live: Record<string, string> = set.inputs.api_host === BASE_CONNECTION.api_host ? { api_host: sim.host, api_port: String(sim.port) } : {};
          const s = { ...set, inputs: { ...set.inputs, ...live } };
          return { set: s, sim, expected: read(s).errors };
        })
        .filter((c) => c.expected.length > 0)
        .slice(0, DIST_SAMPLE);
      expect(cases.length).toBe(DIST_SAMPLE);

      const problems: string[] = [];
      const lanes = sims.map((sim) => async () => {
        for (const c of cases.filter((x) => x.sim === sim)) {
          // Input errors come before ::add-mask:: is ever issued, so a secret echoed there would be in clear text.
          for (const v of [...Object.values(c.set.inputs), ...Object.values(c.set.env)]) if (v.includes(SECRET_MARKER)) registerSecret(v.trim());
          const before = sim.log.length;
          const run = await runAction({ inputs: c.set.inputs, env: c.set.env, timeoutMs: 60_000, actionDir: ACTION_DIR });
          stats.distRuns++;
          stats.distRequests += sim.log.length - before;
          const p = checkRejected(run, c.expected.map((e) => e.input), sim.log.length - before);
          if (p) problems.push(`${p}\n  inputs: ${JSON.stringify(c.set.inputs).slice(0, 600)}\n  env: ${JSON.stringify(c.set.env).slice(0, 300)}`);
        }
      });
      await pool(lanes.length, lanes);
      expect(problems, problems.join('\n\n')).toEqual([]);
    } finally {
      await Promise.all(sims.map((s) => s.close()));
    }
  }, 300_000);

  test('a 114 KB device input (the runner passes up to 128 KiB) is rejected with one bounded error, not a crash', async () => {
    // Each bad part of the property string repeats the whole value in its message: 9,500 parts of 12 bytes.
    const scsi = `scsi0: '${'local-lvm:1,'.repeat(9500)}'`;
    const run = await runAction({ inputs: { ...BASE_CONNECTION, name: 'x', scsi }, timeoutMs: 30_000, actionDir: ACTION_DIR });
    expect(run.main.exitCode).not.toBe(0);
    const errors = run.main.annotations.filter((a) => a.level === 'error');
    expect(errors, `no error annotation; stderr:\n${run.main.stderr.slice(0, 800)}`).toHaveLength(1);
    expect(errors[0].message).toContain('scsi');
    expect(errors[0].message.length).toBeLessThanOrEqual(MAX_BLOCK);
  }, 60_000);

  test('a ca_path that names a FIFO (or a device such as /dev/zero) fails fast instead of hanging the step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reliability-fifo-'));
    const fifo = join(dir, 'ca.pem');
    execFileSync('mkfifo', [fifo]);
    try {
      // Nobody ever writes to the FIFO: a plain read of ca_path blocks forever (a device like /dev/zero instead
      // fills memory, which is why this test uses a FIFO).
      const run = await runAction({
        inputs: { ...BASE_CONNECTION, validate_certs: 'true', ca_path: fifo, name: 'x', state: 'absent' },
        // A hang never ends; a step that fails fast ends in about a second, a few on a loaded machine.
        timeoutMs: 30_000,
        cancelGraceMs: 1000,
        actionDir: ACTION_DIR,
      });
      expect(run.main.timedOut, 'the step hung reading ca_path').toBe(false);
      expect(run.main.exitCode).not.toBe(0);
      expect(errorText(run)).toContain('ca_path');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** What is wrong with a run of an invalid input set, or undefined when it was rejected properly. */
function checkRejected(run: ActionRun, inputs: string[], requests: number): string | undefined {
  const errors = run.main.annotations.filter((a) => a.level === 'error');
  const text = errorText(run);
  if (run.main.exitCode === 0) return `the step succeeded\n${transcript(run)}`;
  if (errors.length !== 1) return `expected one error annotation, got ${errors.length}:\n${transcript(run)}`;
  const unnamed = [...new Set(inputs)].filter((n) => !text.includes(n));
  if (unnamed.length) return `the error does not name ${unnamed.join(', ')}:\n${text.slice(0, 1500)}`;
  if (requests > 0) return `${requests} request(s) reached the simulator`;
  if (run.main.annotations.some((a) => /^forged/.test(a.message)) || Object.values(run.main.outputs).includes('666')) {
    return `an injected workflow command took effect:\n${transcript(run)}`;
  }
  if (/^\s+at .+\(.*:\d+:\d+\)$/m.test(run.main.stderr)) return `the action crashed:\n${run.main.stderr.slice(0, 1500)}`;
  return undefined;
}
