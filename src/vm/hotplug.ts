// Which config changes may use PVE's synchronous PUT .../config instead of POST (a qmconfig worker task).
//
// PVE's API documentation asks for POST "for any actions involving hotplug or storage allocation": those may take
// long, and a worker task survives the HTTP request. Everything else is a config-file write (plus, on a running
// VM, a new [PENDING] entry or a quick QMP/cgroup call), which PUT does at once — one request instead of a task and
// its status polls. This table is the one place that decides.
import { DISK_KEY } from './config-values.js';

/** PVE's `hotplug` categories and the keys a running VM hot-plugs when the category is on (qemu-server). */
const HOTPLUG_KEYS: Record<string, RegExp> = {
  network: /^net\d+$/,
  disk: DISK_KEY,
  usb: /^usb\d+$/,
  memory: /^memory$/,
  cpu: /^(vcpus|cores|sockets)$/,
  cloudinit: /^(ciuser|cipassword|citype|ciupgrade|cicustom|ipconfig\d+|nameserver|searchdomain|sshkeys)$/,
};

/** PVE's default for `hotplug` (also what `1` means). */
const DEFAULT_HOTPLUG = ['network', 'disk', 'usb'];

export function hotplugCategories(value: string | number | undefined): string[] {
  if (value === undefined || value === '' || String(value) === '1') return DEFAULT_HOTPLUG;
  if (String(value) === '0') return [];
  return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * True when a config change can go through PUT: it sets, deletes or reverts no disk (which may allocate, import or
 * free storage) and, on a running VM, nothing the VM's `hotplug` setting would plug in or out live.
 * `running` undefined means "not known": then POST, always.
 */
export function synchronousConfig(running: boolean | undefined, hotplug: string | number | undefined, params: Record<string, string>): boolean {
  if (running === undefined) return false;
  const list = (v?: string) => (v ? v.split(',') : []);
  const keys = [...Object.keys(params), ...list(params.delete), ...list(params.revert)];
  if (keys.some((k) => DISK_KEY.test(k) || k === 'cdrom')) return false;
  if (!running) return true;
  const live = hotplugCategories(hotplug).map((c) => HOTPLUG_KEYS[c]).filter(Boolean);
  return !keys.some((k) => live.some((re) => re.test(k)));
}
