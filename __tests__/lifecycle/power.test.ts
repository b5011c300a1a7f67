// Power steps as PVE really runs them (qemu-server QemuServer.pm `_do_vm_stop`, `vm_reboot`; API2/Qemu.pm HA paths),
// through the bundled action: a forced shutdown or stop outlives `timeout`; a reboot task ends with the VM off and
// qmeventd starts it again; an HA resource's start/stop only queue a request. Also what PVE will not do by waiting:
// hot-plug with `hotplug: 1`, a hibernated VM's `lock: suspended`, an agent answer from a VM that stopped.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator, VmRecord } from '../../sim/index.js';
import {
  annotations, expectNoSecretsShown, failed, lifecycleSim, ok, requests, seedVm, step, until,
} from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterEach(() => sim.configure({ faults: {} }));
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

function running(vm: VmRecord): VmRecord {
  vm.status = 'running';
  vm.qmpstatus = 'running';
  vm.startedAt = Date.now();
  return vm;
}

const taskOf = (s: Simulator, type: string, vmid: number) => s.tasks().filter((t) => t.type === type && t.id === String(vmid));

/**
 * The step has seen `type`'s task end and asked for the VM's status afterwards: however slow the machine, an action
 * that stops at the task's end has read the state it reports by now.
 */
async function sawTaskEnd(s: Simulator, type: string, vmid: number, since: number): Promise<void> {
  await until(() => {
    const ended = taskOf(s, type, vmid).at(-1)?.endedAt;
    return ended !== undefined && requests(s, since, (e) => e.path.endsWith(`/qemu/${vmid}/status/current`) && e.at > ended).length > 0;
  }, `a status read after the ${type} task of VM ${vmid} ended`);
}

// `_do_vm_stop` polls `timeout` s, then (forceStop; always for a hard stop) sends SIGTERM and waits up to 10 s more.
// Real seconds are needed to show it: the simulator runs at full time, and QEMU takes 2 s to go after `quit` or
// SIGTERM (a destroy is quick here, so `timeout: 1` only tests the stop).
describe('a forced stop outlives timeout', () => {
  let slow: Simulator;
  beforeAll(async () => {
    slow = await lifecycleSim({ timeScale: 1, durations: { qmstop: 2000, qmdestroy: 100 } });
  });
  afterAll(async () => {
    await slow.close();
    expectNoSecretsShown(slow);
  });

  test('state: stopped with force: the guest ignores the shutdown; the step waits for PVE to terminate it', async () => {
    const vm = running(seedVm(slow, 760, 'pve1', { name: 'stubborn' }));
    vm.guest = { ignoreShutdown: true };
    const run = await step(slow, { vmid: '760', state: 'stopped', force: 'true', timeout: '1' }, { post: false });
    const out = ok(run);
    expect(out.status).toBe('stopped');
    expect(vm.status).toBe('stopped');
    const task = taskOf(slow, 'qmshutdown', 760).at(-1)!;
    // A plain warn (pve-common RESTEnvironment.pm): the task ends OK, the line is in its log as it is.
    expect(task.exitstatus).toBe('OK');
    expect(task.log).toContain('VM still running - terminating now with SIGTERM');
    // The step says so itself: the task's status does not.
    expect(annotations(run.main, 'warning')).toEqual([
      'shutdown VM 760: the guest did not shut down within 1 s, so PVE stopped VM 760 hard (force)',
    ]);
  });

  test('state: absent with force: a QEMU slower than timeout to quit is terminated, then the VM is removed', async () => {
    running(seedVm(slow, 761, 'pve1', { name: 'slow-quit' }));
    const out = ok(await step(slow, { vmid: '761', state: 'absent', force: 'true', timeout: '1' }, { post: false }));
    expect(out.changed).toBe('true');
    expect(slow.state.vms.has(761)).toBe(false);
    const stop = taskOf(slow, 'qmstop', 761).at(-1)!;
    expect(stop.exitstatus).toBe('OK');
    expect(stop.log).toContain('VM still running - terminating now with SIGTERM');
  });
});

