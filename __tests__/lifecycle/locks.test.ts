// Lock conflicts: another operation holds the VM's flock (or a `lock:` property) for a while. The step retries
// the refused change inside `timeout` and succeeds; when the lock outlives `timeout` it fails with a clear error.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { Simulator } from '../../sim/index.js';
import { expectNoSecretsShown, failed, lifecycleSim, ok, requests, seedVm, step, until } from './support.js';

// The held locks here end on events, not on a clock: "for a while" is "until the step has been refused once"
// (holdLock's releaseAfterRefusals), "longer than `timeout`" is "until the test is over" (replacing the fault
// set releases it). However slow the machine, the step meets the lock, and the lock does not end on its own.
const REFUSED_ONCE = { releaseAfterRefusals: 1 };

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim({ timeScale: 0.02 });
});
afterEach(() => sim.configure({ faults: {} }));
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const vm = (vmid: number, extra: Record<string, string> = {}) =>
  seedVm(sim, vmid, 'pve1', { name: `locked-${vmid}`, memory: '1024', net0: `virtio=BC:24:11:00:0${vmid % 10}:00,bridge=vmbr0`, ...extra });

// A stopped VM's plain update goes through PVE's synchronous PUT (vm/hotplug.ts): the request itself waits for the
// flock and answers 500 "can't lock file" when PVE's 10 s wait runs out.
test('an update (PUT, stopped VM) while the flock is held for a while is retried and succeeds', async () => {
  vm(300);
  const since = sim.log.length;
  // PVE's config update waits 10 s (simulated) for the flock, i.e. 200 ms here; the lock goes once it refused one.
  sim.configure({ faults: { holdLock: { vmid: 300, ...REFUSED_ONCE } } });
  const run = await step(sim, { vmid: '300', update: 'true', memory: '2048' }, { post: false });
  const out = ok(run);
  expect(out.changed).toBe('true');
  expect(sim.state.vms.get(300)?.config.memory).toBe('2048');
  expect(run.main.stdout).toMatch(/configure VM 300: .*can't lock file '\/var\/lock\/qemu-server\/lock-300\.conf' - got timeout — retrying in \d+ ms \(attempt 2\)/);
  const writes = requests(sim, since, (e) => e.path === '/nodes/pve1/qemu/300/config' && e.method !== 'GET');
  expect(writes.every((e) => e.method === 'PUT')).toBe(true);
  expect(writes.length).toBeGreaterThan(1);
  // Every attempt but the last was refused; the last one did it.
  expect(writes.slice(0, -1).map((e) => e.status)).toEqual(writes.slice(0, -1).map(() => 500));
  expect(writes.at(-1)!.status).toBe(200);
  expect(sim.tasks().filter((t) => t.type === 'qmconfig' && t.id === '300')).toEqual([]);
});

// On a running VM whose `hotplug` includes memory, a memory change is hot-plugged: POST and a qmconfig task, whose
// failure ("can't lock file" inside the worker) is retried the same way.
test('an update (POST, hot-plug on a running VM) while the flock is held is retried and succeeds', async () => {
  const v = vm(305, { hotplug: 'network,disk,usb,memory', numa: '1' });
  v.status = 'running';
  v.qmpstatus = 'running';
  const since = sim.log.length;
  sim.configure({ faults: { holdLock: { vmid: 305, ...REFUSED_ONCE } } });
  const run = await step(sim, { vmid: '305', update: 'true', memory: '2048' }, { post: false });
  ok(run);
  expect(run.main.stdout).toMatch(/configure VM 305: .*can't lock file '\/var\/lock\/qemu-server\/lock-305\.conf' - got timeout — retrying in \d+ ms \(attempt 2\)/);
  const posts = requests(sim, since, (e) => e.method === 'POST' && e.path === '/nodes/pve1/qemu/305/config');
  expect(requests(sim, since, (e) => e.method === 'PUT' && e.path === '/nodes/pve1/qemu/305/config')).toEqual([]);
  expect(posts.length).toBeGreaterThan(1);
  const failedTasks = sim.tasks().filter((t) => t.type === 'qmconfig' && t.id === '305' && t.exitstatus !== 'OK');
  expect(failedTasks.length).toBe(posts.length - 1);
  expect(sim.state.vms.get(305)?.config.memory).toBe('2048');
});

test('a start while the flock is held is retried and succeeds', async () => {
  vm(301);
  sim.configure({ faults: { holdLock: { vmid: 301, ...REFUSED_ONCE } } });
  const run = await step(sim, { vmid: '301', state: 'started' }, { post: false });
  const out = ok(run);
  expect(out.status).toBe('running');
  expect(run.main.stdout).toMatch(/start VM 301: .*got timeout — retrying in \d+ ms/);
  expect(sim.state.vms.get(301)?.status).toBe('running');
});

test('a `lock:` property (e.g. a running backup) refuses the update at once; it is retried until it goes', async () => {
  const v = vm(302, { lock: 'backup' });
  const since = sim.log.length;
  const pending = step(sim, { vmid: '302', update: 'true', memory: '3072' }, { post: false });
  await until(() => requests(sim, since, (e) => e.method === 'PUT' && e.path === '/nodes/pve1/qemu/302/config' && e.status === 500).length >= 1, 'a refused update');
  delete v.config.lock; // the backup ended
  const run = await pending;
  ok(run);
  expect(run.main.stdout).toMatch(/VM is locked \(backup\).*retrying/);
  expect(sim.state.vms.get(302)?.config.memory).toBe('3072');
});

// The lock below never goes while the step runs, so a step that ends at all gave up by itself. The duration bound
// only tells "about `timeout` (2 s)" from "many times it": far above what a loaded machine needs (process start-up
// included), far below the test's own time limit.
const ABOUT_TIMEOUT_MS = 30_000;

test('a lock held longer than `timeout`: a clear error within about `timeout`', async () => {
  vm(303);
  sim.configure({ faults: { holdLock: { vmid: 303 } } }); // held until afterEach replaces the fault set
  const run = await step(sim, { vmid: '303', update: 'true', memory: '4096', timeout: '2' }, { post: false });
  const err = failed(run);
  expect(err).toMatch(/configure VM 303/);
  expect(err).toMatch(/can't lock file '\/var\/lock\/qemu-server\/lock-303\.conf' - got timeout/);
  expect(sim.state.flocks.get(303), 'the lock was still held when the step gave up').toMatchObject({ exclusive: true, holders: 1 });
  expect(run.main.durationMs).toBeLessThan(ABOUT_TIMEOUT_MS);
  expect(sim.state.vms.get(303)?.config.memory).toBe('1024');
});

test('a `lock:` property that stays: the step gives up after `timeout` and names the lock', async () => {
  vm(304, { lock: 'migrate' });
  const run = await step(sim, { vmid: '304', state: 'started', timeout: '2' }, { post: false });
  const err = failed(run);
  expect(err).toMatch(/VM is locked \(migrate\)/);
  expect(run.main.durationMs).toBeLessThan(ABOUT_TIMEOUT_MS);
  expect(sim.state.vms.get(304)?.status).toBe('stopped');
});
