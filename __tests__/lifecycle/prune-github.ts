// A fake GitHub REST API on 127.0.0.1 (plain HTTP) for the prune tests: GET /repos/{owner}/{repo}/actions/runs/{id}
// answers with the run's status (404 for runs it does not know), GET /repos/{owner}/{repo} 200 for a repository some
// run belongs to (404 otherwise, as GitHub answers for a private repository the token cannot see), and every request
// is recorded.
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
  opts: { status?: number; headers?: Record<string, string>; message?: string } = {},
): Promise<FakeGitHub> {
  const requests: FakeGitHub['requests'] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (opts.status) return send(opts.status, { message: opts.message ?? 'forced' }, opts.headers);
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
