// The PVE API client: keep-alive HTTPS to /api2/json, parameter encoding, ticket or token auth, PVE's error
// envelope, and retries (reads on transient failures; writes only when the request provably never left).
import type { Connection } from '../settings.js';
import { sleep } from './abort.js';
import { Credentials, type SavedTicket, type TicketPost } from './auth.js';
import { ConnectionError, PveApiError, ResponseTooLargeError, TlsError, connectionError, errorCode, isTransient } from './errors.js';
import { isPlainHttpAnswer, tlsPolicy } from './tls.js';
import { PveAgent, SendFailure, sendOnce, type RawResponse } from './transport.js';

export interface ClientLog {
  debug(msg: string): void;
  info(msg: string): void;
  warning(msg: string): void;
}

export interface ClientOptions {
  log?: ClientLog;
  /** Called with every secret the client obtains or holds (password, token secret, ticket, CSRF token) BEFORE it is used, so the caller can mask it (core.setSecret). */
  onSecret?: (value: string) => void;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number }; // reads only; default 4 attempts, 100 ms base, jittered exponential
  userAgent?: string;
  /** Clock for the ticket lifetime (tests move it forward); Date.now by default. */
  now?: () => number;
}

export type Params = Record<string, string | number | boolean | undefined | null>;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Below PVE's 5 s idle timeout, so that normally we, not the server, retire idle sockets. */
const KEEP_ALIVE_MS = 3000;
const SILENT: ClientLog = { debug: () => {}, info: () => {}, warning: () => {} };
/** Errors meaning the socket closed under us; harmless to re-send over only if nothing was written. */
const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE']);
const TIMEOUT_CODES = new Set(['TIMEOUT', 'CONNECT_TIMEOUT']);

/** Form/query encoding as PVE expects it: booleans 1/0, undefined/null left out, no arrays. */
export function encodeParams(params: Params | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') throw new TypeError(`parameter ${key}: arrays and objects are not supported`);
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.join('&');
}

interface Policy {
  /** Re-send on transient failures (reads, and the login, which changes nothing on the server). */
  idempotent: boolean;
  /** The ticket login itself: no credentials attached, no re-login on 401. */
  login: boolean;
}

export class ProxmoxClient {
  readonly stats = { requests: 0, retries: 0, reads: 0, writes: 0 };
  private readonly secrets = new Set<string>();
  private readonly log: ClientLog;
  private readonly onSecret?: (value: string) => void;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  private readonly userAgent: string;
  private readonly hostPort: string;
  private readonly timeoutMs: number;
  private readonly creds: Credentials;
  private readonly agent: PveAgent;
  private readonly ticketPost: TicketPost;

  constructor(
    private readonly conn: Connection,
    opts: ClientOptions = {},
  ) {
    this.log = opts.log ?? SILENT;
    this.onSecret = opts.onSecret;
    this.retry = {
      attempts: Math.max(1, opts.retry?.attempts ?? 4),
      baseDelayMs: opts.retry?.baseDelayMs ?? 100,
      maxDelayMs: opts.retry?.maxDelayMs ?? 2000,
    };
    this.userAgent = opts.userAgent ?? 'proxmox-kvm-action';
    const host = conn.host.replace(/^\[(.*)\]$/, '$1');
    this.hostPort = `${host.includes(':') ? `[${host}]` : host}:${conn.port}`;
    this.timeoutMs = conn.apiTimeoutMs;
    this.creds = new Credentials(conn, (v) => this.remember(v), opts.now ?? Date.now);
    this.agent = new PveAgent({ host, port: conn.port, ...tlsPolicy(conn), connectTimeoutMs: conn.apiTimeoutMs, idleMs: KEEP_ALIVE_MS });
    this.ticketPost = (params) => this.perform('POST', '/access/ticket', params, undefined, { idempotent: true, login: true });
  }

  /** Ticket login when password auth (POST /access/ticket; otp supported), nothing for tokens. Called lazily by the first request too. */
  async login(): Promise<void> {
    await this.creds.ensureTicket(this.ticketPost);
  }

  /** The ticket in use (password logins only), for a later step of the job that cannot log in again. */
  currentTicket(): SavedTicket | undefined {
    return this.creds.currentTicket();
  }

  /** Uses a ticket an earlier step obtained instead of logging in (renewed or replaced as usual). */
  adoptTicket(saved: SavedTicket): void {
    this.creds.adopt(saved);
  }

