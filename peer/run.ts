// Peer check: runs the real Ansible community.general.proxmox_kvm module through every example of the spec
// documents against the simulator, checking the module's results, the simulated cluster and the request log.
// Usage: npm run test:peer  (prints one line per example and "N passed, N failed"; exit 1 on any failure;
// PEER_VERBOSE=1 also prints every request the module made; PEER_KEEP=1 keeps the playbooks;
// PEER_JOBS=n sets how many simulator groups run at once; PEER_ONLY=<regexp> picks examples by title)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type SimTaskView, type Simulator } from '../sim/index.js';
import { ansibleVersions, ensureAnsible, runPlaybook } from './ansible.js';
import { Checker } from './check.js';
import type { Example, LoggedRequest, PeerEnv } from './env.js';
import { NODE, OTHER_NODE, TOKENS } from './env.js';
import { createExamples } from './examples-create.js';
import { extraExamples } from './examples-extra.js';
import { lifecycleExamples } from './examples-lifecycle.js';
import { PveClient } from './pve.js';

const USER = 'root@pam';
const PASSWORD = 'secret';

/** The storages the spec examples name, plus `local` for the cloud-init drive. */
const STORAGES = [
  { storage: 'VMs_LVM', type: 'lvmthin' as const, content: 'images,rootdir' },
  { storage: 'VMs', type: 'dir' as const, content: 'images,iso' },
  { storage: 'LVM_STO', type: 'lvm' as const, content: 'images,rootdir' },
  { storage: 'local', type: 'dir' as const, content: 'iso,vztmpl,backup,images' },
];

interface Session {
  sim: Simulator;
  pve: PveClient;
}

async function freshSession(): Promise<Session> {
  const sim = await startSimulator({
    nodes: [NODE, OTHER_NODE],
    storages: STORAGES,
    users: [{ userid: USER, password: PASSWORD }],
    tokens: [
      { userid: USER, ...TOKENS.full, privs: 'all' },
      { userid: USER, ...TOKENS.readonly, privs: 'readonly' },
    ],
    // Simulated work shrinks to a few ms; the module's own 1 s polling dominates anyway.
    timeScale: 0.01,
  });
  const pve = await PveClient.login(sim.url, sim.caCert, USER, PASSWORD);
  return { sim, pve };
}

async function endSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.pve.close();
  await s.sim.close();
}

/** Module requests that got an error answer the example did not announce. */
function unexpectedErrors(requests: LoggedRequest[], ex: Example): string[] {
  const allowed = [...(ex.expectErrors ?? [])];
  const out: string[] = [];
  for (const q of requests) {
    if (q.status < 400) continue;
    const i = allowed.findIndex((a) => a.status === q.status && a.method === q.method && a.path.test(q.path));
    if (i >= 0) allowed.splice(i, 1);
    else out.push(`unexpected ${q.status} for ${q.method} ${q.path} ${JSON.stringify(q.params)}`);
  }
  for (const a of allowed) out.push(`expected a ${a.status} for ${a.method} ${a.path} that did not happen`);
  return out;
}

/** Tasks that did not end OK (or with warnings) unless the example announced them. */
function unexpectedTaskErrors(tasks: SimTaskView[], ex: Example): string[] {
  const allowed = [...(ex.expectTaskErrors ?? [])];
  const out: string[] = [];
  for (const t of tasks) {
    if (t.exitstatus === 'OK' || t.exitstatus?.startsWith('WARNINGS')) continue;
    const i = allowed.findIndex((a) => a.type === t.type && a.exitstatus === t.exitstatus);
    if (i >= 0) allowed.splice(i, 1);
    else out.push(`task ${t.type}:${t.id} ended '${t.exitstatus ?? t.status}'`);
  }
  for (const a of allowed) out.push(`expected task ${a.type} to fail with '${a.exitstatus}', it did not`);
  return out;
}

