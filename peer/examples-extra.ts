// Peer examples beyond the documents' list that still come from them: the older document's defaults
// (proxmox_default_behavior: compatibility), API token auth, and node autodiscovery for non-present states.
import { NODE, OTHER_NODE, TOKENS, spynal, type Example } from './env.js';

const token = (t: (typeof TOKENS)[keyof typeof TOKENS]) => ({ api_password: null, api_token_id: t.tokenid, api_token_secret: t.secret });

export const extraExamples: Example[] = [
  {
    title: 'Create new VM with minimal options (the defaults the older doc lists: proxmox_default_behavior compatibility)',
    doc: '000',
    fresh: true,
    tasks: [{ ...spynal, proxmox_default_behavior: 'compatibility' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 100, msg: 'VM spynal with vmid 100 deployed' });
      // The older document's defaults as PVE stores them (booleans 0/1, legacy boot order kept as given).
      c.fields('vm100.config', env.vm(100)?.config, {
        acpi: '1',
        autostart: '0',
        balloon: '0',
        boot: 'cnd',
        cpuunits: '1000',
        kvm: '1',
        ostype: 'l26',
        tablet: '0',
        template: '0',
        vga: 'std',
        args: '-serial unix:/var/run/qemu-server/100.serial,server,nowait',
      });
      // Known module flaw: main() reads cpu/cores/memory/sockets before it fills in the compatibility
      // defaults, so those four documented defaults (kvm64, 1, 512, 1) are never sent.
      c.absent('vm100.config', env.vm(100)?.config, ['cpu', 'cores', 'memory', 'sockets']);
    },
  },
  {
    title: 'Get VM current state with an API token',
    doc: 'extra',
    tasks: [{ ...spynal, state: 'current', ...token(TOKENS.full) }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: false, vmid: 100, msg: 'VM spynal with vmid = 100 is stopped', status: 'stopped' });
      c.eq('no ticket login (token auth)', env.requests.filter((q) => q.path === '/access/ticket').length, 0);
    },
  },
  {
    title: 'Create new VM with a read-only API token',
    doc: 'extra',
    tasks: [{ name: 'readonly', node: NODE, ...token(TOKENS.readonly) }],
    expectErrors: [{ status: 403, method: 'POST', path: new RegExp(`^/nodes/${NODE}/qemu$`) }],
    verify: ([r], env, c) => {
      // qemu-server API2/Qemu.pm create_vm: VM.Allocate on neither /vms/<id> nor the pool is a bare raise_perm_exc().
      c.fields('result', r, { failed: true, msg: /^creation of qemu VM readonly with vmid 101 failed with exception=403 Forbidden: Permission check failed$/ });
      c.eq('no VM 101', env.vm(101), undefined);
    },
  },
  {
    title: 'Start VM that lives on another node (node autodiscovered)',
    doc: 'extra',
    setup: ({ pve }) => pve.task('POST', `/nodes/${OTHER_NODE}/qemu`, { vmid: 200, name: 'kraidvm' }),
    tasks: [{ name: 'kraidvm', node: NODE, state: 'started' }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 200, msg: 'VM 200 started' });
      c.fields('vm200', env.vm(200) as unknown as Record<string, unknown>, { node: OTHER_NODE, status: 'running' });
      c.ok('start went to the VM node', env.requests.some((q) => q.path === `/nodes/${OTHER_NODE}/qemu/200/status/start`));
    },
  },
];
