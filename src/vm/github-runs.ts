// Asks GitHub whether a workflow run has finished (GET /repos/{owner}/{repo}/actions/runs/{run_id}) before prune
// destroys its VMs. The requests go through @actions/github's Octokit (github-octokit.ts), loaded by a dynamic
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
function rateLimit(f: HttpFailure): string | undefined {
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
  return `the GitHub API rate limit was hit (${f.status})${when}. Run the prune again later, or set prune_older_than so that it can do without GitHub`;
}

export class RunChecker {
  private readonly cache = new Map<string, Promise<RunState>>();
  private client?: Promise<GitHubClient>;
  private repoVisible?: Promise<void>;
  readonly base: string;
  private readonly owner: string;
  private readonly repo: string;

  constructor(private readonly o: RunCheckerOptions) {
    this.base = o.apiUrl.replace(/\/+$/, '');
    [this.owner, this.repo] = o.repository.split('/');
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

  /** Octokit, loaded on the first question (a chunk file of the bundle). */
  private octokit(): Promise<GitHubClient> {
    // In the bundles `@actions/http-client` is a lazy stand-in (src/entries/lazy/), and @actions/github builds its
    // default proxy agent from it when its module loads: load the real client before the chunk that holds it.
    this.client ??= loadHttpClient()
      .then(() => import('./github-octokit.js'))
      .then((m) => m.githubClient(this.o.token, this.base));
    return this.client;
  }

  private request(route: string, params: Record<string, string | number>): Promise<{ data: unknown }> {
    return this.octokit().then((o) => o.request(route, { ...params, request: { signal: AbortSignal.timeout(this.o.timeoutMs) } }));
  }

  /** Turns a failed request into a GitHubApiError that says what to do; never shows the token. */
  private explain(what: string, e: unknown): GitHubApiError {
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
    const limited = rateLimit(f);
    if (limited) return new GitHubApiError(`${what}: ${limited}`);
    if (f.status === 401)
      return new GitHubApiError(`${what}: github_token was refused (401 Unauthorized): it is invalid or has expired (the job's token expires with its job)`);
    if (f.status === 403)
      return new GitHubApiError(`${what}: 403 Forbidden: github_token lacks the permission to read workflow runs; ${PERMISSION_HINT}`);
    return new GitHubApiError(`${what}: unexpected answer ${f.status}`);
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
