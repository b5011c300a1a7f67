// Asks GitHub whether a workflow run has finished (GET /repos/{owner}/{repo}/actions/runs/{run_id}) before prune
// destroys its VMs (RunChecker), and whether a step of this job failed before the post step decides to keep the VM
// (JobChecker, keep_on_failure). The requests go through @actions/github's Octokit (github-octokit.ts), loaded by a dynamic
// import() on the first question only, so steps that never ask GitHub do not pay for loading it. GITHUB_API_URL is
// honoured (GitHub Enterprise Server, the tests' local fake API). The token never appears in a message.
import { loadHttpClient } from '../entries/lazy/http-client.js';
import type { GitHubClient } from './github-octokit.js';

/** completed: finished; active: queued, in progress, waiting...; unknown: GitHub does not know the run (404). */
export type RunState = 'completed' | 'active' | 'unknown';

export class GitHubApiError extends Error {}

export interface RunCheckerOptions {
  apiUrl: string;
  /** owner/repo the runs belong to. */
  repository: string;
  token: string;
  timeoutMs: number;
}

/** What RequestError (@octokit/request-error) carries, read by shape so that this file does not load Octokit. */
interface HttpFailure {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function httpFailure(e: unknown): HttpFailure | undefined {
  if (!(e instanceof Error) || typeof (e as { status?: unknown }).status !== 'number') return undefined;
  return e as unknown as HttpFailure;
}

const PERMISSION_HINT =
  'give the job `permissions: actions: read` (a workflow or job that sets `permissions:` gets only what it lists), or pass a github_token that may read this repository\'s Actions';

/** A rate-limit answer (429, or 403 with no requests left or GitHub's "rate limit" message), with when it resets. */
function rateLimit(f: HttpFailure, advice: string): string | undefined {
  const h = f.response?.headers ?? {};
  const body = f.response?.data as { message?: unknown } | undefined;
  const said = typeof body?.message === 'string' ? body.message : f.message;
  const limited = f.status === 429 || (f.status === 403 && (String(h['x-ratelimit-remaining']) === '0' || /rate limit/i.test(said)));
  if (!limited) return undefined;
  const reset = Number(h['x-ratelimit-reset']);
  const retryAfter = Number(h['retry-after']);
  const when =
    Number.isFinite(reset) && reset > 0
      ? `; it resets at ${new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`
      : Number.isFinite(retryAfter) && retryAfter > 0
        ? `; GitHub asks to wait ${retryAfter} s`
        : '';
  return `the GitHub API rate limit was hit (${f.status})${when}. ${advice}`;
}

/** The Octokit client loaded on the first request, and failures turned into messages that say what to do. */
class GitHubApi {
  private client?: Promise<GitHubClient>;
  readonly base: string;
  protected readonly owner: string;
  protected readonly repo: string;

  constructor(
    protected readonly o: RunCheckerOptions,
    private readonly limitAdvice: string,
  ) {
    this.base = o.apiUrl.replace(/\/+$/, '');
    [this.owner, this.repo] = o.repository.split('/');
  }

  /** Octokit, loaded on the first question (a chunk file of the bundle). */
  protected octokit(): Promise<GitHubClient> {
    // In the bundles `@actions/http-client` is a lazy stand-in (src/entries/lazy/), and @actions/github builds its
    // default proxy agent from it when its module loads: load the real client before the chunk that holds it.
    this.client ??= loadHttpClient()
      .then(() => import('./github-octokit.js'))
      .then((m) => m.githubClient(this.o.token, this.base));
    return this.client;
  }

  protected request(route: string, params: Record<string, string | number>): Promise<{ data: unknown }> {
    return this.octokit().then((o) => o.request(route, { ...params, request: { signal: AbortSignal.timeout(this.o.timeoutMs) } }));
  }

