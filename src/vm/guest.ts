// Waits until the guest is usable: the QEMU guest agent answers (wait_for: agent) or one of the VM's own
// NICs has a routable address (wait_for: ip). PVE's agent errors tell "not yet" from "never".
import type { ProxmoxClient } from '../proxmox/client.js';
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
  mode: 'agent' | 'ip';
  timeoutMs: number;
  family: 'ipv4' | 'ipv6' | 'any';
  cidr?: string;
  /** The VM's own MACs (upper or lower case); addresses on other NICs (docker0, ...) are ignored. */
  macs: string[];
  signal?: AbortSignal;
  onWait?: (reason: string) => void;
}

export class GuestWaitError extends Error {}

interface AgentIface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: Array<{ 'ip-address': string; 'ip-address-type': string; prefix?: number }>;
}

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return undefined;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

function expandV6(ip: string): bigint | undefined {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (ip.includes('::') ? h.length + t.length > 7 : h.length !== 8) return undefined;
  const parts = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  try {
    return parts.reduce((acc, x) => (acc << 16n) + BigInt(parseInt(x || '0', 16)), 0n);
  } catch {
    return undefined;
  }
}

/** true when `ip` lies in `cidr` (IPv4 or IPv6). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (net.includes(':') !== ip.includes(':')) return false;
  if (!net.includes(':')) {
    const a = ipv4ToInt(ip);
    const b = ipv4ToInt(net);
    if (a === undefined || b === undefined) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (a & mask) === (b & mask);
  }
  const a = expandV6(ip);
  const b = expandV6(net);
  if (a === undefined || b === undefined) return false;
  const shift = BigInt(128 - bits);
  return a >> shift === b >> shift;
}

const usable = (a: { address: string; family: string }) =>
  a.family === 'ipv4'
    ? !a.address.startsWith('127.') && !a.address.startsWith('169.254.')
    : a.address !== '::1' && !/^fe[89ab]/i.test(a.address);

export function guestInfo(raw: AgentIface[], o: Pick<WaitGuestOptions, 'family' | 'cidr' | 'macs'>): GuestInfo {
  const own = new Set(o.macs.map((m) => m.toLowerCase()));
  const interfaces: GuestInterface[] = raw.map((i) => ({
    name: i.name,
    mac: i['hardware-address']?.toLowerCase(),
    addresses: (i['ip-addresses'] ?? []).map((a) => ({
      address: a['ip-address'],
      family: a['ip-address-type'] === 'ipv6' ? 'ipv6' : 'ipv4',
      prefix: a.prefix,
    })),
  }));
  // ipv4/ipv6 list every routable address on the VM's own NICs; ip_family and ip_cidr only choose `ip`.
  const own4and6 = interfaces.filter((i) => i.mac && own.has(i.mac)).flatMap((i) => i.addresses).filter(usable);
  const ipv4 = own4and6.filter((a) => a.family === 'ipv4').map((a) => a.address);
  const ipv6 = own4and6.filter((a) => a.family === 'ipv6').map((a) => a.address);
  const inRange = (ip: string) => !o.cidr || inCidr(ip, o.cidr);
  const v4 = ipv4.filter(inRange);
  const v6 = ipv6.filter(inRange);
  const ip = o.family === 'ipv4' ? v4[0] : o.family === 'ipv6' ? v6[0] : (v4[0] ?? v6[0]);
  return { interfaces, ipv4, ipv6, ip };
}

const NOT_YET = /QEMU guest agent is not running|got timeout|guest-ping|not running yet/i;

export async function waitForGuest(client: ProxmoxClient, node: string, vmid: number, o: WaitGuestOptions): Promise<GuestInfo> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = 100;
  let last = 'no answer yet';
  for (;;) {
    try {
      const r = await client.get<{ result: AgentIface[] }>(vmPath(node, vmid, 'agent', 'network-get-interfaces'), undefined, { signal: o.signal });
      const info = guestInfo(r.result ?? [], o);
      if (o.mode === 'agent' || info.ip) return info;
      last = `the agent answers, but no ${o.family === 'any' ? '' : `${o.family} `}address${o.cidr ? ` in ${o.cidr}` : ''} on the VM's NICs yet`;
    } catch (e) {
      const msg = (e as Error).message;
      if (o.signal?.aborted) throw e;
      if (/No QEMU guest agent configured/.test(msg))
        throw new GuestWaitError(`VM ${vmid}: wait_for needs the QEMU guest agent, but it is not enabled on the VM: set agent: true (and install qemu-guest-agent in the guest)`);
      if (/is not running/.test(msg) && !/agent/.test(msg))
        throw new GuestWaitError(`VM ${vmid} is not running, so its guest cannot be waited for (state: started starts it)`);
      if (!NOT_YET.test(msg) && !/\b5\d\d\b/.test(msg)) throw e;
      last = msg.replace(/^.*?: /, '');
    }
    o.onWait?.(last);
    const left = deadline - Date.now();
    if (left <= 0)
      throw new GuestWaitError(`VM ${vmid}: gave up waiting for the guest ${o.mode === 'ip' ? 'IP address' : 'agent'} after ${Math.round(o.timeoutMs / 1000)} s (wait_timeout); last answer: ${last}`);
    // Never give up early: sleep at most until the deadline, then ask one last time.
    const pause = Math.min(delay, left);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, pause);
      o.signal?.addEventListener('abort', () => (clearTimeout(t), reject(o.signal!.reason)), { once: true });
    });
    delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}
