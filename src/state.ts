// What the main step hands to the post step (GITHUB_STATE → STATE_*), typed and in one place, as actions/checkout's
// state-helper does: the cleanup policy, the VM the step created (and how to recognise it), whether main succeeded,
// and the ticket of a login that cannot be repeated (a used one-time code); with keep_on_failure, the guest's IP
// address when the main step learnt one, so that the post step can say how to reach a VM it keeps.
import * as core from '@actions/core';
import type { SavedTicket } from './proxmox/auth.js';
import type { Lifecycle } from './settings.js';
import type { Fingerprint, OwnedVm } from './vm/ownership.js';

const KEY = { cleanup: 'cleanup', keepOnFailure: 'keep_on_failure', created: 'created', ip: 'ip', mainOk: 'main_ok', ticket: 'ticket' } as const;

export interface PostState {
  cleanup: Lifecycle['cleanup'];
  /** cleanup: always keeps the VM when a step of the job failed. */
  keepOnFailure: boolean;
  created?: OwnedVm;
  /** The guest's address as the main step reported it (the `ip` output). */
  ip?: string;
  mainOk: boolean;
  ticket?: SavedTicket;
}

export function saveCleanup(policy: Lifecycle['cleanup'], keepOnFailure = false): void {
  core.saveState(KEY.cleanup, policy);
  if (keepOnFailure) core.saveState(KEY.keepOnFailure, 'true');
}

export function saveIp(ip: string): void {
  core.saveState(KEY.ip, ip);
}

export function saveCreated(vm: OwnedVm): void {
  core.saveState(KEY.created, JSON.stringify(vm));
}

export function saveMainOk(): void {
  core.saveState(KEY.mainOk, 'true');
}

/** The ticket is a credential: the caller has masked it already (the client registers every secret it holds). */
export function saveTicket(t: SavedTicket): void {
  core.saveState(KEY.ticket, JSON.stringify(t));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The recorded VM, or undefined when the state is missing or malformed (then nothing is destroyed). */
function parseCreated(text: string): OwnedVm | undefined {
  const o = parseJson(text);
  if (!o) return undefined;
  const vmid = o.vmid;
  const node = str(o.node);
  if (typeof vmid !== 'number' || !Number.isInteger(vmid) || vmid < 100 || !node) return undefined;
  const fp = o.fingerprint && typeof o.fingerprint === 'object' ? (o.fingerprint as Record<string, unknown>) : undefined;
  const fingerprint: Fingerprint | undefined = fp && { smbiosUuid: str(fp.smbiosUuid), vmgenid: str(fp.vmgenid), meta: str(fp.meta) };
  return {
    vmid,
    node,
    kind: o.kind === 'clone' ? 'clone' : 'create',
    upid: str(o.upid),
    name: str(o.name),
    ciTags: Array.isArray(o.ciTags) ? o.ciTags.filter((t): t is string => typeof t === 'string') : [],
    fingerprint,
  };
}

export function readPostState(): PostState {
  const policy = core.getState(KEY.cleanup);
  const created = core.getState(KEY.created);
  const t = parseJson(core.getState(KEY.ticket));
  const ticket = t && str(t.ticket) && str(t.csrf) ? { ticket: str(t.ticket)!, csrf: str(t.csrf)! } : undefined;
  return {
    cleanup: policy === 'always' || policy === 'on-failure' ? policy : 'never',
    keepOnFailure: core.getState(KEY.keepOnFailure) === 'true',
    // An address is all it may be: it is printed, so nothing else from the state gets through.
    ip: /^[0-9a-fA-F.:]{2,45}$/.test(core.getState(KEY.ip)) ? core.getState(KEY.ip) : undefined,
    created: created ? parseCreated(created) : undefined,
    mainOk: core.getState(KEY.mainOk) === 'true',
    ticket,
  };
}
