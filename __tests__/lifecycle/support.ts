// Shared setup for the CI-lifecycle tests: a small two-node simulator, the bundled action run main + post
// against it, and condition waits / request-log filters the tests assert with.
import { expect } from 'vitest';
import { type RequestLogEntry, type Simulator, type SimulatorOptions, type VmRecord, startSimulator } from '../../sim/index.js';
import { type ActionRun, type RunOptions, type StepResult, allCaptured, runAction } from '../../tools/runner/index.js';
import { conn } from '../integration/helpers.js';

export { conn, failed, mutations, ok, visibleText } from '../integration/helpers.js';

/** One NIC on vmbr0 with the agent on: what a CI VM that is waited for looks like. */
export const GUEST = { agent: '1', net: "net0: 'virtio,bridge=vmbr0'" };

export async function lifecycleSim(extra: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ nodes: ['pve1', 'pve2'], timeScale: 0.02, ...extra });
}

/** Main step (and post step unless post: false) with the simulator's connection inputs. */
export async function step(sim: Simulator, inputs: Record<string, string>, opts: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> {
  return runAction({ post: true, ...opts, inputs: { ...conn(sim), ...inputs } });
}

export function vmOf(sim: Simulator, id: number | string): VmRecord {
  const r = sim.state.vms.get(Number(id));
  if (!r) throw new Error(`VM ${id} not in the simulator`);
  return r;
}

export const vmByName = (sim: Simulator, name: string): VmRecord | undefined =>
  [...sim.state.vms.values()].find((v) => v.config.name === name);

export const annotations = (s: StepResult | undefined, level: 'error' | 'warning' | 'notice' | 'debug'): string[] =>
  (s?.annotations ?? []).filter((a) => a.level === level).map((a) => a.message);

/** Requests since a log index, as `METHOD path` for readable failures, optionally filtered. */
export function requests(sim: Simulator, since = 0, filter: (e: RequestLogEntry) => boolean = () => true): RequestLogEntry[] {
  return sim.log.slice(since).filter(filter);
}

export const isDestroy = (vmid: number | string) => (e: RequestLogEntry) =>
  e.method === 'DELETE' && new RegExp(`/qemu/${vmid}$`).test(e.path);

/**
 * Polls a condition every 10 ms until it holds (the simulator changes its state on its own timers, so tests
 * wait on the state they need instead of sleeping a fixed time). The deadline only turns a hang into a clear
 * message: it is far above what a loaded machine needs (the conditions waited for take well under a second) and
 * below the tests' own time limit (vitest.config.ts).
 */
export async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Brings the guest agent of the VM named `name` up once the step has been told "not running" `refusals` times
 * (the simulator must run with a huge `agentUp` so only this releases it): the wait is then proven to poll,
 * however slow the machine is.
 */
export async function releaseAgentAfter(sim: Simulator, name: string, refusals: number, since = 0): Promise<VmRecord> {
  let vm: VmRecord | undefined;
  await until(() => {
    vm ??= vmByName(sim, name);
    if (!vm) return false;
    const path = `/nodes/${vm.node}/qemu/${vm.vmid}/agent/network-get-interfaces`;
    return sim.log.slice(since).filter((e) => e.path === path && e.status === 500).length >= refusals;
  }, `${refusals} refused agent calls for ${name}`, 60_000);
  vm!.agentUpAt = Date.now();
  return vm!;
}

/** A stopped VM placed straight into the simulator (existing infrastructure the step did not create). */
export function seedVm(sim: Simulator, vmid: number, node: string, config: Record<string, string>): VmRecord {
  const vm: VmRecord = {
    vmid,
    node,
    config: { ...config },
    pending: {},
    pendingDelete: {},
    snapshots: {},
    status: 'stopped',
    qmpstatus: 'stopped',
    createdAt: Date.now() - 3_600_000,
  };
  sim.state.vms.set(vmid, vm);
  sim.broadcastStats(node); // made long ago: /cluster/resources shows its name and status
  return vm;
}

/** No run of this file showed the API password or a token secret (the runner's own add-mask lines aside). */
export function expectNoSecretsShown(sim: Simulator): void {
  const secrets = [sim.credentials.password, sim.credentials.tokens.full.secret, sim.credentials.tokens.readonly.secret];
  const shown = allCaptured
    .flatMap((t) => t.split('\n'))
    .filter((l) => !l.startsWith('::add-mask::'))
    .filter((l) => secrets.some((x) => l.includes(x)));
  expect(shown).toEqual([]);
}

export function expectJsonArray(text: string | undefined): unknown[] {
  expect(text, 'output missing').toBeDefined();
  const v = JSON.parse(text!);
  expect(Array.isArray(v)).toBe(true);
  return v as unknown[];
}
