// Reading what the main step handed to the post step (STATE_* variables), without @actions/core: the post entry
// decides from this whether there is anything to clean up before it loads anything else (src/entries/post.ts).
// `getState` is @actions/core's own, verbatim (core.getState reads `process.env[`STATE_${name}`] || ''`).
import type { SavedTicket } from './proxmox/auth.js';
import type { Lifecycle } from './settings.js';
import type { Fingerprint, OwnedVm } from './vm/ownership.js';

/** The names the main step saves its state under (state.ts). */
export const KEY = { cleanup: 'cleanup', keepOnFailure: 'keep_on_failure', created: 'created', ip: 'ip', mainOk: 'main_ok', ticket: 'ticket' } as const;

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

/** @actions/core's getState, verbatim. */
function getState(name: string): string {
  return process.env[`STATE_${name}`] || '';
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
  const policy = getState(KEY.cleanup);
  const created = getState(KEY.created);
  const t = parseJson(getState(KEY.ticket));
  const ticket = t && str(t.ticket) && str(t.csrf) ? { ticket: str(t.ticket)!, csrf: str(t.csrf)! } : undefined;
  return {
    cleanup: policy === 'always' || policy === 'on-failure' ? policy : 'never',
    keepOnFailure: getState(KEY.keepOnFailure) === 'true',
    ip: /^[0-9a-fA-F.:]{2,45}$/.test(getState(KEY.ip)) ? getState(KEY.ip) : undefined,
    created: created ? parseCreated(created) : undefined,
    mainOk: getState(KEY.mainOk) === 'true',
    ticket,
  };
}

/** Whether the post step has a VM to remove: one was created, and the policy asks for it given how main ended. */
export function cleanupWanted(st: PostState): st is PostState & { created: OwnedVm } {
  return !!st.created && (st.cleanup === 'always' || (st.cleanup === 'on-failure' && !st.mainOk));
}
