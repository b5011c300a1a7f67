// The one log both entries print through: core.info writes its text raw to stdout, where the runner obeys any line
// that starts with `::` (and some runners also split lines at a bare CR), so every message passes logText first.
// core.warning/debug escape CR/LF themselves; they go through it too, for the control characters.
import * as core from '@actions/core';
import type { ClientLog } from '../proxmox/client.js';
import { logText } from './text.js';

export const log: ClientLog = {
  debug: (m) => core.debug(logText(m)),
  info: (m) => core.info(logText(m)),
  warning: (m) => core.warning(logText(m)),
};

const secrets = new Set<string>();

/** Registers a secret with the runner, and remembers it for `redact`. */
export function secret(value: string): void {
  if (!value) return;
  secrets.add(value);
  core.setSecret(value);
}

/**
 * Text with every registered secret replaced by `***`. The runner masks secrets in what the step writes, but only
 * verbatim: text escaped for the job summary (`&` → `&#38;`) would no longer match, so it is redacted first.
 */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}
