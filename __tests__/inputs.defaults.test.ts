// Every default readSettings applies is the catalogue's: with nothing given each setting holds its parameter's catalogue
// default, and changing a catalogue default changes the setting (so no copy of a default can hide in src/inputs/).
import { afterEach, describe as suite, expect, it } from 'vitest';
import { catalogue, param } from '../src/catalogue/index.js';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';
import { defaultValue, parseParam } from '../src/inputs/values.js';
import type { Settings } from '../src/settings.js';

const BASE: Record<string, string> = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };

/** Where the value of each parameter that has a catalogue default ends up in Settings. */
const FIELD: Record<string, (s: Settings) => unknown> = {
  api_port: (s) => s.connection.port,
  api_timeout: (s) => s.connection.apiTimeoutMs / 1000,
  validate_certs: (s) => s.connection.validateCerts,
  state: (s) => s.state,
  timeout: (s) => s.timeoutSec,
  update: (s) => s.update,
  update_unsafe: (s) => s.updateUnsafe,
  proxmox_default_behavior: (s) => s.proxmoxDefaultBehavior,
  migrate: (s) => s.migrate,
  with_local_disks: (s) => s.withLocalDisks,
  purge: (s) => s.purge,
  destroy_unreferenced_disks: (s) => s.destroyUnreferencedDisks,
  wait_for: (s) => s.lifecycle.waitFor,
  wait_timeout: (s) => s.lifecycle.waitTimeoutSec,
  ip_family: (s) => s.lifecycle.ipFamily,
  cleanup: (s) => s.lifecycle.cleanup,
  keep_on_failure: (s) => s.lifecycle.keepOnFailure,
  dry_run: (s) => s.lifecycle.dryRun,
  prune: (s) => s.lifecycle.prune,
  prune_scope: (s) => s.lifecycle.pruneScope,
  ci_tags: (s) => s.lifecycle.ciTags,
  diagnostics: (s) => s.lifecycle.diagnostics,
  guest_exec_allow_failure: (s) => s.lifecycle.guestExecAllowFailure,
  vmstate: (s) => s.vmstate,
  start: (s) => s.rollbackStart,
};

/** Inputs a non-default value needs to pass the cross-input rules. */
const NEEDS: Record<string, Record<string, string>> = {
  prune: { state: 'absent', prune_older_than: '1h' },
  prune_scope: { prune: 'true', state: 'absent', prune_older_than: '1h' },
  vmstate: { state: 'snapshot', snapname: 'clean' },
  start: { state: 'rollback', snapname: 'clean' },
  keep_on_failure: { cleanup: 'always' },
  guest_exec_allow_failure: { guest_exec: 'true' },
};

function settingsOf(inputs: Record<string, string>, env: Record<string, string> = {}): Settings {
  const all = { ...BASE, ...inputs };
  const r = readSettings((n) => all[n] ?? '', env);
  expect(formatInputErrors(r.errors)).toBe('');
  return r.settings!;
}

/** A valid value other than the catalogue default. */
function otherValue(name: string): string {
  const p = param(name);
  if (p.kind === 'bool') return p.default === 'true' ? 'false' : 'true';
  if (p.kind === 'enum') return p.choices!.find((c) => c !== p.default)!;
  if (p.kind === 'int') return String(Number(p.default) + 1);
  throw new Error(`no other value for ${name} (${p.kind})`);
}

const defaulted = catalogue.filter((p) => p.default !== undefined).map((p) => p.name);

suite('input defaults come from the catalogue', () => {
  const saved = new Map(catalogue.map((p) => [p.name, p.default]));
  afterEach(() => {
    for (const p of catalogue) p.default = saved.get(p.name);
  });

  it('maps every parameter that has a catalogue default to its setting', () => {
    expect(Object.keys(FIELD).sort()).toEqual([...defaulted].sort());
  });

  it('gives each setting its catalogue default when nothing is given', () => {
    const s = settingsOf({});
    for (const n of defaulted) expect(FIELD[n](s), n).toEqual(defaultValue(param(n)));
  });

  it('follows a changed catalogue default (nothing else holds a copy)', () => {
    for (const n of defaulted) {
      const other = otherValue(n);
      param(n).default = other;
      expect(FIELD[n](settingsOf(NEEDS[n] ?? {})), n).toEqual(parseParam(param(n), other).value);
      param(n).default = saved.get(n);
    }
  });

  it('parses every catalogue default as a given value', () => {
    for (const n of defaulted) expect(parseParam(param(n), param(n).default!).errors, n).toEqual([]);
  });
});
