// pvestatd and the rrd data /cluster/resources takes its guest figures from. In PVE the name, status and template
// a guest shows there are what its node's pvestatd broadcast last, not its config:
// - pve-manager PVE/Service/pvestatd.pm `run`: each node's pvestatd updates every $updatetime = 10 s, on its own
//   clock; `update_qemu_status` takes qemu-server `vmstatus(undef, 1)` of the node's own guests and
//   `broadcast_rrd("pve-vm-9.0/<vmid>", ...)`s uptime, name, status (`qmpstatus || status`), template and figures.
// - qemu-server src/PVE/QemuServer.pm `vmstatus`: guests = `vzlist` (the local node's config files); name is
//   `$conf->{name} || "VM $vmid"` (a clone's temporary config, only `lock: clone`, is broadcast as `VM <newid>`);
//   cpus capped at the host's; template 1 when the config says so.
// - pve-cluster src/pmxcfs/status.c: one cluster-wide rrd table keyed by vmid (not by node), so an entry outlives
//   its VM and a migrated VM shows its old node's broadcast; `cfs_rrd_dump` drops entries not updated for 5
//   minutes (`rrd_entry_is_old`) = 30 pvestatd periods.
// Not modelled: the 2 s caches of `cfs_rrd_dump` and PVE::Cluster::rrd_dump (a broadcast shows up to 2 s later).
import type { ClusterState, VmRecord } from './core.js';
import { bootDiskBytes } from './qemu/disks.js';
import { cpuCount, memoryMiB } from './qemu/vm.js';

const MiB = 1024 ** 2;
/** pmxcfs forgets an rrd entry after 5 min without an update: 30 periods of 10 s. */
const EXPIRE_PERIODS = 30;

/** One `pve-vm-9.0/<vmid>` rrd entry: what pvestatd.pm `update_qemu_status` broadcast, and when (real ms). */
export interface StatdEntry {
  at: number;
  uptime: number;
  name: string;
  status: string;
  template: 0 | 1;
  maxcpu: number;
  cpu: number;
  maxmem: number;
  mem: number;
  memhost: number;
  maxdisk: number;
  disk: number;
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
}

export class Pvestatd {
  private readonly rrd = new Map<number, StatdEntry>();
  private timers: NodeJS.Timeout[] = [];

  /**
   * `periodMs` is the real ms between two updates of one node (10 s × timeScale); 0 stops the loops, and then
   * only `broadcast()` updates the table (tests line up states on events that way) and nothing expires.
   */
  constructor(
    private readonly state: ClusterState,
    private readonly periodMs: () => number,
    private readonly timeScale: () => number,
  ) {}

  /** pvestatd.pm `update_qemu_status` on `node` (every online node when absent): one rrd entry per local guest. */
  broadcast(node?: string): void {
    const now = Date.now();
    for (const vm of this.state.vms.values()) {
      if (node !== undefined && vm.node !== node) continue;
      if (!this.state.nodes.get(vm.node)?.online) continue; // a node that is down runs no pvestatd
      this.rrd.set(vm.vmid, this.snapshot(vm, now));
    }
  }

  /** What `PVE::Cluster::rrd_dump` holds for this vmid now, if anything (API2Tools.pm `get_rrd_key`). */
  entry(vmid: number): StatdEntry | undefined {
    const e = this.rrd.get(vmid);
    const period = this.periodMs();
    if (e && period > 0 && Date.now() - e.at > EXPIRE_PERIODS * period) {
      this.rrd.delete(vmid);
      return undefined;
    }
    return e;
  }

  /** (Re)starts one loop per node, phases spread over a period as independent daemons would be. */
  schedule(): void {
    this.stop();
    const period = this.periodMs();
    if (!(period > 0)) return;
    const nodes = [...this.state.nodes.keys()];
    nodes.forEach((node, i) => {
      const tick = (): void => {
        this.broadcast(node);
        this.timers[i] = setTimeout(tick, period).unref();
      };
      this.timers[i] = setTimeout(tick, (period * (i + 1)) / nodes.length).unref();
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /** QemuServer.pm `vmstatus($vmid, 1)` as pvestatd.pm `update_qemu_status` stores it. */
  private snapshot(vm: VmRecord, at: number): StatdEntry {
    const conf = vm.config;
    const running = vm.status === 'running';
    const uptime = running && vm.startedAt !== undefined ? Math.floor((at - vm.startedAt) / this.timeScale() / 1000) : 0;
    const maxmem = memoryMiB(conf) * MiB;
    const hostCpus = this.state.nodes.get(vm.node)?.maxcpu ?? Infinity;
    const cpus = conf.vcpus ? Number(conf.vcpus) : Math.min(cpuCount(conf), hostCpus);
    return {
      at,
      uptime,
      name: conf.name || `VM ${vm.vmid}`,
      status: running ? vm.qmpstatus || 'running' : 'stopped',
      template: conf.template === '1' ? 1 : 0,
      maxcpu: cpus,
      cpu: running ? 0.012 : 0,
      maxmem,
      mem: running ? Math.round(maxmem * 0.31) : 0,
      memhost: running ? Math.round(maxmem * 0.33) : 0,
      maxdisk: bootDiskBytes(conf),
      disk: 0,
      netin: uptime * 1250,
      netout: uptime * 310,
      diskread: running ? 180 * MiB : 0,
      diskwrite: running ? 40 * MiB : 0,
    };
  }
}
