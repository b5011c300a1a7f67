// Checks the runner harness against a tiny fake action that speaks the runner's documented file and
// stdout command formats directly, so the harness is proven before the real action exists.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionInputs, allCaptured, capturedText, inputEnvName, parseKeyValueFile, runAction } from '../../tools/runner/index.js';

const manifest = `
name: fake
description: fake action for the harness test
inputs:
  api-host:
    description: no default
    required: true
  vm name:
    description: space in the name
    default: spynal
  memory:
    description: numeric default
    default: 512
  dry_run:
    description: boolean default
    default: false
  workspace-dir:
    description: expression default
    default: \${{ runner.temp }}
runs:
  using: node20
  main: main.mjs
  post: post.mjs
  post-if: always()
`;

// The fake main writes what it saw to the runner files, the way @actions/core does (heredoc + random delimiter).
const mainJs = `
if (process.env.INPUT_MEMORY === 'stubborn') process.on('SIGINT', () => console.log('::notice::ignoring SIGINT'));
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const put = (file, name, value) => {
  const d = 'ghadelimiter_' + randomUUID();
  appendFileSync(process.env[file], name + '<<' + d + '\\n' + value + '\\n' + d + '\\n');
};
const inputs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INPUT_')));
put('GITHUB_OUTPUT', 'inputs', JSON.stringify(inputs));
put('GITHUB_OUTPUT', 'multi', 'line one\\nline=two\\n');
appendFileSync(process.env.GITHUB_OUTPUT, 'plain=a=b<<c\\n');
put('GITHUB_STATE', 'vmid', '100');
put('GITHUB_STATE', 'node', 'sabrewulf');
appendFileSync(process.env.GITHUB_ENV, 'EXPORTED=from-main\\n');
appendFileSync(process.env.GITHUB_PATH, '/opt/fake/bin\\n');
appendFileSync(process.env.GITHUB_STEP_SUMMARY, '## Summary\\n| vm | 100 |\\n');
const env = { leak: process.env.HARNESS_PARENT_ONLY ?? null, debug: process.env.RUNNER_DEBUG ?? null,
  cwd: process.cwd(), workspace: process.env.GITHUB_WORKSPACE, ci: process.env.CI, os: process.env.RUNNER_OS };
put('GITHUB_OUTPUT', 'env', JSON.stringify(env));
console.log('::add-mask::s3cr%25t');
console.log('::group::Creating VM');
console.log('::notice title=Created,file=action.yml::VM 100 created');
console.log('::warning file=a.ts,line=3,title=A%3A b%2C c::multi%0Aline 100%25');
console.log('::debug::only in debug');
console.log('::endgroup::');
console.log('::stop-commands::pause-token');
console.log('::error::not a command while stopped');
console.log('::pause-token::');
console.error('::error::from stderr');
if (process.env.INPUT_MEMORY === 'fail') process.exit(3);
if (process.env.INPUT_MEMORY === 'wait') {
  process.on('SIGINT', () => { console.log('::warning::cancelled'); put('GITHUB_STATE', 'cancelled', 'yes'); process.exit(1); });
  setInterval(() => {}, 1000);
  console.log('::notice::waiting');
}
if (process.env.INPUT_MEMORY === 'stubborn') setInterval(() => {}, 1000);
`;

const postJs = `
import { appendFileSync } from 'node:fs';
const seen = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('STATE_') || k.startsWith('INPUT_')));
seen.EXPORTED = process.env.EXPORTED;
seen.PATH_HEAD = process.env.PATH.split(':')[0];
appendFileSync(process.env.GITHUB_OUTPUT, 'seen=' + JSON.stringify(seen) + '\\n');
console.log('post ran');
`;

