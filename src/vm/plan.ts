// Decides what to do: finds the VM, reads its live state and config, and turns the settings into ordered
// Steps (vm/steps.ts), frozen into a Plan. Nothing here changes the cluster (only GETs), so dry_run stops after
// this phase. A prune is planned by prune.ts, the post step's cleanup by cleanup.ts.
import type { Settings } from '../settings.js';
import { type ConfigDiff, cloneDiff, diffConfig, presentKeys } from './diff.js';
import { DISK_KEY } from './config-values.js';
import { ResolveError } from './resolve.js';
import { addCiTags, ciTagsFor } from './ci-tags.js';
import { type Live, PlanError, type PlanContext, readLive } from './context.js';
import { allocateId } from './ids.js';
import { planPrune } from './prune.js';
import { clusterNodes, runState, vmConfig, vmPending, vmSnapshots } from './pve.js';
import { type Guards, type Plan, type PlanDraft, type PowerAction, type Step, finishPlan, newPlan } from './steps.js';

/** Storages the spec allocates on ("local-lvm:32", "local:cloudinit", efidisk0 "local-lvm:1,..."). */
export function requestedStorages(spec: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(spec)) {
    if (!DISK_KEY.test(k)) continue;
    const m = /^([a-zA-Z][\w.-]*):(\d+(?:\.\d+)?|cloudinit)(?:,|$)/.exec(v);
    if (m) out.add(m[1]);
  }
  return [...out].sort();
}

/** `node: auto`: the online node with the most free memory among those that have every requested storage. */
async function chooseNode(ctx: PlanContext, plan: PlanDraft): Promise<string> {
  const online = (await clusterNodes(ctx.client)).filter((n) => n.status === 'online');
  const wanted = requestedStorages(ctx.settings.spec);
  const eligible = [];
  for (const n of online) {
    if (wanted.length > 0) {
      const storages = await ctx.client.get<Array<{ storage: string; enabled?: number; active?: number }>>(`/nodes/${encodeURIComponent(n.node)}/storage`, { content: 'images' });
      const have = new Set(storages.filter((x) => x.enabled !== 0 && x.active !== 0).map((x) => x.storage));
      if (!wanted.every((w) => have.has(w))) continue;
    }
    eligible.push(n);
  }
  if (eligible.length === 0)
    throw new PlanError(`node: auto found no online node${wanted.length ? ` with the storage(s) ${wanted.join(', ')}` : ''} in the cluster`);
  const free = (n: { mem?: number; maxmem?: number }) => (n.maxmem ?? 0) - (n.mem ?? 0);
  eligible.sort((a, b) => free(b) - free(a) || a.node.localeCompare(b.node));
  // PVE leaves a node's figures out of GET /nodes without Sys.Audit on /nodes/<node> (pve-manager API2/Nodes.pm).
  if (eligible.every((n) => !n.maxmem))
    plan.warnings.push(`node: auto could not see any node's memory (the credentials lack Sys.Audit on /nodes), so it chose ${eligible[0].node} by name alone: grant Sys.Audit on /nodes (docs/permissions.md) or set node`);
  plan.notes.push(`node: auto chose ${eligible[0].node} (${Math.round(free(eligible[0]) / 2 ** 20)} MiB free${wanted.length ? `, has ${wanted.join(', ')}` : ''})`);
  return eligible[0].node;
}

/**
 * The VM named `name`, read live. A name found in pvestatd's broadcast (resolve.ts) that the config no longer
 * carries (renamed within the last 10 s, or its vmid reused by another VM) is looked up again on the nodes' live
 * lists. The config is read in any case, so checking the name costs nothing.
 */
async function liveByName(ctx: PlanContext, name: string, input: string): Promise<Live | undefined> {
  const at = await ctx.inventory.uniqueByName(name, input);
  if (!at) return undefined;
  const live = await readLive(ctx.client, at);
  if (at.live || String(live.config.name ?? '') === name) return live;
  const again = await ctx.inventory.uniqueByName(name, input, { live: true });
  return again ? readLive(ctx.client, again) : undefined;
}

