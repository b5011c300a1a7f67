// Shared setup of the qemu endpoint tests: a fast simulator with block, dir and shared storages, a root ticket and
// the full-privilege token, and small helpers that speak raw HTTPS like any client of PVE would.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/index.js';
import { simLogin, simRequest, simToken, simWaitTask, type ParamValue, type SimAuth, type SimResponse } from '../support/sim-client.js';

export interface QemuSim {
  sim: Simulator;
  /** root@pam!ci: all privileges, but not root@pam (root-only options are refused). */
  token: SimAuth;
  /** root@pam ticket. */
  root: SimAuth;
  api(method: string, path: string, params?: Record<string, ParamValue | undefined>, auth?: SimAuth): Promise<SimResponse>;
  /** Polls the task until it stopped; returns its exitstatus. */
  wait(upid: string): Promise<string>;
  /** The task's log lines (final TASK line included once stopped). */
  log(upid: string): string[];
  /** POST the create, wait for it and expect OK. */
  create(vmid: number, params?: Record<string, ParamValue | undefined>, node?: string): Promise<void>;
  /** GET .../config data. */
  config(vmid: number, node?: string, params?: Record<string, ParamValue>): Promise<Record<string, unknown>>;
  /** Runs an async endpoint and waits for its task; throws unless the call returned a UPID. */
  run(method: string, path: string, params?: Record<string, ParamValue | undefined>, auth?: SimAuth): Promise<string>;
  close(): Promise<void>;
}

export const STORAGES: SimulatorOptions['storages'] = [
  { storage: 'local', type: 'dir', content: 'iso,vztmpl,backup,images', total: 100 * 1024 ** 3 },
  { storage: 'local-lvm', type: 'lvmthin' },
  { storage: 'thick', type: 'lvm' },
  { storage: 'shared-nfs', type: 'nfs', shared: true },
  { storage: 'pve1-only', type: 'lvmthin', nodes: ['pve1'] },
  { storage: 'isos', type: 'dir', content: 'iso' },
];

export async function startQemuSim(options: SimulatorOptions = {}): Promise<QemuSim> {
  const sim = await startSimulator({
    timeScale: 0.02,
    storages: STORAGES,
    pools: ['ci'],
    users: [
      { userid: 'root@pam', password: 'root-pw' },
      { userid: 'viewer@pve', password: 'viewer-pw', privs: ['VM.Audit'] },
    ],
    ...options,
  });
  const token = simToken(sim);
  const root = (await simLogin(sim, 'root@pam', 'root-pw')).auth;
  const api: QemuSim['api'] = (method, path, params, auth = token) => simRequest(sim, method, path, { auth, params });
  const wait = async (upid: string): Promise<string> => {
    const st = await simWaitTask(sim, token, upid, 60_000);
    return String(st.exitstatus);
  };
  const run: QemuSim['run'] = async (method, path, params, auth) => {
    const res = await api(method, path, params, auth);
    if (res.status !== 200 || typeof res.json?.data !== 'string') {
      throw new Error(`${method} ${path}: ${res.status} ${res.statusText}`);
    }
    return res.json.data;
  };
  return {
    sim,
    token,
    root,
    api,
    wait,
    run,
    log: (upid) => sim.tasks().find((t) => t.upid === upid)?.log ?? [],
    async create(vmid, params = {}, node = 'pve1') {
      const upid = await run('POST', `/nodes/${node}/qemu`, { vmid, ...params });
      const status = await wait(upid);
      if (status !== 'OK') throw new Error(`create ${vmid}: ${status}`);
    },
    async config(vmid, node = 'pve1', params = {}) {
      const res = await api('GET', `/nodes/${node}/qemu/${vmid}/config`, params);
      if (res.status !== 200) throw new Error(`config ${vmid}: ${res.status} ${res.statusText}`);
      return res.json.data;
    },
    close: () => sim.close(),
  };
}

/**
 * Waits until cond() holds, polling on the event loop (no fixed sleeps in the tests themselves). The deadline
 * only turns a hang into a clear message: far above what a loaded machine needs, below the test's time limit.
 */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const MAC_RE = /^BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/;
