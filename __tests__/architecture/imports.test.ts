// The shape ARCHITECTURE.md promises, checked on the source: no import cycles in src/, the layers import only
// downstream-to-upstream (an entry may use everything; report/ may read vm/ types; vm/ never reads report/summary
// or the entries), the simulator never imports the action and the action never imports tests, tools or the sim.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file (static `import … from`, `export … from` and dynamic `import()`), as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
    const spec = m[1] ?? m[2];
    out.push(relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
  }
  return out;
}

const src = files(join(ROOT, 'src')).map((f) => relative(ROOT, f));
const graph = new Map(src.map((f) => [f, importsOf(join(ROOT, f)).filter((i) => i.startsWith('src/'))]));

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of src) if (!state.has(f)) visit(f);
  return found;
}

/** Layers, upstream first: a file may import its own layer and the ones before it. */
const LAYERS: Array<[string, RegExp]> = [
  // Stand-ins for heavy dependencies (tsconfig.json `paths`): what the bundles import instead of the packages.
  ['dependencies', /^src\/entries\/lazy\//],
  ['catalogue', /^src\/catalogue\//],
  ['settings', /^src\/settings\.ts$/],
  ['inputs', /^src\/inputs\//],
  ['proxmox', /^src\/proxmox\//],
  ['vm', /^src\/vm\//],
  ['report', /^src\/report\//],
  ['state', /^src\/state(-read)?\.ts$/],
  ['entries', /^src\/(main|post)\.ts$|^src\/entries\//],
];
const layerOf = (f: string) => LAYERS.findIndex(([, re]) => re.test(f));
// report/text.ts and report/log.ts are leaf helpers every layer may use (escaping and logging untrusted text).
const LEAF_HELPERS = new Set(['src/report/text.ts', 'src/report/log.ts']);

describe('architecture', () => {
  test('the import graph sees every source file and finds imports', () => {
    expect(src.length).toBeGreaterThan(30);
    expect(graph.get('src/main.ts')).toContain('src/vm/reconcile.ts');
  });

  test('src/ has no import cycles', () => {
    expect(cycles()).toEqual([]);
  });

  test('every src/ file belongs to a layer, and imports only its own layer or upstream ones', () => {
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const lf = layerOf(f);
      expect(lf, `${f} belongs to no layer`).toBeGreaterThanOrEqual(0);
      for (const d of deps) if (!LEAF_HELPERS.has(d) && layerOf(d) > lf) wrong.push(`${f} → ${d}`);
    }
    expect(wrong).toEqual([]);
  });

  test('the plan is built in vm/plan.ts, vm/prune.ts and vm/cleanup.ts, and apply does not plan', () => {
    const apply = graph.get('src/vm/apply.ts')!;
    expect(apply).not.toContain('src/vm/plan.ts');
    expect(apply).not.toContain('src/vm/prune.ts');
    expect(apply).not.toContain('src/vm/resolve.ts');
  });

  test('the simulator never imports the action; the action never imports tests, tools, bench or the simulator', () => {
    const bad: string[] = [];
    for (const f of files(join(ROOT, 'sim'))) for (const d of importsOf(f)) if (d.startsWith('src/')) bad.push(`${relative(ROOT, f)} → ${d}`);
    for (const f of src) for (const d of importsOf(join(ROOT, f))) if (!d.startsWith('src/') && !d.startsWith('node_modules')) bad.push(`${f} → ${d}`);
    expect(bad).toEqual([]);
  });

  test('dev tooling (tools/, bench/, scripts/, sim/) never imports from __tests__/', () => {
    const bad: string[] = [];
    for (const dir of ['tools', 'bench', 'scripts', 'sim'])
      for (const f of files(join(ROOT, dir))) for (const d of importsOf(f)) if (d.startsWith('__tests__/')) bad.push(`${relative(ROOT, f)} → ${d}`);
    expect(bad).toEqual([]);
  });
});
