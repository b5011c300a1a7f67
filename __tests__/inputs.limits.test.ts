// Error output stays small whatever the input: echoed values are cut, each input reports a few problems and counts
// the rest, so a 114 KB value or a 20,000-item list gives a short error block instead of megabytes (or a crash).
import { describe as suite, expect, it } from 'vitest';
import { formatInputErrors, readSettings } from '../src/inputs/index.js';
import { MAX_ECHO, MAX_LISTED, cut, limitErrors, listProblems } from '../src/inputs/errors.js';

const BASE = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };
const errorsOf = (inputs: Record<string, string>) => {
  const all: Record<string, string> = { ...BASE, ...inputs };
  return readSettings((n) => all[n] ?? '', {}).errors;
};

/** Checks the errors of one input are few, short and name it. */
function expectBounded(input: string, errors: ReturnType<typeof errorsOf>): void {
  expect(errors.length, input).toBeGreaterThan(0);
  expect(errors.length, input).toBeLessThanOrEqual(MAX_LISTED + 1);
  for (const e of errors) {
    expect(e.input).toBe(input);
    expect(e.message).toContain(`'${input}'`);
    expect(e.message.length, e.message.slice(0, 200)).toBeLessThan(600);
  }
}

suite('cutting echoed values', () => {
  it('cuts at MAX_ECHO characters plus an ellipsis, never inside a surrogate pair', () => {
    expect(cut('a'.repeat(MAX_ECHO))).toBe('a'.repeat(MAX_ECHO));
    expect(cut('a'.repeat(MAX_ECHO + 1))).toBe(`${'a'.repeat(MAX_ECHO)}…`);
    const emoji = `${'a'.repeat(MAX_ECHO - 1)}💀tail`;
    expect(cut(emoji)).toBe(`${'a'.repeat(MAX_ECHO - 1)}…`);
  });

  it('keeps the first problems and counts the rest', () => {
    expect(listProblems(['a', 'b'])).toBe('a; b');
    expect(listProblems(['a', 'b', 'c', 'd', 'e'])).toBe('a; b; c; and 2 more');
    const many = Array.from({ length: 10 }, (_, i) => ({ input: 'tags', message: `m${i}` }));
    const kept = limitErrors('tags', many);
    expect(kept.map((e) => e.message)).toEqual(['m0', 'm1', 'm2', "Input 'tags': 7 more problems like these (fix the ones above first)."]);
    expect(limitErrors('tags', many.slice(0, 4))).toHaveLength(4);
  });
});

suite('huge values', () => {
  it('a 114 KB property string gives one short error per problem kind, not the value repeated 9,500 times', () => {
    const scsi = `scsi0: '${'local-lvm:1,'.repeat(9500)}'`;
    const errors = errorsOf({ scsi });
    expectBounded('scsi', errors);
    expect(errors[0].message).toMatch(/'local-lvm:1' is not key=value \(only the first part may be a bare file\)/);
    expect(errors[errors.length - 1].message).toMatch(/more problems/);
    expect(formatInputErrors(errors).length).toBeLessThan(2000);
  });

  it('lists report their first bad items and how many more (nameservers, tags, revert)', () => {
    for (const [input, value] of [['nameservers', 'x,'.repeat(20_000)], ['tags', '-x,'.repeat(5000)], ['revert', 'a b,'.repeat(3000)]]) {
      const errors = errorsOf({ [input]: value });
      expectBounded(input, errors);
      expect(errors[MAX_LISTED].message).toMatch(/\d+ more problems/);
    }
  });

  it('cuts values of sub-keys, dict keys and YAML errors', () => {
    const long = 'v'.repeat(50_000);
    const cases: Array<[string, string]> = [
      ['cpu', `host,hv-vendor-id=${long}`],
      ['machine', `type=${long}`],
      ['agent', `enabled=${long}`],
      ['watchdog', `model=${long}`],
      ['boot', `order=${long}`],
      ['net', JSON.stringify({ [`net${long}`]: 'virtio' })],
      ['net', JSON.stringify({ net0: `virtio,${long}=1` })],
      ['vga', `${'std,'.repeat(20_000)}`],
      ['smbios', `${'family=x,'.repeat(20_000)}`],
      ['cicustom', `${'user=bad,'.repeat(20_000)}`],
      ['spice_enhancements', `${'x,'.repeat(20_000)}`],
      ['efidisk0', `${long},efitype=9m,${'x,'.repeat(20_000)}`],
      ['tpmstate0', `!<${long}> x`],
      ['ide', `{"ide0": {"${long}": 1}}`],
    ];
    for (const [input, value] of cases) expectBounded(input, errorsOf({ bios: 'ovmf', [input]: value }));
  });

  it('refuses a description longer than PVE’s 8192 characters, counted as PVE counts them', () => {
    expect(errorsOf({ description: '💀'.repeat(8192) })).toEqual([]);
    const errors = errorsOf({ description: 'd'.repeat(8193) });
    expectBounded('description', errors);
    expect(errors[0].message).toMatch(/8193 characters long; Proxmox VE accepts at most 8192/);
  });
});
