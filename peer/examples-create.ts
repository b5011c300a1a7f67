// Peer examples for creating and cloning VMs, as the two spec documents write them, with what the real
// proxmox_kvm 6.6.2 returns and what the simulated cluster must look like afterwards.
import { MAC } from './check.js';
import { NODE, OTHER_NODE, spynal, type Example } from './env.js';

const deployed = (vmid: number) => `VM spynal with vmid ${vmid} deployed`;

/** Volumes the simulator has allocated, per storage, sorted. */
const volumes = (env: Parameters<Example['verify']>[1]): Record<string, string[]> =>
  Object.fromEntries([...env.state.volumes.entries()].map(([s, v]) => [s, [...v].sort()]));

/** Config keys PVE adds to every new VM by itself. */
const autoKeys = { meta: /^creation-qemu=[^,]+,ctime=\d+$/, smbios1: /^uuid=[0-9a-f-]{36}$/, vmgenid: /^[0-9a-f-]{36}$/ };

const virtioArgs = {
  net: { net0: 'virtio,bridge=vmbr1,rate=200' },
  virtio: { virtio0: 'VMs_LVM:10', virtio1: 'VMs:2,format=qcow2', virtio2: 'VMs:5,format=raw' },
  cores: 4,
  vcpus: 2,
};

const verifyVirtio: Example['verify'] = ([r], env, c) => {
  c.fields('result', r, { changed: true, vmid: 100, msg: deployed(100) });
  c.eq('result.devices', r.devices, { virtio0: 'VMs_LVM:vm-100-disk-0', virtio1: 'VMs:100/vm-100-disk-0.qcow2', virtio2: 'VMs:100/vm-100-disk-1.raw' });
  const cfg = env.vm(100)?.config;
  // format= only picks the volume format; PVE drops it from the stored drive string.
  c.fields('vm100.config', cfg, {
    virtio0: 'VMs_LVM:vm-100-disk-0,size=10G',
    virtio1: 'VMs:100/vm-100-disk-0.qcow2,size=2G',
    virtio2: 'VMs:100/vm-100-disk-1.raw,size=5G',
    cores: '4',
    vcpus: '2',
    net0: `virtio=${r.mac?.net0},bridge=vmbr1,rate=200`,
    boot: 'order=virtio0;net0',
    ...autoKeys,
  });
  c.match('result.mac.net0', r.mac?.net0, MAC);
  c.fields('allocated volumes', volumes(env), { VMs_LVM: ['vm-100-disk-0'], VMs: ['100/vm-100-disk-0.qcow2', '100/vm-100-disk-1.raw'] });
};

const verifyTwoNics: Example['verify'] = ([r], env, c) => {
  c.fields('result', r, { changed: true, vmid: 100, msg: deployed(100), devices: {} });
  c.match('result.mac.net0', r.mac?.net0, MAC);
  c.match('result.mac.net1', r.mac?.net1, MAC);
  c.ok('the two NICs get different MACs', r.mac?.net0 !== r.mac?.net1);
  // Canonical netN: model=MAC first, the other keys in alphabetical order; the trailing comma is ignored.
  c.fields('vm100.config', env.vm(100)?.config, {
    net0: `virtio=${r.mac?.net0},bridge=vmbr1,rate=200`,
    net1: `e1000=${r.mac?.net1},bridge=vmbr2`,
    boot: 'order=net0',
  });
};

/** Snapshot of the clone source's config, to prove cloning left it untouched. */
let sourceBefore: Record<string, string> | undefined;

