// Asks GitHub whether a workflow run has finished (GET /repos/{owner}/{repo}/actions/runs/{id}) before prune
// destroys its VMs. undici's fetch, not Octokit (which would add ~1 MB to the bundle); GITHUB_API_URL is honoured
// (GitHub Enterprise Server, and the tests' local fake API). The token never appears in a message.
import { fetch } from 'undici';

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

export class RunChecker {
  private readonly cache = new Map<string, Promise<RunState>>();
  readonly base: string;

  constructor(private readonly o: RunCheckerOptions) {
    this.base = o.apiUrl.replace(/\/+$/, '');
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

  private async ask(runId: string): Promise<RunState> {
    const [owner, repo] = this.o.repository.split('/');
    const url = `${this.base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/actions/runs/${encodeURIComponent(runId)}`;
    const what = `GitHub API: run ${runId} of ${this.o.repository}`;
    // One retry for a dropped connection or a 5xx: GitHub has brief hiccups, and a failed check fails the prune.
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(url, {
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${this.o.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'proxmox-kvm-action',
          },
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
      } catch (e) {
        if (attempt < 2) continue;
        throw new GitHubApiError(`${what}: request failed (${(e as Error).message}); is GITHUB_API_URL (${this.base}) reachable?`);
      }
      const text = await res.text();
      if (res.status === 404) return 'unknown';
      if (res.status === 401) throw new GitHubApiError(`${what}: github_token was refused (401 Unauthorized)`);
      if (res.status === 403 || res.status === 429)
        throw new GitHubApiError(
          `${what}: ${res.status} ${res.statusText} (the token needs the 'actions: read' permission, or the API rate limit was hit)`,
        );
      if (res.status >= 500 && attempt < 2) continue;
      if (res.status !== 200) throw new GitHubApiError(`${what}: unexpected answer ${res.status} ${res.statusText}`);
      let status: unknown;
      try {
        status = (JSON.parse(text) as { status?: unknown }).status;
      } catch {
        throw new GitHubApiError(`${what}: the answer is not JSON`);
      }
      if (typeof status !== 'string') throw new GitHubApiError(`${what}: the answer has no run status`);
      return status === 'completed' ? 'completed' : 'active';
    }
  }
}
