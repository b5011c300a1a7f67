// The main step: inputs → settings → reconcile (plan → apply) → outputs, summary, and state for the post step.
import * as core from '@actions/core';
import { pveKeyInfo } from './catalogue/index.js';
import { formatInputErrors, readSettingsLoading } from './inputs/index.js';
import { ProxmoxClient } from './proxmox/client.js';
import type { Settings } from './settings.js';
import { saveCleanup, saveCreated, saveIp, saveMainOk, saveTicket } from './state.js';
import { PruneIncompleteError } from './vm/apply.js';
import { reconcile } from './vm/reconcile.js';
import { log, redact, secret } from './report/log.js';
import { setFactOutputs, setGuestOutputs, setOutcomeOutputs, setPrunedOutputs } from './report/outputs.js';
import { diagnosticsMarkdown, failureMarkdown, outcomeMarkdown } from './report/summary.js';
import { gatherDiagnostics } from './vm/diagnostics.js';
import { logText } from './report/text.js';
import { monotonicMs } from './proxmox/abort.js';

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

export async function readInputs(): Promise<Settings | undefined> {
  const { settings, errors } = await readSettingsLoading((name) => core.getInput(name), process.env);
  if (errors.length > 0 || !settings) {
    core.setFailed(formatInputErrors(errors));
    return undefined;
  }
  return settings;
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

/** Gathers the VM's diagnostics (never with dry_run) into a log group and the job summary; never fails the step itself. */
async function diagnose(client: ProxmoxClient, settings: Settings, secretKeys: ReadonlySet<string>, vm: { vmid: number; node: string }): Promise<void> {
  if (settings.lifecycle.dryRun) return;
  const d = await core.group(`Diagnostics: VM ${vm.vmid}`, async () => {
    const d = await gatherDiagnostics(client, vm.node, vm.vmid, { secretKeys, redact });
    for (const i of d.items) log.info(`${i.title}:\n${i.text}`);
    return d;
  });
  await core.summary.addRaw(diagnosticsMarkdown(d)).write();
}

export async function run(): Promise<void> {
  const started = monotonicMs();
  const settings = await readInputs();
  if (!settings) return;
  const secretKeys = maskSecrets(settings);
  const client = new ProxmoxClient(settings.connection, { log, onSecret: secret });
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('the step was cancelled'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  saveCleanup(settings.lifecycle.cleanup, settings.lifecycle.keepOnFailure);
  let created = false;
  // The VM the step is about, as soon as it is known: for diagnostics of a failure.
  let subject: { vmid: number; node: string } | undefined;
  try {
    const o = await reconcile({
      onPlanned: (plan) => {
        if (plan.vmid !== undefined && plan.node !== undefined && plan.before !== 'absent' && !plan.perVm) subject = { vmid: plan.vmid, node: plan.node };
      },
      client,
      settings,
      secretKeys,
      log,
      signal: abort.signal,
      onCreated: (vm) => {
        created = true;
        subject = { vmid: vm.vmid, node: vm.node };
        saveCreated(vm);
      },
      onFacts: (f) => {
        subject = { vmid: f.vmid, node: f.node };
        setFactOutputs(f);
      },
      onGuest: setGuestOutputs,
      redact,
      group: (name, fn) => core.group(name, fn),
    });
    setOutcomeOutputs(o, settings);
    if (created && settings.lifecycle.keepOnFailure && o.guest?.ip) saveIp(o.guest.ip);
    for (const w of o.warnings) log.warning(w);
    log.info(o.msg);
    await core.summary.addRaw(outcomeMarkdown(o, settings, monotonicMs() - started)).write();
    if (settings.lifecycle.diagnostics === 'always' && o.facts) await diagnose(client, settings, secretKeys, o.facts);
    saveMainOk();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof PruneIncompleteError) setPrunedOutputs(e.pruned);
    core.setFailed(logText(message));
    // The job summary says what failed too, not only the successes.
    await core.summary
      .addRaw(failureMarkdown(settings, message, monotonicMs() - started))
      .write()
      .catch(() => undefined);
    // Not after a cancellation: the runner is about to kill the step.
    if (settings.lifecycle.diagnostics !== 'never' && subject && !abort.signal.aborted) await diagnose(client, settings, secretKeys, subject).catch(() => undefined);
  } finally {
    if (created) keepTicketForCleanup(settings, client);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}
