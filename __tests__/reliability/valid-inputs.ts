// fast-check generators of valid-looking VM configurations, derived from the catalogue: every VM config input
// with values a user could plausibly write (within the documented ranges and formats, boundaries included), so
// that whatever readSettings accepts can be checked against the PVE schema.
import fc from 'fast-check';
import { catalogue, type Param, type PropFormat, type SubKeyType } from '../../src/catalogue/index.js';
import { CPU_BUILTIN_MODELS, CPU_MODELS } from '../../src/catalogue/cpu-models.js';
import { sshPublicKey } from '../../tools/sshkeys.js';

const BOOL_WORDS = ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'];
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const ipv6 = fc.ipV6();
const mac = fc.array(octet, { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':'));
const diskSize = fc.integer({ min: 1, max: 8 });
const hex4 = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0'));
/** Device keys a boot order may name (some of them not present on the VM, as in real configs). */
const BOOT_DEVICES = ['scsi0', 'scsi1', 'virtio0', 'sata0', 'ide0', 'ide2', 'net0', 'net1', 'hostpci0', 'usb0'];
/** CPU flags a user might add: PVE allows only a fixed list, which our checks do not repeat. */
const CPU_FLAGS = ['aes', 'pcid', 'spec-ctrl', 'ssbd', 'ibpb', 'virt-ssbd', 'amd-ssbd', 'pdpe1gb', 'md-clear', 'hv-tlbflush', 'hv-evmcs', 'avx2'];

function intIn(min = 0, max = 2 ** 31 - 1): fc.Arbitrary<number> {
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
}

function numIn(min = 0, max = 1e6): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: Math.ceil(min), max: Math.floor(max) }).map(String),
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => String(Number(x.toFixed(2)))),
  );
}

