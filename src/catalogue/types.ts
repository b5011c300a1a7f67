// Shapes of the parameter catalogue: one declarative entry per module parameter.
// Everything else (action.yml, README, parsing, validation, request bodies, update diffs) is derived from these.

export type ParamKind = 'bool' | 'int' | 'number' | 'string' | 'enum' | 'list' | 'dict' | 'secret';

export type ParamGroup = 'connection' | 'vm' | 'cloud-init' | 'clone' | 'behaviour' | 'lifecycle';

/**
 * Named value checks the inputs layer knows how to run on a plain string value.
 * Kept as names (not functions) so the catalogue stays pure data.
 */
export type ValueCheck =
  | 'host'
  | 'dns-name'
  | 'node'
  | 'node-or-auto'
  | 'storage-id'
  | 'pool-id'
  | 'volume-id'
  | 'snapshot-name'
  | 'config-key'
  | 'tag'
  | 'ip-address'
  | 'cidr'
  | 'duration'
  | 'vmid-range'
  | 'fingerprint'
  | 'digest'
  | 'token-id'
  | 'user'
  | 'hotplug'
  | 'startdate'
  | 'bootdisk'
  | 'ssh-public-keys'
  | 'guest-exec';

/** Type of one sub-key of a PVE property string (`key=value,...`). */
export type SubKeyType =
  | { t: 'bool' }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'number'; min?: number; max?: number }
  | { t: 'enum'; values: readonly string[] }
  | {
      t: 'string';
      pattern?: RegExp;
      /** What `pattern` accepts, in words (follows "must be"). */
      text?: string;
      /** In characters, as PVE counts them (code points). */
      maxLength?: number;
      check?: SubKeyCheck;
    };

/**
 * Named checks of sub-key values that a pattern cannot say (or says badly): `volume` a PVE volume id, `drive-file`
 * a volume id, absolute path, `none` or `cdrom`; `import-source` a volume id or absolute path; `cpu-flags` PVE's
 * VM-allowed flags; `boot-order` device keys within PVE's index ranges.
 */
export type SubKeyCheck =
  | 'ipv4' | 'ipv6' | 'cidr4' | 'cidr6' | 'mac' | 'volume' | 'drive-file' | 'import-source' | 'cputype' | 'cpu-flags' | 'boot-order';

/** A PVE property-string format, trimmed to what we check before any request is sent. */
export interface PropFormat {
  /** Name shown in messages, e.g. 'net[n]'. */
  name: string;
  /** Key a bare leading value belongs to (`virtio,bridge=vmbr0` → model=virtio). */
  defaultKey?: string;
  keys: Readonly<Record<string, SubKeyType>>;
  /** Deprecated or alternative key names PVE accepts for a key. */
  aliases?: Readonly<Record<string, string>>;
  required?: readonly string[];
  /** Keys that need another key to be present (ipconfig: a gateway needs an address of its family). */
  dependsOn?: Readonly<Record<string, string>>;
  /** net[n]: any value of this enum key may itself be used as a key, its value then being a MAC (`virtio=BC:24:11:..`). */
  enumValueAsKey?: { key: string; valueCheck: 'mac' };
  /** Values that are not property strings at all (serial, parallel): the whole value must match. */
  wholeValue?: RegExp;
  /** Human form of wholeValue for messages. */
  wholeValueText?: string;
  /** Longest whole value PVE accepts, in characters. */
  maxLength?: number;
  /** Sub-keys PVE's format defines but refuses in a VM config, with the reason (cpu: reported-model). */
  refused?: Readonly<Record<string, string>>;
  /** Whole values PVE refuses although their parts pass, with the reason (startup: a bare `0`). */
  refusedWhole?: Readonly<Record<string, string>>;
}

/** A sub-option of a dict parameter that becomes a property string (efidisk0, tpmstate0). */
export interface SubOption {
  kind: 'string' | 'bool' | 'enum';
  choices?: readonly string[];
  required?: boolean;
  default?: string;
  /** PVE sub-key name (pre_enrolled_keys → pre-enrolled-keys); 'file' puts `<value>:1` first. */
  pve: string;
  /** Named check of a string value (storage: a storage id). */
  check?: ValueCheck;
  /** Maps an accepted input value to the wire value (tpmstate0 version 2.0 → v2.0). */
  valueMap?: Readonly<Record<string, string>>;
  doc: string;
}

export interface Param {
  name: string;
  kind: ParamKind;
  group: ParamGroup;
  /** What the parameter does, in the user's words (accepted values, default and example are added by describe()). */
  doc: string;
  /** The action's default (also written to action.yml, except for env-backed inputs: see describe()). */
  default?: string;
  /**
   * A default only the runner can evaluate, a `${{ }}` expression such as `${{ github.token }}`: written to action.yml
   * (the runner passes its value as the input), never applied by readSettings, which sees only what the runner passed.
   * Excludes `default` and `env`.
   */
  runnerDefault?: string;
  /** The old module default, filled only when proxmox_default_behavior=compatibility. */
  compatDefault?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** PVE config key this parameter sets, or the indexed form 'net[n]' for dict parameters. */
  pve?: string;
  /** Dict parameters: allowed keys, e.g. /^net(\d+)$/, with the index range. */
  keyPattern?: RegExp;
  indexRange?: [number, number];
  /** Disks and NICs: only changed on update when update_unsafe is true. */
  unsafeToUpdate?: boolean;
  secret?: boolean;
  /** Environment variable used when the input is empty. */
  env?: string;
  deprecatedAliases?: string[];

  // ---- value shape (used by the inputs layer) ----
  /** Lists: separator used on the wire. */
  join?: string;
  /** Property-string format every value (or dict value) must follow. */
  format?: PropFormat;
  /** agent: a boolean is also accepted (sent as 1/0). */
  acceptsBool?: boolean;
  /** Dict parameters whose sub-options are turned into one property string (efidisk0, tpmstate0). */
  subOptions?: Readonly<Record<string, SubOption>>;
  /** sshkeys: URL-encode the value as PVE's `urlencoded` format requires. */
  urlEncode?: boolean;
  /** Named check for plain string values (or for each list item). */
  check?: ValueCheck;
  pattern?: RegExp;
  /** Human description of `pattern` for messages and docs. */
  patternText?: string;
  /** Longest value PVE accepts, in characters (code points). */
  maxLength?: number;
  example?: string;
}
