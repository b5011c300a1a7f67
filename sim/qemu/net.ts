// netN values: MAC generation with the Proxmox prefix BC:24:11 and the canonical `<model>=<MAC>,k=v...` form
// PVE stores (model and MAC first, the other keys in alphabetical order).
import { randomBytes } from 'node:crypto';
import type { ClusterState } from '../core.js';
import { parseConfigValue, printConfigValue } from './format.js';

export const MAC_PREFIX = 'BC:24:11';

const MODELS = [
  'e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551', 'i82557b', 'i82559er',
  'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'vmxnet3',
];

export function isNetKey(key: string): boolean {
  return /^net\d+$/.test(key);
}

function macsInUse(state: ClusterState): Set<string> {
  const used = new Set<string>();
  for (const vm of state.vms.values()) {
    const configs = [vm.config, vm.pending, ...Object.values(vm.snapshots)];
    for (const conf of configs) {
      for (const [key, value] of Object.entries(conf)) {
        if (!isNetKey(key)) continue;
        const mac = /=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/.exec(value)?.[1];
        if (mac) used.add(mac.toUpperCase());
      }
    }
  }
  return used;
}

/** A random MAC under the Proxmox prefix, unique among all MACs the cluster's configs carry. */
export function randomMac(state: ClusterState): string {
  const used = macsInUse(state);
  for (;;) {
    const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0').toUpperCase());
    const mac = `${MAC_PREFIX}:${tail.join(':')}`;
    if (!used.has(mac)) return mac;
  }
}

export interface NetSpec {
  model: string;
  macaddr?: string;
  rest: Record<string, string>;
}

export function parseNet(value: string): NetSpec {
  const parsed = parseConfigValue('net0', value);
  let model = parsed.model;
  let macaddr = parsed.macaddr;
  for (const m of MODELS) {
    if (parsed[m] !== undefined) {
      model = m;
      macaddr = parsed[m];
    }
  }
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (k !== 'model' && k !== 'macaddr' && !MODELS.includes(k)) rest[k] = v;
  }
  return { model: model ?? 'virtio', macaddr, rest };
}

export function printNet(net: NetSpec): string {
  const obj: Record<string, string> = { ...net.rest, model: net.model };
  if (net.macaddr) obj.macaddr = net.macaddr;
  return printConfigValue('net0', obj);
}

/** Canonical netN value; a missing MAC (or every MAC, with `newMac`, as clone does) is generated. */
export function canonicalNet(state: ClusterState, value: string, newMac = false): string {
  const net = parseNet(value);
  if (!net.macaddr || newMac) net.macaddr = randomMac(state);
  return printNet(net);
}

export function netMac(value: string): string | undefined {
  return parseNet(value).macaddr;
}