  get<T = unknown>(path: string, params?: Params, opts?: { signal?: AbortSignal }): Promise<T> {
    this.stats.reads++;
    return this.perform('GET', path, params, opts?.signal, { idempotent: true, login: false }) as Promise<T>;
  }

  post<T = unknown>(path: string, params?: Params, opts?: { signal?: AbortSignal }): Promise<T> {
    this.stats.writes++;
    return this.perform('POST', path, params, opts?.signal, { idempotent: false, login: false }) as Promise<T>;
  }

  /**
   * A POST whose body is JSON (pve-http-server accepts application/json): for parameters of type array, which a
   * form cannot carry when they hold a single item (`agent/exec`'s `command`).
   */
  postJson<T = unknown>(path: string, body: Record<string, unknown>, opts?: { signal?: AbortSignal }): Promise<T> {
    this.stats.writes++;
    return this.perform('POST', path, undefined, opts?.signal, { idempotent: false, login: false }, JSON.stringify(body)) as Promise<T>;
  }

  put<T = unknown>(path: string, params?: Params, opts?: { signal?: AbortSignal }): Promise<T> {
    this.stats.writes++;
    return this.perform('PUT', path, params, opts?.signal, { idempotent: false, login: false }) as Promise<T>;
  }

  delete<T = unknown>(path: string, params?: Params, opts?: { signal?: AbortSignal }): Promise<T> {
    this.stats.writes++;
    return this.perform('DELETE', path, params, opts?.signal, { idempotent: false, login: false }) as Promise<T>;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private remember(value: string): void {
    if (!value || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.onSecret?.(value);
  }

  /** Belt and braces: PVE texts are echoed into our messages, so scrub anything we know to be secret. */
  private redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 3) out = out.split(s).join('***');
    return out;
  }

