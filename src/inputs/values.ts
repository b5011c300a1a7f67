// Turns one input's text into a typed value per its catalogue entry, and a typed value into PVE wire strings.
import type { Param } from '../catalogue/index.js';
import { runCheck } from './checks.js';
import { echo, inputError, limitErrors, listProblems, quote, type InputError } from './errors.js';
import { parseBool, parseDict, parseIntStrict, parseList, parseNumber } from './parse.js';
import { checkPropertyString } from './check-property.js';

export type Value = boolean | number | string | string[] | Record<string, string>;

export interface ParamResult {
  value?: Value;
  errors: InputError[];
}

function range(p: Param, n: number): string | undefined {
  if (p.min !== undefined && n < p.min) return `must be at least ${p.min}`;
  if (p.max !== undefined && n > p.max) return `must be at most ${p.max}`;
  return undefined;
}

/** Parses `raw` (non-empty) for parameter `p`; the first few problems are returned (and how many more there are). */
export function parseParam(p: Param, raw: string): ParamResult {
  const r = parseAny(p, raw);
  return r.errors.length ? { errors: limitErrors(p.name, r.errors) } : r;
}

/** The catalogue default of `p`, parsed as if the user had given it (undefined when the catalogue gives none). */
export function defaultValue(p: Param): Value | undefined {
  if (p.default === undefined) return undefined;
  const r = parseParam(p, p.default);
  if (r.errors.length) throw new Error(`catalogue default of '${p.name}' does not parse: ${r.errors[0].message}`);
  return r.value;
}

function parseAny(p: Param, raw: string): ParamResult {
  const errors: InputError[] = [];
  const bad = (detail: string, value: string = raw) =>
    errors.push(inputError(p.name, `Input '${p.name}'${echo(value, p.secret)}: ${detail}.`));
  const done = (value?: Value): ParamResult => (errors.length ? { errors } : { value, errors });

  switch (p.kind) {
    case 'bool': {
      const r = parseBool(raw);
      return r.ok ? done(r.value) : (bad(r.error), done());
    }
    case 'int':
    case 'number': {
      const r = p.kind === 'int' ? parseIntStrict(raw) : parseNumber(raw);
      if (!r.ok) return bad(r.error), done();
      const err = range(p, r.value);
      return err ? (bad(err), done()) : done(r.value);
    }
    case 'enum': {
      const v = raw.trim();
      const choice = p.choices!.find((c) => c === v) ?? p.choices!.find((c) => c.toLowerCase() === v.toLowerCase());
      return choice !== undefined ? done(choice) : (bad(`must be one of ${p.choices!.join(', ')}`), done());
    }
    case 'list': {
      const r = parseList(raw);
      if (!r.ok) return bad(r.error), done();
      // Tags as PVE writes them (`a;b`, `a b`): no tag can contain `;` or a space, so they separate too.
      if (p.check === 'tag') r.value = r.value.flatMap((t) => t.split(/[;\s]+/)).filter((t) => t !== '');
      // Given but holding no tag (' ; '): an empty filter would match every VM, so it is an error, not "all".
      if (p.check === 'tag' && r.value.length === 0) return bad('holds no tag: give at least one tag, or leave the input out'), done();
      if (p.check) {
        for (const item of r.value) {
          const err = runCheck(p.check, item);
          if (err) bad(`item ${err}`, item);
        }
      }
      return done(r.value);
    }
    case 'dict':
      return p.subOptions ? parseSubOptionDict(p, raw) : parseIndexedDict(p, raw);
    default:
      return parseText(p, raw);
  }
}

function parseText(p: Param, raw: string): ParamResult {
  const errors: InputError[] = [];
  const v = raw.trim();
  if (p.acceptsBool) {
    const b = parseBool(v);
    if (b.ok) return { value: b.value ? '1' : '0', errors };
  }
  const err = p.check ? runCheck(p.check, v) : p.pattern && !p.pattern.test(v) ? `must match ${p.patternText}` : undefined;
  if (err) errors.push(inputError(p.name, `Input '${p.name}'${echo(v, p.secret)}: ${err}.`));
  // PVE counts characters (code points), not UTF-16 units
  const length = p.maxLength === undefined ? 0 : [...v].length;
  if (p.maxLength !== undefined && length > p.maxLength) {
    errors.push(inputError(p.name, `Input '${p.name}' is ${length} characters long; Proxmox VE accepts at most ${p.maxLength}.`));
  }
  if (p.format) {
    const pc = checkPropertyString(p.format, v);
    for (const e of pc.errors) errors.push(inputError(p.name, `Input '${p.name}'${echo(v, p.secret)}: ${e}.`));
    return errors.length ? { errors } : { value: pc.normalised, errors };
  }
  return errors.length ? { errors } : { value: v, errors };
}