/** A value for one sub-key of a property string. */
function subValue(format: PropFormat, key: string, type: SubKeyType): fc.Arbitrary<string> {
  if (key === 'file') return diskSize.map((n) => `local-lvm:${n}`);
  if (format.name.startsWith('ipconfig')) {
    if (key === 'ip') return fc.oneof(fc.constant('dhcp'), fc.tuple(ipv4, fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${a}/${p}`));
    if (key === 'ip6') return fc.oneof(fc.constantFrom('dhcp', 'auto'), fc.tuple(ipv6, fc.integer({ min: 16, max: 128 })).map(([a, p]) => `${a}/${p}`));
  }
  if (key === 'bridge') return fc.integer({ min: 0, max: 99 }).map((n) => `vmbr${n}`);
  if (key === 'order' && format.name === 'boot') return fc.uniqueArray(fc.constantFrom(...BOOT_DEVICES), { minLength: 1, maxLength: 3 }).map((d) => d.join(';'));
  if (key === 'flags') return fc.uniqueArray(fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...CPU_FLAGS)), { minLength: 1, maxLength: 3 }).map((f) => f.map(([s, n]) => s + n).join(';'));
  if (key === 'reported-model') return fc.constantFrom(...CPU_MODELS, ...CPU_BUILTIN_MODELS);
  // Anchored alternations are slow to generate from their regex; these are the same shapes, written directly.
  if (/^(sub-)?(vendor|device)-id$/.test(key)) return fc.tuple(fc.boolean(), hex4).map(([prefixed, h]) => (prefixed ? `0x${h}` : h));
  if (key === 'host' && format.name.startsWith('usb')) {
    return fc.oneof(fc.tuple(hex4, hex4).map(([v, p]) => `${v}:${p}`), fc.tuple(fc.nat(9), fc.nat(9)).map(([b, p]) => `${b}-${p}`), fc.constant('spice'));
  }
  if (key === 'uuid') return fc.uuid();
  if (key === 'host' && format.name.startsWith('hostpci')) return fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 7 })).map(([b, d, f]) => `0000:${b.toString(16).padStart(2, '0')}:${d.toString(16).padStart(2, '0')}.${f}`);
  switch (type.t) {
    case 'bool':
      return fc.constantFrom('0', '1');
    case 'int':
      return intIn(type.min, type.max).map(String);
    case 'number':
      return numIn(type.min, type.max);
    case 'enum':
      return fc.constantFrom(...type.values);
    case 'string':
      if (type.check === 'mac') return mac;
      if (type.check === 'ipv4') return ipv4;
      if (type.check === 'ipv6') return ipv6;
      if (type.check === 'cputype') return fc.constantFrom(...CPU_MODELS, ...CPU_BUILTIN_MODELS);
      if (type.check === 'volume') return fc.constantFrom('local:snippets/user.yml', 'local:snippets/net.yml');
      // Patterns allowing \s would also give tabs and line breaks, which nobody puts in a product name.
      if (type.pattern) return fc.stringMatching(type.pattern).filter((v) => v.trim() !== '' && !/[,\t\n\r\v\f]/.test(v));
      return word;
  }
}

/** Keys a user would not set on a new VM (they describe an existing or imported volume). */
const SKIP_KEYS = new Set(['size', 'import-from', 'media', 'volume']);

/** A property string: the required keys (the default key sometimes bare) plus a few optional ones. */
export function propString(format: PropFormat): fc.Arbitrary<string> {
  if (format.wholeValue) {
    return format.name.startsWith('serial') ? fc.constantFrom('socket', '/dev/ttyS0', '/dev/ttyUSB0') : fc.constantFrom('/dev/parport0', '/dev/usb/lp0');
  }
  const required = format.required ?? [];
  const optional = Object.keys(format.keys).filter((k) => !required.includes(k) && !SKIP_KEYS.has(k));
  return fc
    .record({ extra: fc.shuffledSubarray(optional, { maxLength: Math.min(4, optional.length) }), bare: fc.boolean() })
    .chain(({ extra, bare }) => {
      let keys = [...required, ...extra];
      // A gateway needs the address of its family (ipconfig's dependsOn).
      for (const [k, needs] of Object.entries(format.dependsOn ?? {})) if (keys.includes(k) && !keys.includes(needs)) keys.push(needs);
      if (keys.length === 0) keys = [Object.keys(format.keys)[0]];
      return fc.tuple(...keys.map((k) => subValue(format, k, format.keys[k]))).map((values) =>
        keys.map((k, i) => (bare && i === 0 && k === format.defaultKey ? values[i] : `${k}=${values[i]}`)).join(','),
      );
    });
}

function listOf(p: Param): fc.Arbitrary<string> {
  const item = p.check === 'ip-address' ? fc.oneof(ipv4, ipv6) : p.check === 'tag' ? fc.stringMatching(/^[a-z0-9_][a-z0-9_+.-]{0,15}$/) : fc.domain();
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

/** A dictionary input as YAML or as a JSON object string. */
function dictOf(p: Param): fc.Arbitrary<string> {
  if (p.subOptions) {
    const opts = Object.entries(p.subOptions).filter(([k]) => k !== 'storage');
    return fc
      .tuple(...opts.map(([, o]) => fc.option(o.kind === 'bool' ? fc.constantFrom('true', 'false') : fc.constantFrom(...(o.choices ?? ['x'])), { nil: undefined })))
      .map((values) => JSON.stringify(Object.fromEntries([['storage', 'local-lvm'], ...opts.map(([k], i) => [k, values[i]]).filter(([, v]) => v !== undefined)])));
  }
  const [lo, hi] = p.indexRange!;
  const base = p.pve!.replace('[n]', '').replace(/\d+$/, '');
  return fc
    .uniqueArray(fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(lo, hi)), { minLength: 1, maxLength: 3 })
    .chain((indices) => fc.tuple(...indices.map(() => propString(p.format!))).map((values) => indices.map((n, i) => [`${base}${n}`, values[i]] as const)))
    .chain((entries) =>
      fc.constantFrom(
        JSON.stringify(Object.fromEntries(entries)),
        entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'),
      ),
    );
}

/** A few real keys, made once: key generation is too slow to repeat for every generated value. */
const SSH_KEYS = (['ed25519', 'ed25519', 'ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa', 'sk-ed25519'] as const).map((t) => sshPublicKey(t));

/** Inputs with their own plausible shapes (free text, or checks a format cannot describe). */
const SPECIAL: Record<string, fc.Arbitrary<string>> = {
  description: fc.oneof(
    { weight: 5, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 8000, max: 9000 }).map((n) => 'd'.repeat(n)) },
  ).filter((v) => v.trim() !== ''),
  args: fc.constantFrom('-serial unix:/var/run/qemu-server/100.serial,server,nowait', '-no-reboot', '-device intel-iommu'),
  ciuser: fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/),
  cipassword: fc.stringMatching(/^[A-Za-z0-9!#%&*+.:=?@^_~-]{12,24}$/),
  // Real public keys (PVE runs ssh-keygen on every line), of several types, with a comment and sometimes options.
  sshkeys: fc
    .array(fc.tuple(fc.constantFrom(...SSH_KEYS), word, fc.constantFrom('', 'no-pty ', 'from="10.0.0.0/8" ')), { minLength: 1, maxLength: 3 })
    .map((keys) => keys.map(([k, who, options]) => `${options}${k} ${who}@example.org`).join('\n')),
  hookscript: fc.constant('local:snippets/hook.pl'),
  hotplug: fc.oneof(fc.constantFrom('0', '1'), fc.uniqueArray(fc.constantFrom('network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit'), { minLength: 1 }).map((f) => f.join(','))),
  startdate: fc.oneof(
    fc.constant('now'),
    fc.date({ min: new Date('1990-01-01'), max: new Date('2037-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    fc.date({ min: new Date('1990-01-01'), max: new Date('2037-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19)),
  ),
  bootdisk: fc.tuple(fc.constantFrom('ide', 'sata', 'scsi', 'virtio'), fc.integer({ min: 0, max: 40 })).map(([b, n]) => `${b}${n}`),
};

function valueFor(p: Param): fc.Arbitrary<string> {
  if (p.name === 'agent') return fc.oneof(fc.constantFrom(...BOOL_WORDS), propString(p.format!));
  if (SPECIAL[p.name]) return SPECIAL[p.name];
  switch (p.kind) {
    case 'bool':
      return fc.constantFrom(...BOOL_WORDS);
    case 'int':
      return intIn(p.min, p.max).map(String);
    case 'number':
      return numIn(p.min, p.max);
    case 'enum':
      return fc.constantFrom(...p.choices!);
    case 'list':
      return listOf(p);
    case 'dict':
      return dictOf(p);
    default:
      return p.format ? propString(p.format) : word;
  }
}

/** Config inputs of a new VM (the name is given by the test, lock would block it). */
export const VM_PARAMS = catalogue.filter((p) => p.pve !== undefined && p.name !== 'name' && p.name !== 'lock' && (p.group === 'vm' || p.group === 'cloud-init'));

export const vmConfigSet: fc.Arbitrary<Record<string, string>> = fc
  .shuffledSubarray(VM_PARAMS, { minLength: 1, maxLength: 8 })
  .chain((params) => fc.tuple(...params.map(valueFor)).map((values) => Object.fromEntries(params.map((p, i) => [p.name, values[i]]))))
  .map((inputs) => (inputs.efidisk0 !== undefined ? { ...inputs, bios: 'ovmf' } : inputs));
