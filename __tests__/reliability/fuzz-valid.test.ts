// Valid-looking configurations: whatever readSettings accepts must pass PVE's schema. Thousands are checked
// in-process against the schema the simulator enforces; a sample goes through the bundled action to a simulator,
// where no mutating request may be answered 400 (that would be validation we miss and PVE does not).
import { registerSecret } from './leak-guard.js';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { readSettings } from '../../src/inputs/index.js';
import { type Simulator, startSimulator } from '../../sim/index.js';
import { findEndpoint, validateParams } from '../../sim/schema/validate.js';
import { runAction, type ActionRun } from '../../tools/runner/index.js';
import { ACTION_INPUTS } from './bad-inputs.js';
import { ACTION_DIR, count, errorText, isMutation, pool, printFigures, SEED } from './support.js';
import { VM_PARAMS, vmConfigSet } from './valid-inputs.js';

const IN_PROCESS_RUNS = count(5000, 1500);
const DIST_SAMPLE = count(120, 40);
const DEFAULTS = new Map(ACTION_INPUTS.map((i) => [i.name, i.default ?? '']));
/** What the action needs besides the VM config to create a VM (password login as root@pam: args and hostpci need it). */
const CREATE = { node: 'pve1', api_host: '127.0.0.1', api_user: 'root@pam', api_password: 'x', validate_certs: 'false' };

const stats = { generated: 0, accepted: 0, rejected: 0, schemaChecked: 0, distRuns: 0, distCreated: 0, distMutations: 0 };
const findings = new Map<string, string>();

afterAll(() => {
  printFigures('valid-looking inputs', {
    seed: SEED,
    'VM config inputs covered': VM_PARAMS.length,
    'sets generated': stats.generated,
    'accepted / rejected by readSettings': `${stats.accepted} / ${stats.rejected}`,
    'accepted sets checked against the PVE create schema': stats.schemaChecked,
    'sets run through dist': stats.distRuns,
    'VMs created': stats.distCreated,
    'mutating requests sent': stats.distMutations,
    'schema findings (PVE would answer 400)': findings.size,
  });
  for (const [k, v] of findings) console.log(`  finding: ${k}\n    ${v}`);
});

function read(inputs: Record<string, string>) {
  return readSettings((name) => inputs[name] ?? DEFAULTS.get(name) ?? '', {});
}

const createSchema = (() => {
  const m = findEndpoint('POST', '/nodes/pve1/qemu');
  if (!m || 'methodMissing' in m) throw new Error('no create endpoint in the schema');
  return m.schema;
})();

describe('in-process: the spec readSettings builds passes the PVE create schema', () => {
  test(`${IN_PROCESS_RUNS} valid-looking VM configurations`, () => {
    for (const set of fc.sample(vmConfigSet, { seed: SEED, numRuns: IN_PROCESS_RUNS })) {
      stats.generated++;
      const { settings, errors } = read({ ...CREATE, name: 'fuzz-vm', ...set });
      if (!settings) {
        stats.rejected++;
        expect(errors.length).toBeGreaterThan(0);
        continue;
      }
      stats.accepted++;
      stats.schemaChecked++;
      const problems = validateParams(createSchema, { ...settings.spec, node: 'pve1', vmid: '100' });
      for (const [key, problem] of Object.entries(problems ?? {})) {
        // One finding per input and kind of problem: PVE lists each bad sub-key of a property string on its own
        // line; numbers and quoted values do not make a new kind.
        const lines = problem.trim().split('\n').filter((l) => l !== 'invalid format - format error');
        for (const line of lines) {
          const kind = line.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N');
          const finding = `${settings.specSource[key] ?? key}: ${kind}`;
          if (!findings.has(finding)) findings.set(finding, `e.g. ${key}=${settings.spec[key]}`.slice(0, 300));
        }
      }
    }
    // Enough of them are accepted for the check to mean something.
    expect(stats.accepted).toBeGreaterThan(IN_PROCESS_RUNS / 3);
    expect([...findings.keys()], 'readSettings accepted values the PVE schema rejects').toEqual([]);
  }, 300_000);
});

describe('through the bundled action', () => {
  test(`${DIST_SAMPLE} accepted configurations create VMs without a single 400 on a mutating request`, async () => {
    const sims: Simulator[] = await Promise.all(
      Array.from({ length: 4 }, () => startSimulator({ timeScale: 0.01, nodes: ['pve1'] })),
    );
    try {
      const sets = fc
        .sample(vmConfigSet, { seed: SEED + 7, numRuns: 10 * DIST_SAMPLE })
        .filter((set) => read({ ...CREATE, name: 'fuzz-vm', ...set }).settings !== undefined)
        .slice(0, DIST_SAMPLE);
      expect(sets.length).toBe(DIST_SAMPLE);
      const refused: string[] = [];
      const lanes = sims.map((sim, lane) => async () => {
        for (let i = lane; i < sets.length; i += sims.length) {
          const set = sets[i];
          if (set.cipassword) registerSecret(set.cipassword);
          const before = sim.log.length;
          const run: ActionRun = await runAction({
            inputs: { ...set, node: 'pve1', name: `fz-${i}`, api_host: sim.host, api_port: String(sim.port), api_user: sim.credentials.user, api_password: sim.credentials.password, ca_path: sim.caCert },
            debug: i % 4 === 0,
            timeoutMs: 60_000,
            actionDir: ACTION_DIR,
          });
          stats.distRuns++;
          const mutations = sim.log.slice(before).filter(isMutation);
          stats.distMutations += mutations.length;
          if (run.main.exitCode === 0) stats.distCreated++;
          const bad = mutations.filter((e) => e.status === 400 || e.status === 501);
          if (bad.length) {
            refused.push(`${bad.map((e) => `${e.method} ${e.path} → ${e.status}`).join(', ')}\n  inputs: ${JSON.stringify(set).slice(0, 800)}\n  error: ${errorText(run).slice(0, 800)}`);
          }
        }
      });
      await pool(lanes.length, lanes);
      expect(refused, refused.join('\n\n')).toEqual([]);
    } finally {
      await Promise.all(sims.map((s) => s.close()));
    }
  }, 600_000);
});
