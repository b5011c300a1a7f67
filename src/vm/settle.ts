// What a step still waits for, or tells, once PVE's task for it has ended: how long stop/shutdown/reboot tasks may
// run past `timeout`, the VM state PVE reaches only after the task (reboot, HA), a forced shutdown that only its log
// shows, and config changes a running VM keeps pending.
import type { ClientLog, ProxmoxClient } from '../proxmox/client.js';
import { sleep } from '../proxmox/abort.js';
import type { TaskResult } from '../proxmox/tasks.js';
import { type VmStatus, vmPending, vmStatus } from './pve.js';
import type { PlannedStep } from './steps.js';

export type PowerStep = PlannedStep & { kind: 'power' };
/** The VM a config step changed. */
type ConfigStep = { node: string; vmid: number; hotplug?: string | number };
interface Io {
  signal?: AbortSignal;
  log: ClientLog;
}

/**
 * How much longer than its `timeout` a stop, shutdown or reboot task may run (qemu-server QemuServer.pm
 * `_do_vm_stop`, under `vm_stop`'s config lock): up to 10 s for the lock, 3 s pinging a configured guest agent
 * that does not answer, `timeout` s for the VM to go, then (forceStop, and always for a hard stop) SIGTERM and up
 * to 10 s more, SIGKILL and 1 s; then vm_stop_cleanup. 30 s of the grace are margin for that and a busy node.
 */
const STOP_GRACE_S = 10 + 3 + 10 + 1 + 30;

/**
 * After some power tasks end, PVE is not done: a reboot task ends with the VM off and qmeventd's `qm cleanup`
 * starts it in a task of its own (CLI/qm.pm `cleanup`); an HA resource's hastart/hastop only queue the request,
 * which the HA manager's CRM and LRM carry out in their next ~10 s rounds (API2/Qemu.pm `vm_start`, `vm_stop`,
 * `vm_shutdown`). The step waits for the state itself, this much longer than the task's own budget.
 */
export const FOLLOW_UP_MS = 60_000;
const FOLLOW_UP_STATE: Record<string, 'running' | 'stopped'> = { qmreboot: 'running', hastart: 'running', hastop: 'stopped' };

/** status/current's `ha` (API2/Qemu.pm `vm_status`: PVE::HA::Config::get_service_status). */
type StatusWithHa = VmStatus & { ha?: { managed?: number; state?: string } };

/** The wait for a power task: stop, shutdown and reboot may run their `timeout` plus PVE's grace. */
export function powerWaitMs(step: PowerStep, timeoutSec: number): number {
  const base = timeoutSec * 1000;
  if (!['stop', 'shutdown', 'reboot'].includes(step.action)) return base;
  // PVE's own default when no timeout is sent (`_do_vm_stop`: 60 s).
  const timeout = step.params.timeout === undefined ? 60 : Number(step.params.timeout);
  return Math.max(base, (timeout + STOP_GRACE_S) * 1000);
}

/** The state PVE brings the VM to after a task of this type has ended, if it is not there when the task ends. */
export function followUpState(taskType: string): 'running' | 'stopped' | undefined {
  return FOLLOW_UP_STATE[taskType];
}

/** Polls status/current until the VM is `want`, failing at once when the HA manager gave up (state `error`). */
export async function untilState(
  client: ProxmoxClient,
  step: PowerStep,
  want: 'running' | 'stopped',
  budgetMs: number,
  what: string,
  taskType: string,
  io: Io,
): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let delay = 250;
  for (;;) {
    const st = (await vmStatus(client, step.node, step.vmid)) as StatusWithHa;
    if (st.status === want) return;
    // A service in `error` is left alone by the HA manager until an admin clears it: waiting cannot help.
    if (st.ha?.managed && st.ha.state === 'error')
      throw new Error(`${what}: the HA manager has vm:${step.vmid} in state 'error' and will not act on it (see ha-manager status and the node's task log)`);
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(
        `${what}: VM ${step.vmid} is still ${st.status}${st.ha?.managed ? ` (HA state ${st.ha.state ?? 'unknown'})` : ''} ${Math.round(budgetMs / 1000)} s after the request` +
          (taskType === 'qmreboot' ? ": PVE did not start it again after the reboot (see the node's task log)" : ': the HA manager did not carry it out (see ha-manager status)'),
      );
    await sleep(Math.min(delay, left), io.signal);
    delay = Math.min(delay * 1.5, 2000);
  }
}

/** A forced shutdown's log: when PVE had to terminate the VM, the user, who asked for a clean shutdown first, hears of it. */
export async function forcedStopNote(client: ProxmoxClient, task: TaskResult, step: PowerStep, what: string, io: Io): Promise<string | undefined> {
  let lines: unknown;
  try {
    lines = await client.get(`/nodes/${encodeURIComponent(task.node)}/tasks/${encodeURIComponent(task.upid)}/log`, { start: 0, limit: 500 }, { signal: io.signal });
  } catch (e) {
    io.log.debug(`${what}: could not read the task log: ${(e as Error).message}`);
    return undefined;
  }
  // QemuServer.pm `_do_vm_stop`: "VM still running - terminating now with SIGTERM" (then SIGKILL), a plain warn.
  const forced = Array.isArray(lines) && lines.some((l) => /terminating now with SIG(TERM|KILL)/.test(String((l as { t?: unknown })?.t ?? '')));
  return forced ? `${what}: the guest did not shut down within ${step.params.timeout ?? 60} s, so PVE stopped VM ${step.vmid} hard (force)` : undefined;
}

/** Config changes a running VM could not take live stay pending in PVE until it next starts: which, if any. */
export async function pendingNote(client: ProxmoxClient, step: ConfigStep, what: string, io: Io): Promise<string | undefined> {
  let keys: string[];
  try {
    const pending = await vmPending(client, step.node, step.vmid);
    keys = pending.filter((p) => p.pending !== undefined || p.delete !== undefined).map((p) => p.key);
  } catch (e) {
    io.log.debug(`${what}: could not read the pending changes: ${(e as Error).message}`);
    return undefined;
  }
  if (!keys.length) return undefined;
  const [are, them] = keys.length === 1 ? ['is', 'it'] : ['are', 'them'];
  return `${what}: ${keys.join(', ')} ${are} pending until the VM next starts: PVE could not change ${them} on the running VM (hotplug: ${step.hotplug ?? 'network,disk,usb'}); state: restarted applies ${them}`;
}
