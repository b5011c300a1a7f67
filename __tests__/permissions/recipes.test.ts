// docs/permissions.md, proven: every recipe runs through the bundled action with a privilege-separated token that
// holds exactly the documented roles on the documented paths, and with any one privilege taken away the run fails
// with PVE's 403 naming the path and the privilege (or, where PVE says less, its exact words).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/index.js';
import { failed, ok, visibleText } from '../integration/helpers.js';
import { type Recipe, RECIPES, ROLES, act, ciToken } from './recipes.js';

const GiB = 1024 ** 3;
const REPO_TAG = 'gh-repo-octo-org.proxmox-kvm-action-test'; // the harness's GITHUB_REPOSITORY

let sim: Simulator;
let names = 0;
const fresh = (what: string): string => `${what}-${++names}`;

/** A stopped VM of the pool, placed straight into the simulator. */
function seed(vmid: number, config: Record<string, string>, node = 'pve1'): void {
  sim.state.vms.set(vmid, {
    vmid, node, config: { ...config }, pending: {}, pendingDelete: {}, snapshots: {},
    status: 'stopped', qmpstatus: 'stopped', createdAt: Date.now() - 3_600_000,
  });
  sim.state.pools.get('ci')!.members.add(vmid);
  sim.broadcastStats(node);
}

beforeAll(async () => {
  sim = await startSimulator({
    nodes: ['pve1', 'pve2'],
    nodeInfo: { pve1: { maxmem: 64 * GiB, mem: 60 * GiB }, pve2: { maxmem: 64 * GiB, mem: 8 * GiB } },
    pools: ['ci'],
    timeScale: 0.02,
  });
  // The template, made by an administrator (root@pam's token), in the pool.
  const admin = sim.credentials.tokens.full;
  const tpl = await act(sim, admin, { node: 'pve1', name: 'ci-template', pool: 'ci', scsi: "scsi0: 'local-lvm:2'", net: "net0: 'virtio,bridge=vmbr0'", ci_tags: 'false' });
  const vmid = Number(ok(tpl).vmid);
  ok(await act(sim, admin, { vmid: String(vmid), template: 'true', update: 'true' }));
  expect(sim.state.vms.get(vmid)?.config.template).toBe('1');
});
afterAll(async () => {
  await sim.close();
});

function leftover(vmid: number): void {
  const ts = Math.floor(Date.now() / 1000) - 7200;
  seed(vmid, { name: `leftover-${vmid}`, tags: ['gh-ci', REPO_TAG, 'gh-run-1001', `gh-ts-${ts}`, 'leftover'].sort().join(';') });
}

/** A VM of the pool for the power recipe. */
function powerVm(name: string): void {
  seed(7000 + names, { name, agent: '1', net0: 'virtio=BC:24:11:00:70:00,bridge=vmbr0' });
}

async function run(recipe: keyof typeof RECIPES, without?: { role: string; priv: string; omit?: string }): Promise<ReturnType<Recipe>> {
  const token = ciToken(sim, without);
  const name = fresh(recipe);
  if (recipe === 'power') powerVm(name);
  if (recipe === 'prune') leftover(8000 + names);
  return RECIPES[recipe](sim, token, name);
}

describe('the documented roles suffice', () => {
  test.each(Object.keys(RECIPES))('%s', async (recipe) => {
    const runs = await run(recipe as keyof typeof RECIPES);
    for (const r of runs) ok(r);
    if (recipe === 'auto') expect(runs[0].main.outputs.node).toBe('pve2');
    if (recipe === 'prune') expect(runs[0].main.outputs.pruned).toMatch(/leftover-/);
  });
});

/**
 * One privilege taken away → the recipe that needs it fails with PVE's text. `path` is where PVE checks it.
 * VM.Allocate on create is PVE's bare `Permission check failed` (create_vm raise_perm_exc() after /vms/<id> and
 * /pool/<pool> both failed).
 */