  /** Turns a failed request into a GitHubApiError that says what to do; never shows the token. */
  protected explain(what: string, e: unknown): GitHubApiError {
    const f = httpFailure(e);
    if (!f || (f.status === 500 && !f.response)) {
      const cause = (e as { cause?: { name?: string } }).cause;
      const timedOut = (e as Error).name === 'TimeoutError' || cause?.name === 'TimeoutError' || /aborted due to timeout/i.test((e as Error).message);
      return new GitHubApiError(
        timedOut
          ? `${what}: no answer within ${this.o.timeoutMs / 1000} s (api_timeout); is GITHUB_API_URL (${this.base}) reachable?`
          : `${what}: request failed (${(e as Error).message}); is GITHUB_API_URL (${this.base}) reachable?`,
      );
    }
    const limited = rateLimit(f, this.limitAdvice);
    if (limited) return new GitHubApiError(`${what}: ${limited}`);
    if (f.status === 401)
      return new GitHubApiError(`${what}: github_token was refused (401 Unauthorized): it is invalid or has expired (the job's token expires with its job)`);
    if (f.status === 403)
      return new GitHubApiError(`${what}: 403 Forbidden: github_token lacks the permission to read workflow runs; ${PERMISSION_HINT}`);
    return new GitHubApiError(`${what}: unexpected answer ${f.status}`);
  }
}

export class RunChecker extends GitHubApi {
  private readonly cache = new Map<string, Promise<RunState>>();
  private repoVisible?: Promise<void>;

  constructor(o: RunCheckerOptions) {
    super(o, 'Run the prune again later, or set prune_older_than so that it can do without GitHub');
  }

  /** One request per run id, however many VMs the run left behind. */
  state(runId: string): Promise<RunState> {
    let p = this.cache.get(runId);
    if (!p) {
      p = this.ask(runId);
      this.cache.set(runId, p);
    }
    return p;
  }

  /**
   * A run GitHub answers 404 for is unknown only if the repository itself is visible to the token: GitHub answers
   * 404, not 403, for a private repository the token cannot see. Asked once, on the first 404.
   */
  private checkRepoVisible(): Promise<void> {
    this.repoVisible ??= this.request('GET /repos/{owner}/{repo}', { owner: this.owner, repo: this.repo }).then(
      () => undefined,
      (e) => {
        const what = `GitHub API: repository ${this.o.repository}`;
        if (httpFailure(e)?.status === 404)
          return Promise.reject(
            new GitHubApiError(
              `${what}: 404 Not Found: github_token cannot see this repository (GitHub answers 404 for a private repository a token has no access to). Use the job's own token (the default, \`\${{ github.token }}\`) with \`permissions: actions: read\`, or a token with read access to ${this.o.repository}'s Actions`,
            ),
          );
        return Promise.reject(this.explain(what, e));
      },
    );
    return this.repoVisible;
  }

  private async ask(runId: string): Promise<RunState> {
    const what = `GitHub API: run ${runId} of ${this.o.repository}`;
    let data: unknown;
    try {
      ({ data } = await this.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: this.owner, repo: this.repo, run_id: runId }));
    } catch (e) {
      if (e instanceof GitHubApiError) throw e;
      if (httpFailure(e)?.status === 404) {
        await this.checkRepoVisible();
        return 'unknown';
      }
      throw this.explain(what, e);
    }
    const status = (data as { status?: unknown } | null)?.status;
    if (typeof status !== 'string') throw new GitHubApiError(`${what}: the answer has no run status`);
    return status === 'completed' ? 'completed' : 'active';
  }
}

/** This job, as the runner describes it (its environment). */
export interface ThisJob {
  runId: string;
  attempt: string;
  /** RUNNER_NAME: the runner running this job. */
  runnerName: string;
  /** GITHUB_JOB: the job's key in the workflow (a hint only, see findJob). */
  jobKey?: string;
}

/** A step of a job as GitHub's REST API lists it (the fields used here). */
interface ApiStep {
  name?: string;
  number?: number;
  status?: string;
  conclusion?: string | null;
}

interface ApiJob {
  id?: number;
  name?: string;
  status?: string;
  runner_name?: string | null;
  steps?: ApiStep[];
}

/** What GitHub says about this job's steps: the ones that failed or were cancelled (empty: none did). */
export interface JobSteps {
  jobId?: number;
  jobName?: string;
  failed: string[];
  /** Steps before the post steps that GitHub does not list as completed yet (its record lags the runner). */
  pending: string[];
}

const FAILED = new Set(['failure', 'cancelled', 'timed_out']);

