// Waits until the guest is usable: the QEMU guest agent answers (wait_for: agent) or one of the VM's own
// NICs has a routable address (wait_for: ip). PVE's agent errors tell "not yet" from "never".
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../inputs/checks.js';
import { sleep } from '../proxmox/abort.js';
import type { IpFamily, WaitFor } from '../settings.js';
import type { ProxmoxClient } from '../proxmox/client.js';
import { PveApiError } from '../proxmox/errors.js';
import { vmPath } from './pve.js';

export interface GuestInterface {
  name: string;
  mac?: string;
  addresses: Array<{ address: string; family: 'ipv4' | 'ipv6'; prefix?: number }>;
}

export interface GuestInfo {
  interfaces: GuestInterface[];
  ipv4: string[];
  ipv6: string[];
  ip?: string;
}

export interface WaitGuestOptions {
  mode: Exclude<WaitFor, 'none'>;
  timeoutMs: number;
  family: IpFamily;
  cidr?: string;
  /** The VM's own MACs (upper or lower case); addresses on other NICs (docker0, ...) are ignored. */
  macs: string[];
  signal?: AbortSignal;
  onWait?: (reason: string) => void;
}

export class GuestWaitError extends Error {}

// The agent's answer comes from inside the guest, where root may write anything: every value is checked before it
// can reach an output (workflows paste `ip` into ssh commands) or the summary, and the counts are bounded.
const MAX_INTERFACES = 64;
const MAX_ADDRESSES = 64;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
// Linux names (eth0, br-1a2b, veth1@if3, eth0.100): one shell word that cannot run anything or pass as an option
// (no space, quote, `$`, backtick, `;`, `|`, `&`, `(`, leading `-`). Other names (Windows' "Ethernet 2") become ''.
const IFACE_NAME = /^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,63}$/;
const FAMILY = { ipv4: 4, ipv6: 6 } as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function agentAddress(a: unknown): GuestInterface['addresses'][number] | undefined {
  if (!isRecord(a)) return undefined;
  const address = a['ip-address'];
  const type = a['ip-address-type'];
  if (typeof address !== 'string' || (type !== 'ipv4' && type !== 'ipv6')) return undefined;
  // A %zone suffix names a guest interface: guest text again, and only ever on link-local addresses.
  if (address.includes('%') || isIP(address) !== FAMILY[type]) return undefined;
  const p = a.prefix;
  const prefix = typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= (type === 'ipv4' ? 32 : 128) ? p : undefined;
  return prefix === undefined ? { address, family: type } : { address, family: type, prefix };
}

function agentInterface(i: unknown): GuestInterface | undefined {
  if (!isRecord(i)) return undefined;
  const name = typeof i.name === 'string' && IFACE_NAME.test(i.name) ? i.name : '';
  const hw = i['hardware-address'];
  const mac = typeof hw === 'string' && MAC.test(hw) ? hw.toLowerCase() : undefined;
  const raw = Array.isArray(i['ip-addresses']) ? i['ip-addresses'] : [];
  const addresses: GuestInterface['addresses'] = [];
  for (const a of raw) {
    if (addresses.length >= MAX_ADDRESSES) break;
    const ok = agentAddress(a);
    if (ok) addresses.push(ok);
  }
  return mac === undefined ? { name, addresses } : { name, mac, addresses };
}

/** The well-formed part of a `network-get-interfaces` answer; anything else (not an array, junk entries) is none. */
export function agentInterfaces(result: unknown): GuestInterface[] {
  if (!Array.isArray(result)) return [];
  const out: GuestInterface[] = [];
  for (const i of result) {
    if (out.length >= MAX_INTERFACES) break;
    const ok = agentInterface(i);
    if (ok) out.push(ok);
  }
  return out;
}

/** Loopback, link-local and unspecified addresses: never how a runner reaches the guest. */
const UNUSABLE = new BlockList();
UNUSABLE.addSubnet('0.0.0.0', 8, 'ipv4');
UNUSABLE.addSubnet('127.0.0.0', 8, 'ipv4');
UNUSABLE.addSubnet('169.254.0.0', 16, 'ipv4');
UNUSABLE.addAddress('::', 'ipv6');
UNUSABLE.addAddress('::1', 'ipv6');
UNUSABLE.addSubnet('fe80::', 10, 'ipv6');

