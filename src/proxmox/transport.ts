// One HTTP exchange through undici's dispatcher, bounded by a whole-request deadline, that records whether the
// request was ever handed to a socket: the only fact that makes re-sending a write safe.
import type { Agent } from 'undici';
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

/** The exchange failed without a response. `requestSent` is false when undici never started writing the request. */
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
 * Sends one request. Rejects with SendFailure on network/TLS/timeout problems and with the signal's reason when
 * the caller aborts. HTTP error statuses resolve normally: interpreting them is the client's job.
 */
export function sendOnce(
  agent: Agent,
  origin: string,
  req: RawRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    let abortDispatch: ((err: Error) => void) | undefined;
    let pendingAbort: Error | undefined;
    let sent = false;
    let settled = false;
    let status = 0;
    let statusText = '';
    const chunks: Buffer[] = [];
    let size = 0;

    // undici hands out the abort function only once the request is about to be written; before that (while
    // connecting) we remember the abort and apply it the moment the request would go out.
    const cancel = (err: Error): void => {
      if (abortDispatch) abortDispatch(err);
      else pendingAbort = err;
    };
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      const reason = abortReason(signal!);
      cancel(reason instanceof Error ? reason : new Error('aborted'));
      settle(() => reject(reason));
    };
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { code: 'TIMEOUT' });
      cancel(err);
      settle(() => reject(new SendFailure(err, sent, true)));
    }, timerMs(timeoutMs));
    signal?.addEventListener('abort', onAbort, { once: true });

    agent.dispatch(
      {
        origin,
        path: req.path,
        method: req.method,
        headers: req.headers,
        body: req.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      {
        onConnect(abort) {
          // undici calls this right before it writes the request: from here on, bytes may have left.
          sent = true;
          abortDispatch = abort;
          if (pendingAbort) abort(pendingAbort);
        },
        onHeaders(statusCode, _rawHeaders, _resume, reason) {
          status = statusCode;
          statusText = reason ?? '';
          return true;
        },
        onData(chunk) {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            const err = Object.assign(
              new Error(`the answer to ${req.method} ${req.path.split('?')[0]} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB: refused (a PVE answer is never that large)`),
              { code: 'BODY_TOO_LARGE' },
            );
            cancel(err);
            settle(() => reject(new SendFailure(err, sent, false)));
            return false;
          }
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          settle(() => resolve({ status, statusText, body: Buffer.concat(chunks).toString('utf8') }));
        },
        onError(err) {
          settle(() => reject(new SendFailure(err, sent, false)));
        },
      },
    );
  });
}