/** The VM the settings name (vmid first, else name), read live; undefined when there is none. */
async function locate(ctx: PlanContext): Promise<Live | undefined> {
  const s = ctx.settings;
  if (s.vmid !== undefined) {
    const at = await ctx.inventory.byId(s.vmid);
    return at && readLive(ctx.client, at);
  }
  if (s.name !== undefined) return liveByName(ctx, s.name, 'name');
  return undefined;
}

function notFound(s: Settings): PlanError {
  const what = s.vmid !== undefined ? `vmid ${s.vmid}` : s.name !== undefined ? `name '${s.name}'` : 'the VM (give vmid or name)';
  return new PlanError(`VM with ${what} does not exist in the cluster`);
}

/** What vm/hotplug.ts needs to know about the VM a config step changes. */
const hotplugFacts = (live: Live) => ({
  running: !['stopped', 'template'].includes(runState(live.status)),
  hotplug: live.config.hotplug,
});

/** digest and skiplock, as the inputs ask, for the requests that change a VM's config. */
function guardsFor(s: Settings, opts: { digest: boolean }): Guards {
  return { ...(opts.digest && s.digest ? { digest: s.digest } : {}), ...(s.skiplock ? { skiplock: '1' } : {}) };
}

/** The plan is about this existing VM: its id, node, name and run state before the step. */
function adopt(plan: PlanDraft, live: Live): void {
  const name = live.config.name === undefined ? live.at.name : String(live.config.name);
  Object.assign(plan, { vmid: live.at.vmid, node: live.at.node, name, before: runState(live.status) });
}

/** The config (and disk-grow) steps that bring an existing VM to the spec; unsafe keys only with update_unsafe. */
function updateSteps(ctx: PlanContext, live: Live, plan: PlanDraft): Step[] {
  const s = ctx.settings;
  const d: ConfigDiff = diffConfig(s.spec, s.specSource, live.config, { unsafe: s.updateUnsafe, secretKeys: ctx.secretKeys });
  const { node, vmid } = live.at;
  const steps: Step[] = [];
  if (Object.keys(d.set).length > 0)
    steps.push({ kind: 'config', node, vmid, set: d.set, changes: d.changes, guards: guardsFor(s, { digest: true }), ...hotplugFacts(live) });
  for (const r of d.resizes) steps.push({ kind: 'resize', node, vmid, disk: r.disk, size: r.size, from: r.from, guards: guardsFor(s, { digest: false }) });
  if (d.skippedUnsafe.length > 0)
    plan.warnings.push(`${d.skippedUnsafe.join(', ')} differ from the VM but were not changed: disks and NICs are only updated with update_unsafe: true`);
  plan.notes.push(...d.notes);
  return steps;
}

/** delete / revert through config, only for keys that are there to delete / revert. */
async function deleteRevertSteps(ctx: PlanContext, live: Live, plan: PlanDraft): Promise<Step[]> {
  const s = ctx.settings;
  if (!s.delete?.length && !s.revert?.length) return [];
  const pending = await vmPending(ctx.client, live.at.node, live.at.vmid);
  const pendingKeys = new Set(pending.filter((p) => p.pending !== undefined || p.delete !== undefined).map((p) => p.key));
  const current = Object.fromEntries(pending.filter((p) => p.value !== undefined).map((p) => [p.key, p.value!]));
  const del = presentKeys(s.delete ?? [], { ...current, ...live.config }, pendingKeys);
  const rev = (s.revert ?? []).filter((k) => pendingKeys.has(k));
  const skipped = [...(s.delete ?? []).filter((k) => !del.includes(k)), ...(s.revert ?? []).filter((k) => !rev.includes(k))];
  if (skipped.length) plan.notes.push(`nothing to delete/revert for: ${skipped.join(', ')}`);
  if (!del.length && !rev.length) return [];
  return [
    {
      kind: 'config',
      node: live.at.node,
      vmid: live.at.vmid,
      ...hotplugFacts(live),
      set: {},
      delete: del.length ? del : undefined,
      revert: rev.length ? rev : undefined,
      changes: del.map((k) => ({ key: k, from: String(live.config[k] ?? '(pending)'), to: '(deleted)', input: 'delete' })),
      guards: guardsFor(s, { digest: true }),
    },
  ];
}

