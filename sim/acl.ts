// Access control lists as PVE evaluates them: roles are privilege sets, ACL entries give a role to a user, a group
// or an API token on a path (propagating down the path tree or not), pools lend their ACLs to their member VMs, and a
// privilege-separated token holds the intersection of its own privileges and its user's.
//
// pve-access-control src/PVE/AccessControl.pm `roles` (the walk down the path) and src/PVE/RPCEnvironment.pm
// `permissions` / `$compile_acl_path` (pool roles, privsep intersection), `check`, `check_any`, `check_full`,
// `check_vm_perm`, `check_sdn_bridge`, `exec_api2_perm_check`, `check_api2_permissions`; pve-common
// src/PVE/Exception.pm `raise_perm_exc` for the 403 text.
import { PveError } from './core.js';

/** The PVE 9 privilege names (pve-access-control src/PVE/AccessControl.pm $privgroups + $special_roles). */
export const ALL_PRIVILEGES: readonly string[] = [
  'VM.Allocate', 'VM.Audit', 'VM.Backup', 'VM.Clone', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit',
  'VM.Config.Disk', 'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.Console',
  'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted', 'VM.Migrate', 'VM.PowerMgmt', 'VM.Replicate', 'VM.Snapshot', 'VM.Snapshot.Rollback',
  'Sys.AccessNetwork', 'Sys.Audit', 'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog',
  'Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit',
  'Pool.Allocate', 'Pool.Audit', 'SDN.Allocate', 'SDN.Audit', 'SDN.Use', 'Mapping.Audit', 'Mapping.Modify',
  'Mapping.Use', 'Permissions.Modify', 'Group.Allocate', 'Realm.Allocate', 'Realm.AllocateUser', 'User.Modify',
];

/** What the simulator's built-in read-only identity may do (a PVEAuditor-like role). */
export const READONLY_PRIVILEGES: readonly string[] = [
  'VM.Audit', 'Sys.Audit', 'Datastore.Audit', 'Pool.Audit', 'VM.GuestAgent.Audit',
];

/** One `pveum acl modify <path> -<kind> <ugid> -role <roleid> [-propagate 0]` entry. */
export interface AclEntry {
  path: string;
  /** `user@realm`, `@group`-less group name, or `user@realm!tokenid`. */
  ugid: string;
  kind: 'user' | 'group' | 'token';
  roleid: string;
  /** Default true, as `pveum acl modify`. */
  propagate?: boolean;
}

export interface RoleOption {
  roleid: string;
  privs: readonly string[];
}

/** Pool membership as the ACL check needs it (the simulator's pools live in the cluster state). */
export interface PoolMembers {
  vms: ReadonlySet<number>;
  storage?: ReadonlySet<string>;
}

/** privilege → propagate flag (RPCEnvironment.pm permissions: "a key being defined means the priv is set"). */
export type PrivMap = ReadonlyMap<string, boolean>;

/** pve-common src/PVE/Exception.pm raise_perm_exc: `Permission check failed` plus ` ($what)` when given. */
export function permError(what?: string): PveError {
  return new PveError(403, what ? `Permission check failed (${what})` : 'Permission check failed');
}

/** pve-access-control src/PVE/AccessControl.pm normalize_path. */
export function normalizePath(path: string): string | undefined {
  if (!path) return undefined;
  let p = path.replace(/\/+/g, '/').replace(/\/$/, '');
  if (!p) p = '/';
  if (!p.startsWith('/')) p = `/${p}`;
  return /^[A-Za-z0-9.\-_/]+$/.test(p) ? p : undefined;
}

export class AccessControl {
  readonly roles = new Map<string, Set<string>>();
  readonly acl: AclEntry[] = [];
  /** group → member userids. */
  readonly groups = new Map<string, Set<string>>();
  /** `user@realm!tokenid` → privsep flag. */
  readonly tokens = new Map<string, { privsep: boolean }>();

  constructor(private readonly pools: () => ReadonlyMap<string, PoolMembers>) {
    // pve-access-control AccessControl.pm $special_roles / $privgroups: the built-in roles the simulator needs.
    this.roles.set('Administrator', new Set(ALL_PRIVILEGES));
    this.roles.set('NoAccess', new Set());
    this.roles.set('PVEAuditor', new Set(['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit', 'VM.GuestAgent.Audit']));
  }

  addRole(roleid: string, privs: Iterable<string>): void {
    const set = new Set(privs);
    for (const p of set) if (!ALL_PRIVILEGES.includes(p)) throw new Error(`invalid privilege '${p}'`); // AccessControl.pm verify_privname
    this.roles.set(roleid, set);
  }

  addAcl(entry: AclEntry): void {
    const path = normalizePath(entry.path);
    if (!path) throw new Error(`invalid ACL path '${entry.path}'`);
    if (!this.roles.has(entry.roleid)) throw new Error(`role '${entry.roleid}' does not exist`);
    this.acl.push({ ...entry, path, propagate: entry.propagate ?? true });
  }