/**
 * Which listed job is this one. The runner tells a step its run, attempt, runner name and GITHUB_JOB, but not its
 * job's id: GITHUB_JOB is the job's key in the workflow (`build:`), not the display name the API lists (`name:`,
 * or `build (ubuntu, 20)` for a matrix leg), and every leg of a matrix shares the key. A runner runs one job at a
 * time, so the job of this attempt that is in progress on RUNNER_NAME is this one; the key only breaks a tie (it is
 * the display name, or its prefix for a matrix leg, when the job sets no `name:`).
 */
export function findJob(jobs: readonly ApiJob[], me: ThisJob): ApiJob | string {
  const mine = jobs.filter((j) => j.status === 'in_progress' && j.runner_name === me.runnerName);
  const hinted = me.jobKey ? mine.filter((j) => j.name === me.jobKey || j.name?.startsWith(`${me.jobKey} (`)) : [];
  const pick = mine.length > 1 && hinted.length > 0 ? hinted : mine;
  if (pick.length === 1) return pick[0];
  return pick.length === 0
    ? `no job of attempt ${me.attempt} is in progress on runner ${JSON.stringify(me.runnerName)} (of ${jobs.length} listed)`
    : `${pick.length} jobs of attempt ${me.attempt} are in progress on runner ${JSON.stringify(me.runnerName)}: cannot tell which is this one`;
}

/** The steps before the post steps. These come last ("Post <step>", then "Complete job") and are still running or
 * queued while this post step asks (a post step that ran before this one is among them too); a step of the job's own
 * named "Post ..." that ends the main steps is counted among them. */
function mainSteps(steps: readonly ApiStep[]): ApiStep[] {
  const ordered = [...steps].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
  let end = ordered.length;
  while (end > 0 && /^(Post |Complete job$)/.test(ordered[end - 1].name ?? '')) end--;
  return ordered.slice(0, end);
}

const label = (s: ApiStep) => s.name ?? `step ${s.number}`;

/** The steps before the post steps that failed, were cancelled or timed out, as "name (conclusion)". */
export function failedSteps(steps: readonly ApiStep[]): string[] {
  return mainSteps(steps)
    .filter((s) => typeof s.conclusion === 'string' && FAILED.has(s.conclusion))
    .map((s) => `${label(s)} (${s.conclusion})`);
}

/**
 * The steps before the post steps that GitHub does not show as completed yet. All of them ended before any post step
 * started, but the runner reports step results to GitHub in batches: a step that failed a moment ago may still be
 * listed in progress.
 */
export function pendingSteps(steps: readonly ApiStep[]): string[] {
  return mainSteps(steps)
    .filter((s) => s.status !== 'completed')
    .map(label);
}

/** Asks GitHub for the steps of this job (GET .../actions/runs/{run_id}/attempts/{attempt}/jobs, every page). */
export class JobChecker extends GitHubApi {
  constructor(o: RunCheckerOptions) {
    super(o, 'The post step could not tell whether another step failed');
  }

  async steps(me: ThisJob): Promise<JobSteps> {
    const what = `GitHub API: jobs of run ${me.runId} attempt ${me.attempt} of ${this.o.repository}`;
    let jobs: ApiJob[];
    try {
      const o = await this.octokit();
      // paginate follows the Link headers and unwraps `{ total_count, jobs }` into one array of jobs.
      const paginate = o.paginate as unknown as (route: string, params: Record<string, unknown>) => Promise<unknown[]>;
      jobs = (await paginate('GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs', {
        owner: this.owner,
        repo: this.repo,
        run_id: Number(me.runId),
        attempt_number: Number(me.attempt),
        per_page: 100,
        request: { signal: AbortSignal.timeout(this.o.timeoutMs) },
      })) as ApiJob[];
    } catch (e) {
      if (httpFailure(e)?.status === 404)
        throw new GitHubApiError(`${what}: 404 Not Found: the run is unknown to GitHub, or github_token cannot see this repository`);
      throw this.explain(what, e);
    }
    if (!Array.isArray(jobs)) throw new GitHubApiError(`${what}: the answer has no job list`);
    const job = findJob(jobs, me);
    if (typeof job === 'string') throw new GitHubApiError(`${what}: this job was not found: ${job}`);
    if (!Array.isArray(job.steps)) throw new GitHubApiError(`${what}: job ${job.id ?? '?'} has no step list`);
    return { jobId: job.id, jobName: job.name, failed: failedSteps(job.steps), pending: pendingSteps(job.steps) };
  }
}
