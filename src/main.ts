// The main step: inputs → settings → reconcile → outputs, summary, and state for the post step.
import * as core from '@actions/core';
import { pveKeyInfo } from './catalogue/index.js';
import { formatInputErrors, readSettings } from './inputs/index.js';
import { ProxmoxClient } from './proxmox/client.js';
import type { Settings } from './settings.js';
import { saveCleanup, saveCreated, saveMainOk, saveTicket } from './state.js';
import { type VmFacts, outputNode, summaryMarkdown } from './vm/outputs.js';
import { PruneIncompleteError, prunedMarkdown } from './vm/prune.js';
import { reconcile } from './vm/reconcile.js';
import { log, redact, secret } from './report/log.js';
import { logText, mdText } from './report/text.js';

/** Registers every secret with the runner before anything could print it. */
export function maskSecrets(s: Settings): ReadonlySet<string> {
  const c = s.connection;
  for (const v of [c.password, c.tokenSecret, c.otp, s.lifecycle.githubToken]) if (v) secret(v);
  const secretKeys = new Set(['cipassword']);
  for (const [k, v] of Object.entries(s.spec)) {
    if (pveKeyInfo(k)?.secret || k === 'cipassword') {
      secretKeys.add(k);
      secret(v);
      // PVE and logs may show the URL-encoded form too.
      if (encodeURIComponent(v) !== v) secret(encodeURIComponent(v));
    }
  }
  return secretKeys;
}

export function readInputs(): Settings | undefined {
  const { settings, errors } = readSettings((name) => core.getInput(name), process.env);
  if (errors.length > 0 || !settings) {
    core.setFailed(formatInputErrors(errors));
    return undefined;
  }
  return settings;
}

/** Outputs that describe the VM, set as soon as it is known (a later guest wait may still fail). */
function setFactOutputs(f: VmFacts): void {
  core.setOutput('vmid', String(f.vmid));
  core.setOutput('node', outputNode(f.node));
  core.setOutput('name', f.name ?? '');
  core.setOutput('status', f.status);
  core.setOutput('mac', JSON.stringify(f.mac));
  core.setOutput('devices', JSON.stringify(f.devices));
}

/**
 * A one-time code (api_otp) logs in once: the post step could not log in again to clean up, so it gets this step's
 * ticket (valid 2 h, masked like every secret) through the step state, and only when it may need it.
 */
function keepTicketForCleanup(settings: Settings, client: ProxmoxClient): void {
  if (!settings.connection.otp || settings.lifecycle.cleanup === 'never') return;
  const t = client.currentTicket();
  if (t) saveTicket(t);
}

export async function run(): Promise<void> {
  const started = performance.now();
  const settings = readInputs();
  if (!settings) return;
  const secretKeys = maskSecrets(settings);
  const client = new ProxmoxClient(settings.connection, { log, onSecret: secret });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('the step was cancelled'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  saveCleanup(settings.lifecycle.cleanup);
  let created = false;
  try {
    const o = await reconcile({
      client,
      settings,
      secretKeys,
      log,
      signal: abort.signal,
      onCreated: (vm) => {
        created = true;
        saveCreated(vm);
      },
      onFacts: setFactOutputs,
      group: (name, fn) => core.group(name, fn),
    });
    const f = o.facts;
    core.setOutput('changed', String(o.changed));
    core.setOutput('msg', o.msg);
    core.setOutput('plan', o.planJson);
    if (o.plan.pruned) core.setOutput('pruned', JSON.stringify(o.plan.pruned));
    if (f && settings.lifecycle.dryRun) setFactOutputs(f);
    if (!f) {
      if (o.vmid !== undefined) core.setOutput('vmid', String(o.vmid));
      core.setOutput('status', settings.lifecycle.dryRun && o.plan.before !== 'absent' ? o.plan.before : 'absent');
    }
    if (o.guest) {
      core.setOutput('ip', o.guest.ip ?? '');
      core.setOutput('ipv4', JSON.stringify(o.guest.ipv4));
      core.setOutput('ipv6', JSON.stringify(o.guest.ipv6));
      core.setOutput('interfaces', JSON.stringify(o.guest.interfaces));
    }
    for (const w of o.warnings) log.warning(w);
    log.info(o.msg);
    const timings = { ...o.timings, totalMs: performance.now() - started };
    await core.summary
      .addRaw(
        o.plan.pruned
          ? prunedMarkdown(o.plan.pruned, settings.lifecycle.dryRun) +
              `\n${mdText(o.msg)} — ${Math.round(timings.totalMs)} ms (API ${Math.round(timings.apiMs)} ms, task wait ${Math.round(timings.taskMs)} ms)\n`
          : summaryMarkdown({
              facts: f, name: o.plan.name, vmid: o.vmid, node: o.node, before: o.plan.before,
              after: f?.status ?? 'absent', changed: o.changed, msg: o.msg, changes: o.changes, done: o.done,
              warnings: o.warnings, dryRun: settings.lifecycle.dryRun, ips: o.guest ? [...o.guest.ipv4, ...o.guest.ipv6] : undefined,
              timings,
            }),
      )
      .write();
    saveMainOk();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof PruneIncompleteError) {
      core.setOutput('pruned', JSON.stringify(e.pruned));
      core.setOutput('changed', String(e.pruned.length > 0));
    }
    core.setFailed(logText(message));
    // The job summary says what failed too, not only the successes.
    await core.summary
      .addRaw(
        `### Proxmox VM ${mdText(settings.name ?? settings.vmid ?? '')}: failed\n\n` +
          `| | |\n|---|---|\n| state asked | ${settings.state} |\n| error | ${mdText(redact(message), { max: 4000, breaks: 'br' })} |\n` +
          `| time | ${Math.round(performance.now() - started)} ms |\n`,
      )
      .write()
      .catch(() => undefined);
  } finally {
    if (created) keepTicketForCleanup(settings, client);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}
