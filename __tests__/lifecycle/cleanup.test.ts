// The post step's cleanup: always / on-failure / never, after a failed main step, of half-created VMs, never of
// a VM the step did not create, and problems reported as warnings (the post step itself never fails the job).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RequestLogEntry, Simulator } from '../../sim/index.js';
import { DEFAULT_DURATIONS } from '../../sim/index.js';
import {
  GUEST, annotations, expectNoSecretsShown, failed, isDestroy, lifecycleSim, ok, requests, seedVm, step, until, vmByName,
} from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterEach(() => {
  sim.configure({ durations: { ...DEFAULT_DURATIONS }, faults: {} });
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const started = (name: string, extra: Record<string, string> = {}) => ({ node: 'pve1', name, state: 'started', ...GUEST, ...extra });
const gone = (vmid: string | number) => !sim.state.vms.has(Number(vmid));

const isLogin = (e: RequestLogEntry) => e.method === 'POST' && e.path === '/access/ticket' && e.status === 200;

/**
 * Keeps the worker tasks of `types` unfinished (holdTasks) until the post step has logged in, i.e. until the main
 * step is over (each step is its own process and logs in once) and, with `postPolls`, until the post step has
 * also asked for the status of such a task: the main step meets the task running, whether it is cancelled or
 * times out, and the post step has to wait for it, however slow the machine is.
 */
async function holdTasksUntilPost(since: number, types: string[], main: Promise<unknown>, postPolls = false): Promise<void> {
  sim.configure({ faults: { holdTasks: types } });
  let ended = false;
  void main.finally(() => (ended = true));
  const isPoll = (e: RequestLogEntry) => types.some((t) => e.path.includes(`:${t}:`)) && e.path.endsWith('/status');
  const postStarted = () => {
    const login = requests(sim, since, isLogin)[1];
    return login !== undefined && (!postPolls || requests(sim, sim.log.indexOf(login), isPoll).length > 0);
  };
  try {
    await until(() => ended || postStarted(), postPolls ? 'the post step polling the task' : 'the post step logging in');
  } finally {
    sim.configure({ faults: {} });
  }
}

describe('cleanup policies', () => {
  test('always: the post step stops and destroys the VM the step created', async () => {
    const since = sim.log.length;
    const run = await step(sim, started('cl-always', { cleanup: 'always', wait_for: 'ip' }));
    const out = ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain(`cleanup: VM ${out.vmid} on pve1 destroyed`);
    expect(gone(out.vmid)).toBe(true);
    const del = requests(sim, since, isDestroy(out.vmid));
    expect(del).toHaveLength(1);
    expect(del[0].params).toMatchObject({ purge: '1', 'destroy-unreferenced-disks': '1' });
    // The stop came before the destroy (PVE refuses to destroy a running VM).
    const stopAt = requests(sim, since).findIndex((e) => e.path === `/nodes/pve1/qemu/${out.vmid}/status/stop`);
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(stopAt).toBeLessThan(requests(sim, since).indexOf(del[0]));
    expect(annotations(run.post, 'warning')).toEqual([]);
  });

  test('on-failure, main step succeeded: the VM stays', async () => {
    const since = sim.log.length;
    const run = await step(sim, started('cl-onfail-ok', { cleanup: 'on-failure' }));
    const out = ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain('leaving the VM in place');
    expect(vmByName(sim, 'cl-onfail-ok')?.status).toBe('running');
    expect(requests(sim, since, isDestroy(out.vmid))).toEqual([]);
  });

  test('on-failure, main step failed (wait_for timed out): the post step destroys the VM', async () => {
    sim.configure({ durations: { agentUp: 10_000_000 } }); // the agent never answers within the test
    const run = await step(sim, started('cl-onfail-bad', { cleanup: 'on-failure', wait_for: 'agent', wait_timeout: '1' }));
    expect(failed(run)).toMatch(/gave up waiting for the guest agent after 1 s/);
    const vmid = run.main.outputs.vmid;
    expect(vmid).toMatch(/^\d+$/);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
    expect(gone(vmid)).toBe(true);
  });

  test('never: the VM stays even when the main step failed', async () => {
    sim.configure({ durations: { agentUp: 10_000_000 } });
    const since = sim.log.length;
    const run = await step(sim, started('cl-never', { cleanup: 'never', wait_for: 'agent', wait_timeout: '1' }));
    failed(run);
    const vmid = run.main.outputs.vmid;
    expect(run.post?.exitCode).toBe(0);
    expect(requests(sim, since, isDestroy(vmid))).toEqual([]);
    expect(sim.state.vms.get(Number(vmid))?.status).toBe('running');
  });

  test('the default is never', async () => {
    const run = await step(sim, started('cl-default'));
    const out = ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(sim.state.vms.has(Number(out.vmid))).toBe(true);
  });
});

describe('half-created VMs', () => {
  test('cancelled while the create task runs: the post step waits for the task, then destroys the VM', async () => {
    const since = sim.log.length;
    const pending = step(sim, started('half-create', { cleanup: 'always' }), { debug: true, cancelOn: /create VM \d+: task UPID/ });
    await holdTasksUntilPost(since, ['qmcreate'], pending, true);
    const run = await pending;
    expect(failed(run)).toMatch(/cancel/);
    const vmid = Number(JSON.parse(run.main.state.created).vmid);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
    expect(gone(vmid)).toBe(true);
    // The create task finished (PVE cannot be told to stop it) and the destroy only came after it.
    const create = sim.tasks().find((t) => t.type === 'qmcreate' && t.id === String(vmid))!;
    expect(create.exitstatus).toBe('OK');
    const polls = requests(sim, since, (e) => e.path.includes(create.upid) && e.path.endsWith('/status'));
    expect(polls.length).toBeGreaterThan(1);
    const destroy = requests(sim, since, isDestroy(vmid));
    expect(destroy).toHaveLength(1);
    expect(destroy[0].at).toBeGreaterThanOrEqual(create.endedAt!);
    expect(annotations(run.post, 'warning')).toEqual([]);
  });

  test('cancelled while a full clone is copying: the clone is cleaned up too', async () => {
    seedVm(sim, 900, 'pve1', { name: 'cl-tpl', template: '1', scsi0: 'local-lvm:base-900-disk-0,size=4G', net0: 'virtio=BC:24:11:00:09:00,bridge=vmbr0' });
    sim.state.volumes.get('local-lvm')!.add('base-900-disk-0');
    const since = sim.log.length;
    const pending = step(
      sim,
      { clone: 'cl-tpl', name: 'half-clone', full: 'true', state: 'started', cleanup: 'always' },
      { debug: true, cancelOn: /clone VM 900 to \d+: task UPID/ },
    );
    await holdTasksUntilPost(since, ['qmclone'], pending);
    const run = await pending;
    failed(run);
    const vmid = Number(JSON.parse(run.main.state.created).vmid);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
    expect(gone(vmid)).toBe(true);
    expect(sim.state.vms.has(900)).toBe(true);
  });

  test('the create task fails: PVE removed the VM already, the post step says so', async () => {
    sim.configure({ faults: { failTask: { type: 'qmcreate', message: 'unable to create VM - storage full' } } });
    const since = sim.log.length;
    const run = await step(sim, started('half-failed', { cleanup: 'always' }));
    expect(failed(run)).toMatch(/storage full/);
    const vmid = Number(JSON.parse(run.main.state.created).vmid);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} is already gone`);
    expect(requests(sim, since, isDestroy(vmid))).toEqual([]);
    expect(gone(vmid)).toBe(true);
  });

  // The main step gives up on the create task after `timeout`; the task keeps running on the node. The post
  // step waits for `lock: create` to go, but only for `timeout` again, so a task that needs longer than twice
  // `timeout` leaves the VM behind (and a warning). It should wait for the task to end before destroying.
  test('main step timed out on a slow create: the post step still cleans the VM', async () => {
    // The create outlasts the main step's `timeout` (1 s) for sure: it is held until the post step runs.
    const since = sim.log.length;
    const pending = step(sim, started('half-slow', { cleanup: 'always', timeout: '1' }));
    await holdTasksUntilPost(since, ['qmcreate'], pending);
    const run = await pending;
    expect(failed(run)).toMatch(/create VM \d+/);
    const vmid = Number(JSON.parse(run.main.state.created).vmid);
    expect(annotations(run.post, 'warning')).toEqual([]);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
    expect(gone(vmid)).toBe(true);
  });
});

describe('what the post step must not touch, and how it fails', () => {
  test('state: started on an existing VM with cleanup: always: the post step leaves it', async () => {
    seedVm(sim, 910, 'pve1', { name: 'precious', ...GUEST, net0: 'virtio=BC:24:11:00:09:10,bridge=vmbr0' });
    const since = sim.log.length;
    const run = await step(sim, { vmid: '910', state: 'started', cleanup: 'always' });
    const out = ok(run);
    expect(out.changed).toBe('true');
    expect(run.main.state.created).toBeUndefined();
    expect(run.post?.exitCode).toBe(0);
    expect(requests(sim, since, (e) => e.method !== 'GET' && /\/qemu\/910\b/.test(e.path)).map((e) => e.path)).toEqual([
      '/nodes/pve1/qemu/910/status/start',
    ]);
    expect(sim.state.vms.get(910)?.status).toBe('running');
  });

  test('a re-run that finds its VM by name (created by an earlier job) does not destroy it either', async () => {
    const first = ok(await step(sim, started('rerun', { cleanup: 'never' })));
    const since = sim.log.length;
    const run = await step(sim, started('rerun', { cleanup: 'always' }));
    expect(ok(run).vmid).toBe(first.vmid);
    expect(run.main.state.created).toBeUndefined();
    expect(requests(sim, since, isDestroy(first.vmid))).toEqual([]);
    expect(sim.state.vms.get(Number(first.vmid))?.status).toBe('running');
  });

  test('a protected VM: the post step warns and exits 0, the VM stays', async () => {
    const run = await step(sim, started('protected', { protection: 'true', cleanup: 'always' }));
    const out = ok(run);
    expect(run.post?.exitCode).toBe(0);
    const warnings = annotations(run.post, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`cleanup of VM ${out.vmid} on pve1 failed: .*protection mode enabled`));
    expect(annotations(run.post, 'error')).toEqual([]);
    expect(sim.state.vms.has(Number(out.vmid))).toBe(true);
  });
});
