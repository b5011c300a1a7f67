// The step's outputs (action.yml `outputs`, from the catalogue): set from the outcome, the VM's facts as soon as
// they are known (a later guest wait may still fail), and what a prune removed even when it failed part-way.
import * as core from '@actions/core';
import type { Settings } from '../settings.js';
import { type VmFacts, outputNode } from '../vm/facts.js';
import { execExitcode, execOutputJson } from '../vm/guest-exec.js';
import type { GuestPhase, Outcome } from '../vm/reconcile.js';
import type { PrunedVm } from '../vm/steps.js';

/** Outputs that describe the VM. */
export function setFactOutputs(f: VmFacts): void {
  core.setOutput('vmid', String(f.vmid));
  core.setOutput('node', outputNode(f.node));
  core.setOutput('name', f.name ?? '');
  core.setOutput('status', f.status);
  core.setOutput('mac', JSON.stringify(f.mac));
  core.setOutput('devices', JSON.stringify(f.devices));
}

export function setOutcomeOutputs(o: Outcome, settings: Settings): void {
  const f = o.facts;
  core.setOutput('changed', String(o.changed));
  core.setOutput('msg', o.msg);
  core.setOutput('plan', o.planJson);
  if (o.pruned) core.setOutput('pruned', JSON.stringify(o.pruned));
  // Without dry_run the facts were set as soon as they were known (ReconcileOptions.onFacts).
  if (f && settings.lifecycle.dryRun) setFactOutputs(f);
  if (!f) {
    if (o.vmid !== undefined) core.setOutput('vmid', String(o.vmid));
    core.setOutput('status', settings.lifecycle.dryRun && o.plan.before !== 'absent' ? o.plan.before : 'absent');
  }
  setGuestOutputs(o);
}

/** What the guest phase found so far: the agent's addresses, cloud-init's verdict, the guest_exec results. */
export function setGuestOutputs(g: GuestPhase): void {
  if (g.guest) {
    core.setOutput('ip', g.guest.ip ?? '');
    core.setOutput('ipv4', JSON.stringify(g.guest.ipv4));
    core.setOutput('ipv6', JSON.stringify(g.guest.ipv6));
    core.setOutput('interfaces', JSON.stringify(g.guest.interfaces));
  }
  if (g.cloudInit) core.setOutput('cloud_init', g.cloudInit.status);
  if (g.exec) {
    core.setOutput('exec_output', execOutputJson(g.exec));
    core.setOutput('exec_exitcode', execExitcode(g.exec));
  }
}

/** A prune that removed some VMs and failed on others. */
export function setPrunedOutputs(pruned: readonly PrunedVm[]): void {
  core.setOutput('pruned', JSON.stringify(pruned));
  core.setOutput('changed', String(pruned.length > 0));
}
