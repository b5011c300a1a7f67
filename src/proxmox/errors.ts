// Errors the Proxmox client raises: PVE's error envelope, TLS verification failures, unreachable servers.
// Messages are written for whoever reads a failed CI log; they never carry a secret.

export interface PveApiErrorInit {
  status: number;
  statusText: string;
  method: string;
  path: string;
  /** The body's `message` (PVE >= 8.3); older servers only put the text in the status line. */
  pveMessage?: string;
  errors?: Record<string, string>;
  /** What the user can do about it, appended to the message. */
  hint?: string;
}

/** PVE answered with an HTTP error status. */
export class PveApiError extends Error {
  override name = 'PveApiError';
  readonly status: number;
  readonly statusText: string;
  readonly pveMessage?: string;
  readonly errors?: Record<string, string>;
  readonly method: string;
  readonly path: string;

  constructor(init: PveApiErrorInit) {
    super(formatApiError(init));
    this.status = init.status;
    this.statusText = init.statusText;
    this.pveMessage = init.pveMessage;
    this.errors = init.errors;
    this.method = init.method;
    this.path = init.path;
  }
}

function formatApiError(e: PveApiErrorInit): string {
  const text = e.pveMessage || e.statusText || (e.status === 401 ? 'authentication failed' : `HTTP ${e.status}`);
  let msg = `PVE ${e.status} on ${e.method} ${e.path}: ${text}`;
  if (e.errors) {
    for (const [param, problem] of Object.entries(e.errors)) msg += `\n  ${param}: ${problem.trim()}`;
  }
  if (e.hint) msg += e.errors ? `\n${e.hint}` : ` - ${e.hint}`;
  return msg;
}

/** The server's certificate was not accepted. */
export class TlsError extends Error {
  override name = 'TlsError';
  /** SHA-256 fingerprint of the certificate the server presented, when it got that far. */
  readonly fingerprint?: string;

  constructor(message: string, opts: { cause?: unknown; fingerprint?: string } = {}) {
    super(message, { cause: opts.cause });
    this.fingerprint = opts.fingerprint;
  }
}

/** The server could not be reached, or the connection broke or timed out. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  /** Node error code (ECONNREFUSED, ECONNRESET, ...), CONNECT_TIMEOUT or TIMEOUT. */
  readonly code?: string;

  constructor(message: string, opts: { cause?: unknown; code?: string } = {}) {
    super(message, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** The server sent more than the client reads (transport.ts MAX_BODY_BYTES): never retried. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

/** Statuses pveproxy or a proxy in front of it uses when the answer never came from a handler. */
const TRANSIENT_STATUSES = new Set([502, 503, 504, 595, 596, 597, 599]);

/**
 * Whether retrying the same read could succeed: gateway/forwarding failures, a 500 that says nothing beyond
 * "Internal Server Error" (a handler `die` always says what went wrong), and connection problems. A 500 with a
 * real message is PVE's actual answer.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof PveApiError) {
    const silent500 = err.status === 500 && (!err.pveMessage || /^internal server error$/i.test(err.pveMessage));
    return TRANSIENT_STATUSES.has(err.status) || silent500;
  }
  return false;
}

/** The error code of a Node error, looking inside AggregateError (happy-eyeballs connects). */
export function errorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) return errorCode(e.errors[0]);
  return undefined;
}

const NETWORK_ADVICE: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve - check api_host',
  EAI_AGAIN: 'the host name could not be resolved (DNS temporarily unavailable) - check api_host and the DNS of the runner',
  ECONNREFUSED: 'connection refused - check api_port (the PVE API listens on 8006) and that pveproxy is running',
  EHOSTUNREACH: 'host unreachable - check api_host and the network route from the runner',
  ENETUNREACH: 'network unreachable - check api_host and the network route from the runner',
  ETIMEDOUT: 'connection timed out - check api_host, api_port and any firewall between the runner and PVE',
  CONNECT_TIMEOUT: 'connection timed out - check api_host, api_port and any firewall between the runner and PVE',
  ECONNRESET: 'the connection was reset by the server or a proxy in between',
  EPIPE: 'the connection was closed by the server while sending',
};

/** A ConnectionError naming host:port, what went wrong and what to check. */
export function connectionError(hostPort: string, what: string, cause: unknown, timeoutMs: number): ConnectionError {
  const code = errorCode(cause);
  let advice = code ? NETWORK_ADVICE[code] : undefined;
  if (code === 'TIMEOUT') {
    advice = `no complete answer within ${timeoutMs} ms (api_timeout) - raise api_timeout or check the PVE host load`;
  }
  if (!advice) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    advice = `${detail}${code ? ` (${code})` : ''} - check api_host, api_port and the network between the runner and PVE`;
  }
  return new ConnectionError(`cannot talk to PVE at ${hostPort} (${what}): ${advice}`, { cause, code });
}
