// The step's outputs (action.yml `outputs`, from the catalogue): set from the outcome, the VM's facts as soon as
// they are known (a later guest wait may still fail), and what a prune removed even when it failed part-way.
import * as core from '@actions/core';
import type { Settings } from '../settings.js';
import { type VmFacts, outputNode } from '../vm/facts.js';
import type { Outcome } from '../vm/reconcile.js';
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
  if (o.guest) {
    core.setOutput('ip', o.guest.ip ?? '');
    core.setOutput('ipv4', JSON.stringify(o.guest.ipv4));
    core.setOutput('ipv6', JSON.stringify(o.guest.ipv6));
    core.setOutput('interfaces', JSON.stringify(o.guest.interfaces));
  }
}

/** A prune that removed some VMs and failed on others. */
export function setPrunedOutputs(pruned: readonly PrunedVm[]): void {
  core.setOutput('pruned', JSON.stringify(pruned));
  core.setOutput('changed', String(pruned.length > 0));
}
