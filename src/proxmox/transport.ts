// One HTTP exchange over Node's own HTTPS client (node:https: its HTTP parser is llhttp compiled into the binary),
// bounded by a whole-request deadline, recording whether the request was ever handed to a socket: the only fact
// that makes re-sending a write safe.
//
// Why not undici here: its Agent parses HTTP with llhttp compiled to WebAssembly at the first connection, and its
// dispatcher tree (h1 + h2 clients, pools) is ~750 KB of JavaScript to load. On Node 24 that was ~20 ms of start-up
// and ~25 MB of a step's peak memory, for a few dozen small JSON answers per step (BENCHMARKS.md). undici stays the
// HTTP stack of @actions/http-client and fetch (GitHub API calls), which load it only when they are used.
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import { abortReason, timerMs } from './abort.js';

/**
 * The largest answer the client reads. PVE's biggest (a whole cluster's /cluster/resources, a long task log page)
 * stay far below it; a broken or hostile server could otherwise make the step buffer until the runner runs out of
 * memory.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with query string, e.g. /api2/json/nodes?type=vm */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  status: number;
  statusText: string;
  body: string;
}

/** The exchange failed without a response. `requestSent` is false when no socket ever took the request. */
export class SendFailure extends Error {
  override name = 'SendFailure';
  constructor(
    override readonly cause: unknown,
    readonly requestSent: boolean,
    readonly timedOut: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Decides whether a freshly handshaken TLS socket may carry requests: undefined to accept it, or the error to fail
 * the request with (tls.ts). It runs before any byte of a request is written.
 */
export type TlsCheck = (socket: TLSSocket, host: string, port: number) => Error | undefined;

export interface PveAgentOptions {
  host: string;
  port: number;
  /** undefined: Node's default context (its CA bundle). */
  secureContext?: SecureContext;
  check: TlsCheck;
  connectTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this long. */
  idleMs: number;
}

/**
 * Keep-alive HTTPS connections to one PVE host. A new connection is handed to a request only after its handshake
 * and the TLS policy's check (Node's Agent accepts a createConnection that calls back later), so nothing is sent to
 * a server we have not accepted, and a request that gets a socket is a request that may have left.
 */
export class PveAgent extends HttpsAgent {
  readonly host: string;
  readonly port: number;
  private readonly o: PveAgentOptions;

  constructor(o: PveAgentOptions) {
    // timeout: applies to idle (free) sockets, which the Agent destroys when it fires; a request's own deadline is
    // sendOnce's timer.
    super({ keepAlive: true, timeout: o.idleMs, scheduling: 'lifo' });
    this.o = o;
    this.host = o.host;
    this.port = o.port;
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const { host, port, secureContext, check, connectTimeoutMs } = this.o;
    // Node's Agent (lib/_http_agent.js createSocket) takes the socket from this callback when none is returned.
    const done = once(callback ?? (() => {}));
    const socket = tlsConnect({
      host,
      port,
      // SNI only for names (an IP address is not a valid server name).
      servername: isIP(host) ? undefined : host,
      // Node must not abort the handshake itself: we want the peer certificate for the message, and a pin replaces
      // chain verification entirely. `check` decides, before a request may be written.
      rejectUnauthorized: false,
      secureContext,
      // No session resumption: a resumed session skips the identity check; a full handshake keeps the policy exact.
      session: undefined,
    });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
    }, timerMs(connectTimeoutMs));
    const onError = (err: Error): void => {
      clearTimeout(timer);
      done(err, undefined as unknown as Duplex);
    };
    const onSecure = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      const refusal = check(socket, host, port);
      if (refusal) {
        socket.destroy();
        done(refusal, undefined as unknown as Duplex);
        return;
      }
      done(null, socket);
    };
    socket.once('error', onError);
    socket.once('secureConnect', onSecure);
    return undefined;
  }
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

/**
 * Sends one request. Rejects with SendFailure on network/TLS/timeout problems and with the signal's reason when
 * the caller aborts. HTTP error statuses resolve normally: interpreting them is the client's job.
 */
export function sendOnce(agent: PveAgent, req: RawRequest, timeoutMs: number, signal?: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    let sent = false;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;

    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = httpsRequest({ agent, host: agent.host, port: agent.port, method: req.method, path: req.path, headers });

    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (err: Error, timedOut = false): void => {
      settle(() => reject(new SendFailure(err, sent, timedOut)));
      r.destroy();
    };
    const onAbort = (): void => {
      const reason = abortReason(signal!);
      settle(() => reject(reason));
      r.destroy();
    };
    const timer = setTimeout(() => {
      fail(Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { code: 'TIMEOUT' }), true);
    }, timerMs(timeoutMs));
    signal?.addEventListener('abort', onAbort, { once: true });

    // The Agent hands a socket over only once it is connected and accepted (PveAgent): from here on, bytes may
    // have left. An idle keep-alive socket the server closed meanwhile also counts as sent: a write is never
    // re-sent unless it provably never left.
    r.once('socket', () => {
      sent = true;
    });
    r.on('error', (err) => fail(err));
    r.on('response', (res) => {
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          fail(
            Object.assign(
              new Error(`the answer to ${req.method} ${req.path.split('?')[0]} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB: refused (a PVE answer is never that large)`),
              { code: 'BODY_TOO_LARGE' },
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        settle(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
      });
      res.on('aborted', () => fail(Object.assign(new Error('the server closed the connection in the middle of the answer'), { code: 'ECONNRESET' })));
      res.on('error', (err) => fail(err));
    });
    r.end(req.body);
  });
}
