// Rules across inputs (mutually exclusive options, options that need another one), as the module enforces them
// plus the action's own; each broken rule becomes one InputError naming the inputs involved.
import { parseCidr } from './checks.js';
import { inputError, type InputError } from './errors.js';
import type { Value } from './values.js';

/** Parsed inputs by name; a name is present when the input was given (or defaulted). */
export type Inputs = ReadonlyMap<string, Value>;

/** Pairs the module declares mutually exclusive (update only counts when true). */
const EXCLUSIVE: ReadonlyArray<[string, string]> = [
  ['delete', 'revert'],
  ['delete', 'update'],
  ['revert', 'update'],
  ['clone', 'update'],
  ['clone', 'delete'],
  ['clone', 'revert'],
];

function isSet(v: Value | undefined): boolean {
  if (v === undefined || v === false) return false;
  return !(Array.isArray(v) && v.length === 0);
}

/**
 * `failed` holds inputs that were given but did not parse: they count as present for "needs X" rules, so one
 * typo does not also report "X is missing".
 */
export function checkRules(inputs: Inputs, explicit: ReadonlySet<string>, failed: ReadonlySet<string>, errors: InputError[]): void {
  const get = (n: string) => inputs.get(n);
  const given = (n: string) => failed.has(n) || inputs.has(n);
  const err = (input: string, message: string) => errors.push(inputError(input, message));

  for (const [a, b] of EXCLUSIVE) {
    if (isSet(get(a)) && isSet(get(b))) err(b, `Inputs '${a}' and '${b}' cannot be used together.`);
  }

  const prune = get('prune') === true;
  if (!prune && !given('name') && !given('vmid')) {
    err('name', "Give 'name' or 'vmid' to say which VM to act on (with 'clone': the new VM's name, or the source vmid).");
  }
  if (get('newid') !== undefined && !given('clone')) {
    err('newid', "Input 'newid' is only used with 'clone' (the id of the new VM).");
  }
  // PVE accepts a target format only for full clones; compatibility's implicit qcow2 is dropped instead
  const format = get('format');
  if (get('full') === false && explicit.has('format') && format !== 'unspecified') {
    err('format', `Input 'format' (${String(format)}) cannot be used with 'full: false': a linked clone keeps the source format; use 'format: unspecified' or leave it out.`);
  }
  if (get('efidisk0') !== undefined && get('bios') !== 'ovmf' && !failed.has('bios')) {
    err('efidisk0', "Input 'efidisk0' needs 'bios: ovmf' (an EFI disk is only used by OVMF firmware).");
  }
  rootOnly('args', get('args') !== undefined);
  rootOnly('skiplock', get('skiplock') === true);
  function rootOnly(input: string, used: boolean): void {
    if (!used) return;
    const token = get('api_token_id') !== undefined || get('api_token_secret') !== undefined;
    const user = get('api_user') ?? userOfToken(get('api_token_id'));
    if (user !== 'root@pam' || token) {
      err(input, `Input '${input}' is only allowed for root@pam logging in with a password (not an API token); Proxmox refuses it otherwise.`);
    }
  }
  // Snapshots: snapname says which; vmstate and start belong to one state each (action.yml defaults arrive as
  // given inputs, so only a value other than the default counts).
  const state = failed.has('state') ? undefined : get('state');
  const snapState = state === 'snapshot' || state === 'rollback';
  if (snapState && !given('snapname')) err('snapname', `Input 'snapname' is required with 'state: ${String(state)}' (the snapshot to ${state === 'snapshot' ? 'take' : 'roll back to'}).`);
  if (snapState && given('clone')) err('clone', `Input 'clone' cannot be used with 'state: ${String(state)}': snapshots are taken of and rolled back on an existing VM.`);
  if (state !== undefined && !snapState && given('snapname') && !given('clone'))
    err('snapname', "Input 'snapname' is used with 'clone' (the source snapshot) or 'state: snapshot' / 'state: rollback'.");
  if (state !== undefined && state !== 'snapshot' && get('vmstate') === true) err('vmstate', "Input 'vmstate' is only used with 'state: snapshot'.");
  if (state !== undefined && state !== 'rollback' && get('start') !== undefined && get('start') !== 'auto')
    err('start', "Input 'start' is only used with 'state: rollback' (to start a VM, use 'state: started').");
  if (get('migrate') === true && !failed.has('node') && (get('node') === undefined || get('node') === 'auto')) {
    err('migrate', "Input 'migrate' needs 'node' set to the target node name.");
  }

  if (prune) {
    if (get('state') !== 'absent' && !failed.has('state')) err('prune', "Input 'prune' needs 'state: absent'.");
    if (!given('prune_tags') && !given('prune_older_than')) {
      err('prune', "Input 'prune' needs 'prune_tags' and/or 'prune_older_than' to choose the VMs to destroy.");
    } else if (get('state') === 'absent' && !given('github_token') && !given('prune_older_than')) {
      // Without the token nothing tells a finished run's VM from a running job's: only age can.
      err('prune_older_than', "Input 'prune' without 'github_token' needs 'prune_older_than': the action cannot check that the VMs' workflow runs are finished, so only their age marks them as leftovers.");
    }
  } else {
    // action.yml defaults arrive as given inputs: prune_scope only counts when it widens the default.
    for (const n of ['prune_tags', 'prune_older_than', 'prune_scope']) {
      const set = n === 'prune_scope' ? get(n) === 'cluster' : get(n) !== undefined;
      if (set && !failed.has('prune')) err(n, `Input '${n}' has no effect without 'prune: true'.`);
    }
  }

  // keep_on_failure only refines cleanup: always. With never the VM stays anyway; with on-failure it would keep the
  // VM exactly when on-failure destroys it, so either combination is a mistake worth saying rather than guessing.
  const cleanup = get('cleanup');
  if (get('keep_on_failure') === true && !failed.has('cleanup') && cleanup !== undefined && cleanup !== 'always') {
    err(
      'keep_on_failure',
      cleanup === 'never'
        ? "Input 'keep_on_failure' has no effect with 'cleanup: never' (the VM is never destroyed); use it with 'cleanup: always'."
        : "Input 'keep_on_failure' contradicts 'cleanup: on-failure' (which destroys the VM exactly when a step failed); use 'cleanup: always' with 'keep_on_failure: true' to destroy the VM after a successful job and keep it after a failed one.",
    );
  }
  // guest_exec runs in a running guest through its agent: states that leave no running VM cannot have it.
  if (given('guest_exec') && state !== undefined && ['absent', 'stopped', 'template', 'paused', 'hibernated'].includes(String(state)))
    err('guest_exec', `Input 'guest_exec' needs a running VM (state: started, present, restarted, current or rollback), not 'state: ${String(state)}'.`);
  if (given('guest_exec') && (get('agent') === '0' || get('agent') === false || (typeof get('agent') === 'string' && /^(?:enabled=)?0(?:,|$)/.test(String(get('agent'))))))
    err('guest_exec', "Input 'guest_exec' runs commands through the QEMU guest agent: it needs 'agent' enabled (agent: true).");
  if (get('guest_exec_allow_failure') === true && !given('guest_exec'))
    err('guest_exec_allow_failure', "Input 'guest_exec_allow_failure' has no effect without 'guest_exec'.");

  const cidr = get('ip_cidr');
  const family = get('ip_family');
  if (typeof cidr === 'string' && family !== undefined && family !== 'any') {
    const c = parseCidr(cidr);
    if (c && `ipv${c.family}` !== family) {
      err('ip_cidr', `Input 'ip_cidr' (${cidr}) is an IPv${c.family} network but 'ip_family' is ${String(family)}.`);
    }
  }
}

function userOfToken(v: Value | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  const bang = v.indexOf('!');
  return bang > 0 ? v.slice(0, bang) : undefined;
}
