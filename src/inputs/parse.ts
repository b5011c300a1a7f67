// Parsers for the text the runner hands us: booleans, strict numbers, lists and dictionaries (YAML or JSON).
import type * as JsYaml from 'js-yaml';
import { cut, quote } from './errors.js';

// js-yaml is loaded on demand: ~5 ms of a step's start-up on Node 24, for the steps whose inputs hold YAML or JSON
// (a mapping such as `net`, a structured list, guest_exec argument lists). Parsing stays synchronous: a parse that
// needs YAML before it is loaded throws YamlNotLoaded, and readSettingsLoading (index.ts) loads it and parses again.
let yaml: typeof JsYaml | undefined;

/** Loads the YAML parser (once). */
export async function loadYaml(): Promise<void> {
  yaml ??= await import('js-yaml');
}

/** A parse needed the YAML parser before loadYaml() ran: not an input error. */
export class YamlNotLoaded extends Error {
  override name = 'YamlNotLoaded';
  constructor() {
    super('internal: the YAML parser is not loaded (call loadYaml first)');
  }
}

/** Result of a parse: a value, or the reason it failed (phrased to follow "<input> ..."). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function parseBool(raw: string): Parsed<boolean> {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return fail('must be a boolean: true or false (also yes/no, on/off, 1/0)');
}

/** Integers only: no decimals, exponents, hex or trailing text (Number('12abc') style leniency hides typos). */
export function parseIntStrict(raw: string): Parsed<number> {
  const v = raw.trim();
  if (!/^[+-]?\d+$/.test(v)) return fail('must be a whole number');
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return fail('is too large');
  return ok(n);
}

export function parseNumber(raw: string): Parsed<number> {
  const v = raw.trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(v)) return fail('must be a number');
  const n = Number(v);
  // 1e309 is Infinity: it would be sent as "Infinity", which no PVE option accepts.
  if (!Number.isFinite(n)) return fail('is too large (must be a finite number)');
  return ok(n);
}

/** YAML with every scalar kept as text, so `version: 2.0` stays "2.0" and `tag: 077` keeps its zero. */
function loadText(raw: string): Parsed<unknown> {
  if (!yaml) throw new YamlNotLoaded();
  try {
    return ok(yaml.load(raw, { schema: yaml.FAILSAFE_SCHEMA }));
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    // the parser's message can quote the input (an unknown tag, a key): cut like any echo
    return fail(`is not valid YAML/JSON (${cut(first, 160)})`);
  }
}

function looksStructured(v: string): boolean {
  return v.startsWith('[') || /^-(\s|$)/.test(v);
}

/**
 * A list: a YAML/JSON sequence (`["a","b"]`, or `- a` lines), or plain text separated by commas and/or newlines.
 * Empty items are dropped.
 */
export function parseList(raw: string): Parsed<string[]> {
  const v = raw.trim();
  if (v === '') return ok([]);
  if (looksStructured(v)) {
    const loaded = loadText(v);
    if (!loaded.ok) return fail(loaded.error);
    if (!Array.isArray(loaded.value)) return fail('must be a list');
    const items: string[] = [];
    for (const item of loaded.value) {
      if (typeof item !== 'string') return fail('must be a list of plain values (found a nested list or mapping)');
      if (item.trim() !== '') items.push(item.trim());
    }
    return ok(items);
  }
  return ok(v.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== ''));
}

/** A mapping given as a YAML block (`net0: virtio,bridge=vmbr0`) or a JSON object string; values stay text. */
export function parseDict(raw: string): Parsed<Record<string, string>> {
  const loaded = loadText(raw.trim());
  if (!loaded.ok) return fail(loaded.error);
  const value = loaded.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('must be a YAML mapping or JSON object, e.g. `key0: value` or `{"key0": "value"}`');
  }
  // no prototype: a key named __proto__ stays a key (and is refused as one) instead of vanishing
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') return fail(`has a nested list or mapping under ${quote(k)}; values must be plain text`);
    out[k] = v.trim();
  }
  return ok(out);
}

/** At most this many guest_exec commands, and this long each (one line or argument list, in characters). */
export const GUEST_EXEC_MAX_COMMANDS = 64;
export const GUEST_EXEC_MAX_LENGTH = 16384;

/** The shell a guest_exec line runs in. */
export const GUEST_SHELL = ['/bin/sh', '-c'] as const;

/**
 * guest_exec: a YAML/JSON list of argument lists (`- ["systemctl", "is-active", "nginx"]`, run as given), or else
 * one shell command per line (run as `/bin/sh -c <line>`; blank lines are skipped). Only a list whose every item is
 * a non-empty list of strings counts as argument lists: a shell line such as `[ -f /x ] && echo` stays a line.
 */
export function parseGuestExec(raw: string): Parsed<string[][]> {
  const v = raw.trim();
  if (v === '') return ok([]);
  let commands: string[][] | undefined;
  if (looksStructured(v)) {
    const y = loadText(v);
    if (y.ok && Array.isArray(y.value) && y.value.length > 0 && y.value.every((c) => Array.isArray(c))) {
      const lists = y.value as unknown[][];
      if (!lists.every((c) => c.length > 0 && c.every((a) => typeof a === 'string')))
        return fail('as a list of argument lists needs each command to be a non-empty list of strings, e.g. - ["systemctl", "is-active", "nginx"]');
      commands = lists as string[][];
    }
  }
  commands ??= v
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => [...GUEST_SHELL, l]);
  if (commands.length > GUEST_EXEC_MAX_COMMANDS) return fail(`holds ${commands.length} commands; at most ${GUEST_EXEC_MAX_COMMANDS} are run (put longer work in a script)`);
  for (const c of commands) {
    if (c.some((a) => a.includes('\0'))) return fail('holds a NUL character, which no command line can carry');
    if ([...c.join(' ')].length > GUEST_EXEC_MAX_LENGTH) return fail(`holds a command longer than ${GUEST_EXEC_MAX_LENGTH} characters`);
  }
  return ok(commands);
}
