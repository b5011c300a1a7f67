// The one typed settings object the inputs turn into (as actions/checkout's input-helper does).
// src/inputs/index.ts produces it from the runner's INPUT_* variables; vm/ and the entries consume it.
// Choice types come from the catalogue's choice lists, so a choice added there is a type here.
import type { CLEANUP_POLICIES, DEFAULT_BEHAVIOURS, DIAGNOSTICS_MODES, IP_FAMILIES, PRUNE_SCOPES, ROLLBACK_STARTS, VM_STATES, WAIT_FOR_MODES } from './catalogue/index.js';

export type VmState = (typeof VM_STATES)[number];
export type WaitFor = (typeof WAIT_FOR_MODES)[number];
export type IpFamily = (typeof IP_FAMILIES)[number];
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];
export type PruneScope = (typeof PRUNE_SCOPES)[number];
export type DiagnosticsMode = (typeof DIAGNOSTICS_MODES)[number];
export type DefaultBehaviour = (typeof DEFAULT_BEHAVIOURS)[number];
export type RollbackStart = (typeof ROLLBACK_STARTS)[number];

export interface Connection {
  /** Host name or IP address (an IPv6 literal comes without brackets). */
  host: string;
  port: number;
  /** user@realm (for tokens: the token's user). */
  user: string;
  password?: string;
  otp?: string;
  /** Token name only (the part after '!'), as the module's api_token_id. */
  tokenId?: string;
  tokenSecret?: string;
  validateCerts: boolean;
  /** PEM text of the CA bundle to trust (ca_path read from file, or given inline). */
  caPem?: string;
  /** SHA-256 fingerprint pin, normalised to upper-case hex pairs joined by ':'. */
  tlsFingerprint?: string;
  /** Per-request timeout (api_timeout), ms. */
  apiTimeoutMs: number;
}

export interface Lifecycle {
  waitFor: WaitFor;
  waitTimeoutSec: number;
  ipFamily: IpFamily;
  ipCidr?: string;
  cleanup: CleanupPolicy;
  /** When to gather diagnostics of the VM (vm/diagnostics.ts): on failure, always, never. */
  diagnostics: DiagnosticsMode;
  /** With cleanup: always, keep the VM when any step of the job failed (the post step asks GitHub). */
  keepOnFailure: boolean;
  vmidRange?: { lower: number; upper: number };
  dryRun: boolean;
  prune: boolean;
  pruneTags: string[];
  /** Whose leftovers prune may destroy: this repository's gh-ci VMs, or every repository's. */
  pruneScope: PruneScope;
  pruneOlderThanSec?: number;
  githubToken?: string;
  /** guest_exec: argument lists run in the guest through the agent (a shell line is ['/bin/sh', '-c', line]). */
  guestExec: string[][];
  guestExecAllowFailure: boolean;
  /** Tag VMs the action creates or clones with their workflow run (vm/orphans.ts), so prune can find leftovers. */
  ciTags: boolean;
}

export interface Settings {
  connection: Connection;
  state: VmState;
  vmid?: number;
  name?: string;
  node?: string;

  // clone
  clone?: string;
  newid?: number;
  full?: boolean;
  /** Clone target format; undefined when 'unspecified' or not given. */
  format?: string;
  storage?: string;
  target?: string;
  snapname?: string;
  /** state: snapshot: save the RAM of a running VM too. */
  vmstate: boolean;
  /** state: rollback: start the VM afterwards (auto: when it ran before). */
  rollbackStart: RollbackStart;
  pool?: string;

  // behaviour switches
  update: boolean;
  updateUnsafe: boolean;
  force: boolean;
  /** Per-task wait bound (timeout), seconds. */
  timeoutSec: number;
  migrate: boolean;
  withLocalDisks: boolean;
  purge: boolean;
  destroyUnreferencedDisks: boolean;
  skiplock: boolean;
  digest?: string;
  /** PVE keys to delete / revert (from `delete` / `revert`). */
  delete?: string[];
  revert?: string[];
  archive?: string;
  proxmoxDefaultBehavior: DefaultBehaviour;

  /**
   * The VM spec: PVE config keys → wire values, exactly as sent in a create or config request
   * (booleans "1"/"0", lists joined, sshkeys URL-encoded, net0/scsi0/... property strings).
   */
  spec: Record<string, string>;
  /** For each spec key, the module input it came from (for messages): e.g. net0 → "net", numa → "numa_enabled". */
  specSource: Record<string, string>;

  lifecycle: Lifecycle;
}
