// judgeOwnership from src/: when the live config at a recorded vmid is provably the VM the step created.
import { describe, expect, it } from 'vitest';
import { type OwnedVm, fingerprintOf, judgeOwnership } from '../../src/vm/ownership.js';

const UUID = '5f0e5c1e-1111-4222-8333-444455556666';
const GENID = '9a8b7c6d-0000-4000-8000-00000000abcd';
const META = 'creation-qemu=9.2.0,ctime=1800000000';
const config = { name: 'ci-vm', smbios1: `uuid=${UUID}`, vmgenid: GENID, meta: META, tags: 'gh-ci;gh-run-7;gh-ts-1800000000;web' };
// UPID start time 0x6B49D200 = 1800000000
const created: OwnedVm = { vmid: 120, node: 'pve1', kind: 'create', upid: 'UPID:pve1:0000AAAA:00BBBBBB:6B49D200:qmcreate:120:ci@pve:', name: 'ci-vm', ciTags: ['gh-ci', 'gh-run-7', 'gh-ts-1800000000'] };

describe('fingerprintOf', () => {
  it('takes the smbios1 uuid (lower-cased), vmgenid and meta', () => {
    expect(fingerprintOf({ smbios1: `manufacturer=x,uuid=${UUID.toUpperCase()},serial=1`, vmgenid: GENID, meta: META })).toEqual({ smbiosUuid: UUID, vmgenid: GENID, meta: META });
    expect(fingerprintOf({ smbios1: 'manufacturer=x' })).toEqual({});
  });
});

describe('judgeOwnership', () => {
  const withPrint: OwnedVm = { ...created, fingerprint: fingerprintOf(config) };

  it('owns the VM whose generated identity is unchanged, even renamed and retagged', () => {
    expect(judgeOwnership(withPrint, { ...config, name: 'renamed', tags: '' }, undefined).owned).toBe(true);
  });

  it('refuses a VM with the same name and tags but another uuid (a new VM under the old id)', () => {
    const v = judgeOwnership(withPrint, { ...config, smbios1: 'uuid=00000000-0000-4000-8000-000000000000', vmgenid: 'x' }, true);
    expect(v).toEqual({ owned: false, why: expect.stringMatching(/its smbiosUuid, vmgenid changed/) });
  });

  it('without a fingerprint: needs the task to have succeeded, the name, the create tags, and no earlier ctime', () => {
    expect(judgeOwnership(created, config, true).owned).toBe(true);
    expect(judgeOwnership(created, config, false)).toMatchObject({ owned: false, why: expect.stringMatching(/did not succeed/) });
    expect(judgeOwnership(created, config, undefined).owned).toBe(false);
    expect(judgeOwnership(created, { ...config, name: 'other' }, true)).toMatchObject({ owned: false, why: expect.stringMatching(/named 'other'/) });
    expect(judgeOwnership(created, { ...config, tags: 'web' }, true)).toMatchObject({ owned: false, why: expect.stringMatching(/lacks the tags/) });
    expect(judgeOwnership(created, { ...config, meta: 'creation-qemu=9.2.0,ctime=1700000000' }, true)).toMatchObject({ owned: false, why: expect.stringMatching(/before this job's create task/) });
  });

  it('a clone without a fingerprint is judged by its task and name (its tags come later)', () => {
    const clone: OwnedVm = { ...created, kind: 'clone', ciTags: [] };
    expect(judgeOwnership(clone, { name: 'ci-vm', meta: 'creation-qemu=8.0,ctime=1500000000' }, true).owned).toBe(true);
    expect(judgeOwnership(clone, { name: 'Copy-of-VM-tpl' }, true).owned).toBe(false);
  });
});
