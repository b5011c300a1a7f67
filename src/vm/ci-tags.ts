// CI bookkeeping tags on every VM the action creates or clones under GitHub Actions, so that a later `prune`
// can find the leftovers of runs whose runner died before the post step; plus the tag matching and age rules.
//
// Scheme (all valid PVE tags, `[a-z0-9_][a-z0-9_\-+.]*`, lower-case as PVE stores them):
//   gh-ci                   marker: made by this action in a workflow run (select them all with prune_tags: gh-ci)
//   gh-run-<run id>         GITHUB_RUN_ID (the same for every job and re-run attempt of a run)
//   gh-repo-<owner>.<repo>  GITHUB_REPOSITORY lower-cased, '/' → '.', other characters → '-'; names over 56
//                           characters are cut and end in 8 hex digits of a SHA-256 of the full name
//   gh-ts-<unix seconds>    creation time (not an expiry: how old is "old" is the pruner's choice)
// Tags matching these patterns are reserved: an update keeps them on the VM (see diff.ts), a create or clone
// replaces whatever CI tags the user or the clone source carried with the current run's.
import { createHash } from 'node:crypto';
import type { Settings } from '../settings.js';
import type { Change } from './steps.js';
import type { VmConfig } from './pve.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const CI_MARKER = 'gh-ci';
const RUN = 'gh-run-';
const REPO = 'gh-repo-';
const TS = 'gh-ts-';
const REPO_MAX = 56;
const CI_TAG = /^(?:gh-ci|gh-run-.+|gh-repo-.+|gh-ts-\d+)$/;
/** PVE's tag rule (pve-common JSONSchema.pm `pve-tag` format; ../shared/pve-api/BEHAVIOUR.md), after lower-casing. */
export const PVE_TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/;

const sanitize = (v: string) => v.trim().toLowerCase().replace(/[^a-z0-9_\-+.]/g, '-');

/** Splits a PVE tag string (`;`, `,` or space separated) into lower-cased tags, as PVE does. */
export function splitTags(v: string | number | undefined): string[] {
  if (v === undefined) return [];
  return [...new Set(String(v).split(/[;,\s]+/).filter(Boolean).map((t) => t.toLowerCase()))];
}

export const isCiTag = (tag: string): boolean => CI_TAG.test(tag.toLowerCase());

/** The repository tag for `owner/repo`. */
export function repoTag(repository: string): string {
  const full = repository.trim().toLowerCase();
  let v = sanitize(full.replace('/', '.'));
  if (v.length > REPO_MAX) v = `${v.slice(0, REPO_MAX - 9)}-${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;
  return REPO + v;
}

/** The CI tags for a VM created now in this run; none outside GitHub Actions (no GITHUB_RUN_ID). */
export function ciTags(env: Env, now: number): string[] {
  const run = env.GITHUB_RUN_ID?.trim();
  if (!run) return [];
  const tags = [CI_MARKER, RUN + sanitize(run), TS + Math.floor(now / 1000)];
  if (env.GITHUB_REPOSITORY?.trim()) tags.push(repoTag(env.GITHUB_REPOSITORY));
  return tags.sort();
}

/** ciTags when the `ci_tags` input is on. */
export function ciTagsFor(s: Settings, env: Env = process.env, now: number = Date.now()): string[] {
  return s.lifecycle.ciTags === false ? [] : ciTags(env, now);
}

/** `base` without any CI tags, plus `ci`: de-duplicated, sorted and `;`-joined like PVE stores them. */
export function mergeTags(base: string | number | undefined, ci: readonly string[]): string {
  const kept = splitTags(base).filter((t) => !isCiTag(t));
  return [...new Set([...kept, ...ci])].sort().join(';');
}

export function sameTags(a: string | number | undefined, b: string | number | undefined): boolean {
  const x = splitTags(a);
  const y = new Set(splitTags(b));
  return x.length === y.size && x.every((t) => y.has(t));
}

/**
 * Puts the CI tags into create parameters (`live` = {}) or a config step for a VM whose config is `live` (a clone
 * just made): on top of the tags the step already sets, else of the VM's own (the clone source's, whose CI tags
 * are dropped).
 */
export function addCiTags(set: Record<string, string>, changes: Change[], live: VmConfig, ci: readonly string[]): void {
  if (ci.length === 0) return;
  const have = live.tags === undefined ? undefined : String(live.tags);
  const input = set.tags !== undefined ? 'tags, ci_tags' : 'ci_tags';
  const want = mergeTags(set.tags ?? have, ci);
  const i = changes.findIndex((c) => c.key === 'tags');
  if (i >= 0) changes.splice(i, 1);
  if (have !== undefined && sameTags(want, have)) {
    delete set.tags;
    return;
  }
  set.tags = want;
  changes.push({ key: 'tags', from: have, to: want, input });
}

/** The CI tags already on a VM (an update merges them into the user's `tags` instead of dropping them). */
export const ciTagsIn = (tags: string | number | undefined): string[] => splitTags(tags).filter(isCiTag);

export interface RunRef {
  runId?: string;
  repoTag?: string;
  /** Unix seconds from gh-ts-; the newest when there are several (the cautious choice for pruning). */
  createdAt?: number;
}

export function runRef(tags: readonly string[]): RunRef {
  const ref: RunRef = {};
  for (const t of tags) {
    if (t.startsWith(RUN)) ref.runId = t.slice(RUN.length);
    else if (t.startsWith(REPO)) ref.repoTag = t;
    else if (t.startsWith(TS) && /^\d+$/.test(t.slice(TS.length))) ref.createdAt = Math.max(ref.createdAt ?? 0, Number(t.slice(TS.length)));
  }
  return ref;
}

/** Creation time in unix seconds: the gh-ts- tag, else `meta: ...,ctime=<epoch>` (PVE writes it at create). */
export function createdAt(tags: readonly string[], config?: VmConfig): number | undefined {
  const fromTag = runRef(tags).createdAt;
  if (fromTag !== undefined) return fromTag;
  const m = /(?:^|,)ctime=(\d+)/.exec(String(config?.meta ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** True when the VM carries every wanted tag (case-insensitive). No wanted tags matches nothing, never "every VM". */
export function hasAllTags(vmTags: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length === 0) return false;
  const have = new Set(vmTags.map((t) => t.toLowerCase()));
  return wanted.every((t) => have.has(t.toLowerCase()));
}

/** "2d 3h", "45m", "12s": for reasons and notes. */
export function formatAge(sec: number): string {
  const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(sec));
  for (const [u, n] of units) {
    if (rest >= n && parts.length < 2) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  return parts.join(' ') || '0s';
}
