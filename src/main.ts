// The main step: inputs → settings → reconcile (plan → apply) → outputs, summary, and state for the post step.
import * as core from '@actions/core';
import { pveKeyInfo } from './catalogue/index.js';
import { formatInputErrors, readSettings } from './inputs/index.js';
import { ProxmoxClient } from './proxmox/client.js';
import type { Settings } from './settings.js';
import { saveCleanup, saveCreated, saveIp, saveMainOk, saveTicket } from './state.js';
import { PruneIncompleteError } from './vm/apply.js';
import { reconcile } from './vm/reconcile.js';
import { log, redact, secret } from './report/log.js';
import { setFactOutputs, setGuestOutputs, setOutcomeOutputs, setPrunedOutputs } from './report/outputs.js';
import { failureMarkdown, outcomeMarkdown } from './report/summary.js';
import { logText } from './report/text.js';

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
  saveCleanup(settings.lifecycle.cleanup, settings.lifecycle.keepOnFailure);
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
      onGuest: setGuestOutputs,
      redact,
      group: (name, fn) => core.group(name, fn),
    });
    setOutcomeOutputs(o, settings);
    if (created && settings.lifecycle.keepOnFailure && o.guest?.ip) saveIp(o.guest.ip);
    for (const w of o.warnings) log.warning(w);
    log.info(o.msg);
    await core.summary.addRaw(outcomeMarkdown(o, settings, performance.now() - started)).write();
    saveMainOk();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof PruneIncompleteError) setPrunedOutputs(e.pruned);
    core.setFailed(logText(message));
    // The job summary says what failed too, not only the successes.
    await core.summary
      .addRaw(failureMarkdown(settings, message, performance.now() - started))
      .write()
      .catch(() => undefined);
  } finally {
    if (created) keepTicketForCleanup(settings, client);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
  }
}
