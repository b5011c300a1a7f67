// action.yml and docs/inputs.md are generated from the catalogue and must not drift from it.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe as suite, expect, it } from 'vitest';
import { ACTION_YML, INPUTS_DOC, README, renderActionYml, renderInputsDoc } from '../scripts/gen-action-yml.js';
import { catalogue, describe, outputs } from '../src/catalogue/index.js';

interface ActionYml {
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
  branding: { icon: string; color: string };
}

const text = readFileSync(ACTION_YML, 'utf8');
const action = load(text) as ActionYml;

suite('action.yml', () => {
  it('is exactly what the generator writes (run `npm run gen:docs` after changing the catalogue)', () => {
    expect(text).toBe(renderActionYml());
  });

  it('has one input per catalogue entry, with its description and default', () => {
    expect(Object.keys(action.inputs)).toEqual(catalogue.map((p) => p.name));
    for (const p of catalogue) {
      const input = action.inputs[p.name];
      expect(input.description, p.name).toBe(describe(p));
      expect(input.required, p.name).toBe(false);
      // env-backed inputs carry no runner default, else the environment variable could never apply; an expression
      // default (runnerDefault) is written for the runner to evaluate
      expect(input.default, p.name).toBe(p.runnerDefault ?? (p.env ? undefined : p.default));
    }
  });

  it('defaults github_token to the job\'s token, as official actions do; only runner expressions are runnerDefaults', () => {
    expect(action.inputs.github_token.default).toBe('${{ github.token }}');
    for (const p of catalogue) {
      if (p.runnerDefault !== undefined) {
        expect(p.runnerDefault, p.name).toMatch(/^\$\{\{.*\}\}$/);
        expect([p.default, p.env], p.name).toEqual([undefined, undefined]);
      }
      // readSettings applies `default` as a literal value: an expression there would become the value itself
      expect(p.default ?? '', p.name).not.toContain('${{');
    }
  });

  it('declares the outputs and the node24 main/post entries', () => {
    expect(Object.keys(action.outputs)).toEqual(outputs.map((o) => o.name));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main/index.js', post: 'dist/post/index.js', 'post-if': 'always()' });
    expect(action.branding.icon).toBeTruthy();
  });
});

suite('docs/inputs.md (the input/output reference)', () => {
  it('is exactly what the generator writes (run `npm run gen:docs` after changing the catalogue)', () => {
    expect(readFileSync(INPUTS_DOC, 'utf8')).toBe(renderInputsDoc());
  });

  it('lists every input and output', () => {
    const doc = readFileSync(INPUTS_DOC, 'utf8');
    for (const p of catalogue) expect(doc, p.name).toContain(`| \`${p.name}\` |`);
    for (const o of outputs) expect(doc, o.name).toContain(`| \`${o.name}\` |`);
  });

  it('is linked from the README, which names every output', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain('(docs/inputs.md)');
    for (const o of outputs) expect(readme, o.name).toContain(`\`${o.name}\``);
  });
});
