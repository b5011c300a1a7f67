// The post step's plan: let the create/clone task the main step started finish (PVE cannot be told to stop it),
// find the VM it made, prove it is still that VM (ownership.ts), and stop + destroy it — as ordinary Steps that the
// same Applier as the main step runs (lock retries, task waits). Reads only; a VM it cannot prove is left alone.
import { TaskFailedError, waitForTask } from '../proxmox/tasks.js';
import { oneLine } from '../report/text.js';
import { CI_MARKER, type Env, runRef } from './ci-tags.js';
import { GitHubApiError, JobChecker } from './github-runs.js';
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

/** keep_on_failure: whether the job failed, and when that cannot be told, why (a warning). */
export interface JobVerdict {
  failed: boolean;
  /** What failed, for the message (this step, or the steps GitHub lists as failed or cancelled). */
  why?: string;
  /** Why the job's outcome is unknown (the VM is then destroyed as cleanup: always says). */
  unknown?: string;
}

/** How often, and how far apart, the post step asks again while GitHub has not recorded every step's result yet. */
const STEP_LAG_TRIES = 4;
const STEP_LAG_DELAY_MS = 2000;

const GRANT = 'give the job `permissions: actions: read` (and keep the default `github_token: ${{ github.token }}`) so that the post step can read the job\'s steps';

/**
 * Did any step of this job fail? This step's own failure is known from the state; other steps' only from GitHub
 * (the post step cannot see the job's status): the GitHub client (a chunk of the bundle) is loaded only then.
 */
export async function judgeJob(mainOk: boolean, token: string | undefined, env: Env, timeoutMs: number): Promise<JobVerdict> {
  if (!mainOk) return { failed: true, why: 'this step failed' };
  const repository = env.GITHUB_REPOSITORY?.trim();
  const runId = env.GITHUB_RUN_ID?.trim();
  const runnerName = env.RUNNER_NAME?.trim();
  const attempt = env.GITHUB_RUN_ATTEMPT?.trim() || '1';
  if (!token) return { failed: false, unknown: `no github_token, so the steps of this job cannot be read; ${GRANT}` };
  if (!repository || !runId || !runnerName)
    return { failed: false, unknown: 'GITHUB_REPOSITORY, GITHUB_RUN_ID or RUNNER_NAME is not set (not a GitHub Actions job?), so this job cannot be looked up' };
  try {
    const checker = new JobChecker({ apiUrl: env.GITHUB_API_URL?.trim() || 'https://api.github.com', repository, token, timeoutMs });
    const me = { runId, attempt, runnerName, jobKey: env.GITHUB_JOB?.trim() || undefined };
    // GitHub learns step results from the runner in batches: while a step before the post steps is not yet listed as
    // completed, ask again a few times before giving up.
    for (let attemptNo = 1; ; attemptNo++) {
      const job = await checker.steps(me);
      if (job.failed.length > 0) return { failed: true, why: `step ${job.failed.map((s) => oneLine(s, 200)).join(', step ')} of this job` };
      if (job.pending.length === 0) return { failed: false };
      if (attemptNo >= STEP_LAG_TRIES)
        return {
          failed: false,
          unknown: `GitHub still lists step ${job.pending.map((s) => oneLine(s, 200)).join(', step ')} of this job as not completed after ${STEP_LAG_TRIES} tries`,
        };
      await new Promise((r) => setTimeout(r, STEP_LAG_DELAY_MS));
    }
  } catch (e) {
    if (!(e instanceof GitHubApiError)) throw e;
    const hint = /403 Forbidden/.test(e.message) ? '' : `; if that persists, ${GRANT}`;
    return { failed: false, unknown: `${oneLine(e.message)}${hint}` };
  }
}

/** How to reach a kept VM, and what will remove it: a later prune (its gh-ci tags stay), or nothing. */
export function keptMessage(vm: OwnedVm, ip: string | undefined, why: string): string {
  const name = vm.name ? ` (${oneLine(vm.name, 100)})` : '';
  const at = ip ? `, IP ${ip}` : '';
  const lines = [`keep_on_failure: ${why}, so VM ${vm.vmid}${name} on node ${vm.node}${at} was kept for inspection (not destroyed).`];
  const ts = runRef(vm.ciTags).createdAt;
  if (vm.ciTags.includes(CI_MARKER)) {
    const since = ts === undefined ? '' : ` (its gh-ts- tag says it was created at ${new Date(ts * 1000).toISOString().replace(/\.\d+Z$/, 'Z')})`;
    lines.push(
      `It keeps its gh-ci tags: a later \`prune\` with \`prune_older_than: X\` removes it once it is older than X${since} and this run has completed; destroy it sooner with \`state: absent\` and \`vmid: ${vm.vmid}\`.`,
    );
  } else {
    lines.push(`It has no gh-ci tags (ci_tags: false), so no prune will remove it: destroy it with \`state: absent\` and \`vmid: ${vm.vmid}\`.`);
  }
  return lines.join(' ');
}