/** `ip_cidr` as a BlockList (the input is validated, so this cannot fail on a well-formed setting). */
export function cidrList(cidr: string): BlockList | undefined {
  const c = parseCidr(cidr);
  if (!c) return undefined;
  const list = new BlockList();
  list.addSubnet(c.address, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
  return list;
}

export function guestInfo(result: unknown, o: Pick<WaitGuestOptions, 'family' | 'cidr' | 'macs'>): GuestInfo {
  const own = new Set(o.macs.map((m) => m.toLowerCase()));
  const interfaces = agentInterfaces(result);
  // ipv4/ipv6 list every routable address on the VM's own NICs; ip_family and ip_cidr only choose `ip`.
  const own4and6 = interfaces
    .filter((i) => i.mac && own.has(i.mac))
    .flatMap((i) => i.addresses)
    .filter((a) => !UNUSABLE.check(a.address, a.family));
  const ipv4 = own4and6.filter((a) => a.family === 'ipv4').map((a) => a.address).slice(0, MAX_ADDRESSES);
  const ipv6 = own4and6.filter((a) => a.family === 'ipv6').map((a) => a.address).slice(0, MAX_ADDRESSES);
  const range = o.cidr === undefined ? undefined : cidrList(o.cidr);
  const inRange = (ip: string, family: 'ipv4' | 'ipv6') => o.cidr === undefined || (range?.check(ip, family) ?? false);
  const v4 = ipv4.filter((ip) => inRange(ip, 'ipv4'));
  const v6 = ipv6.filter((ip) => inRange(ip, 'ipv6'));
  const ip = o.family === 'ipv4' ? v4[0] : o.family === 'ipv6' ? v6[0] : (v4[0] ?? v6[0]);
  return { interfaces, ipv4, ipv6, ip };
}

const NOT_YET = /QEMU guest agent is not running|got timeout|guest-ping|not running yet/i;
// qemu-server QemuServer/Agent.pm `assert_agent_available` dies "VM <vmid> is not running" when QEMU is gone. Matched
// on PVE's own text: the client's message also names the request path, .../agent/..., so the whole message always
// mentions "agent".
const VM_NOT_RUNNING = /^VM \d+ is not running\b/;

/** What PVE itself said (body `message` or status line), without the client's "PVE 500 on GET <path>: " prefix. */
function pveText(e: unknown): string {
  if (e instanceof PveApiError) return (e.pveMessage || e.statusText || '').trim();
  return e instanceof Error ? e.message : String(e);
}

export async function waitForGuest(client: ProxmoxClient, node: string, vmid: number, o: WaitGuestOptions): Promise<GuestInfo> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = 100;
  let last = 'no answer yet';
  for (;;) {
    try {
      const r = await client.get<unknown>(vmPath(node, vmid, 'agent', 'network-get-interfaces'), undefined, { signal: o.signal });
      const info = guestInfo(isRecord(r) ? r.result : undefined, o);
      if (o.mode === 'agent' || info.ip) return info;
      last = `the agent answers, but no ${o.family === 'any' ? '' : `${o.family} `}address${o.cidr ? ` in ${o.cidr}` : ''} on the VM's NICs yet`;
    } catch (e) {
      const msg = (e as Error).message;
      if (o.signal?.aborted) throw e;
      if (/No QEMU guest agent configured/.test(msg))
        throw new GuestWaitError(`VM ${vmid}: wait_for needs the QEMU guest agent, but it is not enabled on the VM: set agent: true (and install qemu-guest-agent in the guest)`);
      // The wait only begins on a running VM: it stopped since (shut down from inside, crashed, or stopped by
      // someone), and no agent will answer until it is started again.
      if (VM_NOT_RUNNING.test(pveText(e)))
        throw new GuestWaitError(`VM ${vmid} is not running (it stopped while the step waited for its guest), so its guest cannot be waited for (state: started starts it)`);
      if (!NOT_YET.test(msg) && !/\b5\d\d\b/.test(msg)) throw e;
      last = msg.replace(/^.*?: /, '');
    }
    o.onWait?.(last);
    const left = deadline - Date.now();
    if (left <= 0)
      throw new GuestWaitError(`VM ${vmid}: gave up waiting for the guest ${o.mode === 'ip' ? 'IP address' : 'agent'} after ${Math.round(o.timeoutMs / 1000)} s (wait_timeout); last answer: ${last}`);
    // Never give up early: sleep at most until the deadline, then ask one last time.
    const pause = Math.min(delay, left);
    await sleep(pause, o.signal);
    delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}
