// A fake GitHub REST API on 127.0.0.1 (plain HTTP) for the prune tests: GET /repos/{owner}/{repo}/actions/runs/{id}
// answers with the run's status (404 for runs it does not know), GET /repos/{owner}/{repo} 200 for a repository some
// run belongs to (404 otherwise, as GitHub answers for a private repository the token cannot see), and every request
// is recorded. For keep_on_failure, GET .../actions/runs/{id}/attempts/{n}/jobs lists the jobs of a run attempt as
// GitHub does: `{ total_count, jobs }`, paginated with per_page/page and a Link header (ghJob builds a job).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  /** Base URL to pass as GITHUB_API_URL. */
  url: string;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
}

/**
 * runs: "owner/repo/runId" → status ("completed", "in_progress", ...); `status` (with `headers` and `message`)
 * overrides every answer.
 */
export async function fakeGitHub(
  runs: Record<string, string>,
  opts: {
    status?: number;
    headers?: Record<string, string>;
    message?: string;
    /** "owner/repo/runId/attempt" → the attempt's jobs (see ghJob), or a function called for each first page. */
    jobs?: Record<string, unknown[] | (() => unknown[])>;
    /** Caps per_page (GitHub caps it at 100), so that a test can make the list span pages. */
    maxPerPage?: number;
  } = {},
): Promise<FakeGitHub> {
  const requests: FakeGitHub['requests'] = [];
  const listings = new Map<string, unknown[]>();
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (opts.status) return send(opts.status, { message: opts.message ?? 'forced' }, opts.headers);
    const url = new URL(path, 'http://fake');
    const jobsOf = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(url.pathname);
    if (jobsOf && req.method === 'GET') {
      const listed = Object.entries(opts.jobs ?? {}).find(([k]) => k.toLowerCase() === jobsOf.slice(1).join('/').toLowerCase())?.[1];
      const page = Number(url.searchParams.get('page') ?? 1);
      // a function answers anew for each listing (its first page), and its later pages continue that listing
      if (typeof listed === 'function' && page === 1) listings.set(jobsOf[0], listed());
      const all = typeof listed === 'function' ? listings.get(jobsOf[0]) : listed;
      if (!all) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt', status: '404' });
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), opts.maxPerPage ?? 100);
      const pages = Math.max(1, Math.ceil(all.length / perPage));
      const link = (n: number, rel: string) => `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
      const links = [...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
      return send(200, { total_count: all.length, jobs: all.slice((page - 1) * perPage, page * perPage) }, links.length ? { link: links.join(', ') } : {});
    }
    const repo = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    if (repo && req.method === 'GET') {
      const known = Object.keys(runs).some((k) => k.toLowerCase().startsWith(`${repo[1]}/${repo[2]}/`.toLowerCase()));
      return known ? send(200, { full_name: `${repo[1]}/${repo[2]}`, private: true }) : send(404, { message: 'Not Found' });
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/.exec(path);
    const key = m ? `${m[1]}/${m[2]}/${m[3]}`.toLowerCase() : '';
    const status = Object.entries(runs).find(([k]) => k.toLowerCase() === key)?.[1];
    if (req.method !== 'GET' || status === undefined) return send(404, { message: 'Not Found' });
    send(200, { id: Number(m![3]), status, conclusion: status === 'completed' ? 'success' : null });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // undici keeps connections alive
      }),
  };
}

export interface FakeStep {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | null;
}

let nextJobId = 399444496;
/**
 * One job of the list-jobs answer, in the shape GitHub's REST docs give ("List jobs for a workflow run attempt"),
 * with `steps` numbered in order.
 */
export function ghJob(o: { repo: string; runId: number; attempt?: number; name: string; status: string; runner: string | null; steps: FakeStep[] }): Record<string, unknown> {
  const id = nextJobId++;
  const t = '2026-12-05T17:42:40Z';
  const done = o.status === 'completed';
  return {
    id,
    run_id: o.runId,
    run_url: `https://api.github.com/repos/${o.repo}/actions/runs/${o.runId}`,
    run_attempt: o.attempt ?? 1,
    node_id: 'MDEyOldvcmtmbG93IEpvYjM5OTQ0NDQ5Ng==',
    head_sha: 'f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0',
    url: `https://api.github.com/repos/${o.repo}/actions/jobs/${id}`,
    html_url: `https://github.com/${o.repo}/actions/runs/${o.runId}/job/${id}`,
    status: o.status,
    conclusion: done ? 'success' : null,
    created_at: t,
    started_at: t,
    completed_at: done ? '2026-12-05T17:44:39Z' : null,
    name: o.name,
    steps: o.steps.map((s, i) => ({
      name: s.name,
      status: s.status,
      conclusion: s.conclusion,
      number: i + 1,
      started_at: s.status === 'queued' ? null : t,
      completed_at: s.status === 'completed' ? t : null,
    })),
    check_run_url: `https://api.github.com/repos/${o.repo}/check-runs/${id}`,
    labels: ['ubuntu-latest'],
    runner_id: o.runner ? 7 : null,
    runner_name: o.runner,
    runner_group_id: o.runner ? 2 : null,
    runner_group_name: o.runner ? 'GitHub Actions' : null,
    workflow_name: 'CI',
    head_branch: 'main',
  };
}
