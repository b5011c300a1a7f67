// agent/exec, agent/exec-status and agent/file-read against qemu-server API2/Qemu/Agent.pm and QemuServer/Agent.pm:
// `command` as an array (JSON body, or a key repeated in a form), PVE's field names (exited, exitcode, signal,
// out-data, err-data, out-truncated), the pid forgotten once reported exited, file-read's offset/count/truncated,
// the privileges (exec: VM.GuestAgent.Unrestricted; file-read: VM.GuestAgent.FileRead or Unrestricted), and the
// scriptable guest (exec handler, held processes, the cloud-init model).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simLogin, simRequest, type SimAuth } from '../support/sim-client.js';
import { startQemuSim, until, type QemuSim } from './qemu-support.js';

let q: QemuSim;
let auditor: SimAuth;
let reader: SimAuth;
const P = '/nodes/pve1/qemu/520/agent';

beforeAll(async () => {
  q = await startQemuSim({
    users: [
      { userid: 'root@pam', password: 'root-pw' },
      { userid: 'audit@pve', password: 'audit-pw', privs: ['VM.Audit', 'VM.GuestAgent.Audit'] },
      { userid: 'reader@pve', password: 'reader-pw', privs: ['VM.Audit', 'VM.GuestAgent.FileRead'] },
    ],
  });
  auditor = (await simLogin(q.sim, 'audit@pve', 'audit-pw')).auth;
  reader = (await simLogin(q.sim, 'reader@pve', 'reader-pw')).auth;
  await q.create(520, { name: 'exec', scsi0: 'local-lvm:1', net0: 'virtio,bridge=vmbr0', agent: '1' });
  await q.wait(await q.run('POST', '/nodes/pve1/qemu/520/status/start'));
  q.sim.state.vms.get(520)!.agentUpAt = Date.now();
});
afterAll(() => q.close());

const exec = (command: string[], auth?: SimAuth) => simRequest(q.sim, 'POST', `${P}/exec`, { auth: auth ?? q.token, json: { command } });
const status = (pid: number, auth?: SimAuth) => q.api('GET', `${P}/exec-status`, { pid }, auth);

describe('exec and exec-status', () => {
  it('runs the argv the guest handler maps, and reports it once with PVE\'s field names', async () => {
    const vm = q.sim.state.vms.get(520)!;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const seen: string[][] = [];
    vm.guest = {
      exec: (argv) => {
        seen.push([...argv]);
        return { exitcode: 3, stdout: 'out\n', stderr: 'err\n', until: held };
      },
    };
    const r = await exec(['/usr/bin/printf', 'a b', '']);
    expect(r.status).toBe(200);
    const pid = r.json.data.pid;
    expect(Number.isInteger(pid)).toBe(true);
    expect(seen).toEqual([['/usr/bin/printf', 'a b', '']]);
    expect((await status(pid)).json.data).toEqual({ exited: 0 });
    release();
    await until(async () => (await status(pid)).json.data?.exited === 1);
    // That answer was the last: QGA forgets a process once it reported it exited.
    const again = await status(pid);
    expect(again.status).toBe(500);
    expect(again.json.message).toBe("VM 520 qga command 'guest-exec-status' failed - Invalid parameter 'pid'\n");
    const pid2 = (await exec(['x'])).json.data.pid;
    expect((await status(pid2)).json.data).toEqual({ exited: 1, exitcode: 3, 'out-data': 'out\n', 'err-data': 'err\n' });
    vm.guest = undefined;
  });

  it('a form with the key repeated carries an array; one item alone is no array (type check)', async () => {
    const two = await simRequest(q.sim, 'POST', `${P}/exec`, { auth: q.token, body: 'command=%2Fbin%2Fsh&command=-c&command=true', contentType: 'application/x-www-form-urlencoded' });
    expect(two.status).toBe(200);
    const one = await simRequest(q.sim, 'POST', `${P}/exec`, { auth: q.token, body: 'command=%2Fbin%2Ftrue', contentType: 'application/x-www-form-urlencoded' });
    expect(one.status).toBe(400);
    expect(one.json.errors.command).toMatch(/type check \('array'\) failed/);
  });

  it('the default guest: /bin/sh -c exits 0, an unknown program is QGA\'s spawn error, a signal has no exitcode', async () => {
    const sh = (await exec(['/bin/sh', '-c', 'true'])).json.data.pid;
    expect((await status(sh)).json.data).toEqual({ exited: 1, exitcode: 0 });
    const nope = await exec(['/opt/nope']);
    expect(nope.status).toBe(500);
    expect(nope.json.message).toBe(
      "VM 520 qga command 'guest-exec' failed - Guest agent command failed, error was 'Failed to execute child process “/opt/nope” (No such file or directory)'\n",
    );
    const vm = q.sim.state.vms.get(520)!;
    vm.guest = { exec: () => ({ signal: 9, stdout: 'x'.repeat(16 * 1024 * 1024 + 5) }) };
    const killed = (await status((await exec(['big'])).json.data.pid)).json.data;
    expect(killed.exitcode).toBeUndefined();
    expect(killed.signal).toBe(9);
    expect(killed['out-truncated']).toBe(1);
    expect(killed['out-data'].length).toBe(16 * 1024 * 1024);
    vm.guest = undefined;
    const empty = await exec([]);
    expect(empty.json.message).toBe('command or input-data (or both) required\n');
  });

  it('needs VM.GuestAgent.Unrestricted (VM.GuestAgent.Audit is not enough), as the schema says', async () => {
    const r = await exec(['/bin/sh', '-c', 'id'], auditor);
    expect(r.status).toBe(403);
    expect(r.json.message).toMatch(/Permission check failed \(\/vms\/520, VM\.GuestAgent\.Unrestricted\)/);
    expect((await status(1, auditor)).status).toBe(403);
  });
});

