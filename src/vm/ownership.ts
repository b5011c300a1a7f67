// Which VM the action may destroy: only one it can prove it made. The main step records what it asked PVE for when
// the create/clone was accepted, and, once the task has finished, what PVE generated for that VM alone (smbios1
// uuid, vmgenid, meta). Cleanup destroys a VM only when its live config still shows that identity; anything else
// holding the id (a parallel job's VM after ours was removed, a VM restored over it) is left alone.
import type { VmConfig } from './pve.js';
import { splitTags } from './ci-tags.js';

/** What PVE generated for one VM: create_vm and clone_vm write a fresh smbios1 uuid (and vmgenid) each time. */
export interface Fingerprint {
  smbiosUuid?: string;
  vmgenid?: string;
  /** `meta: creation-qemu=…,ctime=<epoch>` (create_vm writes it; a clone copies its source's). */
  meta?: string;
}

export interface OwnedVm {
  vmid: number;
  /** The node PVE created it on (a later migration is followed by looking the id up). */
  node: string;
  kind: 'create' | 'clone';
  /** The create/clone task, when PVE answered with one. */
  upid?: string;
  /** The name the step asked for. */
  name?: string;
  /** CI tags the create request carried (a clone gets them only in a later config step). */
  ciTags: string[];
  /** Read after the task ended; missing when the step ended first (cancelled, timed out). */
  fingerprint?: Fingerprint;
}

export type Verdict = { owned: true; how: string } | { owned: false; why: string };

export function fingerprintOf(config: VmConfig): Fingerprint {
  const uuid = /(?:^|,)uuid=([0-9a-fA-F-]{36})(?:,|$)/.exec(String(config.smbios1 ?? ''))?.[1]?.toLowerCase();
  const fp: Fingerprint = {};
  if (uuid) fp.smbiosUuid = uuid;
  if (config.vmgenid !== undefined && config.vmgenid !== '') fp.vmgenid = String(config.vmgenid).toLowerCase();
  if (config.meta !== undefined && config.meta !== '') fp.meta = String(config.meta);
  return fp;
}

/** The task's start from its UPID (`UPID:node:pid:pstart:starttime:…`), unix seconds. */
function upidStart(upid: string | undefined): number | undefined {
  const hex = upid?.split(':')[4];
  return hex && /^[0-9A-Fa-f]{8}$/.test(hex) ? parseInt(hex, 16) : undefined;
}

const ctimeOf = (meta: string | number | undefined): number | undefined => {
  const m = /(?:^|,)ctime=(\d+)/.exec(String(meta ?? ''));
  return m ? Number(m[1]) : undefined;
};

/**
 * Whether `live` (the config now holding the recorded vmid) is the VM the step created. `taskOk`: the create/clone
 * task ended successfully (undefined when there was no task to wait for).
 */
export function judgeOwnership(o: OwnedVm, live: VmConfig, taskOk: boolean | undefined): Verdict {
  const label = `VM ${o.vmid}`;
  const recorded = o.fingerprint ?? {};
  const fields = (Object.keys(recorded) as Array<keyof Fingerprint>).filter((k) => recorded[k] !== undefined);
  if (fields.length > 0) {
    const now = fingerprintOf(live);
    const differ = fields.filter((k) => now[k] !== recorded[k]);
    if (differ.length === 0) return { owned: true, how: `its ${fields.join(', ')} are those PVE generated for the VM this job created` };
    return { owned: false, why: `${label} is not the VM this job created: its ${differ.join(', ')} changed since (another VM holds the id now, or it was re-created)` };
  }
  // The main step never saw the task end: the post step waited for it, and the VM must look like what it asked for.
  if (taskOk !== true) return { owned: false, why: `the ${o.kind} task of ${label} did not succeed, so the VM holding the id now is not the one this job asked for` };
  if (o.name !== undefined && String(live.name ?? '') !== o.name)
    return { owned: false, why: `${label} is named '${String(live.name ?? '')}', not '${o.name}' as this job asked` };
  if (o.kind === 'create') {
    const tags = new Set(splitTags(live.tags));
    const missing = o.ciTags.filter((t) => !tags.has(t));
    if (missing.length) return { owned: false, why: `${label} lacks the tags this job created it with (${missing.join(', ')})` };
    const born = ctimeOf(live.meta);
    const start = upidStart(o.upid);
    if (born !== undefined && start !== undefined && born < start - 1)
      return { owned: false, why: `${label} was created before this job's create task started` };
  }
  return { owned: true, how: `it was made by this job's ${o.kind} task${o.upid ? ` (${o.upid})` : ''}, which has just ended` };
}
