// The benchmark's simulated cluster: realistic task durations at time scale 1, each task's drawn at random around
// its nominal value (seeded, so runs repeat), a template to clone, connection settings for both tools, and an
// out-of-band API client to tidy up between measured runs.
import { startSimulator, type Durations, type Simulator } from '../sim/index.js';
import { PveClient } from '../peer/pve.js';
import type { TokenConnection } from './ansible.js';
import { SimWatch } from './watch.js';

/**
 * Each task's work takes its nominal duration × a factor drawn uniformly from [1 - JITTER, 1 + JITTER]: fixed
 * durations would favour a client that happens to poll on a matching grid (issue 13).
 */
export const JITTER = 0.5;
/** Seed of the simulator's duration PRNG: the same seed, the same duration for the same task (type, id, ordinal). */
export const SEED = 1;

/** Every knob given explicitly, so a later change of the simulator's defaults cannot move the figures. Nominal ms. */
export const DURATIONS: Durations = {
  qmcreate: 1000,
  qmclone_linked: 800,
  qmclone_full: 3000,
  qmstart: 1000,
  qmshutdown: 1500,
  qmstop: 600,
  qmreboot: 2000,
  qmreset: 300,
  qmsuspend: 500,
  qmresume: 300,
  qmdestroy: 800,
  qmconfig: 300,
  qmtemplate: 800,
  qmigrate: 2000,
  qmsnapshot: 800,
  qmrollback: 1000,
  resize: 300,
  agentUp: 2000,
  statdPeriod: 10000,
  durationJitter: JITTER,
};

export const NODE = 'pve1';
export const TEMPLATE = 'bench-template';
export const TEMPLATE_ID = 9000;

export interface BenchEnv {
  sim: Simulator;
  watch: SimWatch;
  pve: PveClient;
  /** Scratch folder for playbooks and their JSON output. */
  dir: string;
  /** Inputs every action step gets. */
  actionConn: Record<string, string>;
  ansibleConn: TokenConnection;
  /** Destroys VMs (stopping them first), unmeasured; tolerates ids that are already gone. */
  destroy(vmids: Iterable<number>): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchEnv(dir: string): Promise<BenchEnv> {
  const sim = await startSimulator({ nodes: [NODE, 'pve2'], durations: DURATIONS, timeScale: 1, seed: SEED });
  const watch = new SimWatch(sim);
  const pve = await PveClient.login(sim.url, sim.caCert, sim.credentials.user, sim.credentials.password);
  const token = sim.credentials.tokens.full;
  // The same auth (API token, no login round trip) and TLS mode (no verification) for both tools.
  const actionConn = {
    api_host: sim.host,
    api_port: String(sim.port),
    api_user: token.user,
    api_token_id: token.tokenid,
    api_token_secret: token.secret,
    validate_certs: 'false',
  };
  const ansibleConn: TokenConnection = { host: sim.host, port: sim.port, user: token.user, tokenId: token.tokenid, tokenSecret: token.secret };

  const destroyOne = async (vmid: number): Promise<void> => {
    const vm = sim.state.vms.get(vmid);
    if (!vm) return;
    const base = `/nodes/${vm.node}/qemu/${vmid}`;
    try {
      if (vm.status === 'running') await pve.task('POST', `${base}/status/stop`);
      await pve.task('DELETE', base);
    } catch (e) {
      // Tidying up is not measured: a VM that will not go (e.g. left locked by a failed run) is reported, not fatal.
      console.warn(`  could not remove VM ${vmid}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return {
    sim,
    watch,
    pve,
    dir,
    actionConn,
    ansibleConn,
    async destroy(vmids) {
      // A few at a time: the simulated node serialises nothing here, but 50 at once would only add noise.
      const ids = [...new Set(vmids)];
      for (let i = 0; i < ids.length; i += 10) await Promise.all(ids.slice(i, i + 10).map(destroyOne));
    },
    async close() {
      await pve.close();
      await sim.close();
    },
  };
}

/** Creates the clone source and converts it to a template, then has pvestatd broadcast it so both tools find it by name. */
export async function createTemplate(env: BenchEnv): Promise<void> {
  const base = `/nodes/${NODE}/qemu`;
  await env.pve.task('POST', base, {
    vmid: TEMPLATE_ID,
    name: TEMPLATE,
    memory: 2048,
    cores: 2,
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:8',
    net0: 'virtio,bridge=vmbr0',
    ostype: 'l26',
  });
  await env.pve.task('POST', `${base}/${TEMPLATE_ID}/template`);
  // The template's name and template flag reach /cluster/resources with its node's next pvestatd update.
  env.sim.broadcastStats(NODE);
}
