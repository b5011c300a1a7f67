// Bounds (issue 8, findings 6 and 7): timers that cannot overflow, numbers that must be finite, answers that cannot
// fill the runner's memory, and a cleanup that still works when the login used a one-time code.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/index.js';
import { MAX_TIMER_MS, sleep, timerMs } from '../../src/proxmox/abort.js';
import { annotations, failed, isMutation, lifecycleSim, ok, requests, step } from './support.js';

describe('timers and numbers', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await lifecycleSim();
  });
  afterAll(async () => {
    await sim.close();
  });

  test.each([
    ['timeout', '3000000', /Input 'timeout'.*must be at most 604800/],
    ['wait_timeout', '3000000', /Input 'wait_timeout'.*must be at most 604800/],
    ['migrate_downtime', '1e309', /Input 'migrate_downtime'.*finite number/],
  ])('%s: %s is refused before any request', async (input, value, message) => {
    const since = sim.log.length;
    const err = failed(await step(sim, { node: 'pve1', name: 'bounds', state: 'started', [input]: value }, { post: false }));
    expect(err).toMatch(message);
    expect(sim.log.length).toBe(since);
  });

  test('the largest timeout is accepted and waits normally (no timer fires early)', async () => {
    const run = await step(sim, { node: 'pve1', name: 'bounds-max', state: 'started', timeout: '604800', wait_for: 'agent', wait_timeout: '604800', agent: '1' }, { post: false });
    const out = ok(run);
    expect(out.status).toBe('running');
  });

  test('a delay beyond what a Node timer holds is clamped instead of firing at once', async () => {
    expect(timerMs(3_000_000_000)).toBe(MAX_TIMER_MS);
    expect(timerMs(Infinity)).toBe(MAX_TIMER_MS);
    expect(timerMs(Number.NaN)).toBe(MAX_TIMER_MS);
    expect(timerMs(-5)).toBe(0);
    // An overflowing setTimeout would resolve after ~1 ms: this one must still be pending when aborted.
    const abort = new AbortController();
    const pending = sleep(3_000_000_000, abort.signal).then(() => 'resolved', () => 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    abort.abort(new Error('stop'));
    expect(await pending).toBe('aborted');
  });
});

describe('answers larger than any PVE answer', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await lifecycleSim({ faults: { hugeAnswer: { path: '^/cluster/resources$', bytes: 20 * 1024 * 1024 } } });
  });
  afterAll(async () => {
    await sim.close();
  });

  test('are refused with a clear error, once (no retry), and the step ends', async () => {
    const since = sim.log.length;
    const err = failed(await step(sim, { name: 'anything', state: 'current' }, { post: false }));
    expect(err).toMatch(/answer to GET \/api2\/json\/cluster\/resources is larger than 16 MiB: refused/);
    expect(requests(sim, since, (e) => e.path === '/cluster/resources')).toHaveLength(1);
  });
});

describe('cleanup after a login with a one-time code (TOTP)', () => {
  let sim: Simulator;
  const user = { userid: 'ci@pve', password: 'pw-of-ci', totp: ['111111', '222222', '333333'] };
  beforeAll(async () => {
    sim = await startSimulator({ nodes: ['pve1', 'pve2'], timeScale: 0.02, users: [user] });
  });
  afterAll(async () => {
    await sim.close();
  });
  const inputs = (name: string, code: string) => ({
    api_host: sim.host, api_port: String(sim.port), ca_path: sim.caCert, api_user: user.userid, api_password: user.password,
    api_otp: code, node: 'pve1', name, state: 'started', cleanup: 'always',
  });
  const logins = (since: number) => requests(sim, since, (e) => e.path === '/access/ticket' && e.method === 'POST');

  test('the post step cleans up with the ticket the main step kept; the used code is never sent again', async () => {
    const since = sim.log.length;
    const run = await step(sim, inputs('totp-vm', '111111'));
    const vmid = Number(ok(run).vmid);
    expect(run.post?.stdout).toContain(`cleanup: VM ${vmid} on pve1 destroyed`);
    expect(sim.state.vms.has(vmid)).toBe(false);
    expect(annotations(run.post, 'warning')).toEqual([]);
    // One login (the main step's, with the typed code); the post step logged in with nothing.
    expect(logins(since)).toHaveLength(1);
    expect(logins(since)[0].status).toBe(200);
    // The ticket travelled masked: the runner was told to hide it before it was written to the state.
    const ticket = JSON.parse(run.main.state.ticket).ticket as string;
    expect(run.main.masks).toContain(ticket);
    const shown = `${run.main.stdout}\n${run.post?.stdout}`.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.filter((l) => l.includes(ticket))).toEqual([]);
  });

  test('when the kept ticket has expired, the post step says why cleanup could not log in', async () => {
    let vmid = 0;
    let since = 0;
    const run = await step(sim, inputs('totp-expired', '222222'), {
      beforePost: (main) => {
        vmid = Number(main.outputs.vmid);
        since = sim.log.length;
        sim.configure({ ticketLifetimeSec: -1 }); // no ticket is fresh any more
      },
    });
    sim.configure({ ticketLifetimeSec: 7200 });
    ok(run);
    expect(run.post?.exitCode).toBe(0);
    expect(annotations(run.post, 'warning')).toEqual([expect.stringMatching(/api_otp is a one-time code.*use an API token/)]);
    expect(requests(sim, since, isMutation)).toEqual([]);
    // The post step tried its kept ticket, then one login with the used code, which PVE refused.
    expect(logins(since).map((e) => e.status)).toEqual([401]);
    expect(sim.state.vms.has(vmid)).toBe(true);
  });
});