function migrateSteps(ctx: PlanContext, live: Live): Step[] {
  const s = ctx.settings;
  if (!s.migrate || !s.node || s.node === 'auto' || s.node === live.at.node) return [];
  const params: Record<string, string> = { target: s.node };
  if (live.status.status === 'running') params.online = '1';
  if (s.withLocalDisks) params['with-local-disks'] = '1';
  return [{ kind: 'migrate', node: live.at.node, vmid: live.at.vmid, target: s.node, params }];
}

/**
 * The steps for a VM that exists, in order: migrate (when asked), update its config (when asked), delete / revert
 * keys. Every state plans an existing VM through here before its run-state transition (planState).
 */
async function planExisting(ctx: PlanContext, plan: PlanDraft, live: Live, want: { migrate: boolean; update: boolean; deleteRevert: boolean }): Promise<void> {
  adopt(plan, live);
  if (want.migrate) plan.steps.push(...migrateSteps(ctx, live));
  if (want.update) plan.steps.push(...updateSteps(ctx, live, plan));
  if (want.deleteRevert) plan.steps.push(...(await deleteRevertSteps(ctx, live, plan)));
}

/** present / clone: create or clone when missing, else update (when asked), delete/revert, migrate. */
async function planPresent(ctx: PlanContext, plan: PlanDraft): Promise<Live | undefined> {
  const s = ctx.settings;
  if (s.clone !== undefined) return planClone(ctx, plan);
  const live = await locate(ctx);
  if (live) {
    await planExisting(ctx, plan, live, { migrate: true, update: s.update, deleteRevert: true });
    plan.msg =
      plan.steps.length === 0
        ? s.update
          ? `VM ${plan.name} (vmid ${live.at.vmid}) is up to date`
          : `VM with ${s.vmid !== undefined ? `vmid <${live.at.vmid}>` : `name <${s.name}>`} already exists`
        : `VM ${plan.name} (vmid ${live.at.vmid}) updated`;
    return live;
  }
  if (s.update) throw new PlanError(`update: ${notFound(s).message}; nothing to update`);
  if (s.delete?.length || s.revert?.length) throw new PlanError(`delete/revert: ${notFound(s).message}`);
  if (!s.node) throw new PlanError(`node is required to create a VM (set 'node' to a node name, or 'auto')`);
  const node = s.node === 'auto' ? await chooseNode(ctx, plan) : s.node;
  const autoId = s.vmid === undefined;
  const vmid = s.vmid ?? (await allocateId(ctx));
  const params: Record<string, string> = { ...s.spec };
  if (s.pool) params.pool = s.pool;
  if (s.archive) params.archive = s.archive;
  if (s.archive && s.storage) params.storage = s.storage;
  const changes = Object.entries(s.spec).map(([key, to]) => ({ key, to, input: s.specSource[key] ?? key, secret: ctx.secretKeys.has(key) }));
  addCiTags(params, changes, {}, ciTagsFor(s));
  plan.steps.push({ kind: 'create', node, vmid, autoId, params, changes });
  Object.assign(plan, { vmid, node, name: s.name, before: 'absent', msg: `VM ${s.name ?? '{vmid}'} with vmid {vmid} deployed` });
  return undefined;
}

