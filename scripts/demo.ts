// `npm run demo`: the bundled action (dist/) against the embedded Proxmox VE simulator, end to end, run the way
// the GitHub runner runs it (child processes, INPUT_* variables, output/state/summary files, then the post step).
import { startSimulator } from '../sim/index.js';
import { type StepResult, runAction } from '../tools/runner/index.js';
import { sshPublicKey } from '../tools/sshkeys.js';

const sim = await startSimulator({ timeScale: 0.25 });
const conn = {
  api_host: sim.host,
  api_port: String(sim.port),
  api_user: sim.credentials.user,
  api_password: sim.credentials.password,
  ca_path: sim.caCert,
};
console.log(`Simulator: ${sim.url} (nodes ${[...sim.state.nodes.keys()].join(', ')}), certificate ${sim.fingerprint}\n`);

let failures = 0;
function show(title: string, r: StepResult): Record<string, string> {
  const ok = r.exitCode === 0;
  if (!ok) failures++;
  console.log(`${ok ? '✔' : '✘'} ${title}  (${Math.round(r.durationMs)} ms)`);
  for (const k of ['msg', 'vmid', 'node', 'status', 'changed', 'mac', 'devices', 'ip']) {
    if (r.outputs[k] !== undefined && r.outputs[k] !== '') console.log(`    ${k.padEnd(8)} ${r.outputs[k]}`);
  }
  for (const a of r.annotations.filter((x) => x.level !== 'debug')) console.log(`    ${a.level}: ${a.message}`);
  console.log('');
  return r.outputs;
}

try {
  const tpl = { ...conn, node: 'pve1', name: 'debian-12-template' };
  show(
    'create the template source VM',
    (await runAction({ inputs: { ...tpl, scsi: 'scsi0: local-lvm:8', net: 'net0: virtio,bridge=vmbr0', agent: 'true', ide: 'ide2: local-lvm:cloudinit', memory: '2048', cores: '2' } })).main,
  );
  show('convert it to a template', (await runAction({ inputs: { ...tpl, state: 'template' } })).main);

  const job = {
    ...conn,
    clone: 'debian-12-template',
    name: 'ci-demo-1',
    node: 'pve1',
    state: 'started',
    ciuser: 'debian',
    // a real public key: Proxmox VE checks every line of sshkeys with ssh-keygen
    sshkeys: sshPublicKey('ed25519', 'demo@example'),
    ipconfig: 'ipconfig0: ip=dhcp',
    cores: '4',
    wait_for: 'ip',
    cleanup: 'always',
  };
  const run = await runAction({ inputs: job, post: true });
  show('clone it (linked), apply cloud-init + cores, start, wait for the IP', run.main);
  if (run.main.summary) console.log(run.main.summary.split('\n').map((l) => `    ${l}`).join('\n'));
  show('post step (cleanup: always)', run.post!);
  const id = Number(run.main.outputs.vmid);
  console.log(sim.state.vms.has(id) ? `✘ VM ${id} is still there after the post step` : `✔ VM ${id} is gone after the post step`);
  if (sim.state.vms.has(id)) failures++;
  const writes = sim.log.filter((e) => e.method !== 'GET').length;
  console.log(`\nThe simulator served ${sim.log.length} requests (${writes} writes); every one passed its schema validation: ${sim.log.every((e) => e.status !== 400 && e.status !== 501) ? 'yes' : 'NO'}`);
} finally {
  await sim.close();
}
process.exit(failures ? 1 : 0);
