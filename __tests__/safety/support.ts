// Shared setup for the safety suite: the lifecycle simulator and runner, plus SAFETY_ACTION_DIR to run the same
// cases against another build of the action (e.g. a checkout of an older commit, to see a case fail there).
import type { Simulator } from '../../sim/index.js';
import type { ActionRun, RunOptions } from '../../tools/runner/index.js';
import { step as lifecycleStep } from '../lifecycle/support.js';

export { GUEST, annotations, failed, isDestroy, lifecycleSim, mutations, ok, requests, seedVm, vmByName, visibleText } from '../lifecycle/support.js';

/** The harness's GITHUB_REPOSITORY, as a CI tag. */
export const REPO_TAG = 'gh-repo-octo-org.proxmox-kvm-action-test';
export const DAY = 86400;
export const nowSec = (): number => Math.floor(Date.now() / 1000);

const actionDir = process.env.SAFETY_ACTION_DIR || undefined;

/** Main step (and post step unless post: false) of the action under test against the simulator. */
export function step(sim: Simulator, inputs: Record<string, string>, opts: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> {
  return lifecycleStep(sim, inputs, { actionDir, ...opts });
}

/** Methods that change something (the login aside). */
export const isMutation = (e: { method: string; path: string }): boolean => e.method !== 'GET' && e.path !== '/access/ticket';