// QemuServer.pm `vm_reboot` ends with the VM off; `qm cleanup` (CLI/qm.pm, run by qmeventd) starts it in a qmstart
// task of its own. That start is held until the step has read the state after the reboot task.
test('state: restarted waits until PVE has started the VM again', async () => {
  running(seedVm(sim, 765, 'pve1', { name: 'rebooter' }));
  const since = sim.log.length;
  sim.configure({ faults: { holdTasks: ['qmstart'] } });
  const pending = step(sim, { vmid: '765', state: 'restarted' }, { post: false });
  await sawTaskEnd(sim, 'qmreboot', 765, since);
  sim.configure({ faults: {} });
  const out = ok(await pending);
  expect(out.status).toBe('running');
  const reboot = taskOf(sim, 'qmreboot', 765).at(-1)!;
  const restart = taskOf(sim, 'qmstart', 765).at(-1)!;
  expect(reboot.exitstatus).toBe('OK');
  expect(restart.upid).toMatch(/:root@pam:$/);
  expect(restart.endedAt!).toBeGreaterThan(reboot.endedAt!);
});

// API2/Qemu.pm `vm_start` / `vm_shutdown` for an HA resource: hastart/hastop end once the request is queued; the HA
// manager's LRM starts or stops the VM later in a task of its own (held here until the step looked).
describe('HA-managed VMs', () => {
  test('state: started waits for the HA manager to start the VM', async () => {
    const vm = seedVm(sim, 764, 'pve1', { name: 'ha-vm' });
    vm.ha = { state: 'stopped' };
    const since = sim.log.length;
    sim.configure({ faults: { holdTasks: ['qmstart'] } });
    const pending = step(sim, { vmid: '764', state: 'started' }, { post: false });
    await sawTaskEnd(sim, 'hastart', 764, since);
    sim.configure({ faults: {} });
    const run = await pending;
    const out = ok(run);
    expect(out.status).toBe('running');
    expect(vm.status).toBe('running');
    expect(run.main.stdout).toContain('VM 764 is HA-managed');
    const lrm = taskOf(sim, 'qmstart', 764).at(-1)!;
    expect(lrm.log[0]).toBe('task started by HA resource agent');
    expect(lrm.endedAt!).toBeGreaterThan(taskOf(sim, 'hastart', 764).at(-1)!.endedAt!);
  });

  test('state: stopped waits for the HA manager to shut the VM down', async () => {
    const vm = running(seedVm(sim, 766, 'pve1', { name: 'ha-stop' }));
    vm.ha = { state: 'started' };
    const since = sim.log.length;
    sim.configure({ faults: { holdTasks: ['qmshutdown'] } });
    const pending = step(sim, { vmid: '766', state: 'stopped' }, { post: false });
    await sawTaskEnd(sim, 'hastop', 766, since);
    sim.configure({ faults: {} });
    const out = ok(await pending);
    expect(out.status).toBe('stopped');
    expect(vm.ha).toEqual({ state: 'stopped' });
  });

  test('a start the HA manager gives up on (service state error) fails the step at once, saying so', async () => {
    const vm = seedVm(sim, 767, 'pve1', { name: 'ha-broken', lock: 'backup' });
    vm.ha = { state: 'stopped' };
    const err = failed(await step(sim, { vmid: '767', state: 'started', timeout: '300' }, { post: false }));
    // The verdict comes from the service state, not from `timeout` running out.
    expect(err).toMatch(/start VM 767: the HA manager has vm:767 in state 'error'/);
    expect(err).not.toMatch(/did not|still stopped/);
    expect(taskOf(sim, 'qmstart', 767).at(-1)!.exitstatus).toBe('VM is locked (backup)');
    expect(vm.status).toBe('stopped');
  });
});