async function runExample(ex: Example, session: Session, dir: string, out: string[]): Promise<string[]> {
  const { sim, pve } = session;
  const vm = (vmid: number) => sim.state.vms.get(vmid);
  if (ex.setup) await ex.setup({ pve, state: sim.state, vm });
  const from = sim.log.length;
  const tasksFrom = sim.tasks().length;
  const run = await runPlaybook(dir, ex.title, ex.tasks, { host: sim.host, port: sim.port, user: USER, password: PASSWORD });
  const requests: LoggedRequest[] = sim.log.slice(from);
  // Everything the module started must be over before the state is judged.
  await sim.waitForTasks();
  const tasks = sim.tasks().slice(tasksFrom);
  if (process.env.PEER_VERBOSE) {
    for (const q of requests) out.push(`       ${q.status} ${q.method} ${q.path} ${JSON.stringify(q.params)}`);
  }
  const c = new Checker();
  const env: PeerEnv = { state: sim.state, pve, vm, requests, tasks, output: run.stdout };
  await ex.verify(run.results, env, c);
  c.failures.push(...unexpectedErrors(requests, ex), ...unexpectedTaskErrors(tasks, ex));
  return c.failures;
}

interface GroupReport {
  lines: string[];
  passed: number;
  failed: number;
}

/** Runs examples that share one simulator (a `fresh` example and those after it), in order. */
async function runGroup(group: Example[], dir: string): Promise<GroupReport> {
  const report: GroupReport = { lines: [], passed: 0, failed: 0 };
  let session: Session | undefined;
  try {
    for (const ex of group) {
      const t0 = performance.now();
      const detail: string[] = [];
      let failures: string[];
      try {
        session ??= await freshSession();
        failures = await runExample(ex, session, dir, detail);
      } catch (e) {
        failures = [`error: ${e instanceof Error ? e.message : String(e)}`];
      }
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const ok = failures.length === 0;
      if (ok) report.passed++;
      else report.failed++;
      report.lines.push(`${ok ? 'ok  ' : 'FAIL'} [${ex.doc}] ${ex.title} (${secs} s)`, ...failures.map((f) => `       - ${f}`), ...detail);
    }
  } finally {
    await endSession(session);
  }
  return report;
}

/** Splits the example list where an example asks for a fresh simulator; groups are independent. */
function groups(examples: Example[]): Example[][] {
  const out: Example[][] = [];
  for (const ex of examples) {
    if (ex.fresh || out.length === 0) out.push([]);
    out[out.length - 1].push(ex);
  }
  return out;
}

async function main(): Promise<number> {
  const missing = ensureAnsible();
  if (missing) {
    console.error(`peer check cannot run: ${missing}`);
    return 1;
  }
  console.log(`peer: ${ansibleVersions()}`);
  const dir = mkdtempSync(join(tmpdir(), 'peer-'));
  // PEER_ONLY=<regexp> runs the groups holding a matching example title (for work on one example).
  const only = process.env.PEER_ONLY ? new RegExp(process.env.PEER_ONLY, 'i') : undefined;
  const all = groups([...createExamples, ...extraExamples, ...lifecycleExamples]).filter((g) => !only || g.some((ex) => only.test(ex.title)));
  // Ansible mostly sleeps in the module's 1 s task polling, so independent groups overlap well.
  const jobs = Math.max(1, Number(process.env.PEER_JOBS ?? 3));
  const started = performance.now();
  const settle: Array<(r: GroupReport) => void> = [];
  const reports = all.map(() => new Promise<GroupReport>((resolve) => settle.push(resolve)));
  let next = 0;
  const slots = Array.from({ length: jobs }, async () => {
    while (next < all.length) {
      const i = next++;
      settle[i](await runGroup(all[i], dir));
    }
  });
  let passed = 0;
  let failed = 0;
  // Print in document order as groups finish.
  for (const report of reports) {
    const r = await report;
    for (const line of r.lines) console.log(line);
    passed += r.passed;
    failed += r.failed;
  }
  await Promise.all(slots);
  const secs = ((performance.now() - started) / 1000).toFixed(0);
  // Keep the playbooks and Ansible's JSON output only when there is something to look into.
  if (failed === 0 && !process.env.PEER_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`playbooks and JSON results kept in ${dir}`);
  console.log(`ran in ${secs} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
