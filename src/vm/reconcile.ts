// One step's whole flow: plan (reads only) → apply (unless dry_run) → read the VM's facts.
import type { ClientLog, ProxmoxClient } from '../proxmox/client.js';
import type { Settings } from '../settings.js';
import { Applier, type Timings } from './apply.js';
import type { PlanContext } from './context.js';
import { type GuestInfo, GuestWaitError, waitForGuest } from './guest.js';
import { type CloudInitResult, CloudInitError, type ExecResult, GuestExecError, commandText, runGuestCommands, waitForCloudInit } from './guest-exec.js';
import { type VmFacts, factsOf, readFacts } from './facts.js';
import type { OwnedVm } from './ownership.js';
import { vmConfig, vmStatus } from './pve.js';
import { planFor } from './plan.js';
import { Inventory } from './resolve.js';
import { type Change, type Plan, type PrunedVm, planJson, planMessage, plannedChanges } from './steps.js';
import { monotonicMs } from '../proxmox/abort.js';

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
  /** wait_for: cloud-init: cloud-init's verdict (always `done` here: any other fails the step). */
  cloudInit?: CloudInitResult;
  /** guest_exec: the commands run. */
  exec?: readonly ExecResult[];
  /** A prune: the VMs removed (dry_run: that would be). */
  pruned?: readonly PrunedVm[];
}

export interface GuestPhase {
  guest?: GuestInfo;
  cloudInit?: CloudInitResult;
  exec?: readonly ExecResult[];
}

/** The guest phase as the `plan` output lists it: cloud-init's wait, then each guest_exec command (never run by dry_run). */
function guestSteps(s: Settings): Array<Record<string, unknown>> {
  const lc = s.lifecycle;
  const steps: Array<Record<string, unknown>> = [];
  if (lc.prune || ['absent', 'stopped', 'template', 'paused', 'hibernated'].includes(s.state)) return steps;
  if (lc.waitFor === 'cloud-init') steps.push({ action: 'wait', description: 'wait for cloud-init to finish (cloud-init status --wait --long, through the guest agent)' });
  lc.guestExec.forEach((argv, i) =>
    steps.push({ action: 'guest-exec', description: `run in the guest (${i + 1}/${lc.guestExec.length}): ${commandText(argv)}`, command: argv }),
  );
  return steps;
}

