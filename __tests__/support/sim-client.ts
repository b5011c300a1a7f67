// A tiny raw HTTP(S) client for simulator tests: one request per connection, the simulator's CA trusted, bodies
// returned as received (status line, headers, text, parsed JSON when there is any). No retries, no magic.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';

/** What the client needs from a Simulator (structurally compatible with sim/index.ts's Simulator). */
export interface SimTarget {
  url: string;
  caCert: string;
  credentials?: { user: string; password: string; tokens: { full: { header: string }; readonly: { header: string } } };
}

export interface SimResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed body, or undefined when the body is empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** Ticket auth (CSRF token sent on non-GET when given) or an API token header value. */
export type SimAuth = { ticket: string; csrf?: string } | { token: string };

export type ParamValue = string | number | boolean | Array<string | number | boolean>;

export interface SimRequestOptions {
  auth?: SimAuth;
  /** GET/DELETE: query string; POST/PUT: form body (booleans become 1/0, arrays repeat the key). */
  params?: Record<string, ParamValue | undefined>;
  /** Send this as an application/json body instead of a form. */
  json?: unknown;
  /** Raw body (with `contentType`), for tests of the body rules. */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Send `path` exactly as given (no /api2/json prefix), e.g. `/foo` or `/api2/nope`. */
  rawPath?: boolean;
}

function encodeParams(params: Record<string, ParamValue | undefined>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) out.append(k, typeof item === 'boolean' ? (item ? '1' : '0') : String(item));
  }
  return out.toString();
}

/** Sends one request. `path` is below /api2/json (e.g. `/nodes/pve1/tasks`) unless it starts with `/api2` or rawPath is set. */
export function simRequest(sim: SimTarget, method: string, path: string, opts: SimRequestOptions = {}): Promise<SimResponse> {
  const raw = opts.rawPath || path.startsWith('/api2') ? path : `/api2/json${path}`;
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth;
  if (auth && 'ticket' in auth) {
    headers.Cookie = `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`;
    if (auth.csrf && method !== 'GET') headers.CSRFPreventionToken = auth.csrf;
  } else if (auth) {
    headers.Authorization = auth.token;
  }
  let target = raw;
  let body: string | undefined = opts.body;
  const form = opts.params ? encodeParams(opts.params) : '';
  if (method === 'GET' || method === 'DELETE' || opts.json !== undefined || opts.body !== undefined) {
    if (form) target += (target.includes('?') ? '&' : '?') + form;
  } else if (form) {
    body = form;
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
  }
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] ??= 'application/json';
  }
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));

  const url = new URL(sim.url);
  const isHttps = url.protocol === 'https:';
  const send = isHttps ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers,
        agent: false,
        ...(isHttps ? { ca: sim.caCert } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let buf = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip') buf = gunzipSync(buf);
          const text = buf.toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /access/ticket; throws with the status line when the login fails. */
export async function simLogin(
  sim: SimTarget,
  username = sim.credentials?.user ?? 'root@pam',
  password = sim.credentials?.password ?? '',
): Promise<{ ticket: string; csrf: string; username: string; auth: SimAuth }> {
  const res = await simRequest(sim, 'POST', '/access/ticket', { params: { username, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.statusText}`);
  const { ticket, CSRFPreventionToken: csrf, username: user } = res.json.data;
  return { ticket, csrf, username: user, auth: { ticket, csrf } };
}

/** The simulator's full-privilege (or read-only) API token as SimAuth. */
export function simToken(sim: SimTarget, which: 'full' | 'readonly' = 'full'): SimAuth {
  if (!sim.credentials) throw new Error('simulator credentials missing');
  return { token: sim.credentials.tokens[which].header };
}

/** Polls a task's status until it has stopped (no fixed sleep: a short poll interval, bounded by timeoutMs). */
export async function simWaitTask(
  sim: SimTarget,
  auth: SimAuth,
  upid: string,
  // Only turns a hang into a clear message: far above what the tests' tasks need, even on a loaded machine.
  timeoutMs = 60_000,
): Promise<{ status: string; exitstatus?: string; [k: string]: unknown }> {
  const node = upid.split(':')[1];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await simRequest(sim, 'GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`, { auth });
    if (res.status !== 200) throw new Error(`task status failed: ${res.status} ${res.statusText}`);
    if (res.json.data.status === 'stopped') return res.json.data;
    if (Date.now() > deadline) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
