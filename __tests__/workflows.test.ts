// The example workflows (examples/) and this repository's own workflows (.github/workflows/) are validated offline:
// GitHub's own workflow parser (@actions/workflow-parser) must accept them, every step that uses this action must
// pass only inputs action.yml declares, and (with its expressions replaced by sample values) those inputs must pass
// the action's own input validation, so required inputs are present and the combination is allowed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { describe as suite, expect, it } from 'vitest';
import { catalogue } from '../src/catalogue/index.js';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';
import { sshPublicKey } from '../tools/sshkeys.js';

const ROOT = resolve(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const ymls = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Step { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> }
interface Job {
  'runs-on'?: unknown;
  permissions?: unknown;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
  outputs?: Record<string, string>;
}
interface Workflow { on: unknown; permissions?: unknown; jobs: Record<string, Job> }

const action = load(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> };
const inputNames = new Set(Object.keys(action.inputs));
const examples = new Map(catalogue.map((p) => [p.name, p.example]));
const isThisAction = (uses: string | undefined) => !!uses && (/(^|\/)proxmox-kvm-action@/.test(uses) || uses === './');
const SAMPLE_KEY = sshPublicKey('ed25519', 'ci@example');

/** What GitHub's workflow parser refuses in each file (run through tsx: see scripts/check-workflows.ts). */
function parserErrors(paths: string[]): Record<string, string[]> {
  const r = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts', 'check-workflows.ts'), '--json', ...paths], { cwd: ROOT, encoding: 'utf8' });
  if (r.stdout.trim() === '') throw new Error(`check-workflows.ts printed nothing: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string[]>;
}

/** Sample values for the expressions an example uses: what a real run would put there. */
function sampleFor(expr: string, jobId: string, job: Job): string | undefined {
  const matrix = /^matrix\.([\w-]+)$/.exec(expr);
  if (matrix) {
    const values = job.strategy?.matrix?.[matrix[1]];
    return Array.isArray(values) ? String(values[values.length - 1]) : undefined;
  }
  const known: Record<string, string> = {
    'github.run_id': '12345678901',
    'github.run_attempt': '2',
    'github.job': jobId,
    'strategy.job-index': '7',
    'vars.PVE_HOST': 'pve.example.com',
    'vars.PVE_TOKEN_ID': 'ci@pve!github',
    'vars.PVE_FINGERPRINT': 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    'vars.CI_SSH_PUBLIC_KEY': SAMPLE_KEY,
    'github.token': 'ghs_sample',
    'needs.provision.outputs.vmid': '10042',
    'steps.sim.outputs.token_id': 'root@pam!ci',
    'needs.provision.outputs.name': 'ci-12345678901-2-provision-0',
  };
  if (expr in known) return known[expr];
  if (expr.startsWith('secrets.')) return 'sample-secret';
  return undefined;
}

/** The step's `with:` as the runner would pass it, expressions replaced by sample values. */
function sampleInputs(step: Step, jobId: string, job: Job): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(step.with ?? {})) {
    const text = String(raw);
    const whole = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(text.trim());
    out[k] = text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => {
      const v = sampleFor(e, jobId, job);
      if (v !== undefined) return v;
      // an expression we have no sample for (e.g. dry_run's condition, a step output): the catalogue's example
      if (whole) return examples.get(k) ?? 'sample';
      throw new Error(`no sample value for \${{ ${e} }} in input ${k}`);
    });
  }
  return out;
}

const files = [...ymls(EXAMPLES).map((f) => join(EXAMPLES, f)), ...ymls(WORKFLOWS).map((f) => join(WORKFLOWS, f))];
const exampleFiles = ymls(EXAMPLES);

suite('workflow files parse as GitHub Actions workflows', () => {
  it('there are examples and workflows to check', () => {
    expect(exampleFiles.length).toBeGreaterThanOrEqual(5);
    expect(ymls(WORKFLOWS)).toEqual(expect.arrayContaining(['ci.yml', 'check-dist.yml', 'release.yml', 'e2e.yml', 'codeql.yml']));
  });

  it('GitHub\'s workflow parser accepts every file', () => {
    const errors = parserErrors(files);
    expect(Object.keys(errors)).toEqual(files);
    for (const [f, errs] of Object.entries(errors)) expect(errs, f.slice(ROOT.length + 1)).toEqual([]);
  });

  it('the parser does catch a bad workflow (the check is not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
    try {
      const bad = join(dir, 'bad.yml');
      writeFileSync(bad, 'on: push\njobs:\n  a:\n    runs-on: x\n    permissions: { actions: rea }\n    steps:\n      - run: echo ${{ nope.x }}\n');
      expect(parserErrors([bad])[bad].join('\n')).toMatch(/Unexpected value 'rea'[\s\S]*Unrecognized named-value: 'nope'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

suite('steps that use this action', () => {
  for (const file of files) {
    const rel = file.slice(ROOT.length + 1);
    const wf = load(readFileSync(file, 'utf8')) as Workflow;
    const uses = Object.entries(wf.jobs).flatMap(([jobId, job]) =>
      (job.steps ?? []).filter((s) => isThisAction(s.uses)).map((step) => ({ jobId, job, step })),
    );
    if (uses.length === 0) continue;

    it(`${rel}: only inputs action.yml declares, valid together (required ones present)`, () => {
      for (const { jobId, job, step } of uses) {
        const keys = Object.keys(step.with ?? {});
        expect(keys.filter((k) => !inputNames.has(k)), `${rel} ${jobId}`).toEqual([]);
        const inputs = sampleInputs(step, jobId, job);
        const r = readSettings((n) => inputs[n] ?? '', {});
        expect(formatInputErrors(r.errors), `${rel} ${jobId} ${JSON.stringify(inputs)}`).toBe('');
      }
    });

    it(`${rel}: credentials come from secrets, never literal`, () => {
      for (const { step } of uses) {
        for (const k of ['api_password', 'api_token_secret', 'api_otp']) {
          const v = step.with?.[k];
          if (v !== undefined && rel.startsWith('examples/')) expect(String(v), k).toMatch(/^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$/);
        }
        const gt = step.with?.github_token;
        if (gt !== undefined) expect(String(gt)).toMatch(/^\$\{\{\s*(github\.token|secrets\.GITHUB_TOKEN)\s*\}\}$/);
      }
    });

    if (!rel.startsWith('examples/')) continue;
    it(`${rel}: a VM it creates is named uniquely per run, attempt, job and matrix index, as a DNS name`, () => {
      for (const { jobId, job, step } of uses) {
        const w = step.with ?? {};
        if (w.state === 'absent' || (w.clone === undefined && w.node === undefined)) continue;
        const name = String(w.name);
        for (const part of ['github.run_id', 'github.run_attempt', 'github.job', 'strategy.job-index']) expect(name, `${rel} ${jobId}`).toContain(part);
        expect(jobId, 'job ids end up in VM names: letters, digits and hyphens only').toMatch(/^[A-Za-z0-9-]+$/);
        const sample = sampleInputs(step, jobId, job).name;
        expect(sample).toMatch(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/);
      }
    });

    it(`${rel}: runs on a runner that can reach a private cluster, not a GitHub-hosted image`, () => {
      for (const { jobId, job } of uses) expect(JSON.stringify(job['runs-on']), `${rel} ${jobId}`).not.toMatch(/ubuntu-|windows-|macos-/);
    });
  }
});

suite('the recipes', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('are all linked from the README', () => {
    for (const f of exampleFiles) expect(readme, f).toContain(`(examples/${f})`);
  });

  it('the README shows no VM name that two jobs of one run could share', () => {
    for (const m of readme.matchAll(/^\s*name: (ci-\$\{\{.*)$/gm)) {
      for (const part of ['github.run_id', 'github.run_attempt', 'github.job', 'strategy.job-index']) expect(m[1]).toContain(part);
    }
  });

  it('the README shows no job on a GitHub-hosted image, which cannot reach a private cluster', () => {
    expect(readme).not.toMatch(/runs-on:\s*\[?\s*(ubuntu|windows|macos)-/);
  });

  it('the janitor has the permission its github_token needs and a dry-run switch that works', () => {
    const wf = load(readFileSync(join(EXAMPLES, 'nightly-janitor.yml'), 'utf8')) as Workflow & {
      on: { workflow_dispatch: { inputs: Record<string, { type: string; default: unknown }> }; schedule: unknown };
    };
    expect(wf.permissions).toEqual({ actions: 'read' });
    expect(wf.on.schedule).toBeTruthy();
    expect(wf.on.workflow_dispatch.inputs.dry_run).toMatchObject({ type: 'boolean', default: true });
    const step = Object.values(wf.jobs).flatMap((j) => j.steps ?? []).find((s) => isThisAction(s.uses))!;
    expect(step.with).toMatchObject({ state: 'absent', prune: true });
    expect(String(step.with!.dry_run)).toContain('inputs.dry_run');
    expect(String(step.with!.github_token)).toContain('github.token');
  });

  it('the teardown job passes vmid and name from the provision job', () => {
    const wf = load(readFileSync(join(EXAMPLES, 'provision-test-teardown.yml'), 'utf8')) as Workflow;
    expect(wf.jobs.provision.outputs).toMatchObject({ vmid: '${{ steps.vm.outputs.vmid }}', name: '${{ steps.vm.outputs.name }}' });
    const step = wf.jobs.teardown.steps!.find((s) => isThisAction(s.uses))!;
    expect(step.with).toMatchObject({
      state: 'absent',
      vmid: '${{ needs.provision.outputs.vmid }}',
      name: '${{ needs.provision.outputs.name }}',
    });
  });
});

suite('this repository’s workflows', () => {
  const wf = (f: string) => load(readFileSync(join(WORKFLOWS, f), 'utf8')) as Workflow;

  it('declare their permissions and use only official actions (actions/*, github/*) or this one', () => {
    for (const f of ymls(WORKFLOWS)) {
      const w = wf(f);
      expect(w.permissions, f).toBeDefined();
      for (const job of Object.values(w.jobs)) {
        for (const s of job.steps ?? []) if (s.uses) expect(s.uses, f).toMatch(/^(actions\/|github\/codeql-action\/|\.\/$)/);
      }
    }
  });

  it('release.yml is triggered by a vX.Y.Z tag and writes nothing but contents', () => {
    const w = wf('release.yml') as Workflow & { on: { push: { tags: string[] } } };
    expect(w.on.push.tags.join(' ')).toMatch(/v\[0-9\]/);
    expect(w.permissions).toEqual({ contents: 'write' });
  });

  it('release.yml takes the release notes from the version\'s CHANGELOG.md section, which exists', () => {
    const run = wf('release.yml').jobs.release.steps!.map((s) => s.run ?? '').join('\n');
    const awk = /awk -v v="\$version" '[\s\S]*?' CHANGELOG\.md/.exec(run)?.[0];
    expect(awk).toBeDefined();
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const version = /^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/m.exec(changelog)?.[1];
    expect(version, 'CHANGELOG.md has a released version section').toBeDefined();
    const notes = spawnSync('bash', ['-c', `version=${version}; ${awk}`], { cwd: ROOT, encoding: 'utf8' }).stdout;
    expect(notes).toContain('### Added');
    expect(notes).not.toMatch(/^## /m);
    expect(notes).not.toMatch(/^\[[^\]]+\]: http/m);
  });

  it('dependabot.yml updates npm packages and the actions the workflows use', () => {
    const d = load(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as { version: number; updates: Array<{ 'package-ecosystem': string; directory: string }> };
    expect(d.version).toBe(2);
    expect(d.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const u of d.updates) expect(u.directory).toBe('/');
  });

  it('e2e.yml parses the lines `npm run sim` prints (sim/cli.ts), so a change there shows up here', () => {
    const cli = readFileSync(join(ROOT, 'sim', 'cli.ts'), 'utf8');
    for (const label of ['PVE simulator listening on ${sim.url}', '`token (all):  ', '`fingerprint:  ', 'Press Ctrl-C to stop.', "'ca-file'", "'time-scale'"])
      expect(cli, label).toContain(label);
    const run = wf('e2e.yml').jobs.e2e.steps!.map((s) => s.run ?? '').join('\n');
    for (const used of ["field 'token (all)'", 'field fingerprint', 'PVE simulator listening on https://', 'Press Ctrl-C']) expect(run).toContain(used);
  });

  it('e2e.yml runs the action from this checkout through create, wait for an IP, outputs and teardown', () => {
    const steps = Object.values(wf('e2e.yml').jobs).flatMap((j) => j.steps ?? []).filter((s) => isThisAction(s.uses));
    const w = steps.map((s) => s.with ?? {});
    expect(w.some((x) => x.wait_for === 'ip' && x.cleanup === 'always' && x.clone !== undefined)).toBe(true);
    expect(w.some((x) => x.state === 'absent' && x.vmid !== undefined && x.name !== undefined)).toBe(true);
  });
});
