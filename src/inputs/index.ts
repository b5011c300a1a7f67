// Runner inputs → the typed Settings object: env fallbacks, defaults, parsing, cross-input rules, all errors at once.
import { catalogue, param, type Param } from '../catalogue/index.js';
import type { Lifecycle, Settings, VmState } from '../settings.js';
import { parseDuration, parseVmidRange } from './checks.js';
import { buildConnection } from './connection.js';
import { type InputError } from './errors.js';
import { checkRules } from './rules.js';
import { parseParam, toWire, type Value } from './values.js';

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

export function readSettings(
  getInput: (name: string) => string,
  env: Record<string, string | undefined>,
): { settings?: Settings; errors: InputError[] } {
  const errors: InputError[] = [];
  const { values, explicit, failed } = collect(getInput, env, errors);
  const str = (n: string) => values.get(n) as string | undefined;
  const num = (n: string) => values.get(n) as number | undefined;
  const bool = (n: string) => values.get(n) as boolean | undefined;
  const list = (n: string) => values.get(n) as string[] | undefined;

  const connection = buildConnection(
    {
      api_host: str('api_host'),
      api_port: explicit.has('api_port') ? num('api_port') : undefined,
      api_user: str('api_user'),
      api_password: str('api_password'),
      api_otp: str('api_otp'),
      api_token_id: str('api_token_id'),
      api_token_secret: str('api_token_secret'),
      api_timeout: num('api_timeout') ?? Number(param('api_timeout').default),
      validate_certs: bool('validate_certs') ?? true,
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
    state: (str('state') ?? 'present') as VmState,
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
    pool: str('pool'),
    update: bool('update') ?? false,
    updateUnsafe: bool('update_unsafe') ?? false,
    force: bool('force') ?? false,
    timeoutSec: num('timeout') ?? Number(param('timeout').default),
    migrate: bool('migrate') ?? false,
    withLocalDisks: bool('with_local_disks') ?? false,
    purge: bool('purge') ?? false,
    destroyUnreferencedDisks: bool('destroy_unreferenced_disks') ?? false,
    skiplock: bool('skiplock') ?? false,
    digest: str('digest'),
    delete: list('delete'),
    revert: list('revert'),
    archive: str('archive'),
    proxmoxDefaultBehavior: (str('proxmox_default_behavior') ?? 'no_defaults') as Settings['proxmoxDefaultBehavior'],
    spec,
    specSource,
    lifecycle: readLifecycle(values),
  };
  return { settings, errors };
}

function readLifecycle(values: ReadonlyMap<string, Value>): Lifecycle {
  const str = (n: string) => values.get(n) as string | undefined;
  const olderThan = str('prune_older_than');
  const range = str('vmid_range');
  return {
    waitFor: (str('wait_for') ?? 'none') as Lifecycle['waitFor'],
    waitTimeoutSec: (values.get('wait_timeout') as number | undefined) ?? Number(param('wait_timeout').default),
    ipFamily: (str('ip_family') ?? 'any') as Lifecycle['ipFamily'],
    ipCidr: str('ip_cidr'),
    cleanup: (str('cleanup') ?? 'never') as Lifecycle['cleanup'],
    vmidRange: range === undefined ? undefined : parseVmidRange(range),
    dryRun: (values.get('dry_run') as boolean | undefined) ?? false,
    prune: (values.get('prune') as boolean | undefined) ?? false,
    pruneTags: (values.get('prune_tags') as string[] | undefined) ?? [],
    pruneScope: (str('prune_scope') ?? 'repository') as Lifecycle['pruneScope'],
    pruneOlderThanSec: olderThan === undefined ? undefined : parseDuration(olderThan),
    githubToken: str('github_token'),
    ciTags: (values.get('ci_tags') as boolean | undefined) ?? true,
  };
}

/** One readable block listing every input error (no secret values are ever part of a message). */
export function formatInputErrors(errors: InputError[]): string {
  if (errors.length === 0) return '';
  const head = errors.length === 1 ? 'Invalid input:' : `${errors.length} invalid inputs:`;
  return [head, ...errors.map((e) => `  - ${e.message}`)].join('\n');
}
