// The VM config as PVE keeps it on disk (qemu-server/<vmid>.conf, with [PENDING] and snapshot sections), its
// SHA-1 digest, and the views the API returns (pending applied, JSON-typed, secrets masked).
import { createHash } from 'node:crypto';
import type { VmRecord } from '../core.js';
import { outputType } from './format.js';

const MASK = '**********';

function section(config: Record<string, string>): string {
  let out = '';
  const desc = config.description;
  if (desc !== undefined) for (const line of desc.split('\n')) out += `#${line}\n`;
  for (const key of Object.keys(config).sort()) {
    if (key === 'description') continue;
    out += `${key}: ${config[key]}\n`;
  }
  return out;
}

/** The raw config file text; any change of config, pending values, deletions or snapshots changes it. */
export function serializeConfig(vm: VmRecord): string {
  let out = section(vm.config);
  const delKeys = Object.keys(vm.pendingDelete);
  if (Object.keys(vm.pending).length > 0 || delKeys.length > 0) {
    const pending: Record<string, string> = { ...vm.pending };
    if (delKeys.length > 0) {
      pending.delete = delKeys.map((k) => (vm.pendingDelete[k] === 2 ? `!${k}` : k)).join(',');
    }
    out += `\n[PENDING]\n${section(pending)}`;
  }
  for (const name of Object.keys(vm.snapshots).sort()) out += `\n[${name}]\n${section(vm.snapshots[name])}`;
  return out;
}

export function configDigest(vm: VmRecord): string {
  return createHash('sha1').update(serializeConfig(vm)).digest('hex');
}

/** Config with pending values applied and pending deletions removed (what GET config shows by default). */
export function configWithPending(vm: VmRecord): Record<string, string> {
  const out: Record<string, string> = { ...vm.config, ...vm.pending };
  for (const key of Object.keys(vm.pendingDelete)) delete out[key];
  return out;
}

function typed(key: string, value: string): string | number {
  if (outputType(key) === 'number' && /^[+-]?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/**
 * A stored config as PVE's JSON shows it: integer and boolean keys numified (`"cores":2`), everything else a
 * string (`"memory":"2048"`, `"cpulimit":"1.5"`), cipassword masked.
 */
export function vmConfigForOutput(config: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(config).sort()) {
    out[key] = key === 'cipassword' ? MASK : typed(key, config[key]);
  }
  return out;
}

/** GET .../pending: one entry per key of current and pending, with delete markers. */
export function pendingArray(vm: VmRecord): Array<Record<string, string | number>> {
  const keys = new Set([...Object.keys(vm.config), ...Object.keys(vm.pending), ...Object.keys(vm.pendingDelete)]);
  const out: Array<Record<string, string | number>> = [];
  for (const key of [...keys, 'digest'].sort()) {
    const item: Record<string, string | number> = { key };
    if (key === 'digest') {
      item.value = configDigest(vm);
    } else {
      if (vm.config[key] !== undefined) item.value = key === 'cipassword' ? MASK : typed(key, vm.config[key]);
      // PVE masks a pending cipassword with a trailing blank, so a client can tell it from the current one.
      if (vm.pending[key] !== undefined) item.pending = key === 'cipassword' ? `${MASK} ` : typed(key, vm.pending[key]);
      if (vm.pendingDelete[key] !== undefined) item.delete = vm.pendingDelete[key];
    }
    if (item.value === undefined && item.pending === undefined && item.delete === undefined) continue;
    out.push(item);
  }
  return out;
}
