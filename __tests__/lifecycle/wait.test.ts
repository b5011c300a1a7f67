// wait_for through the bundled action: agent and ip waits, the ip/ipv4/ipv6/interfaces outputs, ip_family,
// ip_cidr on a multi-homed guest, foreign NICs, and the failure paths (no agent, no address, stopped VM).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_DURATIONS, type Simulator, type VmRecord } from '../../sim/index.js';
import {
  GUEST, annotations, expectJsonArray, expectNoSecretsShown, failed, lifecycleSim, ok, releaseAgentAfter, requests, seedVm, step,
  until, vmByName, vmOf,
} from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

const agentCalls = (vmid: number, since = 0) => requests(sim, since, (e) => e.path === `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`);

/** A stopped VM with the agent on and one NIC per MAC, already in the cluster (not created by the step). */
function guestVm(vmid: number, macs: string[], guest: NonNullable<VmRecord['guest']> = {}, agent: string | null = '1') {
  const config: Record<string, string> = { name: `guest-${vmid}` };
  if (agent !== null) config.agent = agent;
  macs.forEach((m, i) => (config[`net${i}`] = `virtio=${m},bridge=vmbr0`));
  const vm = seedVm(sim, vmid, 'pve1', config);
  vm.guest = guest;
  return vm;
}

describe('wait_for: ip on a VM the step creates', () => {
  test('waits for the agent, then reports ip, ipv4, ipv6 and interfaces from the guest', async () => {
    // The agent stays down until the step has been told "not running" twice, so it really has to poll.
    sim.configure({ durations: { agentUp: 100_000_000 } });
    const since = sim.log.length;
    try {
      const pending = step(sim, { node: 'pve1', name: 'wait-ip', state: 'started', wait_for: 'ip', ...GUEST }, { post: false });
      await releaseAgentAfter(sim, 'wait-ip', 2, since);
      const run = await pending;
      const out = ok(run);
      const vmid = Number(out.vmid);
      const mac = JSON.parse(out.mac).net0.toLowerCase();
      // The simulated guest's addresses for NIC 0 (sim/qemu/agent.ts): 10.<hi>.<lo>.100 and fd00::<hex vmid>:1.
      const v4 = `10.${(vmid >> 8) & 255}.${vmid & 255}.100`;
      const v6 = `fd00::${vmid.toString(16)}:1`;
      expect(out.ip).toBe(v4);
      expect(expectJsonArray(out.ipv4)).toEqual([v4]);
      // Neither ::1 nor the fe80:: link-local address is reported.
      expect(expectJsonArray(out.ipv6)).toEqual([v6]);
      const ifaces = expectJsonArray(out.interfaces) as Array<{ name: string; mac?: string; addresses: Array<{ address: string; family: string }> }>;
      expect(ifaces.map((i) => i.name)).toEqual(['lo', 'eth0']);
      const eth0 = ifaces[1];
      expect(eth0.mac).toBe(mac);
      expect(eth0.addresses.map((a) => a.address)).toEqual(expect.arrayContaining([v4, v6, expect.stringMatching(/^fe80::/)]));
      const calls = agentCalls(vmid, since);
      expect(calls.slice(0, 2).map((e) => e.status)).toEqual([500, 500]);
      expect(calls.at(-1)!.status).toBe(200);
      expect(run.main.summary).toContain(`\`${v4}\``);
    } finally {
      sim.configure({ durations: { agentUp: DEFAULT_DURATIONS.agentUp } });
    }
  });

  test('wait_for: agent returns as soon as the agent answers', async () => {
    const out = ok(await step(sim, { node: 'pve1', name: 'wait-agent', state: 'started', wait_for: 'agent', ...GUEST }, { post: false }));
    expect(out.status).toBe('running');
    expect(agentCalls(Number(out.vmid)).at(-1)!.status).toBe(200);
    expect(expectJsonArray(out.interfaces).length).toBe(2);
  });
});