const MISSING: Array<{ role: string; priv: string; recipe: keyof typeof RECIPES; message: RegExp; omit?: string }> = [
  { role: 'CI-VM', priv: 'VM.Allocate', recipe: 'create', message: /Permission check failed(?! \().*PVE names no path here: creating or cloning a VM needs VM\.Allocate on \/vms\/<id> or on the pool/ },
  { role: 'CI-VM', priv: 'VM.Audit', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.Audit\)/ },
  { role: 'CI-VM', priv: 'VM.Clone', recipe: 'clone', message: /Permission check failed \(\/vms\/\d+, VM\.Clone\)/ },
  { role: 'CI-VM', priv: 'VM.Config.CDROM', recipe: 'clone', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.CDROM\)/ },
  { role: 'CI-VM', priv: 'VM.Config.CPU', recipe: 'create', message: /Permission check failed \(\/pool\/ci|\/vms\/\d+, VM\.Config\.CPU\)/ },
  { role: 'CI-VM', priv: 'VM.Config.Cloudinit', recipe: 'clone', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Cloudinit\)/ },
  { role: 'CI-VM', priv: 'VM.Config.Disk', recipe: 'clone', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Disk\)/ },
  { role: 'CI-VM', priv: 'VM.Config.HWType', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.HWType\)/ },
  { role: 'CI-VM', priv: 'VM.Config.Memory', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Memory\)/ },
  { role: 'CI-VM', priv: 'VM.Config.Network', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Network\)/ },
  // CI-Tags on /vms grants VM.Config.Options on every VM, so this one is shown with the clone-only setup (no CI-Tags).
  { role: 'CI-VM', priv: 'VM.Config.Options', recipe: 'clone', omit: 'CI-Tags', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Options\)/ },
  { role: 'CI-VM', priv: 'VM.GuestAgent.Audit', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.GuestAgent\.Audit\|VM\.GuestAgent\.Unrestricted\)/ },
  { role: 'CI-VM', priv: 'VM.PowerMgmt', recipe: 'power', message: /Permission check failed \(\/vms\/\d+, VM\.PowerMgmt\)/ },
  { role: 'CI-Tags', priv: 'VM.Config.Options', recipe: 'create', message: /Permission check failed \(\/vms\/\d+, VM\.Config\.Options\)/ },
  { role: 'CI-Storage', priv: 'Datastore.AllocateSpace', recipe: 'create', message: /Permission check failed \(\/storage\/local-lvm, Datastore\.AllocateSpace\)/ },
  { role: 'CI-Bridge', priv: 'SDN.Use', recipe: 'create', message: /Permission check failed \(\/sdn\/zones\/localnetwork\/vmbr0, SDN\.Use\)/ },
];

describe('one privilege less fails with PVE\'s message', () => {
  test('every privilege of every role is covered', () => {
    const covered = new Set(MISSING.map((m) => `${m.role}:${m.priv}`));
    const all = Object.entries(ROLES).flatMap(([role, privs]) => privs.map((p) => `${role}:${p}`));
    // Sys.Audit on /nodes is the one privilege whose absence does not fail a run (see below).
    expect(all.filter((x) => !covered.has(x))).toEqual(['CI-Node:Sys.Audit']);
  });

  test.each(MISSING)('$role without $priv: $recipe', async ({ role, priv, recipe, message, omit }) => {
    const runs = await run(recipe, { role, priv, omit });
    const last = runs[runs.length - 1];
    const err = failed(last);
    expect(err).toMatch(message);
  });

  test('CI-Node without Sys.Audit: node: auto still runs, but cannot see free memory and picks by name', async () => {
    const runs = await run('auto', { role: 'CI-Node', priv: 'Sys.Audit' });
    const out = ok(runs[0]);
    expect(out.node).toBe('pve1'); // the worse node: pve2 has 56 GiB free, pve1 4 GiB
    expect(visibleText(runs[0])).toMatch(/node: auto chose pve1 \(0 MiB free/);
    expect(runs[0].main.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toContainEqual(
      expect.stringMatching(/node: auto could not see any node's memory \(the credentials lack Sys\.Audit on \/nodes\), so it chose pve1 by name alone/),
    );
  });
});
