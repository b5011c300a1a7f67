// Runs commands in the guest through the QEMU guest agent (PVE's agent/exec + agent/exec-status) for `guest_exec`
// and `wait_for: cloud-init`, and reads the tail of a guest file (agent/file-read) when cloud-init failed.
// Everything that comes back is the guest's text: checked, bounded, and never trusted to be well-formed.
import { sleep } from '../proxmox/abort.js';
import type { ProxmoxClient } from '../proxmox/client.js';
import { PveApiError } from '../proxmox/errors.js';
import { oneLine } from '../report/text.js';
import { GuestWaitError } from './guest.js';
import { vmPath } from './pve.js';

/** Of each stream, at most this much (its end) is kept for the log. */
export const MAX_STREAM_BYTES = 64 * 1024;
/** All streams together in the `exec_output` output stay below this (GitHub limits a step's outputs to 1 MiB). */
export const MAX_OUTPUT_BYTES = 768 * 1024;

export interface ExecResult {
  /** The argument list run (a guest_exec line: ['/bin/sh', '-c', line]). */
  command: readonly string[];
  /** null when it was killed by a signal or is still running (timed out). */
  exitcode: number | null;
  signal?: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut?: boolean;
  ms: number;
}

/** A guest command failed, could not be run, or timed out; `results` holds the commands run so far. */
export class GuestExecError extends Error {
  constructor(message: string, readonly results: readonly ExecResult[] = []) {
    super(message);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** PVE turns QGA's JSON booleans into 1/0 (Agent.pm qemu_exec_status); a hostile guest may send anything. */
const truthy = (v: unknown) => v === true || v === 1 || v === '1';

/** The end of a text, at most `max` bytes of UTF-8, cut at a line or character boundary. */
export function tailBytes(text: string, max: number): { text: string; cut: boolean } {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return { text, cut: false };
  let s = b.subarray(b.length - max).toString('utf8').replace(/^\uFFFD+/, '');
  const nl = s.indexOf('\n');
  if (nl >= 0 && nl < 200) s = s.slice(nl + 1);
  return { text: s, cut: true };
}

/** How a command is shown: a shell line as itself, an argument list with each argument quoted when needed. */
export function commandText(argv: readonly string[]): string {
  if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c') return argv[2];
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What PVE itself said, without the client's "PVE 500 on POST <path>: " prefix. */
export function pveText(e: unknown): string {
  if (e instanceof PveApiError) return (e.pveMessage || e.statusText || '').trim();
  return e instanceof Error ? e.message : String(e);
}

export interface ExecOptions {
  /** ms epoch: a command still running then is given up on (it keeps running in the guest). */
  deadline: number;
  signal?: AbortSignal;
  /** Text put through this before it is bounded (registered secrets → ***), so no cut can leave half a secret. */
  redact?: (s: string) => string;
  maxStreamBytes?: number;
}

/**
 * Starts argv in the guest (POST agent/exec with `command` as an array, sent as JSON) and polls agent/exec-status
 * until it has exited or the deadline passed. Errors of the agent itself (not running, program not found, no
 * privilege) are thrown as PVE said them; a timeout is a result with `timedOut`.
 */
export async function execInGuest(client: ProxmoxClient, node: string, vmid: number, argv: readonly string[], o: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const r = await client.postJson<unknown>(vmPath(node, vmid, 'agent', 'exec'), { command: [...argv] }, { signal: o.signal });
  const pid = isRecord(r) ? r.pid : undefined;
  if (!isInt(pid)) throw new GuestExecError(`VM ${vmid}: the guest agent did not return a process id for ${oneLine(commandText(argv), 200)}`);
  let delay = 100;
  for (;;) {
    const s = await client.get<unknown>(vmPath(node, vmid, 'agent', 'exec-status'), { pid }, { signal: o.signal });
    if (isRecord(s) && truthy(s.exited)) return result(argv, s, started, o);
    const left = o.deadline - Date.now();
    if (left <= 0)
      return { command: argv, exitcode: null, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, timedOut: true, ms: Date.now() - started };
    await sleep(Math.min(delay, left), o.signal);
    delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}

function result(argv: readonly string[], s: Record<string, unknown>, started: number, o: ExecOptions): ExecResult {
  const max = o.maxStreamBytes ?? MAX_STREAM_BYTES;
  const redact = o.redact ?? ((x: string) => x);
  const stream = (data: unknown, truncated: unknown) => {
    const t = tailBytes(redact(typeof data === 'string' ? data : ''), max);
    return { text: t.text, cut: t.cut || truthy(truncated) };
  };
  const out = stream(s['out-data'], s['out-truncated']);
  const err = stream(s['err-data'], s['err-truncated']);
  const r: ExecResult = {
    command: argv.map(redact),
    exitcode: isInt(s.exitcode) ? s.exitcode : null,
    stdout: out.text,
    stderr: err.text,
    stdoutTruncated: out.cut,
    stderrTruncated: err.cut,
    ms: Date.now() - started,
  };
  if (isInt(s.signal)) r.signal = s.signal;
  return r;
}

/** A result counts as failed when it did not exit 0 (killed, timed out, or a non-zero exit code). */
export const execFailed = (r: ExecResult): boolean => r.exitcode !== 0;

/** The exit code `exec_exitcode` reports: the shell's convention for a signal (128 + n), -1 for a timeout. */
export const reportedExitcode = (r: ExecResult): number => r.exitcode ?? (r.signal !== undefined ? 128 + r.signal : -1);

export function describeExit(r: ExecResult, timeoutSec?: number): string {
  if (r.timedOut) return `still running after ${timeoutSec ?? '?'} s (wait_timeout); it keeps running in the guest`;
  if (r.exitcode === null) return r.signal !== undefined ? `killed by signal ${r.signal}` : 'ended without an exit code';
  return `exit code ${r.exitcode}`;
}

// ---- cloud-init -------------------------------------------------------------------------------------------------

export type CloudInitStatus = 'done' | 'degraded' | 'error';

export interface CloudInitResult {
  status: CloudInitStatus;
  /** cloud-init's `status --long` text (the guest's, escaped and bounded). */
  detail: string;
  exitcode: number | null;
}

export const CLOUD_INIT_COMMAND = ['cloud-init', 'status', '--wait', '--long'] as const;
export const CLOUD_INIT_LOG = '/var/log/cloud-init-output.log';
const MAX_DETAIL_CHARS = 1500;
const MAX_TAIL_LINES = 30;
const MAX_TAIL_CHARS = 2000;

/** Untrusted multi-line text for a message: lines kept (each made inert and bounded), at most maxLines/maxChars of its end. */
export function guestLines(text: string, maxLines: number, maxChars: number): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => oneLine(l, 300)).filter((l, i, a) => l.trim() !== '' || (i > 0 && i < a.length - 1));
  const out: string[] = [];
  let chars = 0;
  for (let i = lines.length - 1; i >= 0 && out.length < maxLines; i--) {
    chars += lines[i].length + 1;
    if (chars > maxChars) break;
    out.unshift(lines[i]);
  }
  return out.map((l) => `  ${l}`).join('\n');
}

/**
 * cloud-init's verdict from `cloud-init status --wait --long` (cloud-init >= 23.4, cmd/status.py): exit 0 done,
 * 1 a critical error (`status: error`), 2 recoverable errors (`extended_status: degraded done`). Older releases
 * exit 1 on any error and say `status: error`; a `status:` other than done (disabled, not started) is an error too.
 */
export function cloudInitVerdict(stdout: string, exitcode: number | null): CloudInitStatus {
  const status = /^status: *(\S+)/m.exec(stdout)?.[1];
  const extended = /^extended_status: *(.+)$/m.exec(stdout)?.[1] ?? '';
  if (exitcode === 0 && status === 'done' && !/degraded/.test(extended)) return 'done';
  if ((exitcode === 2 || /degraded/.test(extended)) && status === 'done') return 'degraded';
  return 'error';
}

export interface CloudInitOptions extends ExecOptions {
  timeoutSec: number;
}

/** Waits for cloud-init in the guest to finish; throws GuestWaitError with its message and log tail unless `done`. */
export async function waitForCloudInit(client: ProxmoxClient, node: string, vmid: number, o: CloudInitOptions): Promise<CloudInitResult> {
  let r: ExecResult;
  try {
    r = await execInGuest(client, node, vmid, CLOUD_INIT_COMMAND, o);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    const said = pveText(e);
    if (/No such file or directory/.test(said))
      throw new GuestWaitError(`VM ${vmid}: wait_for: cloud-init could not run cloud-init in the guest (is it installed?): ${oneLine(said, 500)}`);
    throw new GuestWaitError(`VM ${vmid}: wait_for: cloud-init could not ask the guest agent: ${oneLine(said, 500)}`);
  }
  if (r.timedOut)
    throw new GuestWaitError(`VM ${vmid}: gave up waiting for cloud-init to finish after ${o.timeoutSec} s (wait_timeout); 'cloud-init status --wait' is still running in the guest`);
  const out = r.stdout.replace(/^\.+\n/, '');
  const status = cloudInitVerdict(out, r.exitcode);
  const detail = guestLines(out || r.stderr, 40, MAX_DETAIL_CHARS);
  if (status === 'done') return { status, detail, exitcode: r.exitcode };
  const tail = await logTail(client, node, vmid, CLOUD_INIT_LOG, o.signal);
  throw new CloudInitError(
    `VM ${vmid}: cloud-init finished with status ${status} (${describeExit(r)} of 'cloud-init status --long'):\n${detail || '  (no output)'}\n` +
      (tail.ok ? `Last lines of ${CLOUD_INIT_LOG}:\n${tail.text || '  (empty)'}` : `${CLOUD_INIT_LOG} could not be read: ${tail.text}`),
    { status, detail, exitcode: r.exitcode },
  );
}

/** cloud-init did not finish `done`; carries its verdict for the `cloud_init` output. */
export class CloudInitError extends GuestWaitError {
  constructor(message: string, readonly result: CloudInitResult) {
    super(message);
  }
}

const READ_CHUNK = 256 * 1024;
const MAX_READS = 64;

/**
 * The last lines of a guest file through agent/file-read (offset + count; `truncated` until the end is reached),
 * reading it in chunks and keeping only the last two, at most 16 MiB in all.
 */
export async function logTail(client: ProxmoxClient, node: string, vmid: number, file: string, signal?: AbortSignal): Promise<{ ok: boolean; text: string }> {
  let prev = '';
  let cur = '';
  try {
    for (let i = 0, offset = 0; i < MAX_READS; i++) {
      const r = await client.get<unknown>(vmPath(node, vmid, 'agent', 'file-read'), { file, offset, count: READ_CHUNK }, { signal });
      const content = isRecord(r) && typeof r.content === 'string' ? r.content : '';
      prev = cur;
      cur = content;
      const read = isRecord(r) && isInt(r['bytes-read']) ? r['bytes-read'] : Buffer.byteLength(content);
      if (!(isRecord(r) && truthy(r.truncated)) || read <= 0) break;
      offset += read;
    }
  } catch (e) {
    if (signal?.aborted) throw e;
    return { ok: false, text: oneLine(pveText(e), 500) };
  }
  return { ok: true, text: guestLines(prev + cur, MAX_TAIL_LINES, MAX_TAIL_CHARS) };
}

// ---- guest_exec -------------------------------------------------------------------------------------------------

export interface RunCommandsOptions extends ExecOptions {
  timeoutSec: number;
  allowFailure: boolean;
  log: { info: (m: string) => void; warning: (m: string) => void };
  group: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Called after each command with all results so far (the step's outputs survive a later failure). */
  onResult?: (results: readonly ExecResult[]) => void;
}

/** Writes one command's result to the log: its streams line by line (log.ts makes each line inert). */
function logResult(log: RunCommandsOptions['log'], r: ExecResult, timeoutSec: number): void {
  const stream = (name: string, text: string, cut: boolean) => {
    if (!text) return;
    log.info(`${name}${cut ? ' (only its end is shown)' : ''}:`);
    log.info(text.replace(/\n$/, ''));
  };
  stream('stdout', r.stdout, r.stdoutTruncated);
  stream('stderr', r.stderr, r.stderrTruncated);
  log.info(`${describeExit(r, timeoutSec)} (${(r.ms / 1000).toFixed(1)} s)`);
}

/**
 * Runs the commands in order, each bounded by what is left of the deadline. A non-zero exit stops the list and
 * fails (GuestExecError) unless allowFailure; a timeout or an agent error always does.
 */
export async function runGuestCommands(
  client: ProxmoxClient, node: string, vmid: number, commands: readonly (readonly string[])[], o: RunCommandsOptions,
): Promise<ExecResult[]> {
  const results: ExecResult[] = [];
  // Together the streams in exec_output stay below MAX_OUTPUT_BYTES.
  const maxStreamBytes = Math.min(MAX_STREAM_BYTES, Math.floor(MAX_OUTPUT_BYTES / (2 * Math.max(1, commands.length))));
  for (const [i, argv] of commands.entries()) {
    const shown = oneLine(commandText(argv.map(o.redact ?? ((x) => x))), 200);
    const r = await o.group(`guest_exec ${i + 1}/${commands.length}: ${shown}`, async () => {
      o.log.info(`$ ${shown}`);
      let r: ExecResult;
      try {
        r = await execInGuest(client, node, vmid, argv, { ...o, maxStreamBytes });
      } catch (e) {
        if (o.signal?.aborted) throw e;
        throw new GuestExecError(`VM ${vmid}: guest_exec command ${i + 1} (${shown}) could not be run: ${oneLine(pveText(e), 500)}`, results);
      }
      logResult(o.log, r, o.timeoutSec);
      return r;
    });
    results.push(r);
    o.onResult?.(results);
    if (r.timedOut)
      throw new GuestExecError(`VM ${vmid}: guest_exec command ${i + 1} (${shown}) is ${describeExit(r, o.timeoutSec)}`, results);
    if (execFailed(r)) {
      const what = `VM ${vmid}: guest_exec command ${i + 1} (${shown}) failed: ${describeExit(r)}`;
      if (!o.allowFailure) {
        const err = r.stderr || r.stdout;
        throw new GuestExecError(err ? `${what}; its output ends:\n${guestLines(err, 10, 1000)}` : what, results);
      }
      o.log.warning(`${what} (guest_exec_allow_failure: carrying on)`);
    }
  }
  return results;
}

/** `exec_exitcode`: of the first command that failed, else of the last one. */
export function execExitcode(results: readonly ExecResult[]): string {
  const r = results.find(execFailed) ?? results.at(-1);
  return r === undefined ? '' : String(reportedExitcode(r));
}

/** `exec_output`: one entry per command run. */
export function execOutputJson(results: readonly ExecResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      command: r.command, exitcode: r.exitcode, signal: r.signal ?? null, stdout: r.stdout, stderr: r.stderr,
      stdout_truncated: r.stdoutTruncated, stderr_truncated: r.stderrTruncated,
    })),
  );
}
