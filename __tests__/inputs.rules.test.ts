// Rules across inputs, compatibility defaults, and reporting every error at once.
import { describe as suite, expect, it } from 'vitest';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';

const BASE = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };

function run(inputs: Record<string, string>, base: Record<string, string> = BASE) {
  const all: Record<string, string> = { ...base, ...inputs };
  return readSettings((n) => all[n] ?? '', {});
}
const inputsOf = (inputs: Record<string, string>, base?: Record<string, string>) => run(inputs, base).errors.map((e) => e.input);
const messages = (inputs: Record<string, string>, base?: Record<string, string>) => run(inputs, base).errors.map((e) => e.message).join('\n');

suite('mutually exclusive inputs (as the module declares them)', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ update: 'true', clone: 'tmpl' }, 'update'],
    [{ delete: 'cores', revert: 'memory' }, 'revert'],
    [{ delete: 'cores', update: 'yes' }, 'update'],
    [{ revert: 'cores', update: 'yes' }, 'update'],
    [{ clone: 'tmpl', delete: 'cores' }, 'delete'],
    [{ clone: 'tmpl', revert: 'cores' }, 'revert'],
  ];
  for (const [inputs, named] of cases) {
    it(Object.keys(inputs).join(' + '), () => {
      expect(inputsOf(inputs)).toEqual([named]);
      expect(messages(inputs)).toMatch(/cannot be used together/);
    });
  }

  it('does not count update: false', () => {
    expect(inputsOf({ update: 'false', clone: 'tmpl' })).toEqual([]);
    expect(inputsOf({ update: 'no', delete: 'cores' })).toEqual([]);
  });
});

suite('inputs that need another', () => {
  it('newid needs clone', () => {
    expect(inputsOf({ newid: '152' })).toEqual(['newid']);
    expect(inputsOf({ newid: '152', clone: 'x', vmid: '108' })).toEqual([]);
  });

  it('a linked clone takes no format (unspecified is fine)', () => {
    expect(inputsOf({ clone: 'x', full: 'false', format: 'qcow2' })).toEqual(['format']);
    expect(inputsOf({ clone: 'x', full: 'false', format: 'unspecified' })).toEqual([]);
    expect(run({ clone: 'x', full: 'false', format: 'unspecified' }).settings!.format).toBeUndefined();
    expect(run({ clone: 'x', full: 'true', format: 'raw' }).settings).toMatchObject({ full: true, format: 'raw' });
  });

  it('efidisk0 needs bios: ovmf', () => {
    expect(inputsOf({ efidisk0: '{storage: local-lvm}' })).toEqual(['efidisk0']);
    expect(inputsOf({ efidisk0: '{storage: local-lvm}', bios: 'seabios' })).toEqual(['efidisk0']);
    expect(inputsOf({ efidisk0: '{storage: local-lvm}', bios: 'ovmf' })).toEqual([]);
  });

  it('args and skiplock need root@pam with a password, not a token', () => {
    expect(inputsOf({ args: '-no-reboot' })).toEqual([]);
    expect(inputsOf({ args: '-no-reboot', api_user: 'ci@pve' })).toEqual(['args']);
    const token = { api_host: 'h', api_user: 'root@pam', api_token_id: 'ci', api_token_secret: 's', name: 'vm1' };
    expect(inputsOf({ args: '-no-reboot' }, token)).toEqual(['args']);
    expect(inputsOf({ skiplock: 'true' }, token)).toEqual(['skiplock']);
    expect(inputsOf({ skiplock: 'false' }, token)).toEqual([]);
    expect(messages({ skiplock: 'true', api_user: 'ci@pve' })).toMatch(/root@pam.*password/);
  });

  it('name or vmid says which VM', () => {
    expect(inputsOf({ name: '' })).toEqual(['name']);
    expect(inputsOf({ name: '', vmid: '100' })).toEqual([]);
    expect(inputsOf({ name: '', clone: 'tmpl' })).toEqual(['name']);
  });

  it('migrate needs a real node', () => {
    expect(inputsOf({ migrate: 'true', node: 'auto' })).toEqual(['migrate']);
    expect(inputsOf({ migrate: 'true', node: 'pve2' })).toEqual([]);
    expect(run({ node: 'auto' }).settings!.node).toBe('auto');
  });
});

