// sim/acl.ts against pve-access-control's semantics: AccessControl.pm `roles` (propagation, token/user/group
// precedence, NoAccess) and RPCEnvironment.pm `permissions` (pool roles, privsep intersection), check/check_any texts.
import { describe, expect, test } from 'vitest';
import { AccessControl } from '../../sim/acl.js';

function setup(pools: Record<string, number[]> = {}): AccessControl {
  const acl = new AccessControl(() => new Map(Object.entries(pools).map(([id, vms]) => [id, { vms: new Set(vms) }])));
  acl.addRole('VMUser', ['VM.Audit', 'VM.PowerMgmt']);
  acl.addRole('Auditor', ['VM.Audit']);
  return acl;
}

describe('roles along the path', () => {
  test('propagate carries a role down; propagate 0 only applies on the path itself', () => {
    const acl = setup();
    acl.addAcl({ path: '/vms', ugid: 'a@pve', kind: 'user', roleid: 'VMUser', propagate: false });
    expect(acl.has('a@pve', '/vms', 'VM.PowerMgmt')).toBe(true);
    expect(acl.has('a@pve', '/vms/100', 'VM.PowerMgmt')).toBe(false);
    acl.addAcl({ path: '/', ugid: 'b@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.has('b@pve', '/vms/100', 'VM.PowerMgmt')).toBe(true);
  });

  test('a deeper entry replaces what came from above; user entries beat group entries', () => {
    const acl = setup();
    acl.groups.set('ops', new Set(['a@pve']));
    acl.addAcl({ path: '/', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    acl.addAcl({ path: '/vms/100', ugid: 'a@pve', kind: 'user', roleid: 'Auditor' });
    expect(acl.has('a@pve', '/vms/100', 'VM.PowerMgmt')).toBe(false);
    expect(acl.has('a@pve', '/vms/101', 'VM.PowerMgmt')).toBe(true);
    acl.addAcl({ path: '/vms/101', ugid: 'ops', kind: 'group', roleid: 'Auditor' });
    expect(acl.has('a@pve', '/vms/101', 'VM.PowerMgmt')).toBe(false); // the group's entry is the deepest one
    acl.addAcl({ path: '/vms/101', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.has('a@pve', '/vms/101', 'VM.PowerMgmt')).toBe(true); // user entries win on the same level
  });

  test('NoAccess wins', () => {
    const acl = setup();
    acl.addAcl({ path: '/', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    acl.addAcl({ path: '/vms/100', ugid: 'a@pve', kind: 'user', roleid: 'NoAccess' });
    expect(acl.permissions('a@pve', '/vms/100').size).toBe(0);
  });

  test('root@pam holds everything, with no ACL', () => {
    expect(setup().has('root@pam', '/vms/1', 'VM.Allocate')).toBe(true);
  });
});

describe('pools', () => {
  test('a pool ACL applies to member VMs, without propagation, and not to other VMs', () => {
    const acl = setup({ ci: [100] });
    acl.addAcl({ path: '/pool/ci', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.has('a@pve', '/vms/100', 'VM.PowerMgmt')).toBe(true);
    expect(acl.has('a@pve', '/vms/101', 'VM.PowerMgmt')).toBe(false);
    expect(acl.permissions('a@pve', '/vms/100').get('VM.PowerMgmt')).toBe(false); // pool roles never propagate
  });

  test('NoAccess on the VM is not trumped by the pool; NoAccess on the pool trumps a VM role', () => {
    const acl = setup({ ci: [100, 101] });
    acl.addAcl({ path: '/pool/ci', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    acl.addAcl({ path: '/vms/100', ugid: 'a@pve', kind: 'user', roleid: 'NoAccess' });
    expect(acl.has('a@pve', '/vms/100', 'VM.Audit')).toBe(false);
    acl.addAcl({ path: '/pool/ci', ugid: 'b@pve', kind: 'user', roleid: 'NoAccess' });
    acl.addAcl({ path: '/vms/101', ugid: 'b@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.has('b@pve', '/vms/101', 'VM.Audit')).toBe(false);
  });

  test('check_vm_perm tries /pool/<pool> first, then /vms/<vmid> (whose text it reports)', () => {
    const acl = setup({ ci: [] });
    acl.addAcl({ path: '/pool/ci', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.checkVmPerm('a@pve', 555, 'ci', ['VM.PowerMgmt'])).toBe(true);
    expect(() => acl.checkVmPerm('a@pve', 555, undefined, ['VM.PowerMgmt'])).toThrow('Permission check failed (/vms/555, VM.PowerMgmt)');
  });
});

describe('API tokens', () => {
  test('privsep: the intersection of the token\'s and its user\'s privileges', () => {
    const acl = setup();
    acl.tokens.set('a@pve!t', { privsep: true });
    acl.addAcl({ path: '/', ugid: 'a@pve', kind: 'user', roleid: 'Auditor' });
    acl.addAcl({ path: '/', ugid: 'a@pve!t', kind: 'token', roleid: 'VMUser' });
    expect(acl.has('a@pve!t', '/vms/1', 'VM.Audit')).toBe(true);
    expect(acl.has('a@pve!t', '/vms/1', 'VM.PowerMgmt')).toBe(false);
  });

  test('no privsep: the user\'s privileges, whatever the token\'s own ACLs say', () => {
    const acl = setup();
    acl.tokens.set('a@pve!t', { privsep: false });
    acl.addAcl({ path: '/', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.has('a@pve!t', '/vms/1', 'VM.PowerMgmt')).toBe(true);
  });

  test('an unknown token holds nothing', () => {
    const acl = setup();
    acl.addAcl({ path: '/', ugid: 'a@pve', kind: 'user', roleid: 'VMUser' });
    expect(acl.permissions('a@pve!gone', '/vms/1').size).toBe(0);
  });
});

describe('check texts and schema checks (raise_perm_exc)', () => {
  test('check names the first missing privilege, check_any all alternatives', () => {
    const acl = setup();
    expect(() => acl.check('a@pve', '/vms/1', ['VM.Audit'])).toThrow('Permission check failed (/vms/1, VM.Audit)');
    expect(() => acl.checkAny('a@pve', '/vms/1', ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted'])).toThrow(
      'Permission check failed (/vms/1, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)',
    );
  });

  test('and/or/require_param as exec_api2_perm_check; a failed `or` is the bare text', () => {
    const acl = setup({ ci: [] });
    acl.addRole('Cloner', ['VM.Clone', 'VM.Allocate']);
    acl.addAcl({ path: '/vms/100', ugid: 'a@pve', kind: 'user', roleid: 'Cloner' });
    const clone = {
      check: ['and', ['perm', '/vms/{vmid}', ['VM.Clone']], ['or', ['perm', '/vms/{newid}', ['VM.Allocate']], ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool']]],
    };
    expect(() => acl.checkApi2(clone, 'a@pve', { vmid: '100', newid: '101' })).toThrow(/^Permission check failed$/);
    acl.addAcl({ path: '/pool/ci', ugid: 'a@pve', kind: 'user', roleid: 'Cloner' });
    expect(() => acl.checkApi2(clone, 'a@pve', { vmid: '100', newid: '101', pool: 'ci' })).not.toThrow();
    expect(() => acl.checkApi2(undefined, 'a@pve', {})).toThrow('Permission check failed (user != root@pam)');
    expect(() => acl.checkApi2({ user: 'all' }, 'a@pve', {})).not.toThrow();
  });
});
