// The post step's plan: let the create/clone task the main step started finish (PVE cannot be told to stop it),
// find the VM it made, prove it is still that VM (ownership.ts), and stop + destroy it — as ordinary Steps that the
// same Applier as the main step runs (lock retries, task waits). Reads only; a VM it cannot prove is left alone.
import { TaskFailedError, waitForTask } from '../proxmox/tasks.js';
import { oneLine } from '../report/text.js';
import { type OwnedVm, judgeOwnership } from './ownership.js';
import type { PlanContext } from './context.js';
import { type VmConfig, type VmStatus, isMissingVm, vmConfig, vmStatus } from './pve.js';
import { type Plan, finishPlan, newPlan } from './steps.js';

/** How long the post step lets a create/clone outlive the main step: a full clone of a big disk takes a while. */
const TASK_GRACE_MS = 15 * 60_000;

async function taskOutcome(ctx: PlanContext, vm: OwnedVm, info: (m: string) => void): Promise<boolean | undefined> {
  // A fingerprint is recorded only after the task ended successfully: nothing left to wait for.
  if (vm.fingerprint) return true;
  if (!vm.upid) return undefined;
  try {
    await waitForTask(ctx.client, vm.upid, { timeoutMs: Math.max(ctx.settings.timeoutSec * 1000, TASK_GRACE_MS), what: `${vm.kind} of VM ${vm.vmid}` });
    return true;
  } catch (e) {
    if (!(e instanceof TaskFailedError)) throw e;
    info(`cleanup: the ${vm.kind} task of VM ${vm.vmid} did not succeed (${oneLine(e.exitstatus.split('\n')[0])})`);
    return false;
  }
}

/** The VM's config and status where it is now (a later step may have migrated it), or undefined when it is gone. */
async function readNow(ctx: PlanContext, vm: OwnedVm): Promise<{ node: string; config: VmConfig; status: VmStatus } | undefined> {
  const read = async (node: string) => {
    const [config, status] = await Promise.all([vmConfig(ctx.client, node, vm.vmid), vmStatus(ctx.client, node, vm.vmid)]);
    return { node, config, status };
  };
  try {
    return await read(vm.node);
  } catch (e) {
    if (!isMissingVm(e)) throw e;
  }
  const elsewhere = await ctx.inventory.byId(vm.vmid, true);
  if (!elsewhere || elsewhere.node === vm.node) return undefined;
  try {
    return await read(elsewhere.node);
  } catch (e) {
    if (isMissingVm(e)) return undefined;
    throw e;
  }
}

export async function planCleanup(ctx: PlanContext, vm: OwnedVm, info: (m: string) => void): Promise<Plan> {
  const plan = newPlan({ vmid: vm.vmid, node: vm.node, name: vm.name });
  const taskOk = await taskOutcome(ctx, vm, info);
  const now = await readNow(ctx, vm);
  if (!now) {
    plan.msg = `cleanup: VM ${vm.vmid} is already gone`;
    return finishPlan(plan);
  }
  plan.node = now.node;
  const verdict = judgeOwnership(vm, now.config, taskOk);
  if (!verdict.owned) {
    plan.before = now.status.status;
    plan.warnings.push(`cleanup: VM ${vm.vmid} on ${now.node} left alone: ${verdict.why}`);
    plan.msg = `cleanup: VM ${vm.vmid} left alone`;
    return finishPlan(plan);
  }
  plan.notes.push(`cleanup: VM ${vm.vmid} is this job's: ${verdict.how}`);
  plan.before = now.status.status;
  const lock: Record<string, string> = ctx.settings.skiplock ? { skiplock: '1' } : {};
  // A paused VM reports `running` too; PVE refuses to destroy a running VM, and a leftover deserves a hard stop.
  if (now.status.status === 'running')
    plan.steps.push({ kind: 'power', node: now.node, vmid: vm.vmid, action: 'stop', params: { timeout: String(ctx.settings.timeoutSec), ...lock } });
  plan.steps.push({ kind: 'destroy', node: now.node, vmid: vm.vmid, params: { purge: '1', 'destroy-unreferenced-disks': '1', ...lock } });
  plan.msg = `cleanup: VM ${vm.vmid} on ${now.node} destroyed`;
  return finishPlan(plan);
}
