// CI tags (scheme, validity for any repository name, merging) and the age/tag rules prune selects with.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../src/inputs/index.js';
import { diffConfig } from '../../src/vm/diff.js';
import {
  PVE_TAG, addCiTags, ciTags, ciTagsIn, createdAt, formatAge, hasAllTags, isCiTag, mergeTags, repoTag, runRef, sameTags, splitTags,
} from '../../src/vm/ci-tags.js';
import type { Change } from '../../src/vm/steps.js';

const ENV = { GITHUB_RUN_ID: '4242424242', GITHUB_REPOSITORY: 'Octo-Org/My.Repo_x' };
const NOW = 1_700_000_123_456;

describe('ciTags', () => {
  it('gives marker, run, repository and creation time, sorted, all valid PVE tags', () => {
    const tags = ciTags(ENV, NOW);
    expect(tags).toEqual(['gh-ci', 'gh-repo-octo-org.my.repo_x', 'gh-run-4242424242', 'gh-ts-1700000123']);
    for (const t of tags) expect(t).toMatch(PVE_TAG);
    expect(tags.every(isCiTag)).toBe(true);
  });

  it('gives nothing outside GitHub Actions, and no repo tag without GITHUB_REPOSITORY', () => {
    expect(ciTags({}, NOW)).toEqual([]);
    expect(ciTags({ GITHUB_RUN_ID: ' ' }, NOW)).toEqual([]);
    expect(ciTags({ GITHUB_RUN_ID: '7' }, NOW)).toEqual(['gh-ci', 'gh-run-7', 'gh-ts-1700000123']);
  });

  it('sanitises odd repository names and run ids to valid PVE tags of bounded length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 160 }), fc.string({ maxLength: 40 }), (repo, run) => {
        for (const t of ciTags({ GITHUB_RUN_ID: run.trim() ? run : '1', GITHUB_REPOSITORY: repo }, NOW)) {
          expect(t).toMatch(PVE_TAG);
          expect(t.length).toBeLessThanOrEqual(Math.max(64, 7 + run.length));
        }
      }),
    );
    expect(repoTag('ÄÖ/Ünïcode repo!')).toBe('gh-repo---.-n-code-repo-');
    expect(repoTag('a/b+c')).toBe('gh-repo-a.b+c');
  });

  it('keeps long names distinct: cut to 64 characters with a hash of the full name', () => {
    const long = `owner/${'x'.repeat(90)}`;
    const a = repoTag(`${long}-one`);
    const b = repoTag(`${long}-two`);
    expect(a.length).toBe(64);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^gh-repo-owner\.x+-[0-9a-f]{8}$/);
    expect(repoTag(long.toUpperCase())).toBe(repoTag(long)); // GitHub names are case-insensitive
  });
});

describe('merging with the user tags', () => {
  it('adds the CI tags to the user tags and drops stale CI tags (a clone source, or a user copy)', () => {
    const ci = ciTags(ENV, NOW);
    expect(mergeTags('Web;db', ci)).toBe(['db', 'web', ...ci].sort().join(';'));
    expect(mergeTags('web;gh-ci;gh-run-1;gh-ts-5;gh-repo-other.repo', ci)).toBe(['web', ...ci].sort().join(';'));
    expect(mergeTags(undefined, ci)).toBe(ci.join(';'));
  });

  it('addCiTags sets the tags on a create, with the change attributed to both inputs', () => {
    const params: Record<string, string> = { tags: 'web', memory: '512' };
    const changes: Change[] = [{ key: 'tags', to: 'web', input: 'tags' }, { key: 'memory', to: '512', input: 'memory' }];
    addCiTags(params, changes, {}, ['gh-ci', 'gh-run-1']);
    expect(params.tags).toBe('gh-ci;gh-run-1;web');
    expect(changes).toEqual([
      { key: 'memory', to: '512', input: 'memory' },
      { key: 'tags', from: undefined, to: 'gh-ci;gh-run-1;web', input: 'tags, ci_tags' },
    ]);
  });

  it('addCiTags on a clone keeps the source tags but replaces its CI tags; nothing when already there', () => {
    const set: Record<string, string> = {};
    const changes: Change[] = [];
    addCiTags(set, changes, { tags: 'base;gh-ci;gh-run-1;gh-ts-10' }, ['gh-ci', 'gh-run-2', 'gh-ts-20']);
    expect(set.tags).toBe('base;gh-ci;gh-run-2;gh-ts-20');
    expect(changes[0]).toMatchObject({ key: 'tags', from: 'base;gh-ci;gh-run-1;gh-ts-10', input: 'ci_tags' });
    const again: Record<string, string> = {};
    addCiTags(again, [], { tags: 'base;gh-ci;gh-run-2;gh-ts-20' }, ['gh-ci', 'gh-run-2', 'gh-ts-20']);
    expect(again).toEqual({});
    addCiTags(again, [], { tags: 'x' }, []);
    expect(again).toEqual({});
  });

  it('an update keeps the CI tags: no drift when the user tags match, merged when they change', () => {
    const live = { tags: 'gh-ci;gh-repo-o.r;gh-run-9;gh-ts-100;web' };
    const opts = { unsafe: false, secretKeys: new Set<string>() };
    expect(diffConfig({ tags: 'web' }, {}, live, opts).set).toEqual({});
    const d = diffConfig({ tags: 'web;db' }, {}, live, opts);
    expect(sameTags(d.set.tags, 'web;db;gh-ci;gh-repo-o.r;gh-run-9;gh-ts-100')).toBe(true);
    // without CI tags on the VM the value is sent as given (unchanged behaviour)
    expect(diffConfig({ tags: 'Web;db' }, {}, { tags: 'web' }, opts).set).toEqual({ tags: 'Web;db' });
  });

  it('splits and recognises tags like PVE', () => {
    expect(splitTags('B;a,c  a')).toEqual(['b', 'a', 'c']);
    expect(splitTags(undefined)).toEqual([]);
    expect(ciTagsIn('web;GH-CI;gh-ts-1;gh-tsx')).toEqual(['gh-ci', 'gh-ts-1']);
    expect(isCiTag('gh-ts-abc')).toBe(false);
    expect(isCiTag('gh-runner')).toBe(false);
  });
});

