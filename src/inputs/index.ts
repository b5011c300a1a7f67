// Runner inputs → the typed Settings object: env fallbacks, defaults, parsing, cross-input rules, all errors at once.
import { catalogue, param, type Param } from '../catalogue/index.js';
import type { CleanupPolicy, DefaultBehaviour, DiagnosticsMode, IpFamily, Lifecycle, PruneScope, RollbackStart, Settings, VmState, WaitFor } from '../settings.js';
import { parseDuration, parseVmidRange } from './checks.js';
import { YamlNotLoaded, loadYaml, parseGuestExec } from './parse.js';
import { buildConnection } from './connection.js';
import { type InputError } from './errors.js';
import { checkRules } from './rules.js';
import { defaultValue, parseParam, toWire, type Value } from './values.js';

export type { InputError } from './errors.js';

type Source = 'input' | 'env' | 'default' | 'compat';

interface Collected {
  values: Map<string, Value>;
  /** Inputs the user gave (input or env), as opposed to defaults. */
  explicit: Set<string>;
  /** Inputs given but rejected (already reported). */
  failed: Set<string>;
}

/** Reads every catalogue input; the runner passes '' for inputs not given (or the action.yml default). */
function collect(getInput: (name: string) => string, env: Record<string, string | undefined>, errors: InputError[]): Collected {
  const values = new Map<string, Value>();
  const explicit = new Set<string>();
  const failed = new Set<string>();
  const take = (p: Param, raw: string, source: Source) => {
    const r = parseParam(p, raw);
    if (r.errors.length) {
      const note = source === 'env' ? ` (The value came from the environment variable ${p.env}.)` : source === 'compat' ? ' (compatibility default)' : '';
      errors.push(...r.errors.map((e) => ({ ...e, message: e.message + note })));
      failed.add(p.name);
      return;
    }
    values.set(p.name, r.value!);
    if (source === 'input' || source === 'env') explicit.add(p.name);
  };
  for (const p of catalogue) {
    const given = (getInput(p.name) ?? '').trim();
    const fromEnv = p.env ? (env[p.env] ?? '').trim() : '';
    if (given !== '') take(p, given, 'input');
    else if (fromEnv !== '') take(p, fromEnv, 'env');
    else if (p.default !== undefined) take(p, p.default, 'default');
  }
  if (values.get('proxmox_default_behavior') === 'compatibility') {
    for (const p of catalogue) {
      if (p.compatDefault === undefined || values.has(p.name)) continue;
      if (p.name === 'format' && values.get('full') === false) continue; // a linked clone takes no format
      take(p, p.compatDefault, 'compat');
    }
  }
  return { values, explicit, failed };
}

/**
 * Typed readers of the parsed inputs. A missing value falls back to the parameter's catalogue default (no default is
 * written anywhere else). collect() has applied the defaults already, so this fallback only serves an input that was
 * given and rejected: its error is reported and the settings are dropped, but the connection is still checked.
 */
function readers(values: ReadonlyMap<string, Value>) {
  const get = (n: string): Value | undefined => values.get(n) ?? defaultValue(param(n));
  return {
    str: (n: string) => get(n) as string | undefined,
    num: (n: string) => get(n) as number | undefined,
    bool: (n: string) => get(n) as boolean | undefined,
    list: (n: string) => get(n) as string[] | undefined,
    /** A parameter the catalogue gives a default: its value is always there. */
    req: <T extends Value>(n: string): T => {
      const v = get(n);
      if (v === undefined) throw new Error(`parameter '${n}' has no catalogue default`);
      return v as T;
    },
    /** A switch without a catalogue default: on only when given (or compatibility-defaulted) true. */
    flag: (n: string) => get(n) === true,
  };
}

/**
 * readSettings for the entries: loads the YAML parser only when an input turns out to need it (parse.ts), then reads
 * the inputs again, so most steps never load it.
 */
export async function readSettingsLoading(
  getInput: (name: string) => string,
  env: Record<string, string | undefined>,
): Promise<{ settings?: Settings; errors: InputError[] }> {
  try {
    return readSettings(getInput, env);
  } catch (e) {
    if (!(e instanceof YamlNotLoaded)) throw e;
  }
  await loadYaml();
  return readSettings(getInput, env);
}

