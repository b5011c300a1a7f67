// The post step: removes the VM this job's main step created, when `cleanup` asks for it (always, or on-failure
// when the main step did not finish successfully), and only when the VM is provably still that one
// (vm/ownership.ts). The plan comes from vm/cleanup.ts and runs through the main step's Applier. Problems are
// warnings only: the post step never fails the job. With keep_on_failure (cleanup: always), a VM is kept when any
// step of the job failed (judgeJob: this step from the state, the others from GitHub's list of the job's steps).
import * as core from '@actions/core';
import { readSettingsLoading } from './inputs/index.js';
import { log, secret } from './report/log.js';
import { ProxmoxClient } from './proxmox/client.js';
import { PveApiError } from './proxmox/errors.js';
import type { Settings } from './settings.js';
import { cleanupWanted, readPostState, type PostState } from './state.js';
import { Applier } from './vm/apply.js';
import { judgeJob, keptMessage, planCleanup } from './vm/cleanup.js';
import { keptMarkdown } from './report/summary.js';
import { logText } from './report/text.js';
import type { OwnedVm } from './vm/ownership.js';
import { Inventory } from './vm/resolve.js';


/** Why a cleanup with a one-time code could not log in, and what to do about it. */
function otpHint(settings: Settings, e: unknown): string {
  if (!settings.connection.otp || settings.connection.tokenSecret) return '';
  const auth = (e instanceof PveApiError && e.status === 401) || /authentication fail|no usable ticket/i.test(String((e as Error)?.message));
  return auth
    ? ' (api_otp is a one-time code: the main step used it, and the ticket it kept for cleanup was refused, e.g. after its 2 h lifetime; use an API token for jobs that clean up)'
    : '';
}

/** Says loudly (a notice, and a line in the job summary) that the VM was kept and how to reach it. */
async function reportKept(vm: OwnedVm, ip: string | undefined, why: string): Promise<void> {
  const msg = keptMessage(vm, ip, why);
  log.info(msg);
  core.notice(logText(msg), { title: `VM ${vm.vmid} kept` });
  await core.summary
    .addRaw(keptMarkdown(vm.vmid, msg))
    .write()
    .catch(() => undefined);
}

/** The post entry (src/entries/post.ts) passes the state it has read already; it only loads this when there is work. */
export async function run(st: PostState = readPostState()): Promise<void> {
  if (!cleanupWanted(st)) {
    if (st.created) log.info(`cleanup: ${st.cleanup}; leaving the VM in place`);
    return;
  }
  const vm = st.created;
  const keep = st.keepOnFailure && st.cleanup === 'always';
  // This step's own failure needs neither inputs nor GitHub.
  if (keep && !st.mainOk) return reportKept(vm, st.ip, 'this step failed');
  const { settings } = await readSettingsLoading((name) => core.getInput(name), process.env);
  if (!settings) {
    log.warning(`cleanup: cannot read the connection inputs; VM ${vm.vmid} on ${vm.node} was left behind`);
    return;
  }
  for (const v of [settings.connection.password, settings.connection.tokenSecret, settings.connection.otp, settings.lifecycle.githubToken]) if (v) secret(v);
  if (keep) {
    const job = await judgeJob(st.mainOk, settings.lifecycle.githubToken, process.env, settings.connection.apiTimeoutMs).catch(
      (e: unknown) => ({ failed: false, why: undefined, unknown: `unexpected error: ${(e as Error).message}` }),
    );
    if (job.failed) return reportKept(vm, st.ip, job.why ?? 'a step of this job failed');
    if (job.unknown) log.warning(`keep_on_failure: cannot tell whether another step of this job failed, so VM ${vm.vmid} is cleaned up as cleanup: always says: ${job.unknown}`);
    else log.info('keep_on_failure: no step of this job failed; cleaning up');
  }
  const client = new ProxmoxClient(settings.connection, { onSecret: secret, log });
  if (st.ticket) client.adoptTicket(st.ticket);
  const ctx = { client, settings, secretKeys: new Set<string>(), inventory: new Inventory(client) };
  try {
    const plan = await planCleanup(ctx, vm, log.info);
    for (const n of plan.notes) log.debug(n);
    for (const w of plan.warnings) log.warning(w);
    if (plan.steps.length > 0) {
      await new Applier({ ctx, log, timings: { apiMs: 0, taskMs: 0, guestMs: 0 } }).run(plan);
    }
    log.info(plan.msg);
  } catch (e) {
    log.warning(`cleanup of VM ${vm.vmid} on ${vm.node} failed: ${(e as Error).message}${otpHint(settings, e)}`);
  } finally {
    await client.close();
  }
}
