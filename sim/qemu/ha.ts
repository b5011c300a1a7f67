// HA resources, the minimum the power endpoints need (pve-ha-manager). A VM with `VmRecord.ha` is an HA resource
// (Config.pm `vm_is_ha_managed`); API2/Qemu.pm then only queues start/stop requests with the HA manager, whose CRM
// and LRM carry them out in rounds, the LRM in worker tasks of its own.
import type { Ctx, TaskHandle } from '../core.js';

/** The CRM and the LRM each act in rounds of about 10 s: a queued request waits for the next ones. */
const HA_ROUND_MS = 10_000;

export function haManaged(ctx: Ctx, vmid: number): boolean {
  return ctx.sim.state.vms.get(vmid)?.ha !== undefined;
}

/** `ha-manager set vm:<id> --state started`, or `ha-manager crm-command stop vm:<id> <timeout>`. */
export type HaRequest = { kind: 'start' } | { kind: 'stop'; timeout: number };

/** What the LRM runs (power.ts): vm_start, and vm_shutdown with forceStop (timeout > 0) or vm_stop. */
export interface HaWorkers {
  start(ctx: Ctx, t: TaskHandle, node: string, vmid: number): Promise<void>;
  stop(ctx: Ctx, t: TaskHandle, node: string, vmid: number, timeout: number): Promise<void>;
}

/**
 * What a queued request leads to: a CRM round later the service state changes (`started`, `request_stop`), an LRM
 * round later the LRM starts or stops the VM in a root@pam task (Resources/PVEVM.pm `start`/`shutdown`: qmstart,
 * qmshutdown with forceStop and the timeout, qmstop for timeout 0), and a stop ends in state `stopped`. A VM already
 * where the request wants it is left alone. A failed LRM task leaves the service in `error`, where the HA manager
 * ignores requests until an admin clears it. Called from the hastart/hastop task, which does not wait for this.
 */
export function haRequest(ctx: Ctx, t: TaskHandle, vmid: number, req: HaRequest, workers: HaWorkers): void {
  void (async () => {
    await t.sleep(HA_ROUND_MS);
    const vm = ctx.sim.state.vms.get(vmid);
    if (!vm?.ha || vm.ha.state === 'error') return;
    const start = req.kind === 'start';
    if (start === (vm.status === 'running')) {
      vm.ha.state = start ? 'started' : 'stopped';
      return;
    }
    vm.ha.state = start ? 'started' : 'request_stop';
    await t.sleep(HA_ROUND_MS);
    ctx.sim.tasks.start({
      node: vm.node,
      type: req.kind === 'start' ? 'qmstart' : req.timeout > 0 ? 'qmshutdown' : 'qmstop',
      id: String(vmid),
      authid: 'root@pam',
      durationMs: 0,
      run: async (lrm) => {
        lrm.log('task started by HA resource agent');
        try {
          if (req.kind === 'start') await workers.start(ctx, lrm, vm.node, vmid);
          else await workers.stop(ctx, lrm, vm.node, vmid, req.timeout);
          if (vm.ha && !start) vm.ha.state = 'stopped';
        } catch (err) {
          if (vm.ha) vm.ha.state = 'error';
          throw err;
        }
      },
    });
  })();
}
