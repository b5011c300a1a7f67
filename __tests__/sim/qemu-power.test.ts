// status/* endpoints and the guest agent: which errors are synchronous and which end up in the task, shutdown
// timeouts with and without forceStop, suspend to RAM and to disk, and the agent's four errors in PVE's order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQemuSim, until, type QemuSim } from './qemu-support.js';

let q: QemuSim;
beforeAll(async () => {
  q = await startQemuSim();
  await q.create(500, { name: 'pwr', memory: '2048', cores: 2, scsi0: 'local-lvm:4', net0: 'virtio,bridge=vmbr0', agent: '1' });
  await q.create(501, { scsi0: 'local-lvm:1' });
});
afterAll(() => q.close());

const status = async (vmid: number) => (await q.api('GET', `/nodes/pve1/qemu/${vmid}/status/current`)).json.data;
const post = (vmid: number, action: string, params: Record<string, string | number> = {}, auth = q.token) =>
  q.api('POST', `/nodes/pve1/qemu/${vmid}/status/${action}`, params, auth);
const runPower = async (vmid: number, action: string, params: Record<string, string | number> = {}) => {
  const res = await post(vmid, action, params);
  expect(res.status).toBe(200);
  return { upid: res.json.data as string, exit: await q.wait(res.json.data) };
};

describe('start and stop', () => {
  it('start returns a UPID even for a missing VM and fails in the task', async () => {
    const { upid, exit } = await runPower(999, 'start');
    expect(upid).toContain(':qmstart:999:');
    expect(exit).toBe("Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist");
    expect((await runPower(999, 'stop')).exit).toBe("unable to find configuration file for VM 999 on node 'pve1'");
  });

  it('starts, reports running fields, and refuses a second start in the task', async () => {
    expect((await runPower(500, 'start')).exit).toBe('OK');
    const st = await status(500);
    expect(st).toMatchObject({ vmid: 500, status: 'running', qmpstatus: 'running', name: 'pwr', cpus: 2, agent: 1, ha: { managed: 0 } });
    expect(st.maxmem).toBe(2048 * 1024 ** 2);
    expect(st.maxdisk).toBe(4 * 1024 ** 3);
    expect(st.pid).toBeGreaterThan(0);
    expect((await runPower(500, 'start')).exit).toBe('VM 500 already running');
  });

  it('stops, and stopping a stopped VM is TASK OK', async () => {
    expect((await runPower(501, 'stop')).exit).toBe('OK');
    const st = await status(501);
    expect(st).toMatchObject({ status: 'stopped', qmpstatus: 'stopped', uptime: 0, cpu: 0, mem: 0, name: 'VM 501' });
    expect(st.agent).toBeUndefined();
  });

  it('refuses templates and locked VMs in the start task, and root-only options for others', async () => {
    q.sim.state.vms.get(501)!.config.lock = 'migrate';
    expect((await runPower(501, 'start')).exit).toBe('VM is locked (migrate)');
    delete q.sim.state.vms.get(501)!.config.lock;
    const res = await post(501, 'start', { skiplock: 1 });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({ skiplock: 'Only root may use this option.' });
  });
});