function parseIndexedDict(p: Param, raw: string): ParamResult {
  const errors: InputError[] = [];
  const r = parseDict(raw);
  if (!r.ok) return { errors: [inputError(p.name, `Input '${p.name}' ${r.error}.`)] };
  const [lo, hi] = p.indexRange!;
  const base = p.pve!.replace('[n]', '');
  const allowed = lo === hi ? `${base}${lo}` : `${base}${lo}..${base}${hi}`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(r.value)) {
    const m = p.keyPattern!.exec(key);
    if (!m || Number(m[1]) < lo || Number(m[1]) > hi || String(Number(m[1])) !== m[1]) {
      errors.push(inputError(p.name, `Input '${p.name}': key ${quote(key)} is not allowed; keys are ${allowed}.`));
      continue;
    }
    if (value === '') {
      errors.push(inputError(p.name, `Input '${p.name}', key '${key}': the value is empty.`));
      continue;
    }
    const pc = checkPropertyString(p.format!, value);
    for (const e of pc.errors) errors.push(inputError(p.name, `Input '${p.name}', key '${key}'${echo(value, p.secret)}: ${e}.`));
    out[key] = pc.normalised;
  }
  return errors.length ? { errors } : { value: out, errors };
}

/** efidisk0/tpmstate0: `{storage: local-lvm, efitype: 4m}` → `local-lvm:1,efitype=4m`; a drive string is checked as is. */
function parseSubOptionDict(p: Param, raw: string): ParamResult {
  const r = parseDict(raw);
  if (!r.ok) {
    const pc = checkPropertyString(p.format!, raw);
    if (pc.errors.length === 0 && raw.trim() !== '') return { value: pc.normalised, errors: [] };
    return {
      errors: [
        inputError(p.name, `Input '${p.name}': must be a mapping of ${Object.keys(p.subOptions!).join(', ')} (or a PVE drive string: ${listProblems(pc.errors)}).`),
      ],
    };
  }
  const errors: InputError[] = [];
  const bad = (msg: string) => errors.push(inputError(p.name, `Input '${p.name}': ${msg}.`));
  const byPveName = new Map(Object.entries(p.subOptions!).map(([k, o]) => [o.pve, k]));
  const given: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(r.value)) {
    const key = Object.hasOwn(p.subOptions!, rawKey) ? rawKey : byPveName.get(rawKey);
    if (!key) {
      bad(`unknown option ${quote(rawKey)} (allowed: ${Object.keys(p.subOptions!).join(', ')})`);
      continue;
    }
    given[key] = value;
  }
  const pairs: Array<[string, string]> = [];
  let file = '';
  for (const [key, opt] of Object.entries(p.subOptions!)) {
    const v = given[key] ?? opt.default;
    if (v === undefined || v === '') {
      if (opt.required) bad(`'${key}' is required`);
      continue;
    }
    let wire = v;
    if (opt.kind === 'bool') {
      const b = parseBool(v);
      if (!b.ok) { bad(`'${key}' ${b.error}`); continue; }
      wire = b.value ? '1' : '0';
    } else if (opt.kind === 'enum' && !opt.choices!.includes(v)) {
      bad(`'${key}' = ${quote(v)} must be one of ${opt.choices!.join(', ')}`);
      continue;
    } else if (opt.check) {
      const err = runCheck(opt.check, v);
      if (err) { bad(`'${key}' = ${quote(v)} ${err}`); continue; }
    }
    wire = opt.valueMap?.[wire] ?? wire;
    if (opt.pve === 'file') file = wire;
    else pairs.push([opt.pve, wire]);
  }
  if (errors.length) return { errors };
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // `<storage>:1` asks PVE to allocate a new volume there (the size is ignored for EFI/TPM disks)
  return { value: [`${file}:1`, ...pairs.map(([k, v]) => `${k}=${v}`)].join(','), errors };
}

/** Wire form of a parsed value: PVE config key → string (booleans 1/0, lists joined, dicts expanded). */
export function toWire(p: Param, value: Value): Record<string, string> {
  if (!p.pve) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return { ...value };
  let wire: string;
  if (typeof value === 'boolean') wire = value ? '1' : '0';
  else if (Array.isArray(value)) wire = value.join(p.join ?? ',');
  else wire = String(value);
  if (p.urlEncode) wire = encodeURIComponent(wire);
  return { [p.pve]: wire };
}