suite('lifecycle inputs', () => {
  it('prune needs state absent and a selector; selectors need prune', () => {
    expect(inputsOf({ prune: 'true', prune_tags: 'ci' })).toEqual(['prune']);
    expect(inputsOf({ prune: 'true', state: 'absent' })).toEqual(['prune']);
    expect(inputsOf({ prune: 'true', state: 'absent', prune_older_than: '6h', name: '' })).toEqual([]);
    expect(inputsOf({ prune_tags: 'ci' })).toEqual(['prune_tags']);
    const s = run({ prune: 'true', state: 'absent', prune_tags: 'ci,ephemeral', prune_older_than: '1h30m' }).settings!;
    expect(s.lifecycle).toMatchObject({ prune: true, pruneTags: ['ci', 'ephemeral'], pruneOlderThanSec: 5400 });
  });

  it('parses durations, vmid ranges and CIDRs', () => {
    for (const [v, sec] of [['90', 90], ['90m', 5400], ['6h', 21600], ['2d', 172800], ['1w', 604800]] as const) {
      expect(run({ prune: 'true', state: 'absent', prune_older_than: v }).settings!.lifecycle.pruneOlderThanSec, v).toBe(sec);
    }
    expect(inputsOf({ prune: 'true', state: 'absent', prune_older_than: '6 hours' })).toEqual(['prune_older_than']);
    expect(run({ vmid_range: '10000-99999' }).settings!.lifecycle.vmidRange).toEqual({ lower: 10000, upper: 99999 });
    for (const bad of ['50-200', '500-400', '10000', '100-1000000000']) expect(inputsOf({ vmid_range: bad }), bad).toEqual(['vmid_range']);
    expect(run({ ip_cidr: '10.0.0.0/8', ip_family: 'ipv4' }).settings!.lifecycle).toMatchObject({ ipCidr: '10.0.0.0/8', ipFamily: 'ipv4' });
    expect(inputsOf({ ip_cidr: '10.0.0.0/33' })).toEqual(['ip_cidr']);
    expect(inputsOf({ ip_cidr: 'fd00::/64', ip_family: 'ipv4' })).toEqual(['ip_cidr']);
  });

  it('has the lifecycle defaults and enum checks', () => {
    expect(run({}).settings!.lifecycle).toEqual({
      waitFor: 'none', diagnostics: 'auto', waitTimeoutSec: 300, ipFamily: 'any', ipCidr: undefined, cleanup: 'never', keepOnFailure: false, vmidRange: undefined,
      dryRun: false, prune: false, pruneTags: [], pruneScope: 'repository', pruneOlderThanSec: undefined, githubToken: undefined, ciTags: true,
      guestExec: [], guestExecAllowFailure: false,
    });
    expect(inputsOf({ cleanup: 'sometimes' })).toEqual(['cleanup']);
    expect(run({ wait_for: 'ip', cleanup: 'on-failure', dry_run: 'yes' }).settings!.lifecycle).toMatchObject({
      waitFor: 'ip', cleanup: 'on-failure', dryRun: true,
    });
    // keep_on_failure refines cleanup: always only
    expect(run({ cleanup: 'always', keep_on_failure: 'true' }).settings!.lifecycle).toMatchObject({ cleanup: 'always', keepOnFailure: true });
    expect(inputsOf({ keep_on_failure: 'true' })).toEqual(['keep_on_failure']); // cleanup defaults to never
    expect(inputsOf({ cleanup: 'on-failure', keep_on_failure: 'true' })).toEqual(['keep_on_failure']);
    expect(inputsOf({ cleanup: 'sometimes', keep_on_failure: 'true' })).toEqual(['cleanup']); // one typo, one error
  });
});

suite('compatibility defaults', () => {
  it('are filled only with proxmox_default_behavior: compatibility', () => {
    expect(run({}).settings!.spec).toEqual({ name: 'vm1' });
    const compat = run({ proxmox_default_behavior: 'compatibility' }).settings!;
    expect(compat.spec).toEqual({
      name: 'vm1', acpi: '1', autostart: '0', balloon: '0', boot: 'cnd', cores: '1', cpu: 'kvm64', cpuunits: '1000', kvm: '1',
      memory: '512', onboot: '1', ostype: 'l26', sockets: '1', tablet: '0', template: '0', vga: 'std',
    });
    expect(compat).toMatchObject({ format: 'qcow2', force: false, proxmoxDefaultBehavior: 'compatibility' });
    expect(compat.specSource.cores).toBe('cores');
  });

  it('never override what the user gave, and give a linked clone no format', () => {
    const s = run({ proxmox_default_behavior: 'compatibility', cores: '4', ostype: 'win11', clone: 't', full: 'false' }).settings!;
    expect(s.spec).toMatchObject({ cores: '4', ostype: 'win11', memory: '512' });
    expect(s.format).toBeUndefined();
  });
});

suite('error reporting', () => {
  it('reports every error at once, in one readable block', () => {
    const r = run({ acpi: 'maybe', cores: 'four', net: 'net32: virtio', state: 'running', newid: '5', api_host: '' });
    expect(r.settings).toBeUndefined();
    expect(r.errors.map((e) => e.input).sort()).toEqual(['acpi', 'api_host', 'cores', 'net', 'newid', 'state'].sort());
    const block = formatInputErrors(r.errors);
    expect(block.split('\n')[0]).toBe('6 invalid inputs:');
    for (const e of r.errors) expect(block).toContain(e.message);
  });

  it('returns settings and no errors for valid inputs', () => {
    const r = run({});
    expect(r.errors).toEqual([]);
    expect(r.settings).toMatchObject({ state: 'present', name: 'vm1', node: 'pve1', timeoutSec: 300, update: false });
    expect(formatInputErrors([])).toBe('');
  });
});