  /** `pveum acl delete`: removes the role of that ugid on that path. */
  removeAcl(path: string, ugid: string, roleid: string): void {
    const p = normalizePath(path);
    for (let i = this.acl.length - 1; i >= 0; i--) {
      const e = this.acl[i];
      if (e.path === p && e.ugid === ugid && e.roleid === roleid) this.acl.splice(i, 1);
    }
  }

  private entriesAt(path: string): AclEntry[] {
    return this.acl.filter((e) => e.path === path);
  }

  /**
   * pve-access-control src/PVE/AccessControl.pm `roles`: walks the path from `/` down; at each level a token's
   * entries, else the user's, else its groups' replace what was found above (only propagating ones on a parent,
   * all on the final component). NoAccess anywhere wins. Pools are not considered here.
   */
  rolesOf(authid: string, path: string): Map<string, boolean> {
    const bang = authid.indexOf('!');
    if (bang >= 0) {
      const token = this.tokens.get(authid);
      if (!token) return new Map();
      if (!token.privsep) return this.rolesOf(authid.slice(0, bang), path);
    }
    let roles = new Map<string, boolean>();
    const parts = path === '/' ? [''] : path.split('/');
    let at = '';
    for (let i = 0; i < parts.length; i++) {
      const final = i === parts.length - 1;
      if (parts[i] !== '') at = at === '/' || at === '' ? `/${parts[i]}` : `${at}/${parts[i]}`;
      const here = this.entriesAt(at === '' ? '/' : at);
      const pick = (match: (e: AclEntry) => boolean): Map<string, boolean> | undefined => {
        let found: Map<string, boolean> | undefined;
        for (const e of here) {
          if (!match(e) || !(final || e.propagate)) continue;
          found ??= new Map();
          found.set(e.roleid, e.propagate ?? true);
        }
        return found;
      };
      const isToken = bang >= 0;
      const next =
        (isToken ? pick((e) => e.kind === 'token' && e.ugid === authid) : undefined) ??
        (!isToken ? pick((e) => e.kind === 'user' && e.ugid === authid) : undefined) ??
        (!isToken ? pick((e) => e.kind === 'group' && (this.groups.get(e.ugid)?.has(authid) ?? false)) : undefined);
      if (next) roles = next;
    }
    if (roles.has('NoAccess')) return new Map([['NoAccess', roles.get('NoAccess')!]]);
    return roles;
  }

  /**
   * pve-access-control src/PVE/RPCEnvironment.pm `permissions` + `$compile_acl_path`: root@pam holds everything;
   * a pool's roles apply to its member VMs (/vms/<id>) and storages (/storage/<id>) unless the path's own ACL set
   * that role or NoAccess (never propagating); a privsep token keeps only what its user holds on the path too.
   */
  permissions(authid: string, path: string): PrivMap {
    if (authid === 'root@pam') return new Map(ALL_PRIVILEGES.map((p) => [p, true]));
    const bang = authid.indexOf('!');
    const username = bang >= 0 ? authid.slice(0, bang) : undefined;
    if (username !== undefined) {
      const token = this.tokens.get(authid);
      if (!token) return new Map();
      const userPerms = this.permissions(username, path);
      if (!token.privsep) return userPerms;
    }
    let roles = this.rolesOf(authid, path);
    const poolRoles = new Map<string, boolean>();
    for (const [poolid, pool] of this.pools()) {
      const member = path.startsWith('/vms/')
        ? pool.vms.has(Number(path.slice(5)))
        : path.startsWith('/storage/') && (pool.storage?.has(path.slice(9)) ?? false);
      if (!member) continue;
      for (const role of this.rolesOf(authid, `/pool/${poolid}`).keys()) poolRoles.set(role, false);
    }
    if (poolRoles.size > 0 && !roles.has('NoAccess')) {
      if (poolRoles.has('NoAccess')) roles = new Map([['NoAccess', false]]);
      else for (const role of poolRoles.keys()) if (!roles.has(role)) roles.set(role, false);
    }
    let privs = new Map<string, boolean>();
    for (const [role, propagate] of roles) {
      for (const p of this.roles.get(role) ?? []) privs.set(p, (privs.get(p) ?? false) || propagate);
    }
    if (username !== undefined && username !== 'root@pam') {
      const userPrivs = this.permissions(username, path);
      privs = new Map([...privs].filter(([p]) => userPrivs.has(p)).map(([p, prop]) => [p, prop && userPrivs.get(p)!]));
    }
    return privs;
  }

  has(authid: string, path: string, priv: string): boolean {
    return this.permissions(authid, path).has(priv);
  }

  /** RPCEnvironment.pm check: every privilege, else `Permission check failed (<path>, <first missing>)`. */
  check(authid: string, path: string, privs: readonly string[], noerr = false): boolean {
    const perm = this.permissions(authid, path);
    for (const p of privs) {
      if (!perm.has(p)) {
        if (noerr) return false;
        throw permError(`${path}, ${p}`);
      }
    }
    return true;
  }

