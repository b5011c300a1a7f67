// state: absent + prune: finds leftover VMs (made by this action: gh-ci, of this repository unless prune_scope is
// cluster, all of prune_tags, older than prune_older_than, and only of finished workflow runs) and plans a hard stop plus a purging destroy for each, as ordinary Steps, so that apply and
// dry_run treat a prune like any other plan. Reads only.
import type { PruneScope } from '../settings.js';
import { GitHubApiError, RunChecker } from './github-runs.js';
import { CI_MARKER, type Env, createdAt, formatAge, hasAllTags, repoTag, runRef, splitTags } from './ci-tags.js';
import type { PlanContext } from './context.js';
import { mapLimit } from './concurrency.js';
import { type ClusterVm, type VmConfig, type VmStatus, isMissingVm, vmConfig, vmStatus } from './pve.js';
import type { PlanDraft, PrunedVm, Step } from './steps.js';

export class PruneError extends Error {}

const READ_CONCURRENCY = 8;

interface Candidate {
  vm: ClusterVm;
  config: VmConfig;
  status: VmStatus;
  tags: string[];
}

/** Reads a listed VM's config and status; undefined when it was destroyed meanwhile. */
async function read(ctx: PlanContext, vm: ClusterVm): Promise<Candidate | undefined> {
  try {
    const [config, status] = await Promise.all([vmConfig(ctx.client, vm.node, vm.vmid), vmStatus(ctx.client, vm.node, vm.vmid)]);
    return { vm, config, status, tags: splitTags(config.tags) };
  } catch (e) {
    if (isMissingVm(e)) return undefined;
    throw e;
  }
}

function label(vm: ClusterVm, config?: VmConfig): string {
  const name = config?.name ?? vm.name;
  return `VM ${vm.vmid}${name ? ` (${name})` : ''} on ${vm.node}`;
}

/** Whether a VM's workflow run is known to be over (or, failing that, the VM is old enough), and why. */
async function runGate(
  c: Candidate,
  env: Env,
  checker: RunChecker | undefined,
  ageOk: boolean,
): Promise<{ finished: boolean; why: string }> {
  const ref = runRef(c.tags);
  const thisRepo = env.GITHUB_REPOSITORY?.trim() ? repoTag(env.GITHUB_REPOSITORY) : undefined;
  const sameRepo = ref.repoTag !== undefined && ref.repoTag === thisRepo;
  const byAge = (why: string) =>
    ageOk ? { finished: true, why: `${why}; old enough` } : { finished: false, why: `${why}, and no prune_older_than to judge it by age` };
  if (ref.runId !== undefined && sameRepo && ref.runId === env.GITHUB_RUN_ID?.trim())
    return { finished: false, why: 'it belongs to this workflow run' };
  if (ref.runId === undefined) return byAge('no gh-run- tag');
  if (!sameRepo) return byAge(`run ${ref.runId} is of another repository`);
  if (!checker) return byAge(`run ${ref.runId} not checked (no github_token)`);
  let state;
  try {
    state = await checker.state(ref.runId);
  } catch (e) {
    if (e instanceof GitHubApiError) throw new PruneError(`prune: ${e.message}`);
    throw e;
  }
  if (state === 'completed') return { finished: true, why: `run ${ref.runId} completed` };
  if (state === 'active') return { finished: false, why: `run ${ref.runId} is still in progress` };
  return byAge(`run ${ref.runId} is unknown to GitHub`);
}

/**
 * The tags a VM must carry to be pruned: always the gh-ci marker (only VMs this action made), this repository's
 * gh-repo- tag unless the scope is the whole cluster, and every prune_tags tag. Never empty, so never "all VMs".
 */
export function pruneSelector(scope: PruneScope, pruneTags: readonly string[], repository: string | undefined): string[] {
  const required = [CI_MARKER];
  if (scope === 'repository') {
    if (!repository)
      throw new PruneError("prune: GITHUB_REPOSITORY is not set, so this repository's VMs cannot be told from others'; run it in a workflow, or set prune_scope: cluster to prune every repository's gh-ci VMs");
    required.push(repoTag(repository));
  }
  return [...new Set([...required, ...pruneTags.map((t) => t.toLowerCase())])];
}