export interface ReconcileOptions {
  client: ProxmoxClient;
  settings: Settings;
  secretKeys: ReadonlySet<string>;
  log: ClientLog;
  /** The plan, as soon as it is made (the VM it is about is known from here on). */
  onPlanned?: (plan: Plan) => void;
  /** The VM the step created, as soon as PVE accepted it and again with its fingerprint (vm/ownership.ts). */
  onCreated?: (vm: OwnedVm) => void;
  /** The VM's facts as soon as the changes are done (before any guest wait), so outputs survive a wait failure. */
  onFacts?: (facts: VmFacts) => void;
  signal?: AbortSignal;
  /** The guest phase's results as each becomes known (agent/ip answer, cloud-init, commands), so outputs survive a later failure. */
  onGuest?: (g: GuestPhase) => void;
  /** Registered secrets → *** in what the guest says (report/log.ts `redact`). */
  redact?: (s: string) => string;
  /** Runs a phase inside a collapsible log group (core.group in the action). */
  group?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

export async function reconcile(o: ReconcileOptions): Promise<Outcome> {
  const timings: Timings = { apiMs: 0, taskMs: 0, guestMs: 0 };
  const ctx: PlanContext = { client: o.client, settings: o.settings, secretKeys: o.secretKeys, inventory: new Inventory(o.client) };
  const group = o.group ?? (<T>(_: string, fn: () => Promise<T>) => fn());
  const t0 = monotonicMs();
  const plan = await group('Plan: read the cluster and compare', () => planFor(ctx));
  timings.apiMs += monotonicMs() - t0;
  o.onPlanned?.(plan);
  const json = planJson(plan, o.secretKeys, guestSteps(o.settings));
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
  const t1 = monotonicMs();
  const facts = await factsAfter(o.client, plan, r.vmid, r.node, plan.steps);
  timings.apiMs += monotonicMs() - t1;
  if (facts) o.onFacts?.(facts);
  const g: GuestPhase = {};
  const lc = o.settings.lifecycle;
  const exec = lc.guestExec.length > 0;
  if ((lc.waitFor !== 'none' || exec) && facts) {
    // guest_exec and cloud-init need the agent: they wait for it first, as wait_for: agent does.
    const what = exec && lc.waitFor === 'none' ? 'guest_exec' : `wait_for: ${lc.waitFor}`;
    if (facts.status !== 'running') {
      if (exec) throw new GuestExecError(`VM ${facts.vmid}: guest_exec needs a running VM, but it is ${facts.status} after this step`);
      r.warnings.push(`wait_for: ${lc.waitFor} skipped: VM ${facts.vmid} is ${facts.status} after this step`);
    } else if (!facts.agentEnabled) {
      throw new GuestWaitError(
        `VM ${facts.vmid}: ${what} needs the QEMU guest agent, but it is not enabled on the VM: set agent: true (and install qemu-guest-agent in the guest)`,
      );
    } else {
      const t2 = monotonicMs();
      const deadline = Date.now() + lc.waitTimeoutSec * 1000;
      try {
        await guestPhase(o, facts, deadline, g);
      } finally {
        timings.guestMs += monotonicMs() - t2;
      }
    }
  }
  return {
    plan, planJson: json, changed: r.changed, msg: planMessage(plan, r.vmid), facts, vmid: r.vmid, node: r.node,
    changes: r.changes, done: r.done, warnings: r.warnings, notes: plan.notes, timings, guest: g.guest, pruned: r.pruned,
    cloudInit: g.cloudInit, exec: g.exec,
  };
}

/** Waits for the guest (agent or ip), then cloud-init, then runs guest_exec: one wait_timeout for all of it. */
async function guestPhase(o: ReconcileOptions, facts: VmFacts, deadline: number, g: GuestPhase): Promise<void> {
  const lc = o.settings.lifecycle;
  const group = o.group ?? (<T>(_: string, fn: () => Promise<T>) => fn());
  const mode = lc.waitFor === 'ip' ? 'ip' : 'agent';
  o.log.info(`waiting for the guest ${mode === 'ip' ? 'IP address' : 'agent'} of VM ${facts.vmid} (up to ${lc.waitTimeoutSec} s)`);
  g.guest = await group(`Wait for the guest (${mode})`, () => waitForGuest(o.client, facts.node, facts.vmid, {
    mode, timeoutMs: Math.max(0, deadline - Date.now()), family: lc.ipFamily, cidr: lc.ipCidr,
    macs: Object.values(facts.mac), signal: o.signal, onWait: (m) => o.log.debug(`guest not ready: ${m}`),
  }));
  o.onGuest?.(g);
  const base = { deadline, signal: o.signal, redact: o.redact, timeoutSec: lc.waitTimeoutSec };
  if (lc.waitFor === 'cloud-init') {
    o.log.info(`waiting for cloud-init in VM ${facts.vmid} to finish`);
    try {
      g.cloudInit = await group('Wait for cloud-init', () => waitForCloudInit(o.client, facts.node, facts.vmid, base));
    } catch (e) {
      if (e instanceof CloudInitError) o.onGuest?.({ ...g, cloudInit: e.result });
      throw e;
    }
    o.log.info(`cloud-init in VM ${facts.vmid}: ${g.cloudInit.status}`);
    o.onGuest?.(g);
  }
  if (lc.guestExec.length > 0) {
    const log = { info: (m: string) => o.log.info(m), warning: (m: string) => o.log.warning(m) };
    g.exec = await runGuestCommands(o.client, facts.node, facts.vmid, lc.guestExec, {
      ...base, allowFailure: lc.guestExecAllowFailure, log, group,
      onResult: (results) => o.onGuest?.({ ...g, exec: results }),
    });
  }
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
