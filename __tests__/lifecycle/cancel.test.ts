// Cancelling the job (the runner's SIGINT) while the step waits for the guest: the main step stops at once,
// by itself (before the runner's SIGTERM/SIGKILL), and the post step still cleans up as `cleanup` says.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { annotations, expectNoSecretsShown, failed, GUEST, isDestroy, lifecycleSim, requests, step } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  // The agent never answers while these tests run: only the cancel can end the wait.
  sim = await lifecycleSim({ durations: { agentUp: 100_000_000 } });
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

/** Far above what a loaded machine needs for a whole main step (start-up included), far below wait_timeout (300 s). */
const FAR_INSIDE_WAIT_TIMEOUT_MS = 60_000;

const agentPolls = (vmid: string, since: number) =>
  requests(sim, since, (e) => e.path === `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`);

test('SIGINT during wait_for: ip stops the wait promptly and the post step destroys the VM', async () => {
  const since = sim.log.length;
  const run = await step(
    sim,
    { node: 'pve1', name: 'cancel-wait', state: 'started', wait_for: 'ip', wait_timeout: '300', cleanup: 'on-failure', ...GUEST },
    // Cancel once the step has polled the agent a few times (it logs each "not ready" answer at debug level).
    { debug: true, cancelOn: /(?:guest not ready:[\s\S]*?){3}/ },
  );
  expect(failed(run)).toMatch(/cancelled/);
  // It ended by itself after SIGINT (not killed by the runner), far inside the 300 s wait_timeout.
  expect(run.main.signal).toBeNull();
  expect(run.main.durationMs).toBeLessThan(FAR_INSIDE_WAIT_TIMEOUT_MS);
  const vmid = run.main.outputs.vmid;
  expect(agentPolls(vmid, since).length).toBeGreaterThanOrEqual(3);
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
  expect(sim.state.vms.has(Number(vmid))).toBe(false);
  expect(annotations(run.post, 'warning')).toEqual([]);
});

// (This used to cancel at a fixed 4 s, which on a loaded machine could come before the wait had begun.)
test('SIGINT during wait_for: agent, cleanup: always: the step ends by itself and the post step destroys the VM', async () => {
  const since = sim.log.length;
  const run = await step(
    sim,
    { node: 'pve1', name: 'cancel-timer', state: 'started', wait_for: 'agent', wait_timeout: '300', cleanup: 'always', ...GUEST },
    // Cancel once the wait has begun: the first "not ready" answer of the agent (logged at debug level).
    { debug: true, cancelOn: /guest not ready:/ },
  );
  expect(failed(run)).toMatch(/cancelled/);
  // It ended by itself after SIGINT, before the runner would escalate (SIGTERM after 7.5 s), far inside the 300 s
  // wait_timeout.
  expect(run.main.signal).toBeNull();
  expect(run.main.durationMs).toBeLessThan(FAR_INSIDE_WAIT_TIMEOUT_MS);
  const vmid = run.main.outputs.vmid;
  // The wait had begun (the VM was up and polled) before the cancel.
  expect(agentPolls(vmid, since).length).toBeGreaterThan(0);
  expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
  expect(sim.state.vms.has(Number(vmid))).toBe(false);
});

test('SIGINT during the wait with cleanup: never: the VM stays', async () => {
  const since = sim.log.length;
  const run = await step(
    sim,
    { node: 'pve1', name: 'cancel-keep', state: 'started', wait_for: 'ip', wait_timeout: '300', cleanup: 'never', ...GUEST },
    { cancelOn: /waiting for the guest IP address/ },
  );
  failed(run);
  expect(run.main.signal).toBeNull();
  expect(run.main.durationMs).toBeLessThan(FAR_INSIDE_WAIT_TIMEOUT_MS);
  const vmid = run.main.outputs.vmid;
  expect(run.post?.exitCode).toBe(0);
  expect(requests(sim, since, isDestroy(vmid))).toEqual([]);
  expect(sim.state.vms.get(Number(vmid))?.status).toBe('running');
});
