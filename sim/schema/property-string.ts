// PVE property strings ("virtio=BC:24:11:00:00:01,bridge=vmbr0"): parse and canonical print, following
// pve-common JSONSchema.pm parse_property_string / print_property_string (default key, alias, keyAlias).
import type { ParamSchema } from './validate.js';
import { checkObject, type Errors } from './check.js';
import { HASH_VALIDATORS, NAMED_HASH_FORMATS } from './formats.js';

export type FormatDef = Record<string, ParamSchema & { default_key?: number; alias?: string; keyAlias?: string }>;

/** Thrown with PVE's die text (ends in "\n"); `errors` holds the per-sub-key messages of a "format error". */
export class PropertyStringError extends Error {
  constructor(
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
    this.name = 'PropertyStringError';
  }
}

/** An inline format object as it is, or a named hash format (pve-qm-ipconfig, pve-vm-cpu-conf, ...). */
export function resolveFormat(format: ParamSchema['format']): FormatDef | undefined {
  if (!format) return undefined;
  if (typeof format === 'object') return format as FormatDef;
  return NAMED_HASH_FORMATS[format];
}

/** Perl truthiness of a string: undefined, '' and '0' are false. */
const perlTrue = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0';

function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return '1';
  if (/^(0|off|no|false)$/i.test(v)) return '0';
  return undefined;
}

function defaultKeyOf(fmt: FormatDef): string | undefined {
  return Object.keys(fmt).find((k) => fmt[k]?.default_key);
}

const fail = (msg: string): never => {
  throw new PropertyStringError(msg);
};

/**
 * Parses "virtio=BC:24:11:00:00:01,bridge=vmbr0" / "virtio,bridge=vmbr0" / "local-lvm:10,iothread=1" into
 * {model:'virtio', macaddr:'BC:..', bridge:'vmbr0'} / {file:'local-lvm:10', iothread:'1'}; applies default_key,
 * alias and keyAlias (net: a key that is a model name carries the MAC). Boolean sub-keys accept on/yes/true
 * and come back as '1'/'0'. Throws PropertyStringError with PVE's message text on bad input.
 * A format name (string) also applies that format's extra validator, as PVE does for named formats.
 */
export function parsePropertyString(value: string, fmt: FormatDef | string, paramName?: string): Record<string, string> {
  let validator: ((res: Record<string, string>) => void) | undefined;
  if (typeof fmt === 'string') {
    const named = NAMED_HASH_FORMATS[fmt];
    if (!named) fail(`unknown format: ${fmt}\n`);
    validator = HASH_VALIDATORS[fmt];
    fmt = named as FormatDef;
  }
  if (!fmt || typeof fmt !== 'object') fail('unexpected format value\n');
  const format = fmt;
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)(?=\n?$)/.exec(part);
    if (kv) {
      let k = kv[1] as string;
      let v = kv[2] as string;
      if (res[k] !== undefined) fail(`duplicate key in comma-separated list property: ${k}\n`);
      let schema = Object.hasOwn(format, k) ? format[k] : undefined;
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (res[schema.keyAlias] !== undefined) fail(`key alias '${schema.keyAlias}' is already defined\n`);
          res[schema.keyAlias] = k;
        }
        k = schema.alias;
        schema = Object.hasOwn(format, k) ? format[k] : undefined;
      }
      if (!schema) fail(`invalid key in comma-separated list property: ${k}\n`);
      if (schema?.type === 'boolean') v = parseBoolean(v) ?? v;
      res[k] = v;
    } else if (!part.includes('=')) {
      if (defaultKey) fail(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      defaultKey = defaultKeyOf(format);
      if (!defaultKey) fail('value without key, but schema does not define a default key\n');
      if (perlTrue(res[defaultKey as string])) fail(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      res[defaultKey as string] = part;
    } else {
      fail('missing key in comma-separated list property\n');
    }
  }
  const errors: Errors = {};
  checkObject(paramName ?? '', { properties: format, additionalProperties: 0 }, res, errors);
  throwFormatErrors(errors);
  validator?.(res);
  return res;
}

function throwFormatErrors(errors: Errors): void {
  const keys = Object.keys(errors);
  if (keys.length === 0) return;
  // PVE::Exception prints each error as "<path>: <msg>\n" after the message line.
  throw new PropertyStringError(`format error\n${keys.map((k) => `${k}: ${errors[k]}\n`).join('')}`, errors);
}

/** format_size: bytes printed with the largest exact unit (K/M/G/T); like PVE, 0 comes out as "0T". */
export function formatSize(bytes: number): string {
  let n = Math.trunc(bytes);
  for (const unit of ['', 'K', 'M', 'G']) {
    if (n % 1024 !== 0) return `${n}${unit}`;
    n /= 1024;
  }
  return `${n}T`;
}

/**
 * PVE's canonical print: default key value first (bare), then non-optional keys, then the other keys,
 * each group sorted alphabetically; for net the model and MAC combined first as `<model>=<MAC>`.
 * `disk-size` values given as plain bytes are printed with a unit (e.g. 34359738368 -> 32G).
 */
export function printPropertyString(obj: Record<string, string>, fmt: FormatDef): string {
  const defaultKey = defaultKeyOf(fmt);
  const combineWith: Record<string, string> = {}; // keyAlias target -> alias target, e.g. model -> macaddr
  for (const p of Object.values(fmt)) if (p.alias && p.keyAlias) combineWith[p.keyAlias] = p.alias;

  const errors: Errors = {};
  checkObject('', { properties: fmt }, obj, errors);
  throwFormatErrors(errors);

  const show = (key: string, value: string, format: ParamSchema['format']): string => {
    if (format === 'disk-size' && /^\d+$/.test(value)) return formatSize(Number(value));
    if (value.includes(',')) fail(`illegal value with commas for ${key}\n`);
    return value;
  };
  const parts: string[] = [];
  const done = new Set<string>();
  const add = (key: string, isDefault: boolean): void => {
    if (done.has(key)) return;
    done.add(key);
    const value = obj[key];
    if (value === undefined || value === null) return;
    const combine = combineWith[key];
    if (combine && obj[combine] !== undefined) {
      parts.push(`${show(key, value, fmt[key]?.format)}=${show(combine, obj[combine] as string, fmt[combine]?.format)}`);
      done.add(combine);
      return;
    }
    let p = fmt[key];
    if (p?.alias) p = fmt[p.alias];
    if (!p) fail(`invalid key '${key}'\n`);
    parts.push(isDefault ? show(key, value, p?.format) : `${key}=${show(key, value, p?.format)}`);
  };
  if (defaultKey) add(defaultKey, true);
  const keys = Object.keys(obj).sort();
  for (const k of keys) if (fmt[k] && !fmt[k]?.optional) add(k, false);
  for (const k of keys) add(k, false);
  return parts.join(',');
}