export async function planPrune(ctx: PlanContext, plan: PlanDraft, env: Env = process.env, now: number = Date.now()): Promise<void> {
  const s = ctx.settings;
  const lc = s.lifecycle;
  const nowSec = Math.floor(now / 1000);
  const olderThan = lc.pruneOlderThanSec;
  const skip = (why: string) => plan.notes.push(`prune: ${why}`);
  const token = lc.githubToken;
  const repository = env.GITHUB_REPOSITORY?.trim();
  const checker =
    token && repository
      ? new RunChecker({ apiUrl: env.GITHUB_API_URL?.trim() || 'https://api.github.com', repository, token, timeoutMs: s.connection.apiTimeoutMs })
      : undefined;
  if (token && !repository) plan.warnings.push('prune: github_token given but GITHUB_REPOSITORY is not set, so no run can be checked; judging by age only');

  const required = pruneSelector(lc.pruneScope, lc.pruneTags, repository);
  // Cheap filters on the cluster listing first: tags, and age where a gh-ts- tag gives it.
  const listed = (await ctx.inventory.list(true)).filter((vm) => hasAllTags(splitTags(vm.tags), required));
  const young = (at: number | undefined) => olderThan !== undefined && (at === undefined || nowSec - at <= olderThan);
  const maybe = listed.filter((vm) => !young(runRef(splitTags(vm.tags)).createdAt ?? 0)); // no tag: age from the config
  const tooYoung = listed.length - maybe.length;
  if (tooYoung) skip(`${tooYoung} VM(s) with the tags are younger than ${formatAge(olderThan!)}`);

  const candidates = (await mapLimit(maybe, READ_CONCURRENCY, (vm) => read(ctx, vm))).filter((c): c is Candidate => c !== undefined);
  const pruned: PrunedVm[] = [];
  const steps: Step[] = [];
  for (const c of candidates) {
    const { vm, config } = c;
    const what = label(vm, config);
    if (!hasAllTags(c.tags, required)) continue; // tags changed since the listing
    const born = createdAt(c.tags, config);
    if (young(born)) {
      skip(`${what}: ${born === undefined ? 'its age is unknown (no gh-ts- tag, no meta ctime)' : `created ${formatAge(nowSec - born)} ago`}`);
      continue;
    }
    if (Number(config.template ?? 0) === 1) {
      plan.warnings.push(`prune: ${what} is a template: skipped`);
      continue;
    }
    if (Number(config.protection ?? 0) === 1) {
      plan.warnings.push(`prune: ${what} is protected (protection: 1): skipped`);
      continue;
    }
    const gate = await runGate(c, env, checker, olderThan !== undefined);
    if (!gate.finished) {
      skip(`${what}: ${gate.why}`);
      continue;
    }
    if (config.lock !== undefined && !s.skiplock) {
      plan.warnings.push(`prune: ${what} is locked (${config.lock}): skipped (skiplock: true overrides the lock)`);
      continue;
    }
    const reason = [
      `tags ${required.join(',')}`,
      born !== undefined ? `created ${formatAge(nowSec - born)} ago` : undefined,
      gate.why,
    ].filter(Boolean).join('; ');
    pruned.push({ vmid: vm.vmid, node: vm.node, name: config.name === undefined ? undefined : String(config.name), tags: c.tags, reason });
    const lock: Record<string, string> = s.skiplock ? { skiplock: '1' } : {};
    // Paused VMs report status running too; a hard stop is what a leftover deserves.
    if (c.status.status === 'running')
      steps.push({ kind: 'power', node: vm.node, vmid: vm.vmid, action: 'stop', params: { timeout: String(s.timeoutSec), ...lock } });
    steps.push({ kind: 'destroy', node: vm.node, vmid: vm.vmid, params: { purge: '1', 'destroy-unreferenced-disks': '1', ...lock } });
  }
  plan.steps.push(...steps);
  plan.pruned = pruned;
  plan.perVm = true;
  plan.before = 'absent';
  const list = pruned.map((p) => p.vmid).join(', ');
  plan.msg =
    pruned.length === 0
      ? 'no VM to prune'
      : lc.dryRun
        ? `dry run: would prune ${pruned.length} VM(s): ${list}`
        : `pruned ${pruned.length} VM(s): ${list}`;
}