async function planClone(ctx: PlanContext, plan: PlanDraft): Promise<Live | undefined> {
  const s = ctx.settings;
  const noSource = () =>
    new PlanError(
      s.vmid !== undefined ? `clone source vmid ${s.vmid} does not exist in the cluster` : `clone source VM with name '${s.clone}' does not exist in the cluster`,
    );
  let source =
    s.vmid !== undefined ? await ctx.inventory.byId(s.vmid) : await ctx.inventory.uniqueByName(s.clone!, 'clone');
  if (!source) throw noSource();
  // Idempotent by newid, then by the target name (as the module); a clone that is not broadcast yet is found live.
  const byNewid = s.newid !== undefined ? await ctx.inventory.byId(s.newid) : undefined;
  const live = byNewid ? await readLive(ctx.client, byNewid) : s.name !== undefined ? await liveByName(ctx, s.name, 'name') : undefined;
  if (live) {
    await planExisting(ctx, plan, live, { migrate: false, update: s.update, deleteRevert: false });
    plan.msg =
      plan.steps.length > 0
        ? `VM ${plan.name} (vmid ${live.at.vmid}) updated`
        : `VM with ${s.newid !== undefined && live.at.vmid === s.newid ? `vmid ${s.newid}` : `name <${s.name}>`} already exists`;
    return live;
  }
  // The source's config, read live: whether it is a template now (the broadcast's flag lags a conversion by up to
  // 10 s, and PVE decides linked/full from the config) and, found by name, that the name is still its own.
  let sourceConfig = await vmConfig(ctx.client, source.node, source.vmid);
  if (s.vmid === undefined && String(sourceConfig.name ?? '') !== s.clone) {
    source = await ctx.inventory.uniqueByName(s.clone!, 'clone', { live: true });
    if (!source) throw noSource();
    sourceConfig = await vmConfig(ctx.client, source.node, source.vmid);
  }
  const autoId = s.newid === undefined;
  const newid = s.newid ?? (await allocateId(ctx));
  const params: Record<string, string> = {};
  if (s.name) params.name = s.name;
  if (s.full !== undefined) params.full = s.full ? '1' : '0';
  // PVE: full defaults to "not a template"; `storage` and `format` are refused for linked clones, which always
  // live beside the template's disks. The spec's linked-clone example passes `storage`, so drop it, and warn: the
  // user asked for something the clone will not have.
  const full = s.full ?? Number(sourceConfig.template ?? 0) !== 1;
  if (full) {
    if (s.format) params.format = s.format;
    if (s.storage) params.storage = s.storage;
  } else if (s.storage || s.format) {
    plan.warnings.push(`linked clone: ${[s.storage && `storage '${s.storage}'`, s.format && `format '${s.format}'`].filter(Boolean).join(' and ')} not sent (PVE allows them only for full clones; a linked clone stays on the template's storage: set full: true for a copy)`);
  }
  for (const [k, v] of [['pool', s.pool], ['snapname', s.snapname], ['target', s.target]] as const)
    if (v !== undefined) params[k] = v;
  if (s.spec.description !== undefined) params.description = s.spec.description;
  const node = s.target ?? source.node;
  plan.steps.push({ kind: 'clone', node: source.node, source: source.vmid, newid, autoId, params });
  // Hardware and cloud-init inputs given with the clone are applied to it (the module ignores them), against the
  // clone's own config once it exists; the source's config gives the preview. The clone step takes no tags: the
  // run's CI tags go with this config step.
  const spec = Object.fromEntries(Object.entries(s.spec).filter(([k]) => k !== 'name' && k !== 'description'));
  const ci = ciTagsFor(s);
  if (Object.keys(spec).length > 0 || ci.length > 0) {
    const d = cloneDiff(spec, s.specSource, sourceConfig, ctx.secretKeys, ci);
    if (Object.keys(d.set).length > 0 || d.resizes.length > 0) {
      const specSource = Object.fromEntries(Object.keys(spec).map((k) => [k, s.specSource[k] ?? k]));
      plan.steps.push({ kind: 'clone-config', node, vmid: newid, spec, specSource, addTags: ci, preview: d.changes, guards: guardsFor(s, { digest: false }) });
    }
    plan.notes.push(...d.notes);
  }
  Object.assign(plan, {
    vmid: newid,
    node,
    name: s.name,
    before: 'absent',
    msg: `VM ${s.name ?? '{vmid}'} with newid {vmid} cloned from vm with vmid ${source.vmid}`,
  });
  return undefined;
}