describe('shutdown, reboot, reset', () => {
  it('reboot and reset need a running VM (sync), and a missing VM is named as such', async () => {
    let res = await post(501, 'reboot');
    expect(res.status).toBe(500);
    expect(res.statusText).toBe('VM 501 not running');
    res = await post(501, 'reset');
    expect(res.statusText).toBe('VM 501 not running');
    res = await post(998, 'reboot');
    expect(res.statusText).toBe("unable to find configuration file for VM 998 on node 'pve1'");
  });

  // QemuServer.pm `vm_reboot` ends with the VM off; qmeventd's `qm cleanup` (CLI/qm.pm) starts it in a qmstart task of
  // its own. That restart is held here, so the state between the two is observable however slow the machine.
  it('reboot stops the VM (applying pending changes), and a separate root@pam qmstart starts it again', async () => {
    await q.api('PUT', '/nodes/pve1/qemu/500/config', { cores: 4 });
    expect((await q.config(500, 'pve1', { current: 1 })).cores).toBe(2);
    q.sim.configure({ faults: { holdTasks: ['qmstart'] } });
    let reboot: { upid: string; exit: string };
    try {
      reboot = await runPower(500, 'reboot');
      expect(reboot.exit).toBe('OK');
      expect((await q.config(500, 'pve1', { current: 1 })).cores).toBe(4);
      expect((await status(500)).status).toBe('stopped');
    } finally {
      q.sim.configure({ faults: {} });
    }
    await q.sim.waitForTasks();
    const tasks = q.sim.tasks();
    const restart = tasks.slice(tasks.findIndex((t) => t.upid === reboot.upid)).find((t) => t.type === 'qmstart' && t.id === '500');
    expect(restart?.upid).toMatch(/:qmstart:500:root@pam:$/);
    expect(restart?.exitstatus).toBe('OK');
    expect((await status(500)).status).toBe('running');
    expect((await runPower(500, 'reset')).exit).toBe('OK');
  });

  // `_do_vm_stop`: the SIGTERM line is a plain `warn` (the task ends OK), and it comes only after `timeout`.
  it('a guest that ignores ACPI times out, or is terminated with forceStop (a plain warn: TASK OK)', async () => {
    q.sim.state.vms.get(500)!.guest = { ignoreShutdown: true };
    q.sim.state.vms.get(500)!.agentUpAt = Date.now(); // the agent answers: no "not running" line in the log
    try {
      expect((await runPower(500, 'shutdown', { timeout: 3 })).exit).toBe('VM quit/powerdown failed - got timeout');
      expect((await status(500)).status).toBe('running');
      const forced = await runPower(500, 'shutdown', { timeout: 3, forceStop: 1 });
      expect(forced.exit).toBe('OK');
      expect(q.log(forced.upid)).toEqual(['VM still running - terminating now with SIGTERM', 'TASK OK']);
      expect((await status(500)).status).toBe('stopped');
    } finally {
      q.sim.state.vms.get(500)!.guest = undefined;
    }
  });

  it('a QEMU that outlives SIGTERM by 10 s gets SIGKILL; the task still ends OK', async () => {
    expect((await runPower(500, 'start')).exit).toBe('OK');
    const vm = q.sim.state.vms.get(500)!;
    vm.guest = { ignoreShutdown: true };
    vm.agentUpAt = Date.now();
    q.sim.configure({ durations: { qmstop: 20_000 } });
    try {
      const forced = await runPower(500, 'shutdown', { timeout: 1, forceStop: 1 });
      expect(forced.exit).toBe('OK');
      expect(q.log(forced.upid)).toEqual([
        'VM still running - terminating now with SIGTERM',
        'VM still running - terminating now with SIGKILL',
        'TASK OK',
      ]);
      expect((await status(500)).status).toBe('stopped');
    } finally {
      q.sim.configure({ durations: { qmstop: 600 } });
      vm.guest = undefined;
    }
  });

  it('a normal guest shuts down; overrule-shutdown stop aborts a pending shutdown', async () => {
    expect((await runPower(500, 'start')).exit).toBe('OK');
    expect((await runPower(500, 'shutdown')).exit).toBe('OK');
    expect((await status(500)).status).toBe('stopped');
    expect((await runPower(500, 'shutdown')).exit).toBe('OK');

    expect((await runPower(500, 'start')).exit).toBe('OK');
    q.sim.state.vms.get(500)!.guest = { ignoreShutdown: true };
    // The shutdown is held (holdTasks) so it cannot time out (60 s scaled: 1.2 s) before the stop overrules it.
    q.sim.configure({ faults: { holdTasks: ['qmshutdown'] } });
    try {
      const sd = (await post(500, 'shutdown')).json.data as string;
      const stop = await runPower(500, 'stop', { 'overrule-shutdown': 1 });
      expect(stop.exit).toBe('OK');
      expect(q.log(stop.upid)[0]).toBe(`overruled qmshutdown tasks: ${sd}`);
      // The stop kills the shutdown worker; its SIGTERM handler dies "received interrupt" (RESTEnvironment.pm).
      expect(await q.wait(sd)).toBe('received interrupt');
    } finally {
      q.sim.configure({ faults: {} });
      q.sim.state.vms.get(500)!.guest = undefined;
    }
  });
});