  /** RPCEnvironment.pm check_any: one of them, else `Permission check failed (<path>, A|B|...)`. */
  checkAny(authid: string, path: string, privs: readonly string[], noerr = false): boolean {
    const perm = this.permissions(authid, path);
    if (privs.some((p) => perm.has(p))) return true;
    if (noerr) return false;
    throw permError(`${path}, ${privs.join('|')}`);
  }

  checkFull(authid: string, path: string, privs: readonly string[], any: boolean, noerr = false): boolean {
    return any ? this.checkAny(authid, path, privs, noerr) : this.check(authid, path, privs, noerr);
  }

  /** RPCEnvironment.pm check_vm_perm: /pool/<pool> first (quietly), then /vms/<vmid>. */
  checkVmPerm(authid: string, vmid: number, pool: string | undefined, privs: readonly string[], any = false, noerr = false): boolean {
    if (pool && this.checkFull(authid, `/pool/${pool}`, privs, any, true)) return true;
    return this.checkFull(authid, `/vms/${vmid}`, privs, any, noerr);
  }

  /**
   * RPCEnvironment.pm check_api2_permissions / exec_api2_perm_check: an endpoint's `permissions` object from the
   * schema (`user: 'all' | 'world'`, `check: ['perm', path, privs, any?, require_param?] | ['and' | 'or', ...]`).
   * `['perm-modify', ...]`, `userid-*` checks are not used by any simulated endpoint and deny.
   */
  checkApi2(perm: { user?: string; check?: unknown[] } | undefined, authid: string, params: Record<string, unknown>): void {
    if (authid === 'root@pam') return;
    if (!perm) throw permError('user != root@pam');
    if (perm.user === 'all' || perm.user === 'world') return;
    if (perm.check) {
      this.execCheck(perm.check, authid, params, false);
      return;
    }
    throw permError();
  }

  private execCheck(check: unknown[], authid: string, params: Record<string, unknown>, noerr: boolean): boolean {
    const [test, ...rest] = check;
    if (test === 'and') {
      for (const sub of rest) this.execCheck(sub as unknown[], authid, params, false);
      return true;
    }
    if (test === 'or') {
      for (const sub of rest) if (this.execCheck(sub as unknown[], authid, params, true)) return true;
      if (noerr) return false;
      throw permError();
    }
    if (test === 'perm') {
      const [tmpl, privs, ...opts] = rest as [string, string[], ...unknown[]];
      const options: Record<string, unknown> = {};
      for (let i = 0; i + 1 < opts.length; i += 2) options[String(opts[i])] = opts[i + 1];
      const req = options.require_param;
      if (typeof req === 'string' && params[req] === undefined) {
        if (noerr) return false;
        throw permError();
      }
      // pve-common src/PVE/Tools.pm template_replace: `{name}` → the parameter's value.
      const path = normalizePath(tmpl.replace(/\{(\w+)\}/g, (_m, k: string) => String(params[k] ?? '')));
      return this.checkFull(authid, path ?? tmpl, privs, Boolean(options.any), noerr);
    }
    if (noerr) return false;
    throw permError();
  }

  /**
   * RPCEnvironment.pm compute_api_permission: the `cap` object of a login, from the top-level paths and every
   * path an ACL names (pool paths feed the vms/storage groups).
   */
  capabilities(authid: string): Record<string, Record<string, 1>> {
    const groups: Record<string, RegExp> = {
      vms: /^(VM\.|Permissions\.Modify)/,
      access: /^((User|Group)\.|Permissions\.Modify)/,
      storage: /^(Datastore\.|Permissions\.Modify)/,
      nodes: /^(Sys\.|Permissions\.Modify)/,
      sdn: /^(SDN\.|Permissions\.Modify)/,
      dc: /^(Sys\.Audit|Sys\.Modify|SDN\.)/,
      mapping: /^(Mapping\.|Permissions.Modify)/,
    };
    const res: Record<string, Record<string, 1>> = {};
    const found: Record<string, Set<string>> = {};
    for (const g of Object.keys(groups)) found[g] = new Set();
    const paths = new Set(['/', '/nodes', '/access/groups', '/vms', '/storage', '/sdn', '/mapping', ...this.acl.map((e) => e.path)]);
    for (const path of paths) {
      const perm = this.permissions(authid, path);
      const top = /^\/(\w+)/.exec(path)?.[1] ?? 'dc';
      if (top === 'pool') {
        for (const p of perm.keys()) {
          if (p.startsWith('VM.')) found.vms.add(p);
          else if (p.startsWith('Datastore.')) found.storage.add(p);
          else if (p === 'Permissions.Modify') found.storage.add(p), found.vms.add(p);
        }
        continue;
      }
      const re = groups[top];
      if (!re) continue;
      for (const p of perm.keys()) if (re.test(p)) found[top].add(p);
    }
    for (const [g, set] of Object.entries(found)) {
      res[g] = {};
      for (const p of [...set].sort()) res[g][p] = 1;
    }
    return res;
  }
}
