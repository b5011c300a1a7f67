// Runs community.general.proxmox_kvm tasks through the real ansible-playbook (Debian's python, JSON callback)
// and returns each task's result. Spawns asynchronously: the simulator answers from this same event loop.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';

/** What proxmox_kvm returns (plus Ansible's own keys). */
export interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  msg?: string;
  vmid?: number | string;
  mac?: Record<string, string>;
  devices?: Record<string, string>;
  status?: string;
  [key: string]: unknown;
}

export interface PlaybookRun {
  results: TaskResult[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  durationMs: number;
  file: string;
}

/** Debian's interpreter: it has python3-proxmoxer; a pyenv python3 earlier on PATH may not. */
export const PYTHON = '/usr/bin/python3';

function hasPeerPackages(): boolean {
  const which = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
  if (which.status !== 0) return false;
  return spawnSync(PYTHON, ['-c', 'import proxmoxer, requests'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's ansible + proxmoxer when missing (root only); returns a reason when it cannot. */
export function ensureAnsible(): string | undefined {
  if (hasPeerPackages()) return undefined;
  if (process.getuid?.() !== 0) return 'ansible-playbook or python3-proxmoxer missing and not root: apt-get install -y ansible python3-proxmoxer python3-requests';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-q'], ['install', '-y', '-q', 'ansible', 'python3-proxmoxer', 'python3-requests']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) return `apt-get ${args.join(' ')} failed`;
  }
  return hasPeerPackages() ? undefined : 'ansible still missing after apt-get install';
}

/** Connection arguments every task gets; the simulator's port goes through proxmoxer's host:port split. */
export interface Connection {
  host: string;
  port: number;
  user: string;
  password: string;
}

let counter = 0;

/**
 * Writes a playbook of proxmox_kvm tasks against the simulator and returns its path. `auth` holds the login
 * arguments (password or token); `taskExtra` is merged into every task (e.g. ignore_errors).
 */
export function writePlaybook(
  dir: string,
  label: string,
  tasks: Array<Record<string, unknown>>,
  conn: { host: string; port: number },
  auth: Record<string, unknown>,
  taskExtra: Record<string, unknown> = {},
): string {
  const play = [
    {
      name: label,
      hosts: 'localhost',
      gather_facts: false,
      tasks: tasks.map((args, i) => ({
        name: `${label} #${i + 1}`,
        'community.general.proxmox_kvm': {
          // community.general 6.x has no api_port: proxmoxer splits host:port itself.
          api_host: `${conn.host}:${conn.port}`,
          ...auth,
          validate_certs: false,
          ...args,
        },
        ...taskExtra,
      })),
    },
  ];
  const file = join(dir, `${String(++counter).padStart(3, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.yml`);
  writeFileSync(file, dump(play, { lineWidth: 200 }));
  return file;
}

/** The environment ansible-playbook runs in: Debian's python (it has proxmoxer), JSON results, no noise. */
export function ansibleEnv(dir: string): Record<string, string> {
  return {
    PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? dir,
    LANG: 'C.UTF-8',
    ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json',
    ANSIBLE_PYTHON_INTERPRETER: PYTHON,
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'),
  };
}

/** Writes one playbook of proxmox_kvm tasks (each ignore_errors, so later tasks still run) and runs it. */
export async function runPlaybook(dir: string, label: string, tasks: Array<Record<string, unknown>>, conn: Connection): Promise<PlaybookRun> {
  const file = writePlaybook(dir, label, tasks, conn, { api_user: conn.user, api_password: conn.password }, { ignore_errors: true });
  const env = ansibleEnv(dir);
  const started = performance.now();
  const child = spawn('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exitCode = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code));
  });
  const durationMs = performance.now() - started;
  writeFileSync(`${file}.out.json`, stdout);
  return { results: parseResults(stdout, stderr, tasks.length), stdout, stderr, exitCode, durationMs, file };
}

interface JsonCallbackOutput {
  plays: Array<{ tasks: Array<{ hosts: Record<string, TaskResult> }> }>;
}

function parseResults(stdout: string, stderr: string, expected: number): TaskResult[] {
  let parsed: JsonCallbackOutput;
  try {
    parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as JsonCallbackOutput;
  } catch {
    throw new Error(`ansible-playbook did not print JSON:\n${stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`);
  }
  const results = (parsed.plays[0]?.tasks ?? []).map((t) => t.hosts.localhost ?? {});
  if (results.length !== expected) throw new Error(`expected ${expected} task results, got ${results.length}: ${stderr.slice(0, 2000)}`);
  return results;
}

export function ansibleVersions(): string {
  const core = spawnSync('ansible', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '?';
  const cg = '/usr/lib/python3/dist-packages/ansible_collections/community/general/MANIFEST.json';
  let general = '?';
  if (existsSync(cg)) {
    general = (spawnSync(PYTHON, ['-c', `import json;print(json.load(open('${cg}'))['collection_info']['version'])`], { encoding: 'utf8' }).stdout || '?').trim();
  }
  const px = spawnSync(PYTHON, ['-c', 'import proxmoxer;print(proxmoxer.__version__)'], { encoding: 'utf8' }).stdout.trim();
  return `${core.trim()}, community.general ${general}, proxmoxer ${px || '?'}`;
}