function need(live: Live | undefined, s: Settings): Live {
  if (!live) throw notFound(s);
  return live;
}

/** Reads the cluster and decides what to do: the plan that apply executes (frozen: apply cannot rewrite it). */
export async function planFor(ctx: PlanContext): Promise<Plan> {
  const s = ctx.settings;
  const plan = newPlan();
  try {
    if (s.state === 'absent' && s.lifecycle.prune) {
      await planPrune(ctx, plan);
      return finishPlan(plan);
    }
    let live: Live | undefined;
    if (s.state === 'present' || (s.clone !== undefined && s.state === 'started' && s.name !== undefined)) {
      live = await planPresent(ctx, plan);
    } else {
      live = await locate(ctx);
      if (live) await planExisting(ctx, plan, live, { migrate: true, update: s.update && s.state === 'started', deleteRevert: false });
      else if (s.state === 'started' && s.node !== undefined && s.name !== undefined) await planPresent(ctx, plan);
    }
    // The VM's state as read, for the outputs when nothing changes it.
    if (live) plan.live = { status: live.status, config: live.config };
    if (s.state !== 'present') await planState(ctx, plan, live);
    return finishPlan(plan);
  } catch (e) {
    if (e instanceof ResolveError) throw new PlanError(e.message);
    throw e;
  }
}