describe('which address counts', () => {
  test('ip_family: ipv6 waits until a routable IPv6 address shows up (link-local does not count)', async () => {
    const vm = guestVm(700, ['BC:24:11:00:07:00'], { ipv4: ['10.70.0.5/24'], ipv6: ['fe80::70/64'] });
    const since = sim.log.length;
    const pending = step(sim, { vmid: '700', state: 'started', wait_for: 'ip', ip_family: 'ipv6', wait_timeout: '30' }, { post: false });
    // Two answers from a running agent that only has the IPv4 and link-local addresses: still waiting.
    await until(() => agentCalls(700, since).filter((e) => e.status === 200).length >= 2, 'the agent answering twice');
    vm.guest = { ipv4: ['10.70.0.5/24'], ipv6: ['2001:db8:70::5/64'] };
    const out = ok(await pending);
    expect(out.ip).toBe('2001:db8:70::5');
    expect(JSON.parse(out.ipv6)).toEqual(['2001:db8:70::5']);
    expect(JSON.parse(out.ipv4)).toEqual(['10.70.0.5']);
  });

  test('multi-homed guest: without ip_cidr the first NIC wins', async () => {
    guestVm(710, ['BC:24:11:00:07:10', 'BC:24:11:00:07:11'], { ipv4: ['192.168.50.10/24', '10.20.0.7/16'] });
    const out = ok(await step(sim, { vmid: '710', state: 'started', wait_for: 'ip', ip_family: 'ipv4' }, { post: false }));
    expect(out.ip).toBe('192.168.50.10');
    expect(JSON.parse(out.ipv4)).toEqual(['192.168.50.10', '10.20.0.7']);
  });

  test('multi-homed guest: ip_cidr picks the address inside the network', async () => {
    guestVm(711, ['BC:24:11:00:07:12', 'BC:24:11:00:07:13'], { ipv4: ['192.168.50.11/24', '10.20.0.8/16'] });
    const out = ok(await step(sim, { vmid: '711', state: 'started', wait_for: 'ip', ip_cidr: '10.0.0.0/8' }, { post: false }));
    expect(out.ip).toBe('10.20.0.8');
  });

  // ip_cidr is documented to filter what `wait_for: ip` accepts and the `ip` output; `ipv4`/`ipv6` are "the
  // guest IPv4/IPv6 addresses". The action filters those lists by ip_cidr too (so an IPv4 ip_cidr empties ipv6).
  test('ip_cidr narrows only `ip`: ipv4 and ipv6 still list every guest address', async () => {
    guestVm(712, ['BC:24:11:00:07:14', 'BC:24:11:00:07:15'], { ipv4: ['192.168.50.12/24', '10.20.0.9/16'] });
    const out = ok(await step(sim, { vmid: '712', state: 'started', wait_for: 'ip', ip_cidr: '10.0.0.0/8' }, { post: false }));
    expect(out.ip).toBe('10.20.0.9');
    expect(JSON.parse(out.ipv4)).toEqual(['192.168.50.12', '10.20.0.9']);
    expect(JSON.parse(out.ipv6)).toEqual(['fd00::2c8:1', 'fd00::2c8:2']);
  });

  test('addresses on NICs that are not the VM\'s own (docker0, bridges in the guest) never count', async () => {
    // eth0 (the VM's NIC) has only a link-local IPv4 at first.
    const vm = guestVm(720, ['BC:24:11:00:07:20'], { ipv4: ['169.254.7.20/16', '172.17.0.1/16'], ipv6: ['fe80::720/64', 'fe80::721/64'] });
    const since = sim.log.length;
    const pending = step(sim, { vmid: '720', state: 'started', wait_for: 'ip', wait_timeout: '30' }, { post: false });
    await until(() => agentCalls(720, since).length >= 1, 'the first agent call');
    // The simulated agent reports one interface per netN of the config: a NIC added now is one the step never
    // saw in the VM's config, which is how a guest-internal interface (docker0 with 172.17.0.1) looks to it.
    vm.config.net1 = 'virtio=02:42:AC:11:00:01,bridge=vmbr9';
    await until(() => agentCalls(720, since).filter((e) => e.status === 200).length >= 3, 'three agent answers with docker0 up');
    vm.guest!.ipv4 = ['10.72.0.20/24', '172.17.0.1/16'];
    const out = ok(await pending);
    expect(out.ip).toBe('10.72.0.20');
    expect(JSON.parse(out.ipv4)).toEqual(['10.72.0.20']);
    const names = (JSON.parse(out.interfaces) as Array<{ name: string }>).map((i) => i.name);
    expect(names).toEqual(['lo', 'eth0', 'eth1']);
  });
});

