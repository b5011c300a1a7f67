// What a peer example sees: the running simulator, an API client for arranging state, and lookups into the
// simulator's state; plus the shape of one example.
import type { ClusterState, VmRecord } from '../sim/core.js';
import type { SimTaskView } from '../sim/index.js';
import type { TaskResult } from './ansible.js';
import type { Checker } from './check.js';
import type { PveClient } from './pve.js';

/** One request as the simulator logged it, reduced to what the peer check inspects. */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  params?: Record<string, unknown>;
}

export interface PeerEnv {
  state: ClusterState;
  pve: PveClient;
  vm(vmid: number): VmRecord | undefined;
  /** Requests the module made during this example (setup calls excluded). */
  requests: LoggedRequest[];
  /** Tasks the module's requests started during this example. */
  tasks: SimTaskView[];
  /** Everything ansible-playbook printed for this example (JSON callback output). */
  output: string;
}

export interface Example {
  /** The example's title in the spec documents (or what an extra step checks). */
  title: string;
  /** 000 = the older module doc, 001 = community.general 3.8.1 doc, extra = our follow-up check. */
  doc: '000' | '001' | '000+001' | 'extra';
  /** Start a fresh simulator (empty cluster) before this example. */
  fresh?: boolean;
  setup?: (env: Pick<PeerEnv, 'pve' | 'state' | 'vm'>) => Promise<void>;
  /** proxmox_kvm arguments per task, without the connection arguments. */
  tasks: Array<Record<string, unknown>>;
  /** Error answers the module is expected to receive; any other status >= 400 fails the example. */
  expectErrors?: Array<{ status: number; method: string; path: RegExp }>;
  /** Tasks expected to end in error; any other task not ending OK fails the example. */
  expectTaskErrors?: Array<{ type: string; exitstatus: string }>;
  verify: (results: TaskResult[], env: PeerEnv, c: Checker) => void | Promise<void>;
}

export const NODE = 'sabrewulf';
/** A second cluster node, for node autodiscovery. */
export const OTHER_NODE = 'kraid';
/** API tokens of root@pam the simulator is started with (fixed so playbooks can name them). */
export const TOKENS = {
  full: { tokenid: 'ci', secret: '6f1c2a4e-9b7d-4e36-a1f2-0c5d8e7b3a91' },
  readonly: { tokenid: 'ro', secret: '0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b' },
} as const;
/** The VM the spec examples keep using. */
export const spynal = { name: 'spynal', node: NODE } as const;
