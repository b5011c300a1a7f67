// PVE's parameter checks (pve-common JSONSchema.pm check_prop / check_object / check_type / check_format),
// re-expressed in TypeScript: same order of checks, same message texts, errors keyed by parameter path.
import type { ParamSchema } from './validate.js';
import { parsePropertyString } from './property-string.js';
import { NAMED_CHECKS, NAMED_HASH_FORMATS, splitList } from './formats.js';

export type Errors = Record<string, string>;

/** add_error: several messages for one path are joined with the two literal characters `\n`. */
export function addError(errors: Errors, path: string, msg: string): void {
  const key = path || '_root';
  errors[key] = errors[key] ? `${errors[key]}\\n${msg}` : msg;
}

const perlRegexCache = new Map<string, RegExp>();

/**
 * A PVE schema pattern as a JS RegExp matching like Perl's `m/^$pattern$/`. Perl stringifies qr//
 * as `(?^:...)` / `(?^i:...)`; JS (Node 20) has no inline flags, so a case-insensitive group makes the
 * whole pattern case-insensitive (only tag-like patterns use it). `{,n}` is a quantifier in Perl 5.34+.
 * Perl's `$` also matches before a final newline, hence the lookahead.
 */
export function perlFullMatch(pattern: string): RegExp {
  let re = perlRegexCache.get(pattern);
  if (!re) {
    const insensitive = pattern.includes('(?^i:');
    const js = pattern
      .replace(/\(\?\^i?:/g, '(?:')
      .replace(/\(\?>/g, '(?:')
      .replace(/\{,(\d+)\}/g, '{0,$1}');
    re = new RegExp(`^${js}(?=\\n?$)`, insensitive ? 'i' : '');
    perlRegexCache.set(pattern, re);
  }
  return re;
}

const INTEGER_RE = /^[+-]?\d+(?=\n?$)/;
const NUMBER_RE = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?(?=\n?$)/;
export const isInteger = (v: string): boolean => INTEGER_RE.test(v);
export const isNumber = (v: string): boolean => NUMBER_RE.test(v);

/** How Perl sees a decoded request value: a plain scalar (string) or a reference type name. */
function classify(value: unknown): { ref?: string; scalar?: string; jsonBool?: boolean } {
  if (Array.isArray(value)) return { ref: 'ARRAY' };
  if (typeof value === 'boolean') return { ref: 'JSON::PP::Boolean', scalar: value ? '1' : '0', jsonBool: true };
  if (typeof value === 'object' && value !== null) return { ref: 'HASH' };
  return { scalar: String(value) };
}

function checkType(path: string, type: string | undefined, value: unknown, errors: Errors): boolean {
  if (!type || type === 'any') return true;
  const v = classify(value);
  if (type === 'null') {
    addError(errors, path, `type check ('null') failed - value is not null`);
    return false;
  }
  if (type === 'array' || type === 'object') {
    const ok = type === 'array' ? v.ref === 'ARRAY' : v.ref === 'HASH';
    if (!ok) addError(errors, path, `type check ('${type}') failed`);
    return ok;
  }
  if (v.ref) {
    if (type === 'boolean' && v.jsonBool) return true;
    addError(errors, path, `type check ('${type}') failed - got ${v.ref}`);
    return false;
  }
  const s = v.scalar as string;
  let ok = true;
  if (type === 'boolean') ok = s === '1' || s === '0';
  else if (type === 'integer') ok = isInteger(s);
  else if (type === 'number') ok = isNumber(s);
  if (!ok) addError(errors, path, `type check ('${type}') failed - got '${s}'`);
  return ok;
}

/**
 * check_format: an inline format object is a property string; a named format is looked up (with
 * `-list` / `-opt` suffixes as PVE handles them). Throws an Error whose message is PVE's die text.
 * Named formats the simulator does not know are accepted (see README for the checked ones).
 */
export function checkFormat(format: NonNullable<ParamSchema['format']>, value: string, path: string): void {
  if (typeof format === 'object') {
    parsePropertyString(value, format, path);
    return;
  }
  if (format === 'regex') return;
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format) as RegExpExecArray;
  const name = m[1] as string;
  const kind = m[2] ?? 'none';
  if (NAMED_HASH_FORMATS[name]) {
    if (kind !== 'none') throw new Error(`'-${kind}' format must have code ref, not hash\n`);
    parsePropertyString(value, name, path);
    return;
  }
  const check = NAMED_CHECKS[name];
  if (!check) return;
  if (kind === 'list') for (const item of splitList(value)) check(item);
  else if (kind === 'opt') {
    if (value !== '' && value !== '0') check(value);
  } else check(value);
}

/** Perl's length() counts characters (code points), not UTF-16 units. */
const charLength = (s: string): number => [...s].length;

export function checkProp(value: unknown, schema: ParamSchema, path: string, errors: Errors): void {
  if (value === undefined || value === null) {
    if (!schema.optional && !schema.alias) addError(errors, path, 'property is missing and it is not optional');
    return;
  }
  if (!checkType(path, schema.type, value, errors)) return;
  const v = classify(value);
  if (v.ref) return; // JSON booleans and arrays/objects get no further scalar checks in PVE either
  const s = v.scalar as string;

  if (schema.format) {
    try {
      checkFormat(schema.format, s, path);
    } catch (e) {
      addError(errors, path, `invalid format - ${(e as Error).message}`);
      return;
    }
  }
  if (schema.pattern && !perlFullMatch(schema.pattern).test(s)) {
    addError(errors, path, 'value does not match the regex pattern');
    return;
  }
  if (schema.maxLength !== undefined && charLength(s) > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && charLength(s) < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isNumber(s)) {
    const n = Number(s);
    if (schema.maximum !== undefined && n > Number(schema.maximum)) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && n < Number(schema.minimum)) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.some((ev) => String(ev) === s)) {
    addError(errors, path, `value '${s}' does not have a value in the enumeration '${schema.enum.join(', ')}'`);
  }
}

export interface ObjectSchema {
  /** Properties checked for presence (every non-alias, non-optional one must be there). */
  properties: Record<string, ParamSchema>;
  /** Schema of one key of the value; defaults to properties[key]. Lets `net[n]` answer for `net7`. */
  lookup?: (key: string) => ParamSchema | undefined;
  /** PVE: undefined = anything extra is fine, 0 = extra keys are errors, 1 = fine. */
  additionalProperties?: number;
}

export function checkObject(path: string, schema: ObjectSchema, value: Record<string, unknown>, errors: Errors): void {
  const lookup = schema.lookup ?? ((k: string) => (Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined));
  const sub = (k: string): string => (path ? `${path}.${k}` : k);
  for (const [k, ps] of Object.entries(schema.properties)) {
    if (schema.lookup && k.endsWith('[n]')) continue; // indexed entries are optional, checked per concrete key
    checkProp(value[k], ps, sub(k), errors);
  }
  for (const k of Object.keys(value)) {
    const ps = lookup(k);
    if (ps) {
      if (schema.lookup && !Object.hasOwn(schema.properties, k)) checkProp(value[k], ps, sub(k), errors);
      if (ps.requires && (value[ps.requires] === undefined || value[ps.requires] === null)) {
        addError(errors, sub(ps.requires), `missing property - '${sub(k)}' requires this property`);
      }
      continue;
    }
    if (schema.additionalProperties !== undefined && !schema.additionalProperties) {
      addError(errors, sub(k), 'property is not defined in schema and the schema does not allow additional properties');
    }
  }
}
