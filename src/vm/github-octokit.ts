// The Octokit client RunChecker uses, from @actions/github (proxy support from the runner's environment) plus
// @octokit/plugin-retry. Only github-runs.ts loads this file, and only through a dynamic import() when a workflow run
// must really be checked: ncc then puts it, @actions/github and Octokit in a chunk file of their own beside
// dist/main/index.js (scripts/build.mjs keeps it), so a step that asks GitHub nothing never loads or parses them.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';

export type GitHubClient = ReturnType<typeof getOctokit>;

const quiet = () => {};

/**
 * baseUrl: GITHUB_API_URL without a trailing slash (GitHub Enterprise Server, the tests' fake API over plain HTTP).
 * A 5xx or a dropped connection is retried once after a second; 4xx answers are not (plugin-retry's doNotRetry).
 */
export function githubClient(token: string, baseUrl: string): GitHubClient {
  return getOctokit(
    token,
    {
      baseUrl,
      userAgent: 'proxmox-kvm-action',
      // Octokit would print deprecation notices and request failures with console.*; the caller reports failures.
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      retry: { retries: 1 },
    },
    retry,
  );
}