export const createExamples: Example[] = [
  {
    title: 'Create new VM with minimal options',
    doc: '000+001',
    fresh: true,
    tasks: [{ ...spynal }, { ...spynal }],
    verify: ([r1, r2], env, c) => {
      c.fields('1st run', r1, { changed: true, vmid: 100, msg: deployed(100), mac: {}, devices: {} });
      // The module takes a fresh nextid, finds the name taken and reports the existing VM.
      c.fields('2nd run', r2, { changed: false, vmid: 100, msg: 'VM with name <spynal> already exists' });
      const vm = env.vm(100);
      c.fields('vm100', vm as unknown as Record<string, unknown>, { node: NODE, status: 'stopped' });
      c.fields('vm100.config', vm?.config, { name: 'spynal', ...autoKeys });
      // community.general 6.6.2 defaults proxmox_default_behavior to no_defaults: no -serial args, no memory.
      c.absent('vm100.config', vm?.config, ['args', 'memory', 'lock']);
      c.eq('VMs in cluster', env.state.vms.size, 1);
      const create = env.requests.filter((q) => q.method === 'POST' && q.path === `/nodes/${NODE}/qemu`);
      c.eq('create requests', create.length, 1);
      c.eq('create parameters', create[0]?.params, { vmid: '100', name: 'spynal' });
    },
  },
  {
    title: 'Create new VM with minimal options and given vmid',
    doc: '000+001',
    fresh: true,
    tasks: [{ ...spynal, vmid: 100 }, { ...spynal, vmid: 100 }],
    verify: ([r1, r2], env, c) => {
      c.fields('1st run', r1, { changed: true, vmid: 100, msg: deployed(100) });
      c.fields('2nd run', r2, { changed: false, vmid: 100, msg: 'VM with vmid <100> already exists' });
      c.fields('vm100.config', env.vm(100)?.config, { name: 'spynal' });
      c.eq('GET /cluster/nextid calls (vmid given)', env.requests.filter((q) => q.path === '/cluster/nextid').length, 0);
    },
  },
  {
    title: 'Create new VM with two network interface options (JSON string, trailing comma)',
    doc: '000',
    fresh: true,
    tasks: [{ ...spynal, net: '{"net0":"virtio,bridge=vmbr1,rate=200", "net1":"e1000,bridge=vmbr2,"}' }],
    verify: verifyTwoNics,
  },
  {
    title: 'Create new VM with two network interface options',
    doc: '001',
    fresh: true,
    tasks: [{ ...spynal, net: { net0: 'virtio,bridge=vmbr1,rate=200', net1: 'e1000,bridge=vmbr2' } }],
    verify: verifyTwoNics,
  },
  {
    title: 'Create new VM with one network interface, three virto hard disk, 4 cores, and 2 vcpus (JSON strings)',
    doc: '000',
    fresh: true,
    tasks: [{ ...spynal, ...virtioArgs, net: JSON.stringify(virtioArgs.net), virtio: JSON.stringify(virtioArgs.virtio) }],
    verify: verifyVirtio,
  },
  {
    title: 'Create new VM with one network interface, three virto hard disk, 4 cores, and 2 vcpus',
    doc: '001',
    fresh: true,
    tasks: [{ ...spynal, ...virtioArgs }],
    verify: verifyVirtio,
  },
  {
    title: 'Clone VM with only source VM name',
    doc: '000+001',
    setup: async (env) => {
      sourceBefore = { ...env.vm(100)?.config };
    },
    tasks: [
      { clone: 'spynal', name: 'zavala', node: NODE, storage: 'VMs', format: 'qcow2', timeout: 500 },
      { clone: 'spynal', name: 'zavala', node: NODE, storage: 'VMs', format: 'qcow2', timeout: 500 },
    ],
    verify: ([r1, r2], env, c) => {
      // Without newid the module returns /cluster/nextid's value untouched: PVE sends it as a JSON string.
      c.fields('1st run', r1, { changed: true, vmid: '101', msg: 'VM zavala with newid 101 cloned from vm with vmid 100' });
      c.fields('2nd run', r2, { changed: false, vmid: 101, msg: 'VM with name <zavala> already exists' });
      const src = env.vm(100)?.config;
      const cfg = env.vm(101)?.config;
      c.fields('vm101', env.vm(101) as unknown as Record<string, unknown>, { node: NODE, status: 'stopped' });
      // A full clone with storage+format moves every disk to VMs as qcow2, numbered in sorted drive order.
      c.fields('vm101.config', cfg, {
        name: 'zavala',
        virtio0: 'VMs:101/vm-101-disk-0.qcow2,size=10G',
        virtio1: 'VMs:101/vm-101-disk-1.qcow2,size=2G',
        virtio2: 'VMs:101/vm-101-disk-2.qcow2,size=5G',
        cores: '4',
        vcpus: '2',
        net0: /^virtio=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr1,rate=200$/,
      });
      c.absent('vm101.config', cfg, ['lock', 'template']);
      c.ok('clone gets a new MAC', cfg?.net0 !== src?.net0, { clone: cfg?.net0, source: src?.net0 });
      c.ok('clone gets a new smbios1 uuid', cfg?.smbios1 !== src?.smbios1);
      const { digest: _a, ...srcNow } = src ?? {};
      const { digest: _b, ...srcThen } = sourceBefore ?? {};
      c.eq('source config unchanged', srcNow, srcThen);
      const clone = env.requests.find((q) => q.path === `/nodes/${NODE}/qemu/100/clone`);
      c.eq('clone parameters', clone?.params, { newid: '101', name: 'zavala', storage: 'VMs', format: 'qcow2', full: '1' });
      // qmclone tasks carry the source vmid.
      const task = env.tasks.find((t) => t.type === 'qmclone');
      c.eq('qmclone task id', task?.id, '100');
      c.ok('task log: full clone of virtio0', task?.log.includes('create full clone of drive virtio0 (VMs_LVM:vm-100-disk-0)'), task?.log);
    },
  },
  {
    title: 'Create linked clone VM with only source VM name (as documented: storage given)',
    doc: '001',
    setup: async ({ pve }) => {
      await pve.task('DELETE', `/nodes/${NODE}/qemu/101`);
      await pve.task('POST', `/nodes/${NODE}/qemu/100/template`);
    },
    tasks: [{ clone: 'spynal', name: 'zavala', node: NODE, storage: 'VMs', full: false, format: 'unspecified', timeout: 500 }],
    // PVE refuses storage= for a linked clone before forking, so the documented example cannot work on PVE.
    expectErrors: [{ status: 500, method: 'POST', path: /\/qemu\/100\/clone$/ }],
    verify: ([r], env, c) => {
      c.fields('result', r, { failed: true, msg: "Unable to clone vm zavala from vmid 100=500 Internal Server Error: parameter 'storage' not allowed for linked clones" });
      c.eq('no VM 101', env.vm(101), undefined);
      c.fields('template vm100.config', env.vm(100)?.config, {
        template: '1',
        virtio0: 'VMs_LVM:base-100-disk-0,size=10G',
        virtio1: 'VMs:100/base-100-disk-0.qcow2,size=2G',
        virtio2: 'VMs:100/base-100-disk-1.raw,size=5G',
      });
      c.fields('volumes after templating', volumes(env), { VMs_LVM: ['base-100-disk-0'] });
    },
  },
  {
    title: 'Create linked clone VM with only source VM name (without storage)',
    doc: 'extra',
    tasks: [{ clone: 'spynal', name: 'zavala', node: NODE, full: false, format: 'unspecified', timeout: 500 }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: '101', msg: 'VM zavala with newid 101 cloned from vm with vmid 100' });
      // LVM-thin clones get an independent name; dir storages encode the base image (always a qcow2 overlay).
      c.fields('vm101.config', env.vm(101)?.config, {
        name: 'zavala',
        virtio0: 'VMs_LVM:vm-101-disk-0,size=10G',
        virtio1: 'VMs:100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2,size=2G',
        virtio2: 'VMs:100/base-100-disk-1.raw/101/vm-101-disk-1.qcow2,size=5G',
      });
      c.absent('vm101.config', env.vm(101)?.config, ['template', 'lock']);
      const clone = env.requests.find((q) => q.path === `/nodes/${NODE}/qemu/100/clone`);
      c.eq('clone parameters', clone?.params, { newid: '101', name: 'zavala', full: '0' });
      const task = env.tasks.find((t) => t.type === 'qmclone');
      c.ok('task log: linked clone of virtio0', task?.log.includes('create linked clone of drive virtio0 (VMs_LVM:base-100-disk-0)'), task?.log);
    },
  },
  {
    title: 'Clone VM with source vmid and target newid and raw format',
    doc: '000+001',
    setup: async ({ pve }) => {
      await pve.task('DELETE', `/nodes/${NODE}/qemu/101`);
      await pve.task('POST', `/nodes/${NODE}/qemu`, { vmid: 108, name: 'web108', scsi0: 'VMs_LVM:4', net0: 'virtio,bridge=vmbr0' });
    },
    tasks: [{ clone: 'arbitrary_name', vmid: 108, newid: 152, name: 'zavala', node: NODE, storage: 'LVM_STO', format: 'raw', timeout: 300 }],
    verify: ([r], env, c) => {
      c.fields('result', r, { changed: true, vmid: 152, msg: 'VM zavala with newid 152 cloned from vm with vmid 108' });
      c.fields('vm152.config', env.vm(152)?.config, { name: 'zavala', scsi0: 'LVM_STO:vm-152-disk-0,size=4G', net0: /^virtio=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr0$/ });
      c.ok('clone gets a new MAC', env.vm(152)?.config.net0 !== env.vm(108)?.config.net0);
      c.eq('GET /cluster/nextid calls (newid given)', env.requests.filter((q) => q.path === '/cluster/nextid').length, 0);
      const clone = env.requests.find((q) => q.path === `/nodes/${NODE}/qemu/108/clone`);
      c.eq('clone parameters', clone?.params, { newid: '152', name: 'zavala', storage: 'LVM_STO', format: 'raw', full: '1' });
      c.eq('qmclone task id', env.tasks.find((t) => t.type === 'qmclone')?.id, '108');
      c.ok('LVM_STO holds the new disk', env.state.volumes.get('LVM_STO')?.has('vm-152-disk-0'));
    },
  },
  {
    title: 'Clone to another node (target) from a VM on local storage',
    doc: 'extra',
    tasks: [{ clone: 'spynal', name: 'farclone', node: NODE, target: OTHER_NODE, timeout: 60 }],
    // The documents: target is "only allowed if the original VM is on shared storage"; PVE checks it before forking.
    expectErrors: [{ status: 500, method: 'POST', path: /\/qemu\/100\/clone$/ }],
    verify: ([r], env, c) => {
      c.fields('result', r, { failed: true, msg: `Unable to clone vm farclone from vmid 100=500 Internal Server Error: can't clone VM to node '${OTHER_NODE}' (VM uses local storage)` });
      c.ok('no VM named farclone', ![...env.state.vms.values()].some((v) => v.config.name === 'farclone'));
    },
  },
];