describe('shutdown with a configured agent that does not answer', () => {
  // `_do_vm_stop` asks qga_check_running first: the failed ping is a plain warn, and the shutdown goes by ACPI.
  it('logs the failed guest-ping and still shuts the VM down', async () => {
    expect((await runPower(500, 'start')).exit).toBe('OK');
    const vm = q.sim.state.vms.get(500)!;
    vm.guest = { agentNeverUp: true };
    try {
      const sd = await runPower(500, 'shutdown');
      expect(sd.exit).toBe('OK');
      expect(q.log(sd.upid)).toEqual(["QEMU Guest Agent is not running - VM 500 qga command 'guest-ping' failed - got timeout", 'TASK OK']);
      expect((await status(500)).status).toBe('stopped');
    } finally {
      vm.guest = undefined;
    }
  });
});

describe('suspend and resume', () => {
  it('pauses (qmpause) and resumes; a paused VM cannot be shut down', async () => {
    expect((await runPower(500, 'start')).exit).toBe('OK');
    const paused = await runPower(500, 'suspend');
    expect(paused.upid).toContain(':qmpause:500:');
    expect(await status(500)).toMatchObject({ status: 'running', qmpstatus: 'paused' });
    const res = await post(500, 'shutdown');
    expect(res.statusText).toBe('VM is paused - cannot shutdown');
    expect((await runPower(500, 'resume')).exit).toBe('OK');
    expect((await status(500)).qmpstatus).toBe('running');
  });

  it('hibernates to disk (lock: suspended, vmstate) and resumes through start', async () => {
    const hib = await runPower(500, 'suspend', { todisk: 1 });
    expect(hib.upid).toContain(':qmsuspend:500:');
    expect(hib.exit).toBe('OK');
    const st = await status(500);
    expect(st).toMatchObject({ status: 'stopped', lock: 'suspended' });
    const conf = await q.config(500);
    expect(String(conf.vmstate)).toMatch(/^local-lvm:vm-500-state-suspend-\d{4}-\d{2}-\d{2}$/);
    expect((await post(500, 'suspend')).statusText).toBe('VM 500 not running');
    expect((await runPower(500, 'resume')).exit).toBe('OK');
    const after = await q.config(500);
    expect(after.lock).toBeUndefined();
    expect(after.vmstate).toBeUndefined();
    expect((await status(500)).status).toBe('running');
  });
});

describe('guest agent', () => {
  const nics = (vmid: number) => q.api('GET', `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`);

  it('answers PVE\'s errors in order, then the interfaces once the agent is up', async () => {
    expect((await nics(997)).json.message).toBe("Configuration file 'nodes/pve1/qemu-server/997.conf' does not exist\n");
    expect((await nics(501)).json.message).toBe('No QEMU guest agent configured\n');
    await q.api('PUT', '/nodes/pve1/qemu/501/config', { agent: 'enabled=1' });
    expect((await nics(501)).json.message).toBe('VM 501 is not running\n');
    // The agent would take "forever" to come up; the test brings it up once it has seen the early answer.
    q.sim.configure({ durations: { agentUp: 100_000_000 } });
    try {
      expect((await runPower(501, 'start')).exit).toBe('OK');
      const early = await nics(501);
      expect(early.status).toBe(500);
      expect(early.json.message).toBe('QEMU guest agent is not running\n');
    } finally {
      q.sim.configure({ durations: { agentUp: 2000 } });
    }
    q.sim.state.vms.get(501)!.agentUpAt = Date.now();
    await q.api('PUT', '/nodes/pve1/qemu/501/config', { net0: 'virtio=BC:24:11:0A:0B:0C,bridge=vmbr0' });
    await until(async () => (await nics(501)).status === 200);
    const data = (await nics(501)).json.data;
    expect(data.result[0]).toMatchObject({ name: 'lo', 'hardware-address': '00:00:00:00:00:00' });
    const eth0 = data.result[1];
    expect(eth0.name).toBe('eth0');
    expect(eth0['hardware-address']).toBe('bc:24:11:0a:0b:0c');
    expect(eth0['ip-addresses']).toEqual([
      { 'ip-address': '10.1.245.100', 'ip-address-type': 'ipv4', prefix: 24 },
      { 'ip-address': 'fd00::1f5:1', 'ip-address-type': 'ipv6', prefix: 64 },
      { 'ip-address': 'fe80::be24:11ff:fe0a:b0c', 'ip-address-type': 'ipv6', prefix: 64 },
    ]);
    expect(eth0.statistics['rx-bytes']).toBeGreaterThan(0);
    expect((await q.api('POST', '/nodes/pve1/qemu/501/agent/ping')).json).toEqual({ data: { result: {} } });
  });

  it('follows the test overrides in VmRecord.guest, and agent: 0 fails the last check', async () => {
    const vm = q.sim.state.vms.get(501)!;
    vm.guest = { ipv4: ['192.168.7.9/16'] };
    const eth0 = (await nics(501)).json.data.result[1];
    expect(eth0['ip-addresses'][0]).toEqual({ 'ip-address': '192.168.7.9', 'ip-address-type': 'ipv4', prefix: 16 });
    vm.guest = { noAddresses: true };
    expect((await nics(501)).json.data.result[1]['ip-addresses']).toBeUndefined();
    vm.guest = { agentNeverUp: true };
    expect((await nics(501)).json.message).toBe('QEMU guest agent is not running\n');
    vm.guest = undefined;
    vm.config.agent = '0';
    expect((await nics(501)).json.message).toBe('QEMU guest agent is not running\n');
  });
});