describe('failure paths', () => {
  /** Far above what a loaded machine needs for a whole main step (start-up included), far below 300 s. */
  const FAR_BELOW_WAIT_TIMEOUT_MS = 30_000;

  test('no agent key on the VM: a clear error at once, not after wait_timeout', async () => {
    guestVm(730, ['BC:24:11:00:07:30'], {}, null);
    const since = sim.log.length;
    const run = await step(sim, { vmid: '730', state: 'started', wait_for: 'ip', wait_timeout: '300' }, { post: false });
    const err = failed(run);
    expect(err).toMatch(/VM 730.*guest agent.*not enabled.*agent: true/);
    expect(run.main.durationMs).toBeLessThan(FAR_BELOW_WAIT_TIMEOUT_MS);
    expect(agentCalls(730, since)).toHaveLength(0); // the config already says there is no agent
    // The VM was still started, and the outputs describing it were set before the wait failed.
    expect(vmOf(sim, 730).status).toBe('running');
    expect(run.main.outputs.vmid).toBe('730');
    expect(run.main.outputs.status).toBe('running');
  });

  // `agent: 0` is "configured" for PVE (it then answers "QEMU guest agent is not running" forever), but the step
  // has just read the config and knows the agent is disabled: waiting for wait_timeout is pointless.
  test('agent: 0 on the VM also fails at once', async () => {
    guestVm(731, ['BC:24:11:00:07:31'], {}, '0');
    const since = sim.log.length;
    const run = await step(sim, { vmid: '731', state: 'started', wait_for: 'agent', wait_timeout: '300' }, { post: false });
    expect(failed(run)).toMatch(/VM 731.*agent.*(not enabled|disabled)/);
    expect(agentCalls(731, since).length).toBeLessThanOrEqual(1);
    expect(run.main.durationMs).toBeLessThan(FAR_BELOW_WAIT_TIMEOUT_MS);
  });

  test('the guest never gets an address: timeout error naming the VM, wait_timeout and the last answer', async () => {
    guestVm(740, ['BC:24:11:00:07:40'], { noAddresses: true });
    const since = sim.log.length;
    const run = await step(sim, { vmid: '740', state: 'started', wait_for: 'ip', wait_timeout: '2' }, { post: false });
    const err = failed(run);
    expect(err).toContain('VM 740');
    expect(err).toMatch(/after 2 s \(wait_timeout\)/);
    expect(err).toMatch(/last answer: the agent answers, but no address on the VM's NICs yet/);
    // It did poll for a while (the last poll may come up to one backoff interval before the deadline).
    const polls = agentCalls(740, since);
    expect(polls.length).toBeGreaterThan(2);
    expect(polls.at(-1)!.at - polls[0].at).toBeGreaterThan(900);
    // It gave up near wait_timeout (2 s), not much later; the bound has room for a loaded machine's start-up.
    expect(run.main.durationMs).toBeLessThan(FAR_BELOW_WAIT_TIMEOUT_MS);
    expect(run.main.outputs.vmid).toBe('740');
  });

  test('the agent never comes up: the last answer is PVE\'s "not running"', async () => {
    guestVm(741, ['BC:24:11:00:07:41'], { agentNeverUp: true });
    const run = await step(sim, { vmid: '741', state: 'started', wait_for: 'agent', wait_timeout: '1' }, { post: false });
    const err = failed(run);
    expect(err).toMatch(/VM 741: gave up waiting for the guest agent after 1 s \(wait_timeout\); last answer: .*QEMU guest agent is not running/);
  });

  test('a VM that is stopped after the step: warning, no wait, success', async () => {
    const since = sim.log.length;
    const run = await step(sim, { node: 'pve1', name: 'stays-stopped', state: 'present', wait_for: 'ip', wait_timeout: '120', ...GUEST }, { post: false });
    const out = ok(run);
    expect(out.status).toBe('stopped');
    expect(annotations(run.main, 'warning')).toEqual([`wait_for: ip skipped: VM ${out.vmid} is stopped after this step`]);
    expect(agentCalls(Number(out.vmid), since)).toEqual([]);
    expect(out.ip ?? '').toBe('');
    expect(vmByName(sim, 'stays-stopped')?.status).toBe('stopped');
  });
});