  private async perform(method: Method, path: string, params: Params | undefined, signal: AbortSignal | undefined, policy: Policy, json?: string): Promise<unknown> {
    if (!path.startsWith('/')) throw new TypeError(`API path must start with '/': ${path}`);
    const encoded = encodeParams(params);
    // PVE reads GET/DELETE parameters only from the query string and answers 501 to a DELETE with a body.
    const inQuery = method === 'GET' || method === 'DELETE';
    const wirePath = `/api2/json${path}${inQuery && encoded ? `${path.includes('?') ? '&' : '?'}${encoded}` : ''}`;
    const body = json ?? (inQuery ? undefined : encoded);
    const what = `${method} ${path}`;
    let attempt = 1;
    let relogged = false;
    let resentUnsent = false;

    for (;;) {
      const auth = policy.login ? { headers: {}, generation: 0 } : await this.creds.headersFor(method, this.ticketPost);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent, ...auth.headers };
      if (body !== undefined) headers['content-type'] = json === undefined ? 'application/x-www-form-urlencoded' : 'application/json';

      let res: RawResponse;
      try {
        this.stats.requests++;
        const started = Date.now();
        res = await sendOnce(this.agent, { method, path: wirePath, headers, body }, this.timeoutMs, signal);
        this.log.debug(`${what} -> ${res.status} ${this.redact(res.statusText)} (${Date.now() - started} ms)`);
      } catch (err) {
        if (!(err instanceof SendFailure)) throw err; // the caller aborted
        // An oversized answer is no network hiccup: asking again would only buffer it again.
        if (errorCode(err.cause) === 'BODY_TOO_LARGE') throw new ResponseTooLargeError(`PVE at ${this.hostPort}: ${err.message}`);
        const failure = this.networkFailure(err, what);
        const code = errorCode(err.cause) ?? '';
        // A timeout already cost api_timeout, and a plain-HTTP server will not learn TLS: neither is worth repeating.
        const transient = failure instanceof ConnectionError && !err.timedOut && !TIMEOUT_CODES.has(code) && !isPlainHttpAnswer(err.cause);
        if (transient && policy.idempotent && attempt < this.retry.attempts) {
          await this.pause(what, failure.message, attempt++, signal);
          continue;
        }
        // A write may go again only if no socket ever took it (the connection died while being set up).
        if (!err.requestSent && SOCKET_CLOSED.has(code) && !resentUnsent) {
          resentUnsent = true;
          this.stats.retries++;
          this.log.debug(`${what}: connection closed before the request was sent, sending again`);
          continue;
        }
        throw failure;
      }

      if (res.status >= 200 && res.status < 300) return this.data(res, method, path);
      const apiErr = this.apiError(res, method, path, policy);
      if (res.status === 401 && !policy.login && this.creds.kind === 'ticket' && !relogged) {
        relogged = true;
        this.stats.retries++;
        this.log.debug(`${what}: ticket refused (401), logging in again`);
        await this.creds.refresh(auth.generation, this.ticketPost);
        continue;
      }
      if (policy.idempotent && isTransient(apiErr) && attempt < this.retry.attempts) {
        await this.pause(what, `${res.status} ${res.statusText}`, attempt++, signal);
        continue;
      }
      throw apiErr;
    }
  }

  private async pause(what: string, reason: string, attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.log.debug(`${what}: ${this.redact(reason)}; retry ${attempt}/${this.retry.attempts - 1} in ${delay} ms`);
    this.stats.retries++;
    await sleep(delay, signal);
  }

  private networkFailure(err: SendFailure, what: string): TlsError | ConnectionError {
    if (err.cause instanceof TlsError) return err.cause;
    if (isPlainHttpAnswer(err.cause)) {
      return new ConnectionError(
        `PVE at ${this.hostPort} answered in plain HTTP, not HTTPS (${what}): the PVE API is only served over HTTPS ` +
          '(port 8006) and this action does not speak plain HTTP - check api_host and api_port',
        { cause: err.cause, code: errorCode(err.cause) },
      );
    }
    return connectionError(this.hostPort, what, err.cause, this.timeoutMs);
  }

  private data(res: RawResponse, method: Method, path: string): unknown {
    if (res.body.trim() === '') return null;
    try {
      return (JSON.parse(res.body) as { data?: unknown } | null)?.data ?? null;
    } catch {
      throw new PveApiError({
        status: res.status,
        statusText: res.statusText,
        method,
        path,
        hint: `the answer is not JSON - is ${this.hostPort} the PVE API (api_host, api_port)?`,
      });
    }
  }

  private apiError(res: RawResponse, method: Method, path: string, policy: Policy): PveApiError {
    let body: { message?: unknown; errors?: unknown } | undefined;
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      body = undefined; // PVE's own 401s have an empty body; proxies send HTML
    }
    const message = typeof body?.message === 'string' ? this.redact(body.message.trim()) : '';
    let errors: Record<string, string> | undefined;
    if (body?.errors && typeof body.errors === 'object') {
      errors = {};
      for (const [k, v] of Object.entries(body.errors as Record<string, unknown>)) {
        errors[k] = this.redact(typeof v === 'string' ? v : JSON.stringify(v));
      }
    }
    return new PveApiError({
      status: res.status,
      statusText: this.redact(res.statusText),
      method,
      path,
      pveMessage: message || undefined,
      errors,
      hint: this.hint(res.status, policy, method, path, message),
    });
  }

  private hint(status: number, policy: Policy, method: Method, path: string, message: string): string | undefined {
    const token = this.creds.kind === 'token';
    if (status === 401) {
      if (token) {
        return `authentication failed: check api_token_id and api_token_secret (token ${this.creds.authId}); PVE also answers 401 for an expired token or a disabled user`;
      }
      const otp = this.conn.otp ? ' and api_otp' : '';
      return policy.login
        ? `authentication failed: check api_user and api_password${otp} (user ${this.conn.user})`
        : `authentication failed even after a fresh login: check api_user and api_password (user ${this.conn.user})`;
    }
    if (status === 403) {
      const parts: string[] = [];
      // qemu-server create_vm / clone_vm: VM.Allocate on /vms/<id> failed and so did the pool; PVE names neither.
      if (method === 'POST' && /^\/nodes\/[^/]+\/qemu(\/\d+\/clone)?$/.test(path) && /^Permission check failed$/.test(message))
        parts.push("PVE names no path here: creating or cloning a VM needs VM.Allocate on /vms/<id> or on the pool given in 'pool'");
      if (token)
        parts.push(`API token ${this.creds.authId}: a token with privilege separation has only the privileges granted to both the token and its user`);
      parts.push('docs/permissions.md lists the privileges each feature needs');
      return parts.join('; ');
    }
    return undefined;
  }
}