// QemuServer.pm `parse_hotplug_features`: `hotplug: 1` is network,disk,usb; memory then waits for the next start.
test('hotplug: 1 on a running VM: a memory change stays pending, and the step says so', async () => {
  const vm = running(seedVm(sim, 762, 'pve1', { name: 'hp-one', memory: '2048', numa: '1', hotplug: '1', net0: 'virtio=BC:24:11:00:07:62,bridge=vmbr0' }));
  const run = await step(sim, { vmid: '762', state: 'present', update: 'true', memory: '4096' }, { post: false });
  ok(run);
  expect(vm.config.memory).toBe('2048');
  expect(vm.pending.memory).toBe('4096');
  expect(annotations(run.main, 'warning')).toEqual([
    'configure VM 762: memory is pending until the VM next starts: PVE could not change it on the running VM (hotplug: 1); state: restarted applies it',
  ]);
});

// A hibernated VM holds `lock: suspended` until it is started again (QemuServer.pm `vm_start`): retrying until
// `timeout` cannot help, so the step fails at the first refusal and says what to do.
test('a hibernated VM (lock: suspended) fails the update at once with what to do', async () => {
  const vm = seedVm(sim, 763, 'pve1', { name: 'sleeper', lock: 'suspended', vmstate: 'local-lvm:vm-763-state-suspend-2026-01-01' });
  const since = sim.log.length;
  const err = failed(await step(sim, { vmid: '763', state: 'present', update: 'true', cores: '4', timeout: '30' }, { post: false }));
  expect(err).toMatch(/configure VM 763: .*the VM is hibernated \(lock: suspended\).*state: started/);
  expect(err).toContain('VM is locked (suspended)');
  expect(requests(sim, since, (e) => e.path === '/nodes/pve1/qemu/763/config' && e.method !== 'GET')).toHaveLength(1);
  expect(vm.config.lock).toBe('suspended');
});

// QemuServer.pm `destroy_vm` skips check_lock for `lock: suspended`: removing a hibernated VM needs no skiplock.
test('state: absent removes a hibernated VM (lock: suspended) without skiplock', async () => {
  seedVm(sim, 764, 'pve1', { name: 'sleeper-gone', lock: 'suspended', vmstate: 'local-lvm:vm-764-state-suspend-2026-01-01' });
  const out = ok(await step(sim, { vmid: '764', state: 'absent' }, { post: false }));
  expect(out.changed).toBe('true');
  expect(sim.state.vms.has(764)).toBe(false);
});

// Agent.pm `assert_agent_available`: "VM <id> is not running" once QEMU is gone. The client's message also names the
// request path (.../agent/...), which the old check mistook for an agent error and kept waiting.
test('wait_for: the VM stops while the step waits for its agent: it fails at once', async () => {
  sim.configure({ durations: { agentUp: 100_000_000 } });
  try {
    const vm = seedVm(sim, 768, 'pve1', { name: 'goes-away', agent: '1', net0: 'virtio=BC:24:11:00:07:68,bridge=vmbr0' });
    const since = sim.log.length;
    const agentPath = '/nodes/pve1/qemu/768/agent/network-get-interfaces';
    const pending = step(sim, { vmid: '768', state: 'started', wait_for: 'agent', wait_timeout: '60' }, { post: false });
    await until(() => requests(sim, since, (e) => e.path === agentPath && e.status === 500).length > 0, 'a refused agent call');
    // The guest powers itself off (or someone stops it): QEMU is gone.
    vm.status = 'stopped';
    vm.qmpstatus = 'stopped';
    vm.agentUpAt = undefined;
    const stoppedAt = Date.now();
    const err = failed(await pending);
    expect(err).toMatch(/VM 768 is not running \(it stopped while the step waited for its guest\)/);
    // One answer saying the VM is not running was enough.
    expect(requests(sim, since, (e) => e.path === agentPath && e.at > stoppedAt)).toHaveLength(1);
  } finally {
    sim.configure({ durations: { agentUp: 2000 } });
  }
});
