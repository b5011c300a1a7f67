// The parameter catalogue: the single source of truth for every input of the action (see ARCHITECTURE.md).
import { behaviourParams } from './params-behaviour.js';
import { cloudInitParams } from './params-cloudinit.js';
import { connectionParams } from './params-connection.js';
import { deviceParams } from './params-devices.js';
import { hardwareParams } from './params-hardware.js';
import { lifecycleParams } from './params-lifecycle.js';
import type { Param } from './types.js';

export type { Param, ParamGroup, ParamKind, PropFormat, SubKeyCheck, SubKeyType, SubOption, ValueCheck } from './types.js';
export { outputs } from './outputs.js';
export { describe, actionYmlDefault } from './describe.js';
export { DEFAULT_BEHAVIOURS, ROLLBACK_STARTS, VM_STATES } from './params-behaviour.js';
export { CLEANUP_POLICIES, DIAGNOSTICS_MODES, IP_FAMILIES, PRUNE_SCOPES, WAIT_FOR_MODES } from './params-lifecycle.js';

export const catalogue: readonly Param[] = [
  ...connectionParams,
  ...behaviourParams,
  ...hardwareParams,
  ...deviceParams,
  ...cloudInitParams,
  ...lifecycleParams,
];

const byName = new Map(catalogue.map((p) => [p.name, p]));
/** Params whose pve is a plain key (not an indexed 'net[n]' form). */
const byPveKey = new Map(catalogue.filter((p) => p.pve && !p.pve.endsWith('[n]')).map((p) => [p.pve!, p]));
const indexedParams = catalogue.filter((p) => p.pve?.endsWith('[n]'));

export function param(name: string): Param {
  const p = byName.get(name);
  if (!p) throw new Error(`unknown parameter '${name}'`);
  return p;
}

/** For a PVE config key ('net0', 'cores', 'numa', 'cipassword'): the catalogue entry it comes from, and flags. */
export function pveKeyInfo(key: string): { param: Param; unsafeToUpdate: boolean; secret: boolean } | undefined {
  let p = byPveKey.get(key);
  if (!p) {
    p = indexedParams.find((q) => {
      const m = q.keyPattern!.exec(key);
      return m !== null && Number(m[1]) >= q.indexRange![0] && Number(m[1]) <= q.indexRange![1];
    });
  }
  return p && { param: p, unsafeToUpdate: p.unsafeToUpdate === true, secret: p.secret === true };
}

/** Every concrete PVE config key a parameter can emit (net → net0..net31). */
export function pveKeysOf(p: Param): string[] {
  if (!p.pve) return [];
  if (!p.pve.endsWith('[n]')) return [p.pve];
  const base = p.pve.slice(0, -3);
  const [lo, hi] = p.indexRange!;
  return Array.from({ length: hi - lo + 1 }, (_, i) => `${base}${lo + i}`);
}