/** Run-state transitions for started / stopped / restarted / absent / current / template / paused / hibernated. */
async function planState(ctx: PlanContext, plan: PlanDraft, live: Live | undefined): Promise<void> {
  const s = ctx.settings;
  const vmid = plan.vmid!;
  const node = plan.node!;
  const label = `VM ${vmid}`;
  const power = (action: PowerAction, params: Record<string, string> = {}) =>
    plan.steps.push({ kind: 'power', node, vmid, action, params });
  const before = plan.before;
  const timeout = String(s.timeoutSec);

  switch (s.state) {
    case 'started':
      if (!live && plan.steps.length === 0) throw notFound(s);
      if (before === 'running') plan.msg = plan.steps.length ? `${label} updated, already running` : `${label} is already running`;
      else if (before === 'paused') {
        power('resume');
        plan.msg = `${label} resumed`;
      } else if (before === 'template') throw new PlanError(`${label} is a template and cannot be started`);
      else {
        power('start');
        plan.msg = plan.before === 'absent' ? `${plan.msg}; started` : `${label} started`;
      }
      return;
    case 'stopped':
      need(live, s);
      if (before === 'stopped' || before === 'template' || before === 'hibernated') plan.msg = `${label} is already stopped`;
      else if (before === 'paused' && !s.force) throw new PlanError(`${label} is paused and PVE cannot shut down a paused VM: set force: true to stop it hard`);
      else {
        if (before === 'paused') power('stop', { timeout });
        else power('shutdown', { forceStop: s.force ? '1' : '0', timeout });
        plan.msg = `${label} is shutting down`;
      }
      return;
    case 'restarted':
      need(live, s);
      if (before !== 'running' && before !== 'paused') plan.msg = `${label} is not running`;
      else {
        if (s.force) power('reset');
        else power('reboot', { timeout });
        plan.msg = `${label} is restarted`;
      }
      return;
    case 'absent': {
      if (!live) {
        plan.steps = [];
        plan.msg = s.vmid !== undefined ? `VM ${s.vmid} is already absent` : `VM with name = ${s.name} is already absent`;
        return;
      }
      // vmid and name together name one VM: when the id now holds a VM with another name (a teardown job's saved
      // vmid, reused after the VM went), that VM is someone else's.
      const liveName = String(live.config.name ?? '');
      if (s.vmid !== undefined && s.name !== undefined && liveName !== s.name)
        throw new PlanError(
          `${label} on ${node} is named '${liveName}', not '${s.name}': not removed (its id may now belong to another VM; give vmid alone to remove it whatever its name)`,
        );
      if (before === 'running' || before === 'paused') {
        if (!s.force)
          throw new PlanError(
            `${label}${plan.name ? ` (${plan.name})` : ''} on ${node} is running: stop it first or set force: true to stop and remove it`,
          );
        power('stop', { timeout, ...(s.skiplock ? { skiplock: '1' } : {}) });
      }
      const params: Record<string, string> = {};
      if (s.purge) params.purge = '1';
      if (s.destroyUnreferencedDisks) params['destroy-unreferenced-disks'] = '1';
      if (s.skiplock) params.skiplock = '1';
      plan.steps.push({ kind: 'destroy', node, vmid, params });
      plan.msg = `${label} removed`;
      return;
    }
    case 'current':
      need(live, s);
      plan.msg = `VM ${plan.name ?? '(unnamed)'} with vmid = ${vmid} is ${live!.status.status}`;
      return;
    case 'template':
      need(live, s);
      if (before === 'template') {
        plan.msg = `${label} is already a template`;
        return;
      }
      if (before !== 'stopped') {
        if (!s.force) throw new PlanError(`${label} is ${before}; a template must be stopped first (or set force: true)`);
        power('stop', { timeout });
      }
      plan.steps.push({ kind: 'template', node, vmid });
      plan.msg = `${label} converted to a template`;
      return;
    case 'paused':
      need(live, s);
      if (before === 'paused') plan.msg = `${label} is already paused`;
      else if (before !== 'running') throw new PlanError(`${label} is ${before}; only a running VM can be paused`);
      else {
        power('suspend');
        plan.msg = `${label} paused`;
      }
      return;
    case 'snapshot': {
      need(live, s);
      if (before === 'template') throw new PlanError(`${label} is a template, and PVE takes no snapshot of a template`);
      const snapname = s.snapname!;
      if ((await vmSnapshots(ctx.client, node, vmid)).some((x) => x.name === snapname)) {
        plan.msg = `${label} already has snapshot '${snapname}' (kept as it is)`;
        return;
      }
      const params: Record<string, string> = {};
      if (s.vmstate && (before === 'running' || before === 'paused')) params.vmstate = '1';
      else if (s.vmstate) plan.notes.push(`vmstate: ${label} is ${before}, so there is no memory to save; the snapshot has its disks and config only`);
      plan.steps.push({ kind: 'snapshot', node, vmid, snapname, params });
      plan.msg = `${label} snapshot '${snapname}' taken`;
      return;
    }
    case 'rollback': {
      need(live, s);
      if (before === 'template') throw new PlanError(`${label} is a template: PVE cannot roll a template back`);
      const snapname = s.snapname!;
      const snaps = await vmSnapshots(ctx.client, node, vmid);
      const snap = snaps.find((x) => x.name === snapname);
      if (!snap)
        throw new PlanError(`${label} has no snapshot '${snapname}' (${snaps.length ? `its snapshots: ${snaps.map((x) => x.name).join(', ')}` : 'it has none'}); take one with state: snapshot`);
      const withRam = Number(snap.vmstate ?? 0) === 1;
      const wasRunning = before === 'running' || before === 'paused';
      // A snapshot with memory comes back running in any case (PVE starts it from that state).
      const start = !withRam && (s.rollbackStart === 'true' || (s.rollbackStart === 'auto' && wasRunning));
      if (withRam && s.rollbackStart === 'false') plan.notes.push(`start: false, but snapshot '${snapname}' holds the VM's memory, and PVE resumes the VM from it running`);
      plan.steps.push({ kind: 'rollback', node, vmid, snapname, params: start ? { start: '1' } : {} });
      plan.msg = `${label} rolled back to snapshot '${snapname}'${withRam ? ', running from its saved memory' : start ? ' and started' : ''}`;
      return;
    }
    case 'hibernated':
      need(live, s);
      if (before === 'hibernated') plan.msg = `${label} is already hibernated`;
      else if (before !== 'running' && before !== 'paused') throw new PlanError(`${label} is ${before}; only a running VM can be hibernated`);
      else {
        power('suspend', { todisk: '1' });
        plan.msg = `${label} hibernated`;
      }
      return;
    default:
      return;
  }
}
