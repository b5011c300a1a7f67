// The one place the qemu handlers touch the schema package: config-key types (for JSON numification) and
// property-string parsing of drive/net values, the sshkeys check, so a change in sim/schema/ is adapted here only.
import { configKeySchema } from '../schema/validate.js';
import { parsePropertyString, printPropertyString, resolveFormat, type FormatDef } from '../schema/property-string.js';
import { SSH_KEY_ERROR, sshKeysValid } from '../schema/sshkeys.js';

function schemaOf(key: string): ReturnType<typeof configKeySchema> {
  try {
    return configKeySchema(key);
  } catch {
    return undefined;
  }
}

function formatOf(key: string): FormatDef {
  const fmt = resolveFormat(schemaOf(key)?.format);
  if (!fmt) throw new Error(`no property-string format for '${key}'`);
  return fmt;
}

/** JSON type PVE gives a config key in its output: integer/boolean keys are numified, everything else a string. */
export function outputType(key: string): 'number' | 'string' {
  const t = schemaOf(key)?.type;
  return t === 'integer' || t === 'boolean' ? 'number' : 'string';
}

/**
 * Parses a property-string config value (netN, drives, memory, ...) into key → string, with aliases resolved
 * (`volume` → `file`, `virtio=<mac>` → model + macaddr). Throws on syntax errors.
 */
export function parseConfigValue(key: string, value: string): Record<string, string> {
  return parsePropertyString(value, formatOf(key));
}

/** PVE's canonical print of a parsed value (default key bare and first, `<model>=<MAC>` for NICs, then sorted). */
export function printConfigValue(key: string, obj: Record<string, string>): string {
  return printPropertyString(obj, formatOf(key));
}

/** Keys PVE's option_exists accepts besides the API parameters (internal config properties). */
const INTERNAL_KEYS = new Set(['vmstate', 'meta', 'runningmachine', 'runningcpu', 'running-nets-host-mtu']);

/** option_exists: a config key of the qemu config schema (indexed keys like net3 included). */
export function isConfigKey(key: string): boolean {
  if (INTERNAL_KEYS.has(key)) return true;
  if (['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay'].includes(key)) {
    return false;
  }
  return schemaOf(key) !== undefined;
}

/**
 * qemu-server create_vm / update_vm_api: a given `sshkeys` is URI-decoded and every line checked with ssh-keygen
 * (pve-common PVE::Tools::validate_ssh_public_keys, modelled in sim/schema/sshkeys.ts); the die is synchronous.
 * Returns the die text, or undefined when PVE accepts the value.
 */
export function sshKeysProblem(value: string | undefined): string | undefined {
  return value === undefined || sshKeysValid(value) ? undefined : SSH_KEY_ERROR;
}
