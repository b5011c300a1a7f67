// The simulator's request log: what each request asked for and how it was answered, with every secret redacted
// before it is stored (tests and the CLI may print the log).
export interface RequestLogEntry {
  method: string;
  /** Path below /api2/<format> (the raw path for requests outside the API). */
  path: string;
  /** Query + body parameters, secret values replaced by REDACTED. */
  params: Record<string, unknown>;
  status: number;
  /** Wall-clock milliseconds from arrival to answer (or drop). */
  ms: number;
  /** Who made the request when known: `user@realm` or `user@realm!tokenid`. */
  authid?: string;
  /** ms epoch of arrival. */
  at: number;
  /** Set when fault injection dropped the connection or answered instead of the handler. */
  fault?: 'drop' | 'error' | 'huge';
}

export const REDACTED = '**********';

// password, cipassword, new-password, ticket, CSRFPreventionToken, token secrets, otp/tfa answers.
const SECRET_KEY = /pass|secret|ticket|csrf|token|otp|tfa|key$/i;
// `sshkeys` are public keys: worth seeing in a log, and ending in "keys" not "key".
const NOT_SECRET = new Set(['sshkeys', 'tokenid']);

export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = SECRET_KEY.test(k) && !NOT_SECRET.has(k) ? REDACTED : v;
  }
  return out;
}

/** Keeps the newest entries; the array object itself stays the same so `sim.log` references remain valid. */
export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  constructor(private readonly max = 10_000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }
}
