// Walks the catalogue against the official PVE schema (sim/'s trimmed copy): every key we emit exists there,
// and our enums, ranges and property-string sub-keys are a subset of what PVE accepts.
import { describe as suite, expect, it } from 'vitest';
import { catalogue, pveKeysOf, type Param, type PropFormat, type SubKeyType } from '../src/catalogue/index.js';
import { configKeySchema, type ParamSchema } from '../sim/schema/validate.js';

type SubSchema = ParamSchema & { alias?: string; keyAlias?: string; default_key?: number };

const emitting = catalogue.filter((p) => p.pve);

function schemaOf(key: string): ParamSchema {
  const s = configKeySchema(key);
  if (!s) throw new Error(`PVE has no config key '${key}'`);
  return s;
}

/** Sub-key names a property-string schema defines: inline format keys, or the names in a named format's typetext. */
function schemaSubKeys(s: ParamSchema): { inline?: Record<string, SubSchema>; names: Set<string> } {
  if (s.format && typeof s.format === 'object') {
    const inline = s.format as Record<string, SubSchema>;
    return { inline, names: new Set(Object.keys(inline)) };
  }
  const names = new Set([...(s.typetext ?? '').matchAll(/([\w-]+)=/g)].map((m) => m[1]));
  return { names };
}

function checkSubKeyType(where: string, ours: SubKeyType, theirs: SubSchema): void {
  const expectedType = { bool: 'boolean', int: 'integer', number: 'number', enum: 'string', string: 'string' }[ours.t];
  expect(theirs.type, where).toBe(expectedType);
  if (ours.t === 'enum') {
    for (const v of ours.values) expect(theirs.enum, `${where} enum`).toContain(v);
  }
  if (ours.t === 'int' || ours.t === 'number') {
    if (theirs.minimum !== undefined) expect(ours.min, `${where} min`).toBeGreaterThanOrEqual(theirs.minimum);
    if (theirs.maximum !== undefined) expect(ours.max, `${where} max`).toBeLessThanOrEqual(theirs.maximum);
  }
}

function checkFormat(p: Param, format: PropFormat, s: ParamSchema): void {
  if (format.wholeValue) {
    expect(s.pattern, `${p.name} pattern`).toBeDefined();
    return;
  }
  const { inline, names } = schemaSubKeys(s);
  for (const [key, type] of Object.entries(format.keys)) {
    expect(names.has(key), `${p.name}: sub-key '${key}' unknown to PVE (${[...names].join(', ')})`).toBe(true);
    if (inline) checkSubKeyType(`${p.name}.${key}`, type, inline[key]);
  }
  for (const [alias, target] of Object.entries(format.aliases ?? {})) {
    if (inline) expect(inline[alias]?.alias, `${p.name}: alias ${alias}`).toBe(target);
  }
  if (format.defaultKey && inline) expect(inline[format.defaultKey].default_key, `${p.name} default key`).toBe(1);
  if (format.enumValueAsKey && inline) {
    const models = format.keys[format.enumValueAsKey.key] as Extract<SubKeyType, { t: 'enum' }>;
    for (const m of models.values) expect(inline[m]?.keyAlias, `${p.name}: ${m}=<mac>`).toBe(format.enumValueAsKey.key);
  }
}

suite('catalogue vs PVE schema', () => {
  it('emits only config keys PVE knows, over exactly PVE’s index ranges', () => {
    for (const p of emitting) {
      for (const key of pveKeysOf(p)) expect(configKeySchema(key), `${p.name} → ${key}`).toBeDefined();
      if (p.indexRange) {
        const base = p.pve!.replace('[n]', '');
        expect(configKeySchema(`${base}${p.indexRange[1] + 1}`), `${base} beyond ${p.indexRange[1]}`).toBeUndefined();
      }
    }
  });

  it('uses the PVE type of each key', () => {
    for (const p of emitting) {
      const s = schemaOf(pveKeysOf(p)[0]);
      if (p.kind === 'bool') expect(s.type, p.name).toBe('boolean');
      if (p.kind === 'number') expect(s.type, p.name).toBe('number');
      if (p.kind === 'int') {
        // memory is a property string `[current=]<integer>` since PVE 8
        const current = typeof s.format === 'object' ? (s.format as Record<string, SubSchema>).current : undefined;
        expect(s.type === 'integer' || current?.type === 'integer', p.name).toBe(true);
      }
      if (['string', 'secret', 'list', 'dict', 'enum'].includes(p.kind)) expect(s.type, p.name).toBe('string');
    }
  });

  it('offers only enum values PVE accepts', () => {
    for (const p of emitting.filter((q) => q.kind === 'enum')) {
      const s = schemaOf(p.pve!);
      for (const c of p.choices!) expect(s.enum, `${p.name}: '${c}'`).toContain(c);
    }
  });

  it('keeps ranges inside PVE’s', () => {
    for (const p of emitting.filter((q) => q.kind === 'int' || q.kind === 'number')) {
      const s = schemaOf(p.pve!);
      const bounds = typeof s.format === 'object' ? (s.format as Record<string, SubSchema>).current : s;
      if (bounds?.minimum !== undefined) expect(p.min, `${p.name} min`).toBeGreaterThanOrEqual(bounds.minimum);
      if (bounds?.maximum !== undefined) expect(p.max, `${p.name} max`).toBeLessThanOrEqual(bounds.maximum);
    }
  });

  it('checks property strings with sub-keys, types and enums PVE defines', () => {
    for (const p of emitting.filter((q) => q.format)) checkFormat(p, p.format!, schemaOf(pveKeysOf(p)[0]));
  });

  it('turns efidisk0/tpmstate0 sub-options into PVE sub-keys and values', () => {
    for (const p of emitting.filter((q) => q.subOptions)) {
      const inline = schemaOf(p.pve!).format as Record<string, SubSchema>;
      for (const [name, opt] of Object.entries(p.subOptions!)) {
        expect(inline[opt.pve], `${p.name}.${name} → ${opt.pve}`).toBeDefined();
        for (const c of opt.choices ?? []) expect(inline[opt.pve].enum, `${p.name}.${name}: ${c}`).toContain(opt.valueMap?.[c] ?? c);
      }
    }
  });
});

suite('CPU models', () => {
  it("the action's list of CPU types equals the simulator's (two copies of one fact: sim and src share no code)", async () => {
    const ours = await import('../src/catalogue/cpu-models.js');
    const sims = await import('../sim/schema/cpu-models.js');
    expect([...ours.CPU_MODELS]).toEqual([...sims.CPU_MODELS]);
    expect([...ours.CPU_BUILTIN_MODELS]).toEqual([...sims.CPU_BUILTIN_MODELS]);
  });

  it("the action's list of VM-allowed CPU flags equals the simulator's", async () => {
    const ours = await import('../src/catalogue/cpu-models.js');
    const sims = await import('../sim/schema/cpu-models.js');
    expect([...ours.CPU_VM_FLAGS]).toEqual([...sims.CPU_VM_FLAGS]);
  });
});
