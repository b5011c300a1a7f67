// What an operator looks at first when a step fails (`diagnostics` input): the VM's status and lock, its config
// and pending changes, and, when its guest agent answers, cloud-init's own status, the end of its output log and the
// boot's errors from the journal. Reads only, except the read-only commands run in the guest through the agent.
// Best effort: each item is bounded, and a read that fails becomes that item's text; gathering never throws.
import type { ProxmoxClient } from '../proxmox/client.js';
import { oneLine } from '../report/text.js';
import { factsOf } from './facts.js';
import { CLOUD_INIT_LOG, execInGuest, guestLines, logTail, pveText } from './guest-exec.js';
import { type VmConfig, type VmStatus, isMissingVm, vmConfig, vmPending, vmStatus } from './pve.js';

export interface DiagnosticItem {
  title: string;
  /** Untrusted text (from PVE or the guest), bounded; the report escapes it. */
  text: string;
}

export interface Diagnostics {
  vmid: number;
  node: string;
  items: DiagnosticItem[];
}

export interface DiagnosticsOptions {
  /** Config keys whose values are secrets (cipassword, …): shown as ***. */
  secretKeys: ReadonlySet<string>;
  /** Registered secrets → *** in guest output. */
  redact: (s: string) => string;
  signal?: AbortSignal;
  /** How long the guest commands may take in all. */
  guestMs?: number;
}

const GUEST_MS = 20_000;
const MAX_ITEM_CHARS = 4000;

const bounded = (text: string, max = MAX_ITEM_CHARS) => (text.length > max ? `…${text.slice(text.length - max)}` : text);

function configText(config: VmConfig, secretKeys: ReadonlySet<string>): string {
  return Object.keys(config)
    .filter((k) => k !== 'digest')
    .sort()
    .map((k) => `${k}: ${secretKeys.has(k) || k === 'cipassword' ? '***' : oneLine(config[k], 300)}`)
    .join('\n');
}

async function guestItems(client: ProxmoxClient, node: string, vmid: number, o: DiagnosticsOptions): Promise<DiagnosticItem[]> {
  const deadline = Date.now() + (o.guestMs ?? GUEST_MS);
  const run = async (title: string, argv: string[]): Promise<DiagnosticItem> => {
    try {
      const r = await execInGuest(client, node, vmid, argv, { deadline, signal: o.signal, redact: o.redact, maxStreamBytes: 16 * 1024 });
      const out = [r.stdout, r.stderr].filter((x) => x.trim() !== '').join('\n');
      const exit = r.timedOut ? 'still running when the diagnostics gave up' : r.exitcode === null ? `killed (signal ${r.signal ?? '?'})` : `exit code ${r.exitcode}`;
      return { title, text: bounded(`${guestLines(out, 60, MAX_ITEM_CHARS)}\n(${exit})`.trim()) };
    } catch (e) {
      if (o.signal?.aborted) throw e;
      return { title, text: `could not run it: ${oneLine(pveText(e), 500)}` };
    }
  };
  const items = [await run('cloud-init status --long', ['cloud-init', 'status', '--long'])];
  const tail = await logTail(client, node, vmid, CLOUD_INIT_LOG, o.signal);
  items.push({ title: `end of ${CLOUD_INIT_LOG}`, text: tail.ok ? tail.text || '(empty)' : `could not read it: ${tail.text}` });
  items.push(await run('journalctl -b -p err', ['journalctl', '-b', '-p', 'err', '--no-pager', '-n', '50']));
  return items;
}

/** Gathers the diagnostics of VM `vmid` on `node`. */
export async function gatherDiagnostics(client: ProxmoxClient, node: string, vmid: number, o: DiagnosticsOptions): Promise<Diagnostics> {
  const items: DiagnosticItem[] = [];
  let status: VmStatus;
  let config: VmConfig;
  try {
    [status, config] = await Promise.all([vmStatus(client, node, vmid), vmConfig(client, node, vmid)]);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    items.push({ title: 'status', text: isMissingVm(e) ? `VM ${vmid} does not exist on ${node}` : `could not read it: ${oneLine(pveText(e), 500)}` });
    return { vmid, node, items };
  }
  const facts = factsOf(vmid, node, config, status);
  items.push({
    title: 'status',
    text: [`${facts.status}`, status.qmpstatus && status.qmpstatus !== status.status ? `qmpstatus ${oneLine(status.qmpstatus, 50)}` : '', config.lock !== undefined ? `lock: ${oneLine(config.lock, 50)}` : ''].filter(Boolean).join(', '),
  });
  items.push({ title: 'config', text: bounded(configText(config, o.secretKeys)) });
  try {
    const pending = (await vmPending(client, node, vmid)).filter((p) => p.pending !== undefined || p.delete !== undefined);
    items.push({
      title: 'pending changes',
      text: pending.length
        ? bounded(pending.map((p) => `${p.key}: ${p.delete !== undefined ? '(delete)' : o.secretKeys.has(p.key) || p.key === 'cipassword' ? '***' : oneLine(p.pending, 300)}`).join('\n'))
        : 'none',
    });
  } catch (e) {
    if (o.signal?.aborted) throw e;
    items.push({ title: 'pending changes', text: `could not read them: ${oneLine(pveText(e), 500)}` });
  }
  if (facts.status === 'running' && facts.agentEnabled) items.push(...(await guestItems(client, node, vmid, o)));
  else items.push({ title: 'guest', text: facts.status !== 'running' ? `not asked: the VM is ${facts.status}` : 'not asked: the guest agent is not enabled (agent: true)' });
  return { vmid, node, items };
}
