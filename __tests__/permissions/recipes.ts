// The documented CI roles (docs/permissions.md) as simulator ACLs, and the recipes the documentation promises they
// cover: each runs the bundled action with a privilege-separated token of a dedicated user, as a workflow would.
import type { Simulator, TokenCredential } from '../../sim/index.js';
import { type ActionRun, runAction } from '../../tools/runner/index.js';

/** `pveum role add <role> -privs "..."`, exactly as docs/permissions.md lists them. */
export const ROLES: Record<string, string[]> = {
  'CI-VM': [
    'VM.Allocate', 'VM.Audit', 'VM.Clone', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit', 'VM.Config.Disk',
    'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.GuestAgent.Audit', 'VM.PowerMgmt',
  ],
  'CI-Tags': ['VM.Config.Options'],
  'CI-Storage': ['Datastore.AllocateSpace'],
  'CI-Bridge': ['SDN.Use'],
  'CI-Node': ['Sys.Audit'],
};

/** `pveum acl modify <path> -user ci@pve -role <role>` and the same with `-token 'ci@pve!gha'`. */
export const GRANTS: Array<[path: string, role: string]> = [
  ['/pool/ci', 'CI-VM'],
  ['/vms', 'CI-Tags'],
  ['/storage/local-lvm', 'CI-Storage'],
  ['/sdn/zones/localnetwork/vmbr0', 'CI-Bridge'],
  ['/nodes', 'CI-Node'],
];

let serial = 0;

/**
 * A fresh user with a privsep token, both holding the documented roles on the documented paths; `without` takes one
 * privilege out of one role for the token only (the user keeps it: privsep makes the token's own ACL decide).
 */
export function ciToken(sim: Simulator, without?: { role: string; priv: string; omit?: string }): TokenCredential {
  const n = ++serial;
  const user = `ci${n}@pve`;
  sim.addUser(user, `pw-${n}`);
  const cred = sim.addToken({ userid: user, tokenid: 'gha', privsep: true });
  for (const [role, privs] of Object.entries(ROLES)) {
    if (!sim.acl.roles.has(role)) sim.acl.addRole(role, privs);
  }
  for (const [path, role] of GRANTS) {
    if (without?.omit === role) continue;
    sim.acl.addAcl({ path, ugid: user, kind: 'user', roleid: role });
    let tokenRole = role;
    if (without?.role === role) {
      tokenRole = `${role}-without-${without.priv}`;
      if (!sim.acl.roles.has(tokenRole)) sim.acl.addRole(tokenRole, ROLES[role].filter((p) => p !== without.priv));
    }
    sim.acl.addAcl({ path, ugid: cred.header.slice('PVEAPIToken='.length).split('=')[0], kind: 'token', roleid: tokenRole });
  }
  return cred;
}

export function tokenConn(sim: Simulator, t: TokenCredential): Record<string, string> {
  return { api_host: sim.host, api_port: String(sim.port), ca_path: sim.caCert, api_user: t.user, api_token_id: t.tokenid, api_token_secret: t.secret };
}

export const act = (sim: Simulator, t: TokenCredential, inputs: Record<string, string>): Promise<ActionRun> =>
  runAction({ post: false, inputs: { ...tokenConn(sim, t), ...inputs } });

export type Recipe = (sim: Simulator, t: TokenCredential, name: string) => Promise<ActionRun[]>;

/** Recipes stop at the first failed run (what a workflow does), returning the runs made. */
async function sequence(runs: Array<() => Promise<ActionRun>>): Promise<ActionRun[]> {
  const out: ActionRun[] = [];
  for (const r of runs) {
    const run = await r();
    out.push(run);
    if (run.main.exitCode !== 0) break;
  }
  return out;
}

export const RECIPES: Record<string, Recipe> = {
  /** create in the pool + start + wait for the agent, then destroy (state: absent stops it first). */
  create: (sim, t, name) =>
    sequence([
      () => act(sim, t, {
        node: 'pve1', name, pool: 'ci', memory: '1024', cores: '2', scsihw: 'virtio-scsi-single',
        scsi: "scsi0: 'local-lvm:4'", net: "net0: 'virtio,bridge=vmbr0'", agent: '1',
        state: 'started', wait_for: 'agent', wait_timeout: '60',
      }),
      () => act(sim, t, { name, state: 'absent', force: 'true' }),
    ]),
  /** a full clone of a template in the pool, with cloud-init settings and a bigger disk, started, then destroyed. */
  clone: (sim, t, name) =>
    sequence([
      () => act(sim, t, {
        clone: 'ci-template', name, pool: 'ci', full: 'true', ide: "ide2: 'local-lvm:cloudinit'", ciuser: 'runner',
        ipconfig: "ipconfig0: 'ip=dhcp'", scsi: "scsi0: 'local-lvm:8'", agent: '1', state: 'started',
      }),
      () => act(sim, t, { name, state: 'absent', force: 'true' }),
    ]),
  /** stop and start a VM of the pool. */
  power: (sim, t, name) =>
    sequence([
      () => act(sim, t, { name, state: 'stopped' }),
      () => act(sim, t, { name, state: 'started' }),
    ]),
  /** prune leftovers of finished runs in the pool. */
  prune: (sim, t) => sequence([() => act(sim, t, { state: 'absent', prune: 'true', prune_tags: 'leftover', prune_older_than: '1h' })]),
  /** node: auto picks the node with the most free memory. */
  auto: (sim, t, name) =>
    sequence([() => act(sim, t, { node: 'auto', name, pool: 'ci', scsi: "scsi0: 'local-lvm:1'", net: "net0: 'virtio,bridge=vmbr0'" })]),
};