export function readSettings(
  getInput: (name: string) => string,
  env: Record<string, string | undefined>,
): { settings?: Settings; errors: InputError[] } {
  const errors: InputError[] = [];
  const { values, explicit, failed } = collect(getInput, env, errors);
  const { str, num, bool, list, req, flag } = readers(values);

  const connection = buildConnection(
    {
      api_host: str('api_host'),
      api_port: explicit.has('api_port') ? num('api_port') : undefined,
      api_user: str('api_user'),
      api_password: str('api_password'),
      api_otp: str('api_otp'),
      api_token_id: str('api_token_id'),
      api_token_secret: str('api_token_secret'),
      api_timeout: req<number>('api_timeout'),
      validate_certs: req<boolean>('validate_certs'),
      ca_path: str('ca_path'),
      tls_fingerprint: str('tls_fingerprint'),
    },
    failed,
    errors,
  );
  checkRules(values, explicit, failed, errors);
  if (errors.length || !connection) return { errors };

  const spec: Record<string, string> = {};
  const specSource: Record<string, string> = {};
  for (const p of catalogue) {
    const v = values.get(p.name);
    if (v === undefined || !p.pve) continue;
    for (const [key, wire] of Object.entries(toWire(p, v))) {
      spec[key] = wire;
      specSource[key] = p.name;
    }
  }
  const format = str('format');
  const settings: Settings = {
    connection,
    state: req<VmState>('state'),
    vmid: num('vmid'),
    name: str('name'),
    node: str('node'),
    clone: str('clone'),
    newid: num('newid'),
    full: bool('full'),
    format: format === 'unspecified' ? undefined : format,
    storage: str('storage'),
    target: str('target'),
    snapname: str('snapname'),
    vmstate: req<boolean>('vmstate'),
    rollbackStart: req<RollbackStart>('start'),
    pool: str('pool'),
    update: req<boolean>('update'),
    updateUnsafe: req<boolean>('update_unsafe'),
    force: flag('force'),
    timeoutSec: req<number>('timeout'),
    migrate: req<boolean>('migrate'),
    withLocalDisks: req<boolean>('with_local_disks'),
    purge: req<boolean>('purge'),
    destroyUnreferencedDisks: req<boolean>('destroy_unreferenced_disks'),
    skiplock: flag('skiplock'),
    digest: str('digest'),
    delete: list('delete'),
    revert: list('revert'),
    archive: str('archive'),
    proxmoxDefaultBehavior: req<DefaultBehaviour>('proxmox_default_behavior'),
    spec,
    specSource,
    lifecycle: readLifecycle(values),
  };
  return { settings, errors };
}

function readLifecycle(values: ReadonlyMap<string, Value>): Lifecycle {
  const { str, list, req } = readers(values);
  const olderThan = str('prune_older_than');
  const range = str('vmid_range');
  const guestExec = str('guest_exec');
  return {
    waitFor: req<WaitFor>('wait_for'),
    diagnostics: req<DiagnosticsMode>('diagnostics'),
    waitTimeoutSec: req<number>('wait_timeout'),
    ipFamily: req<IpFamily>('ip_family'),
    ipCidr: str('ip_cidr'),
    cleanup: req<CleanupPolicy>('cleanup'),
    keepOnFailure: req<boolean>('keep_on_failure'),
    vmidRange: range === undefined ? undefined : parseVmidRange(range),
    dryRun: req<boolean>('dry_run'),
    prune: req<boolean>('prune'),
    pruneTags: list('prune_tags') ?? [],
    pruneScope: req<PruneScope>('prune_scope'),
    pruneOlderThanSec: olderThan === undefined ? undefined : parseDuration(olderThan),
    githubToken: str('github_token'),
    ciTags: req<boolean>('ci_tags'),
    guestExec: guestExec === undefined ? [] : (() => {
      const r = parseGuestExec(guestExec);
      return r.ok ? r.value : [];
    })(),
    guestExecAllowFailure: req<boolean>('guest_exec_allow_failure'),
  };
}

/** One readable block listing every input error (no secret values are ever part of a message). */
export function formatInputErrors(errors: InputError[]): string {
  if (errors.length === 0) return '';
  const head = errors.length === 1 ? 'Invalid input:' : `${errors.length} invalid inputs:`;
  return [head, ...errors.map((e) => `  - ${e.message}`)].join('\n');
}