describe('matching and age', () => {
  it('a VM matches when it has every wanted tag, case-insensitively', () => {
    expect(hasAllTags(['ci', 'ephemeral', 'x'], ['CI', 'ephemeral'])).toBe(true);
    expect(hasAllTags(['ci'], ['ci', 'ephemeral'])).toBe(false);
    // No wanted tags matches nothing: an empty filter must never mean "every VM".
    expect(hasAllTags([], [])).toBe(false);
    expect(hasAllTags(['prod'], [])).toBe(false);
  });

  it('reads run, repo and time from the tags; the newest gh-ts- wins', () => {
    expect(runRef(['gh-run-12', 'gh-repo-a.b', 'gh-ts-50', 'gh-ts-70', 'web'])).toEqual({ runId: '12', repoTag: 'gh-repo-a.b', createdAt: 70 });
    expect(runRef(['web'])).toEqual({});
  });

  it('takes the age from gh-ts-, else from meta ctime, else unknown', () => {
    expect(createdAt(['gh-ts-100'], { meta: 'creation-qemu=9.2.0,ctime=50' })).toBe(100);
    expect(createdAt([], { meta: 'creation-qemu=9.2.0,ctime=50' })).toBe(50);
    expect(createdAt([], {})).toBeUndefined();
    expect(createdAt([])).toBeUndefined();
  });

  it('formats ages', () => {
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(59)).toBe('59s');
    expect(formatAge(3 * 3600 + 5 * 60)).toBe('3h 5m');
    expect(formatAge(2 * 86400 + 7200 + 1)).toBe('2d 2h');
  });
});

describe('inputs', () => {
  const BASE = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw' };
  const run = (inputs: Record<string, string>) => {
    const all: Record<string, string> = { ...BASE, ...inputs };
    return readSettings((n) => all[n] ?? '', {});
  };

  it('ci_tags defaults to true and can be turned off', () => {
    expect(run({ name: 'a', node: 'n' }).settings!.lifecycle.ciTags).toBe(true);
    expect(run({ name: 'a', node: 'n', ci_tags: 'false' }).settings!.lifecycle.ciTags).toBe(false);
  });

  it('prune without github_token needs prune_older_than; with a token, tags alone do', () => {
    const errs = run({ prune: 'true', state: 'absent', prune_tags: 'ci' }).errors;
    expect(errs.map((e) => e.input)).toEqual(['prune_older_than']);
    expect(errs[0].message).toMatch(/github_token/);
    expect(run({ prune: 'true', state: 'absent', prune_tags: 'ci', github_token: 'ghs_x' }).errors).toEqual([]);
    expect(run({ prune: 'true', state: 'absent', prune_tags: 'ci', prune_older_than: '1h' }).errors).toEqual([]);
  });
});
