// Peer examples for lock, protection, cloud-init, power state, current, update, delete/revert and absent, as
// the spec documents write them; comments mark where proxmox_kvm 6.6.2 itself behaves wrongly.
import { MAC } from './check.js';
import { NODE, spynal, type Example } from './env.js';

const vm100 = `/nodes/${NODE}/qemu/100`;
const sshKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+';
const shutdownCalls = (env: Parameters<Example['verify']>[1]) => env.requests.filter((q) => q.method === 'POST' && q.path === `${vm100}/status/shutdown`);

export const lifecycleExamples: Example[] = [
  {
    title: 'Create new VM and lock it for snapshot',
    doc: '000+001',
    fresh: true,
    // The follow-up start must fail: PVE refuses to start a locked VM inside the task.
    tasks: [{ ...spynal, lock: 'snapshot' }, { ...spynal, state: 'started', timeout: 2 }],
    expectTaskErrors: [{ type: 'qmstart', exitstatus: 'VM is locked (snapshot)' }],
    verify: ([r1, r2], env, c) => {
      c.fields('create', r1, { changed: true, vmid: 100, msg: 'VM spynal with vmid 100 deployed' });
      c.fields('vm100.config', env.vm(100)?.config, { lock: 'snapshot', name: 'spynal' });
      // Known module flaw: it only waits for exitstatus OK, so a failed start task looks like a timeout.
      c.fields('start locked VM', r2, {
        failed: true,
        msg: "Reached timeout while waiting for starting VM. Last line in task before timeout: [{'n': 1, 't': 'TASK ERROR: VM is locked (snapshot)'}]",
      });
      c.fields('vm100', env.vm(100) as unknown as Record<string, unknown>, { status: 'stopped' });
    },
  },
  {
    title: 'Create new VM and set protection to disable the remove VM and remove disk operations',
    doc: '000+001',
    fresh: true,
    tasks: [{ ...spynal, protection: true }, { ...spynal, state: 'absent' }],
    expectErrors: [{ status: 500, method: 'DELETE', path: /\/qemu\/100$/ }],
    verify: ([r1, r2], env, c) => {
      c.fields('create', r1, { changed: true, vmid: 100 });
      c.fields('vm100.config', env.vm(100)?.config, { protection: '1' });
      c.fields('absent on protected VM', r2, { failed: true, msg: "deletion of VM 100 failed with exception: 500 Internal Server Error: can't remove VM 100 - protection mode enabled" });
      c.ok('protected VM still exists', env.vm(100));
    },
  },
  {
    title: 'Create new VM using cloud-init with a username and password',
    doc: '001',
    fresh: true,
    tasks: [
      {
        ...spynal,
        ide: { ide2: 'local:cloudinit,format=qcow2' },
        ciuser: 'mylinuxuser',
        cipassword: 'supersecret',
        searchdomains: 'mydomain.internal',
        nameservers: '1.1.1.1',
        net: { net0: 'virtio,bridge=vmbr1,tag=77' },
        ipconfig: { ipconfig0: 'ip=192.168.1.1/24,gw=192.168.1.1' },
      },
    ],
    verify: async ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, devices: { ide2: 'local:100/vm-100-cloudinit.qcow2' } });
      c.match('result.mac.net0', r.mac?.net0, MAC);
      c.fields('vm100.config', env.vm(100)?.config, {
        ide2: 'local:100/vm-100-cloudinit.qcow2,media=cdrom',
        ciuser: 'mylinuxuser',
        searchdomain: 'mydomain.internal',
        nameserver: '1.1.1.1',
        net0: `virtio=${r.mac?.net0},bridge=vmbr1,tag=77`,
        ipconfig0: 'ip=192.168.1.1/24,gw=192.168.1.1',
      });
      const api = await env.pve.call<Record<string, unknown>>('GET', `${vm100}/config`);
      c.eq('GET config masks cipassword', api.cipassword, '**********');
      c.match('cipassword is stored as a crypt hash', env.vm(100)?.config.cipassword, /^\$[56]\$[^$]+\$/);
      c.ok('the password is not in the Ansible output (no_log)', !env.output.includes('supersecret'));
    },
  },
  {
    title: 'Create new VM using Cloud-Init with an ssh key',
    doc: '001',
    fresh: true,
    tasks: [
      {
        ...spynal,
        ide: { ide2: 'local:cloudinit,format=qcow2' },
        sshkeys: sshKey,
        searchdomains: 'mydomain.internal',
        nameservers: ['1.1.1.1', '8.8.8.8'],
        net: { net0: 'virtio,bridge=vmbr1,tag=77' },
        ipconfig: { ipconfig0: 'ip=192.168.1.1/24' },
      },
    ],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100 });
      // The module URL-encodes the key (Python quote, safe=''), which PVE's urlencoded format requires.
      c.fields('vm100.config', env.vm(100)?.config, {
        sshkeys: 'ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L%2B',
        nameserver: '1.1.1.1 8.8.8.8',
        searchdomain: 'mydomain.internal',
        ipconfig0: 'ip=192.168.1.1/24',
      });
      c.ok('cloud-init volume allocated on local', env.state.volumes.get('local')?.has('100/vm-100-cloudinit.qcow2'), env.state.volumes.get('local'));
    },
  },
  {
    title: 'Start VM',
    doc: '000+001',
    tasks: [{ ...spynal, state: 'started' }, { ...spynal, state: 'started' }],
    verify: ([r1, r2], env, c) => {
      // The module reports the status it read before starting, so "stopped" on a successful start.
      c.fields('1st run', r1, { changed: true, vmid: 100, msg: 'VM 100 started', status: 'stopped' });
      c.fields('2nd run', r2, { changed: false, vmid: 100, msg: 'VM 100 is already running', status: 'running' });
      c.fields('vm100', env.vm(100) as unknown as Record<string, unknown>, { status: 'running' });
    },
  },
  {
    title: 'Get VM current state',
    doc: '000+001',
    tasks: [{ ...spynal, state: 'current' }],
    verify: ([r], _env, c) => {
      c.fields('result', r, { changed: false, vmid: 100, msg: 'VM spynal with vmid = 100 is running', status: 'running' });
    },
  },
  {
    title: 'Update VM configuration (cores 8, memory 16384) on the running VM',
    doc: '001',
    tasks: [{ ...spynal, cores: 8, memory: 16384, update: true }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'VM spynal with vmid 100 updated' });
      const vm = env.vm(100);
      // Running VM with the default hotplug (network,disk,usb): cores and memory wait in [PENDING].
      c.fields('vm100.pending', vm?.pending, { cores: '8', memory: '16384' });
      c.absent('vm100.config', vm?.config, ['cores', 'memory']);
      const put = env.requests.find((q) => q.method === 'PUT' && q.path === `${vm100}/config`);
      c.eq('update parameters', put?.params, { name: 'spynal', memory: '16384', cores: '8' });
    },
  },
  {
    title: 'Update VM configuration (cpu: 8, memory 16384)',
    doc: '000',
    tasks: [{ ...spynal, cpu: 8, memory: 16384, update: true }],
    // "8" is no CPU model: PVE's pve-vm-cpu-conf check rejects it, so the older doc's example cannot work.
    expectErrors: [{ status: 400, method: 'PUT', path: /\/qemu\/100\/config$/ }],
    verify: async ([r], env, c) => {
      c.fields('result', r, { failed: true, msg: 'Unable to update vm spynal with vmid 100=400 Bad Request: Parameter verification failed.' });
      c.absent('vm100.pending', env.vm(100)?.pending, ['cpu']);
      // proxmoxer drops the errors map, so ask again (a rejected PUT changes nothing) to see which key failed.
      const why = await env.pve.call('PUT', `${vm100}/config`, { cpu: '8' }).then(() => 'accepted', (e: Error) => e.message);
      c.match('the 400 is about cpu', why, /"cpu":"[^"]*'8'/);
    },
  },
  {
    title: 'Stop VM',
    doc: '000+001',
    tasks: [{ ...spynal, state: 'stopped' }, { ...spynal, state: 'stopped' }],
    verify: ([r1, r2], env, c) => {
      c.fields('1st run', r1, { changed: true, vmid: 100, msg: 'VM 100 is shutting down', status: 'running' });
      c.fields('2nd run', r2, { changed: false, vmid: 100, msg: 'VM 100 is already stopped', status: 'stopped' });
      c.fields('vm100', env.vm(100) as unknown as Record<string, unknown>, { status: 'stopped' });
      c.eq('shutdown parameters', shutdownCalls(env).map((q) => q.params), [{ forceStop: '0' }]);
      // Stopping applies what waited in [PENDING] (the update above).
      c.fields('vm100.config after stop', env.vm(100)?.config, { cores: '8', memory: '16384' });
      c.eq('vm100.pending after stop', env.vm(100)?.pending, {});
    },
  },
  {
    title: 'Stop VM with force',
    doc: '000+001',
    setup: ({ pve }) => pve.task('POST', `${vm100}/status/start`),
    tasks: [{ ...spynal, state: 'stopped', force: true }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'VM 100 is shutting down' });
      c.fields('vm100', env.vm(100) as unknown as Record<string, unknown>, { status: 'stopped' });
      c.eq('shutdown parameters', shutdownCalls(env).map((q) => q.params), [{ forceStop: '1' }]);
    },
  },
  {
    title: 'Restart VM',
    doc: '000+001',
    setup: ({ pve }) => pve.task('POST', `${vm100}/status/start`),
    tasks: [{ ...spynal, state: 'restarted' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'VM 100 is restarted', status: 'running' });
      c.fields('vm100', env.vm(100) as unknown as Record<string, unknown>, { status: 'running' });
      const power = env.requests.filter((q) => q.method === 'POST' && q.path.startsWith(`${vm100}/status/`)).map((q) => q.path.split('/').pop());
      c.eq('power calls', power, ['shutdown', 'start']);
    },
  },
  {
    title: 'Remove VM while it runs',
    doc: 'extra',
    tasks: [{ ...spynal, state: 'absent' }],
    verify: ([r], env, c) => {
      // Known module flaw: it refuses but reports success without change instead of failing.
      c.fields('result', r, { changed: false, vmid: 100, msg: 'VM 100 is running. Stop it before deletion or use force=true.' });
      c.ok('no failure reported', !r.failed);
      c.ok('VM still exists', env.vm(100));
    },
  },
  {
    title: 'Remove VM',
    doc: '000+001',
    setup: ({ pve }) => pve.task('POST', `${vm100}/status/stop`),
    tasks: [{ ...spynal, state: 'absent' }, { ...spynal, state: 'absent' }],
    verify: ([r1, r2], env, c) => {
      c.fields('1st run', r1, { changed: true, vmid: 100, msg: 'VM 100 removed' });
      c.fields('2nd run', r2, { changed: false, msg: 'VM with name = spynal is already absent' });
      c.eq('vm100', env.vm(100), undefined);
      const left = [...env.state.volumes.entries()].flatMap(([s, vols]) => [...vols].filter((v) => /vm-100-/.test(v)).map((v) => `${s}:${v}`));
      c.eq('volumes of VM 100 left', left, []);
      c.eq('qmdestroy task id', env.tasks.find((t) => t.type === 'qmdestroy')?.id, '100');
    },
  },
  {
    title: 'Remove VM with force while it runs',
    doc: '001',
    setup: async ({ pve }) => {
      await pve.task('POST', `/nodes/${NODE}/qemu`, { vmid: 100, name: 'spynal' });
      await pve.task('POST', `${vm100}/status/start`);
    },
    tasks: [{ ...spynal, state: 'absent', force: true }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'VM 100 removed' });
      c.eq('vm100', env.vm(100), undefined);
      c.eq('shutdown parameters', shutdownCalls(env).map((q) => q.params), [{ forceStop: '1' }]);
    },
  },
  {
    title: 'Delete QEMU parameters',
    doc: '000+001',
    fresh: true,
    setup: ({ pve }) =>
      pve.task('POST', `/nodes/${NODE}/qemu`, { vmid: 100, name: 'spynal', args: '-serial unix:/var/run/qemu-server/100.serial,server,nowait', cpulimit: 2 }),
    tasks: [{ ...spynal, delete: 'args,template,cpulimit' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'Settings has deleted on VM spynal with vmid 100' });
      c.absent('vm100.config', env.vm(100)?.config, ['args', 'cpulimit', 'template']);
      c.eq('vm100.pendingDelete', env.vm(100)?.pendingDelete, {});
      const put = env.requests.find((q) => q.method === 'PUT' && q.path === `${vm100}/config`);
      c.eq('delete parameters', put?.params, { delete: 'args,template,cpulimit' });
    },
  },
  {
    title: 'Delete QEMU parameters on the running VM',
    doc: 'extra',
    setup: async ({ pve }) => {
      await pve.call('PUT', `${vm100}/config`, { args: '-no-reboot', cpulimit: 2 });
      await pve.task('POST', `${vm100}/status/start`);
    },
    tasks: [{ ...spynal, delete: 'args,template,cpulimit' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100 });
      // args cannot be hot-unplugged: the deletion waits in [PENDING] and the value stays in the config.
      c.fields('vm100.pendingDelete', env.vm(100)?.pendingDelete as unknown as Record<string, unknown>, { args: 1 });
      c.fields('vm100.config', env.vm(100)?.config, { args: '-no-reboot' });
    },
  },
  {
    title: 'Revert a pending change',
    doc: '000+001',
    // Running VM: template and cores are not hot-pluggable, so both wait in [PENDING].
    setup: ({ pve }) => pve.call('PUT', `${vm100}/config`, { template: 1, cores: 2 }).then(() => undefined),
    tasks: [{ ...spynal, revert: 'template,cpulimit' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'Settings has reverted on VM spynal with vmid 100' });
      const vm = env.vm(100);
      c.absent('vm100.pending', vm?.pending, ['template', 'cpulimit']);
      c.fields('vm100.pending (not reverted)', vm?.pending, { cores: '2' });
      c.fields('vm100.pendingDelete (not reverted)', vm?.pendingDelete as unknown as Record<string, unknown>, { args: 1 });
      const put = env.requests.find((q) => q.method === 'PUT' && q.path === `${vm100}/config`);
      c.eq('revert parameters', put?.params, { revert: 'template,cpulimit' });
    },
  },
];