let dir: string;
const made: string[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-action-'));
  made.push(dir);
  writeFileSync(join(dir, 'action.yml'), manifest);
  writeFileSync(join(dir, 'main.mjs'), mainJs);
  writeFileSync(join(dir, 'post.mjs'), postJs);
  process.env.HARNESS_PARENT_ONLY = 'must-not-leak';
});
afterAll(() => {
  delete process.env.HARNESS_PARENT_ONLY;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('input naming and defaults', () => {
  it('names inputs as the runner does', () => {
    expect(inputEnvName('vm name')).toBe('INPUT_VM_NAME');
    expect(inputEnvName('api-host')).toBe('INPUT_API-HOST');
    expect(inputEnvName('dry_run')).toBe('INPUT_DRY_RUN');
  });

  it('reads declared inputs and stringifies YAML defaults', () => {
    expect(actionInputs(dir)).toEqual([
      { name: 'api-host' },
      { name: 'vm name', default: 'spynal' },
      { name: 'memory', default: '512' },
      { name: 'dry_run', default: 'false' },
      { name: 'workspace-dir', default: '${{ runner.temp }}' },
    ]);
  });

  it('passes every declared input, defaults filled, caller values winning', async () => {
    const run = await runAction({ actionDir: dir, inputs: { 'vm name': 'zavala', extra: 'x' } });
    const inputs = JSON.parse(run.main.outputs.inputs) as Record<string, string>;
    expect(inputs['INPUT_API-HOST']).toBe('');
    expect(inputs.INPUT_VM_NAME).toBe('zavala');
    expect(inputs.INPUT_MEMORY).toBe('512');
    expect(inputs.INPUT_DRY_RUN).toBe('false');
    expect(inputs['INPUT_WORKSPACE-DIR']).toMatch(/temp$/);
    expect(inputs.INPUT_EXTRA).toBe('x');
    expect(run.unexpectedInputs).toEqual(['extra']);
  });
});

describe('a successful main + post run', () => {
  it('parses outputs, state, summary, env, commands and hands state to post', async () => {
    const run = await runAction({ actionDir: dir, inputs: { 'api-host': 'pve' }, post: true });
    const { main, post } = run;
    expect(main.exitCode).toBe(0);
    expect(main.outputs.multi).toBe('line one\nline=two\n');
    expect(main.outputs.plain).toBe('a=b<<c');
    expect(main.state).toEqual({ vmid: '100', node: 'sabrewulf' });
    expect(main.summary).toBe('## Summary\n| vm | 100 |\n');
    expect(main.env).toEqual({ EXPORTED: 'from-main' });
    expect(main.path).toEqual(['/opt/fake/bin']);
    expect(main.masks).toEqual(['s3cr%t']);
    expect(main.groups).toEqual(['Creating VM']);
    expect(main.annotations).toEqual([
      { level: 'notice', message: 'VM 100 created', props: { title: 'Created', file: 'action.yml' } },
      { level: 'warning', message: 'multi\nline 100%', props: { file: 'a.ts', line: '3', title: 'A: b, c' } },
      { level: 'debug', message: 'only in debug', props: {} },
      { level: 'error', message: 'from stderr', props: {} },
    ]);
    const env = JSON.parse(main.outputs.env) as Record<string, string | null>;
    expect(env.leak).toBeNull();
    expect(env.debug).toBeNull();
    expect(env.ci).toBe('true');
    expect(env.os).toBe('Linux');
    expect(env.cwd).toBe(env.workspace);

    expect(post?.exitCode).toBe(0);
    const seen = JSON.parse(post!.outputs.seen) as Record<string, string>;
    expect(seen.STATE_vmid).toBe('100');
    expect(seen.STATE_node).toBe('sabrewulf');
    expect(seen['INPUT_API-HOST']).toBe('pve');
    expect(seen.EXPORTED).toBe('from-main');
    expect(seen.PATH_HEAD).toBe('/opt/fake/bin');
    expect(post!.stdout).toContain('post ran');

    const text = capturedText(run);
    expect(text).toContain('VM 100 created');
    expect(text).toContain('multi\nline 100%');
    expect(text).toContain('post ran');
    expect(allCaptured).toContain(text);
  });

  it('sets the debug variables only when asked', async () => {
    const run = await runAction({ actionDir: dir, debug: true });
    expect((JSON.parse(run.main.outputs.env) as { debug: string }).debug).toBe('1');
  });
});

describe('failures and cancellation', () => {
  it('reports a non-zero exit and still runs post (post-if: always())', async () => {
    const run = await runAction({ actionDir: dir, inputs: { memory: 'fail' }, post: true });
    expect(run.main.exitCode).toBe(3);
    expect(run.post?.exitCode).toBe(0);
  });

  it('sends SIGINT on cancel and the step can save state in its handler', async () => {
    const run = await runAction({ actionDir: dir, inputs: { memory: 'wait' }, cancelOn: /::notice::waiting/, post: true });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.cancelled).toBe(true);
    expect(run.main.annotations.map((a) => a.message)).toContain('cancelled');
    expect(run.main.state.cancelled).toBe('yes');
    const seen = JSON.parse(run.post!.outputs.seen) as Record<string, string>;
    expect(seen.STATE_cancelled).toBe('yes');
  });

  it('escalates to SIGTERM when the step ignores SIGINT', async () => {
    const run = await runAction({ actionDir: dir, inputs: { memory: 'stubborn' }, timeoutMs: 1000, cancelGraceMs: 100 });
    expect(run.main.timedOut).toBe(true);
    expect(run.main.signal).toBe('SIGTERM');
    expect(run.main.annotations.map((a) => a.message)).toContain('ignoring SIGINT');
  });

  it('skips post when post-if is success() and main failed', async () => {
    const other = mkdtempSync(join(tmpdir(), 'fake-action-'));
    made.push(other);
    writeFileSync(join(other, 'action.yml'), manifest.replace('post-if: always()', "post-if: '${{ success() }}'"));
    writeFileSync(join(other, 'main.mjs'), mainJs);
    writeFileSync(join(other, 'post.mjs'), postJs);
    const run = await runAction({ actionDir: other, inputs: { memory: 'fail' }, post: true });
    expect(run.main.cancelled).toBe(false);
    expect(run.post).toBeUndefined();
    const ok = await runAction({ actionDir: other, post: true });
    expect(ok.post?.exitCode).toBe(0);
  });
});

describe('file command parsing', () => {
  it('rejects a heredoc without its closing delimiter', () => {
    expect(() => parseKeyValueFile('x<<EOF\nvalue\n')).toThrow(/delimiter not found/);
  });
  it('rejects a line that is neither form', () => {
    expect(() => parseKeyValueFile('novalue\n')).toThrow(/invalid format/);
  });
});
