// What the main step hands to the post step (GITHUB_STATE → STATE_*), typed and in one place, as actions/checkout's
// state-helper does: the cleanup policy, the VM the step created (and how to recognise it), whether main succeeded,
// and the ticket of a login that cannot be repeated (a used one-time code); with keep_on_failure, the guest's IP
// address when the main step learnt one, so that the post step can say how to reach a VM it keeps. Saving goes
// through @actions/core; reading lives in state-read.ts, which the post entry loads alone.
import * as core from '@actions/core';
import type { SavedTicket } from './proxmox/auth.js';
import type { Lifecycle } from './settings.js';
import { KEY } from './state-read.js';
import type { OwnedVm } from './vm/ownership.js';

export { cleanupWanted, readPostState, type PostState } from './state-read.js';

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