describe('the cloud-init model and file-read', () => {
  it('cloud-init status --wait --long: done by default; error and degraded with cloud-init\'s exit codes', async () => {
    const vm = q.sim.state.vms.get(520)!;
    const run = async () => {
      const pid = (await exec(['cloud-init', 'status', '--wait', '--long'])).json.data.pid;
      let s: Record<string, unknown> = {};
      await until(async () => (s = (await status(pid)).json.data).exited === 1);
      return s;
    };
    const done = await run();
    expect(done.exitcode).toBe(0);
    expect(done['out-data']).toMatch(/^status: done\nextended_status: done\n/m);
    vm.guest = { cloudInit: { result: 'error' } };
    const error = await run();
    expect(error.exitcode).toBe(1);
    expect(error['out-data']).toMatch(/^status: error$/m);
    expect(error['out-data']).toContain("RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands')");
    vm.guest = { cloudInit: { result: 'degraded' } };
    const degraded = await run();
    expect(degraded.exitcode).toBe(2);
    expect(degraded['out-data']).toMatch(/^extended_status: degraded done$/m);
    vm.guest = undefined;
  });

  it('file-read: content, bytes-read, truncated until a read comes back short; offset and count', async () => {
    const vm = q.sim.state.vms.get(520)!;
    vm.guest = { files: { '/tmp/f': '0123456789' } };
    const read = (params: Record<string, string | number>, auth?: SimAuth) => q.api('GET', `${P}/file-read`, { file: '/tmp/f', ...params }, auth);
    expect((await read({})).json.data).toEqual({ content: '0123456789', 'bytes-read': 10 });
    expect((await read({ offset: 4, count: 3 })).json.data).toEqual({ content: '456', 'bytes-read': 3, truncated: 1 });
    // Exactly to the end: QGA has not seen eof yet.
    expect((await read({ offset: 4, count: 6 })).json.data).toEqual({ content: '456789', 'bytes-read': 6, truncated: 1 });
    expect((await read({ offset: 4, count: 7 })).json.data).toEqual({ content: '456789', 'bytes-read': 6 });
    // VM.GuestAgent.FileRead suffices (any => 1); VM.GuestAgent.Audit does not.
    expect((await read({}, reader)).status).toBe(200);
    expect((await read({}, auditor)).json.message).toMatch(/Permission check failed \(\/vms\/520, VM\.GuestAgent\.FileRead\|VM\.GuestAgent\.Unrestricted\)/);
    const missing = await q.api('GET', `${P}/file-read`, { file: '/nope' });
    expect(missing.json.message).toBe("VM 520 qga command 'guest-file-open' failed - failed to open file '/nope' (mode: 'r'): No such file or directory\n");
    vm.guest = { cloudInit: { result: 'error' } };
    const log = (await q.api('GET', `${P}/file-read`, { file: '/var/log/cloud-init-output.log' })).json.data.content;
    expect(log).toMatch(/^Cloud-init v\. \S+ running 'init-local' at /);
    expect(log).toContain('E: Unable to locate package ngnix');
    expect(log).toMatch(/finished at .*Datasource DataSourceNoCloud/);
    vm.guest = undefined;
  });
});
