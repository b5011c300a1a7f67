// One step's whole flow: plan (reads only) → apply (unless dry_run) → read the VM's facts.
import type { ClientLog, ProxmoxClient } from '../proxmox/client.js';
import type { Settings } from '../settings.js';
import { Applier, type Timings } from './apply.js';
import type { PlanContext } from './context.js';
import { type GuestInfo, GuestWaitError, waitForGuest } from './guest.js';
import { type VmFacts, factsOf, readFacts } from './facts.js';
import type { OwnedVm } from './ownership.js';
import { vmConfig, vmStatus } from './pve.js';
import { planFor } from './plan.js';
import { Inventory } from './resolve.js';
import { type Change, type Plan, type PrunedVm, planJson, planMessage, plannedChanges } from './steps.js';

/** What the step found, planned and did: the plan as planned, and what apply did (or, with dry_run, would do). */
export interface Outcome {
  plan: Plan;
  planJson: string;
  changed: boolean;
  msg: string;
  facts?: VmFacts;
  vmid?: number;
  node?: string;
  changes: readonly Change[];
  done: string[];
  warnings: readonly string[];
  notes: readonly string[];
  timings: Timings;
  guest?: GuestInfo;
  /** A prune: the VMs removed (dry_run: that would be). */
  pruned?: readonly PrunedVm[];
}

export interface ReconcileOptions {
  client: ProxmoxClient;
  settings: Settings;
  secretKeys: ReadonlySet<string>;
  log: ClientLog;
  /** The VM the step created, as soon as PVE accepted it and again with its fingerprint (vm/ownership.ts). */
  onCreated?: (vm: OwnedVm) => void;
  /** The VM's facts as soon as the changes are done (before any guest wait), so outputs survive a wait failure. */
  onFacts?: (facts: VmFacts) => void;
  signal?: AbortSignal;
  /** Runs a phase inside a collapsible log group (core.group in the action). */
  group?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

export async function reconcile(o: ReconcileOptions): Promise<Outcome> {
  const timings: Timings = { apiMs: 0, taskMs: 0, guestMs: 0 };
  const ctx: PlanContext = { client: o.client, settings: o.settings, secretKeys: o.secretKeys, inventory: new Inventory(o.client) };
  const group = o.group ?? (<T>(_: string, fn: () => Promise<T>) => fn());
  const t0 = performance.now();
  const plan = await group('Plan: read the cluster and compare', () => planFor(ctx));
  timings.apiMs += performance.now() - t0;
  const json = planJson(plan, o.secretKeys);
  for (const n of plan.notes) o.log.info(n);
  if (o.settings.lifecycle.dryRun) {
    return {
      plan, planJson: json, changed: plan.steps.length > 0, msg: planMessage(plan), vmid: plan.vmid, node: plan.node,
      changes: plannedChanges(plan), done: [], warnings: plan.warnings, notes: plan.notes, timings, pruned: plan.pruned,
      facts: plan.before === 'absent' ? undefined : await factsAfter(o.client, plan, plan.vmid, plan.node, []),
    };
  }
  const applier = new Applier({
    ctx, log: o.log, onCreated: o.onCreated, signal: o.signal, timings,
    // Only a cleanup needs to recognise the VM later: otherwise spare the request.
    fingerprintCreated: o.settings.lifecycle.cleanup !== 'never',
  });
  const r = await group(`Apply: ${plan.steps.length} step(s)`, () => applier.run(plan));
  const t1 = performance.now();
  const facts = await factsAfter(o.client, plan, r.vmid, r.node, plan.steps);
  timings.apiMs += performance.now() - t1;
  if (facts) o.onFacts?.(facts);
  let guest: GuestInfo | undefined;
  const lc = o.settings.lifecycle;
  if (lc.waitFor !== 'none' && facts) {
    if (facts.status !== 'running') {
      r.warnings.push(`wait_for: ${lc.waitFor} skipped: VM ${facts.vmid} is ${facts.status} after this step`);
    } else if (!facts.agentEnabled) {
      throw new GuestWaitError(
        `VM ${facts.vmid}: wait_for: ${lc.waitFor} needs the QEMU guest agent, but it is not enabled on the VM: set agent: true (and install qemu-guest-agent in the guest)`,
      );
    } else {
      const t2 = performance.now();
      const mode = lc.waitFor;
      o.log.info(`waiting for the guest ${lc.waitFor === 'ip' ? 'IP address' : 'agent'} of VM ${facts.vmid} (up to ${lc.waitTimeoutSec} s)`);
      guest = await group(`Wait for the guest (${lc.waitFor})`, () => waitForGuest(o.client, facts.node, facts.vmid, {
        mode, timeoutMs: lc.waitTimeoutSec * 1000, family: lc.ipFamily, cidr: lc.ipCidr,
        macs: Object.values(facts.mac), signal: o.signal, onWait: (m) => o.log.debug(`guest not ready: ${m}`),
      }));
      timings.guestMs += performance.now() - t2;
    }
  }
  return {
    plan, planJson: json, changed: r.changed, msg: planMessage(plan, r.vmid), facts, vmid: r.vmid, node: r.node,
    changes: r.changes, done: r.done, warnings: r.warnings, notes: plan.notes, timings, guest, pruned: r.pruned,
  };
}

/**
 * The VM's facts after the step, reading only what the applied steps may have changed: nothing after a destroy or
 * when nothing was applied, the status alone after power steps that leave the config alone, the config alone after
 * config changes — unless they made the VM a template or a VM again (`template` set or deleted): the status
 * carries that flag (runState), so it is read again then.
 */
const isTemplate = (v: string | number | undefined): boolean => Number(v ?? 0) === 1;

async function factsAfter(client: ProxmoxClient, plan: Plan, vmid: number | undefined, node: string | undefined, applied: Plan['steps']): Promise<VmFacts | undefined> {
  if (applied.at(-1)?.kind === 'destroy') return undefined;
  const live = plan.live;
  if (!live || vmid === undefined || node === undefined || vmid !== plan.vmid || node !== plan.node) return readFacts(client, vmid, node);
  const kinds = new Set(applied.map((s) => s.kind));
  // start and reboot apply pending changes to the config; the other power actions leave it as it was.
  const onlyPower = applied.every((s) => s.kind === 'power' && s.action !== 'start' && s.action !== 'reboot');
  const onlyConfig = [...kinds].every((k) => k === 'config' || k === 'resize');
  if (applied.length === 0) return factsOf(vmid, node, live.config, live.status);
  if (onlyPower) return factsOf(vmid, node, live.config, await vmStatus(client, node, vmid));
  if (onlyConfig) {
    const config = await vmConfig(client, node, vmid);
    const templateChanged = isTemplate(config.template) !== isTemplate(live.status.template);
    return factsOf(vmid, node, config, templateChanged ? await vmStatus(client, node, vmid) : live.status);
  }
  return readFacts(client, vmid, node);
}