// API2/Qemu.pm `vm_start` / `vm_stop` / `vm_shutdown` for an HA resource: an hastart/hastop task that only queues the
// request (`ha-manager set`, `ha-manager crm-command stop`); the LRM does the work later in a task of its own.
describe('HA-managed VM', () => {
  const lrmTask = (type: string, after: string) => {
    const tasks = q.sim.tasks();
    return tasks.slice(tasks.findIndex((t) => t.upid === after)).find((t) => t.type === type && t.id === '502');
  };

  beforeAll(async () => {
    await q.create(502, { name: 'ha', scsi0: 'local-lvm:1' });
    q.sim.state.vms.get(502)!.ha = { state: 'stopped' };
  });

  it('start: the hastart task ends with the VM still stopped; the LRM starts it as root@pam', async () => {
    q.sim.configure({ faults: { holdTasks: ['qmstart'] } });
    let ha: { upid: string; exit: string };
    try {
      ha = await runPower(502, 'start');
      expect(ha.upid).toContain(':hastart:502:');
      expect(ha.exit).toBe('OK');
      expect(q.log(ha.upid)).toEqual(['Requesting HA start for VM 502', 'TASK OK']);
      expect(await status(502)).toMatchObject({ status: 'stopped', ha: { managed: 1 } });
      await until(() => lrmTask('qmstart', ha.upid) !== undefined);
    } finally {
      q.sim.configure({ faults: {} });
    }
    await q.sim.waitForTasks();
    const lrm = lrmTask('qmstart', ha.upid)!;
    expect(lrm.upid).toMatch(/:root@pam:$/);
    expect(lrm.log).toEqual(['task started by HA resource agent', 'TASK OK']);
    expect(await status(502)).toMatchObject({ status: 'running', ha: { managed: 1, state: 'started' } });
  });

  it('shutdown and stop become hastop; overrule-shutdown and hibernation are refused', async () => {
    const stop = await post(502, 'stop', { 'overrule-shutdown': 1 });
    expect(stop.status).toBe(400);
    expect(stop.json.errors).toEqual({ 'overrule-shutdown': 'Not applicable for HA resources.' });
    expect((await post(502, 'suspend', { todisk: 1 })).statusText).toBe('Cannot suspend HA managed VM to disk');
    const sd = await runPower(502, 'shutdown', { timeout: 5 });
    expect(sd.upid).toContain(':hastop:502:');
    expect(q.log(sd.upid)).toEqual(['Requesting HA stop for VM 502', 'TASK OK']);
    await q.sim.waitForTasks();
    await until(async () => (await status(502)).status === 'stopped');
    expect(lrmTask('qmshutdown', sd.upid)?.upid).toMatch(/:root@pam:$/);
    expect((await status(502)).ha).toEqual({ managed: 1, state: 'stopped' });
  });

  it('a start the LRM cannot do leaves the service in state error', async () => {
    q.sim.state.vms.get(502)!.config.lock = 'backup';
    try {
      const ha = await runPower(502, 'start');
      expect(ha.exit).toBe('OK');
      await until(async () => (await status(502)).ha.state === 'error');
      await q.sim.waitForTasks();
      expect(lrmTask('qmstart', ha.upid)?.exitstatus).toBe('VM is locked (backup)');
    } finally {
      delete q.sim.state.vms.get(502)!.config.lock;
    }
  });
});
