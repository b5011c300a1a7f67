// Runs one playbook of community.general.proxmox_kvm tasks under GNU time, the way a user runs Ansible against
// a PVE API from a CI job: ansible-playbook on localhost, API token, one play per scenario.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ansibleEnv, writePlaybook } from '../peer/ansible.js';

export const TIME = '/usr/bin/time';

/** Installs Debian's `time` (GNU time, for peak RSS of a whole command) when missing; returns a reason when it cannot. */
export function ensureGnuTime(): string | undefined {
  if (existsSync(TIME)) return undefined;
  if (process.getuid?.() !== 0) return `${TIME} missing and not root: apt-get install -y time`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-q'], ['install', '-y', '-q', 'time']]) {
    if (spawnSync('apt-get', args, { stdio: 'inherit', env }).status !== 0) return `apt-get ${args.join(' ')} failed`;
  }
  return existsSync(TIME) ? undefined : `${TIME} still missing after apt-get install`;
}

export interface TokenConnection {
  host: string;
  port: number;
  user: string;
  tokenId: string;
  tokenSecret: string;
}

export interface AnsibleRun {
  ok: boolean;
  /** Per task: the module's result (changed, vmid, msg, failed, ...). */
  results: Array<Record<string, unknown>>;
  wallMs: number;
  /** Peak RSS of the largest single process of the run (GNU time %M: ansible-playbook, a worker or the module). */
  rssKiB?: number;
  error?: string;
}

export async function runAnsible(dir: string, label: string, tasks: Array<Record<string, unknown>>, conn: TokenConnection): Promise<AnsibleRun> {
  const file = writePlaybook(dir, `ansible-${label}`, tasks, conn, {
    api_user: conn.user,
    api_token_id: conn.tokenId,
    api_token_secret: conn.tokenSecret,
  });
  const timeFile = `${file}.time`;
  const env = ansibleEnv(dir);
  const started = performance.now();
  const child = spawn(TIME, ['-f', '%M', '-o', timeFile, 'ansible-playbook', '-i', 'localhost,', '-c', 'local', file], {
    env,
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  const wallMs = performance.now() - started;
  writeFileSync(`${file}.out.json`, stdout + (stderr ? `\n--- stderr ---\n${stderr}` : ''));
  const rss = existsSync(timeFile) ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : NaN;
  const results = parseResults(stdout);
  const failed = results.find((r) => r.failed);
  const ok = code === 0 && results.length === tasks.length && !failed;
  let error: string | undefined;
  if (!ok) error = failed ? String(failed.msg ?? 'task failed') : `ansible-playbook exit ${code}: ${stderr.slice(0, 300) || stdout.slice(0, 300)}`;
  return { ok, results, wallMs, rssKiB: Number.isFinite(rss) ? rss : undefined, error };
}

function parseResults(stdout: string): Array<Record<string, unknown>> {
  try {
    const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { plays: Array<{ tasks: Array<{ hosts: Record<string, Record<string, unknown>> }> }> };
    return (parsed.plays[0]?.tasks ?? []).map((t) => t.hosts.localhost ?? {});
  } catch {
    return [];
  }
}
