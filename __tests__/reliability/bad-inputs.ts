// fast-check generators of hostile input sets over every input of action.yml: wrong types, malformed YAML/JSON,
// huge values, unicode and control characters, injection attempts and out-of-range device indices, mixed with
// valid values so that cross-input rules and partial validity get exercised too.
import fc from 'fast-check';
import { catalogue, type Param } from '../../src/catalogue/index.js';
import { actionInputs } from '../../tools/runner/index.js';
import { ACTION_DIR } from './support.js';

/** Secret inputs carry this marker, so an error message that echoes a secret is easy to catch. */
export const SECRET_MARKER = 'sEcReTmArK';

export const ACTION_INPUTS = actionInputs(ACTION_DIR);
const byName = new Map(catalogue.map((p) => [p.name, p]));

// Billion-laughs: a parser that expands aliases blows up; one that keeps references does not.
const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x"]']
  .concat(Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(8).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`))
  .join('\n');

const INJECTIONS = [
  'x,delete=scsi0', 'virtio,bridge=vmbr0,delete=net1', '$(rm -rf /)', '`id`', "'; DROP TABLE vms; --", '" OR 1=1 --',
  '../../../../etc/passwd', '${{ secrets.PROXMOX_PASSWORD }}', 'a\n::set-output name=vmid::666', 'a\n::error::forged',
  '%0A::warning::forged', 'a\n::add-mask::x', 'a\n::stop-commands::zz', 'a\r\nX-Injected: 1', 'x&delete=net0', '?vmid=100',
  'virtio,bridge=vmbr0\nscsi0: local-lvm:1', 'local-lvm:1\nvirtio1: local-lvm:9', 'x%00y', 'x%0Ay', '<script>alert(1)</script>',
  '\u202egnp.exe', 'a\u0000b', '\u0007\u001b[31mred', '\ufeffbom', 'ａｂｃ', 'st\u0430rted', '\ud83d\udc80\u200d\ud83d\udd25',
];
const MALFORMED = [
  '', ' ', '\t', '\n', 'null', '~', '{}', '[]', '{"a":', '- a\n- [b', 'key: [unclosed', '"', "'", '\\', '*', '&a a', '*x',
  '!!js/function "function(){}"', '!!binary AAAA', '!!python/object:os.system ["id"]', '? complex key\n: v', 'a: b: c',
  '{"__proto__": {"polluted": "1"}}', '__proto__: x', 'constructor: x', '[1, [2, [3]]]', '{a: {b: c}}', '- {x: y}', 'a,,b,',
  aliasBomb, '{"net0": 1}', '{"net0": null}', '{"net0": true}', '{"net0": ["a"]}', '[{"net0": "virtio"}]',
];
const HUGE = [
  'x'.repeat(100_000), `${'9'.repeat(400)}`, '1e309', '-1e309', '4294967296', '9007199254740993', '-9007199254740993',
  '0'.repeat(5000) + '1', 'a,'.repeat(20_000), 'k: v\n'.repeat(3000), `net0: '${'virtio,'.repeat(5000)}'`,
];
const NUMBERISH = ['1.5', '1e3', ' 12 3', '-1', '0x1F', '0b11', '0o17', '\u0661\u0662', '12abc', '+', '--1', '007', '+5', 'NaN', 'Infinity', '-0', '.', '1,5', '１２'];
const BOOLISH = ['maybe', 'TRUE!', '2', 'yes please', 'ja', 'tru', '10', 'on off', 'y', 'n', 'enabled'];

const nastyText = fc.oneof(
  fc.constantFrom(...INJECTIONS, ...MALFORMED),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);

function outOfRangeKeys(p: Param): string[] {
  const base = p.pve!.replace('[n]', '').replace(/\d+$/, '');
  const [lo, hi] = p.indexRange ?? [0, 0];
  return [`${base}${hi + 1}`, `${base}${lo - 1}`, `${base}-1`, `${base}0${hi}`, `${base.toUpperCase()}${lo}`, `${base}${lo} `, `${base}1e1`, `${base}\u0663`, `${base}`, `x${base}${lo}`, '__proto__', 'constructor'];
}

/** Values aimed at one input's kind, on top of the generic nasty ones. */
function kindSpecific(p: Param): fc.Arbitrary<string> {
  const range = [p.min, p.max].filter((n): n is number => n !== undefined).flatMap((n) => [String(n - 1), String(n + 1)]);
  switch (p.kind) {
    case 'bool':
      return fc.constantFrom(...BOOLISH);
    case 'int':
    case 'number':
      return fc.oneof(fc.constantFrom(...NUMBERISH, ...(range.length ? range : ['-1'])), fc.double().map(String));
    case 'enum':
      return fc.oneof(
        fc.constantFrom(...p.choices!).map((c) => `${c}!`),
        fc.constantFrom(...p.choices!).map((c) => c.toUpperCase().replace(/O/g, '0')),
        fc.constantFrom(...p.choices!).map((c) => `${c},${c}`),
      );
    case 'list':
      return fc.constantFrom('[a, [b]]', '{a: 1}', '- {x: y}', '- a\n  - b', 'ok,bad item,$(id)', '["a", 1, null]', 'a\n\n\nb', ',,,');
    case 'dict': {
      const keys = outOfRangeKeys(p);
      const okKey = p.pve!.endsWith('[n]') ? `${p.pve!.replace('[n]', '')}${p.indexRange![0]}` : 'storage';
      return fc.oneof(
        fc.constantFrom(...keys).map((k) => `${JSON.stringify(k)}: x`),
        fc.constantFrom(...keys).map((k) => JSON.stringify({ [k]: 'virtio' })),
        nastyText.map((v) => JSON.stringify({ [okKey]: v })),
        fc.constantFrom('unknown=1', 'virtio,bridge=vmbr0,tag=5000', 'x,delete=scsi0', 'a=b=c', ',,,', '=', 'virtio,bridge=vmbr0\nfirewall=1').map((v) => `${okKey}: '${v}'`),
      );
    }
    case 'secret':
      return nastyText.map((v) => `${SECRET_MARKER}${v}`);
    default:
      return fc.constantFrom('-', '.', 'a..b', '-leading', 'trailing-', 'under_score', 'sp ace', 'UPPER', `${'a'.repeat(64)}.b`, 'ünïcode', '*', 'a/b', 'a:b', 'https://x/y');
  }
}

/** A value for one input: mostly hostile, sometimes its documented example (valid). */
export function valueFor(name: string): fc.Arbitrary<string> {
  const p = byName.get(name);
  if (!p) return nastyText;
  const hostile =
    p.kind === 'secret'
      ? kindSpecific(p)
      : fc.oneof({ weight: 3, arbitrary: kindSpecific(p) }, { weight: 3, arbitrary: nastyText }, { weight: 1, arbitrary: fc.constantFrom(...HUGE) });
  const valid = p.example !== undefined && !p.example.includes('${{') ? [fc.constant(p.example)] : [];
  return fc.oneof({ weight: 4, arbitrary: hostile }, ...valid.map((arbitrary) => ({ weight: 1, arbitrary })));
}

export interface InputSet {
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** The inputs given hostile (or example) values in this set. */
  fuzzed: string[];
}

/** Connection inputs that are fine on their own, so most errors come from the fuzzed inputs. */
export const BASE_CONNECTION = {
  api_host: '127.0.0.1',
  api_port: '8006',
  api_user: 'root@pam',
  api_password: `${SECRET_MARKER}-base`,
  validate_certs: 'false',
};

const ENV_VARS = catalogue.filter((p) => p.env).map((p) => [p.env!, p.name] as const);

export const inputSet: fc.Arbitrary<InputSet> = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom(...ACTION_INPUTS.map((i) => i.name)), { minLength: 1, maxLength: 6 }),
    withBase: fc.boolean(),
    withName: fc.boolean(),
    envNames: fc.uniqueArray(fc.constantFrom(...ENV_VARS), { maxLength: 2 }),
  })
  .chain(({ names, withBase, withName, envNames }) =>
    fc
      .record({
        values: fc.tuple(...names.map((n) => valueFor(n))),
        envValues: fc.tuple(...envNames.map(([, input]) => valueFor(input))),
      })
      .map(({ values, envValues }) => {
        const inputs: Record<string, string> = { ...(withBase ? BASE_CONNECTION : {}), ...(withName ? { name: 'fuzz-vm' } : {}) };
        names.forEach((n, i) => (inputs[n] = values[i]));
        const env: Record<string, string> = {};
        envNames.forEach(([variable], i) => (env[variable] = envValues[i]));
        return { inputs, env, fuzzed: names };
      }),
  );
