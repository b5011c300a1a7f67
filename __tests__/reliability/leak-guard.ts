// Secret-leak guard: learns every secret the in-process simulators hand out or accept (passwords, token secrets,
// tickets, CSRF tokens) by wrapping the simulator's Authenticator, plus values a test registers (cipassword), and
// after the file scans everything the harness captured from the action's runs. Importing it installs it for the
// importing test file; it also works as a vitest setupFile to cover every file of the repository.
import { afterAll, expect } from 'vitest';
import { Authenticator } from '../../sim/auth.js';
import { allCaptured } from '../../tools/runner/index.js';

type Kind = 'password' | 'token secret' | 'ticket' | 'CSRF token' | 'registered';

const known = new Map<string, Kind>();

/** Values shorter than this are too likely to occur by chance to be told apart from a leak. */
const MIN_SECRET = 6;

/** Registers a secret the tests pass to the action themselves (e.g. cipassword). */
export function registerSecret(value: string, kind: Kind = 'registered'): void {
  if (value.length >= MIN_SECRET && !known.has(value)) known.set(value, kind);
}

type Proto = Record<string, (...args: unknown[]) => unknown>;
const proto = Authenticator.prototype as unknown as Proto;
const WRAPPED = Symbol.for('reliability.leakGuard');

/** Wraps one Authenticator method so that what it issues or accepts is remembered. */
function tap(method: string, learn: (result: unknown, args: unknown[]) => void): void {
  const original = proto[method];
  if (typeof original !== 'function' || (original as unknown as Record<symbol, boolean>)[WRAPPED]) return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    learn(result, args);
    return result;
  };
  (wrapped as unknown as Record<symbol, boolean>)[WRAPPED] = true;
  proto[method] = wrapped;
}

tap('createTicket', (ticket) => registerSecret(String(ticket), 'ticket'));
tap('createCsrfToken', (token) => registerSecret(String(token), 'CSRF token'));
tap('tokenCredential', (cred) => registerSecret((cred as { secret: string }).secret, 'token secret'));
// A successful login proves the password (or a renewing ticket) right; failed guesses are not secrets.
tap('login', (answer, args) => {
  const password = (args[0] as Record<string, unknown>)?.password;
  if (answer && typeof password === 'string') registerSecret(password, 'password');
});

// Shapes of PVE tickets and CSRF tokens, caught even if they came from somewhere the guard did not see.
const TICKET_SHAPE = /PVE:[^\s:]+:[0-9A-F]{8}::[A-Za-z0-9+/=]{16,}/;
const CSRF_SHAPE = /\b[0-9A-F]{8}:[A-Za-z0-9+/]{43}(?![A-Za-z0-9+/])/;

export interface Leak {
  run: number;
  kind: string;
  /** Where it appeared, with the secret itself replaced by <SECRET>. */
  context: string;
}

/** The runner masks values registered with ::add-mask::, so only those lines may carry a secret. */
function withoutMaskCommands(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((l) => !l.trimStart().startsWith('::add-mask::'))
    .join('\n');
}

function contextOf(text: string, at: number, length: number): string {
  const from = Math.max(0, at - 60);
  return `${text.slice(from, at)}<SECRET>${text.slice(at + length, at + length + 60)}`.replace(/\s+/g, ' ');
}

/** Scans the given texts (default: every run the harness captured in this process). */
export function findLeaks(texts: readonly string[] = allCaptured): Leak[] {
  const leaks: Leak[] = [];
  texts.forEach((raw, run) => {
    const text = withoutMaskCommands(raw);
    for (const [secret, kind] of known) {
      for (const form of new Set([secret, encodeURIComponent(secret)])) {
        const at = text.indexOf(form);
        if (at >= 0) leaks.push({ run, kind, context: contextOf(text, at, form.length) });
      }
    }
    for (const [kind, shape] of [['ticket-shaped text', TICKET_SHAPE], ['CSRF-token-shaped text', CSRF_SHAPE]] as const) {
      const m = shape.exec(text);
      if (m) leaks.push({ run, kind, context: contextOf(text, m.index, m[0].length) });
    }
  });
  return leaks;
}

/** Figures for the closing lines. */
export function leakFigures(): { 'captured runs scanned': number; 'secrets known': number; 'leaks found': number } {
  return { 'captured runs scanned': allCaptured.length, 'secrets known': known.size, 'leaks found': findLeaks().length };
}

afterAll(() => {
  // As a setupFile the guard also runs for files that never start the action: nothing to say there.
  if (allCaptured.length === 0) return;
  const leaks = findLeaks();
  const kinds = new Map<string, number>();
  for (const kind of known.values()) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  console.log(
    `[reliability] secret scan: ${allCaptured.length} captured runs, ${known.size} secrets known ` +
      `(${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}), ${leaks.length} leaks found`,
  );
  expect(leaks, 'secrets appeared in captured action output').toEqual([]);
});
