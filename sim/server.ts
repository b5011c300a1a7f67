// The HTTP(S) front of the simulator, in pveproxy's order: method and transfer checks, /api2/<format> split,
// authentication, body rules, routing, schema validation, handler, and PVE's envelopes, headers and status lines.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ApiResult, PveError, RawResult, paramError, type AuthInfo, type HttpMethod, type Route, type SimContext } from './core.js';
import { AuthRejected, anonymous, isOpenEndpoint, type Authenticator } from './auth.js';
import type { FaultInjector, LatencySpec } from './faults.js';
import { redactParams, type RequestLog, type RequestLogEntry } from './requestlog.js';
import { findEndpoint, validateParams } from './schema/validate.js';

export interface ServerDeps {
  routes: Route[];
  auth: Authenticator;
  faults: FaultInjector;
  log: RequestLog;
  sim: SimContext;
  latency(): LatencySpec | undefined;
  authFailureDelayMs(): number;
}

/** pve-http-server src/PVE/APIServer/AnyEvent.pm $limit_max_post. */
const MAX_BODY = 512 * 1024;
const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** An answer decided before or instead of a handler: status line text, optional body. */
interface Answer {
  status: number;
  reason: string;
  body?: string;
  contentType?: string;
  /** Extra delay (PVE holds 401s back for ~3 s). */
  delayMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** pve-http-server AnyEvent.pm response: the status line keeps the message's first line. Node refuses control and non-latin1 characters in status lines; PVE's first-line rule already drops CR/LF. */
function reasonPhrase(message: string): string {
  const first = message.split(/\r?\n/)[0] ?? '';
  return first.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?') || 'Error';
}

/** pve-http-server AnyEvent.pm decode_urlencoded (via extract_params): `+` is a space, a key given twice becomes an array (which then fails the type check). */
export function decodeUrlencoded(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    const old = out[k];
    out[k] = old === undefined ? v : ([] as unknown[]).concat(old, v);
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// pve-http-server src/PVE/APIServer/Formatter/Standard.pm prepare_response_data: `{data, message, errors}`; extjs moves
// the status into the body and answers 200; the message comes from pve-manager PVE/HTTPServer.pm rest_handler.
function envelope(format: string, status: number, message: string, errors?: Record<string, string>): Answer {
  const msg = message.endsWith('\n') || status === 501 ? message : `${message}\n`;
  if (format === 'extjs') {
    // ExtJS reads `success` instead of HTTP status codes, so errors travel inside a 200.
    const body = { data: null, success: 0, message: msg, status, ...(errors ? { errors } : {}) };
    return { status: 200, reason: 'OK', body: JSON.stringify(body), contentType: 'application/json;charset=UTF-8' };
  }
  const body = { data: null, message: msg, ...(errors ? { errors } : {}) };
  return { status, reason: reasonPhrase(message), body: JSON.stringify(body), contentType: 'application/json;charset=UTF-8' };
}

// pve-http-server Formatter/Standard.pm prepare_response_data: `total`/`changes` result attributes on success only.
function success(format: string, result: unknown): Answer {
  if (result instanceof RawResult) return { status: 200, reason: 'OK', body: result.body, contentType: result.contentType };
  const data = result instanceof ApiResult ? result.data : result;
  const attrs = result instanceof ApiResult ? result.attributes : {};
  const body: Record<string, unknown> = { data: data === undefined ? null : data };
  if (attrs.total !== undefined) body.total = attrs.total;
  if (attrs.changes !== undefined) body.changes = attrs.changes;
  if (format === 'extjs') body.success = 1;
  return { status: 200, reason: 'OK', body: JSON.stringify(body), contentType: 'application/json;charset=UTF-8' };
}

/** An error pveproxy answers with a bare status line (e.g. its forwarding client's 595), no JSON envelope. */
class StatusOnly extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function errorAnswer(format: string, err: unknown): Answer {
  if (err instanceof StatusOnly) return { status: err.status, reason: err.message };
  if (err instanceof PveError) return envelope(format, err.status, err.message, err.errors);
  return envelope(format, 500, err instanceof Error ? err.message : String(err));
}

// pve-http-server src/PVE/APIServer/AnyEvent.pm response: Date/Expires/Cache-Control/Pragma/Server headers, gzip over
// 1024 bytes, keep-alive dropped for codes >= 400.
function send(req: IncomingMessage, res: ServerResponse, a: Answer): void {
  // Early answers (401, 501, ...) leave the body unread; discard it so the client can still read the answer.
  if (!req.complete) req.resume();
  const now = new Date().toUTCString();
  const keepAlive = a.status < 400 && res.shouldKeepAlive;
  res.setHeader('Date', now);
  res.setHeader('Expires', now);
  res.setHeader('Cache-Control', 'max-age=0');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Server', 'pve-api-daemon/3.0');
  res.setHeader('Connection', keepAlive ? 'Keep-Alive' : 'close');
  if (a.body === undefined || a.body === '') {
    // PVE sends no Content-Length and no body at all for these: the client reads to the close.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(a.status, a.reason);
    res.end();
    return;
  }
  let body = Buffer.from(a.body, 'utf8');
  if (body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    body = gzipSync(body);
    res.setHeader('Content-Encoding', 'gzip');
  }
  if (a.contentType) res.setHeader('Content-Type', a.contentType);
  res.setHeader('Content-Length', body.length);
  res.writeHead(a.status, a.reason);
  res.end(body);
}

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = new Map(deps.routes.map((r) => [`${r.method} ${r.template}`, r]));

  return (req, res) => {
    const at = Date.now();
    const entry: RequestLogEntry = { method: req.method ?? '', path: '', params: {}, status: 0, ms: 0, at };
    const done = (status: number): void => {
      entry.status = status;
      entry.ms = Date.now() - at;
      deps.log.add(entry);
    };
    answer(req, entry)
      .then(async (a) => {
        if (a === 'drop') {
          entry.fault = 'drop';
          req.socket.destroy();
          done(0);
          return;
        }
        if (a.delayMs && a.delayMs > 0) await sleep(a.delayMs);
        send(req, res, a);
        done(a.status);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) send(req, res, errorAnswer('json', err));
        done(500);
      });
  };

  async function answer(req: IncomingMessage, entry: RequestLogEntry): Promise<Answer | 'drop'> {
    const method = req.method ?? '';
    // The request target is taken apart by hand: URL() would read `//x/...` as a host name.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const url = { pathname: q < 0 ? target : target.slice(0, q), search: q < 0 ? '' : target.slice(q) };
    entry.path = safeDecode(url.pathname);

    const latency = deps.faults.latency(deps.latency());
    if (latency > 0) await sleep(latency);

    // pve-http-server AnyEvent.pm unshift_read_header / handle_request: the 501s below (texts as pveproxy's).
    if (!KNOWN_METHODS.has(method)) return { status: 501, reason: `method '${method}' not available` };
    const te = req.headers['transfer-encoding'];
    if (te) {
      const reason = te.toLowerCase() === 'chunked' ? 'chunked transfer encoding not supported' : `Unknown transfer encoding '${te}'`;
      return { status: 501, reason };
    }
    if (!url.pathname.startsWith('/api2')) return { status: 501, reason: `no such file '${entry.path}'` };
    const split = /^\/api2\/+([a-z][a-z0-9]+)(\/.*)?$/.exec(url.pathname);
    if (!split) return { status: 501, reason: 'no such uri' };
    const format = split[1];
    const rawRel = split[2] ?? '/';
    const rel = safeDecode(rawRel);
    entry.path = rel;

    const fault = deps.faults.beforeRequest(method, rel);
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === 'drop') return 'drop';
      return fault.jsonBody ? envelope('json', fault.status, fault.message) : { status: fault.status, reason: fault.message };
    }

    // pve-http-server AnyEvent.pm handle_request -> pve-manager PVE/HTTPServer.pm auth_handler; a failure is a 401
    // with the error as status line and no body, delayed 3 s.
    let auth: AuthInfo;
    const credentials = { cookie: req.headers.cookie, authorization: req.headers.authorization };
    try {
      auth = isOpenEndpoint(method, rel)
        ? anonymous(credentials)
        : deps.auth.authenticate({ method, ...credentials, csrf: headerValue(req.headers.csrfpreventiontoken) });
    } catch (err) {
      if (!(err instanceof AuthRejected)) throw err;
      return { status: 401, reason: err.message, delayMs: deps.authFailureDelayMs() - (Date.now() - entry.at) };
    }
    if (auth.authid) entry.authid = auth.authid;
    const huge = deps.faults.current.hugeAnswer;
    if (huge && new RegExp(huge.path).test(rel)) {
      entry.fault = 'huge';
      return { status: 200, reason: 'OK', body: `{"data":"${'x'.repeat(huge.bytes)}"}`, contentType: 'application/json;charset=UTF-8' };
    }

    const length = Number(req.headers['content-length'] ?? 0);
    let bodyParams: Record<string, unknown> = {};
    if (length > 0) {
      if (method !== 'POST' && method !== 'PUT') return { status: 501, reason: `Unexpected content for method '${method}'` };
      if (length > MAX_BODY) return { status: 501, reason: 'for data too large' };
      const ctype = req.headers['content-type'];
      const ct = ctype?.split(/\s*[;,]\s*/)[0]?.toLowerCase();
      if (ct && ct !== 'application/x-www-form-urlencoded' && ct !== 'application/json') {
        return { status: 506, reason: `upload 'Content-Type '${ctype}' not implemented` };
      }
      const text = await readBody(req);
      if (ct === 'application/json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return { status: 501, reason: 'malformed JSON string' };
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { status: 501, reason: 'Not a HASH reference' };
        bodyParams = parsed as Record<string, unknown>;
      } else {
        bodyParams = decodeUrlencoded(text);
      }
    }
    const params = { ...bodyParams, ...decodeUrlencoded(url.search.slice(1)) };
    delete params._dc;
    entry.params = redactParams(params);

    if (format !== 'json' && format !== 'extjs') return { status: 501, reason: `no formatter for uri ${rel}, ${format}` };
    await deps.faults.lineUp(method, rel);
    try {
      return success(format, await dispatch(method as HttpMethod, rawRel, rel, params, auth));
    } catch (err) {
      const a = errorAnswer(format, err);
      // Unauthorized answers are held back like pveproxy does (AnyEvent.pm handle_api2_request: `$delay = 3 - ...`) (failed logins).
      if (a.status === 401 || (err instanceof PveError && err.status === 401)) {
        a.delayMs = deps.authFailureDelayMs() - (Date.now() - entry.at);
      }
      return a;
    }
  }

  async function dispatch(
    method: HttpMethod,
    rawRel: string,
    rel: string,
    params: Record<string, unknown>,
    auth: AuthInfo,
  ): Promise<unknown> {
    // pve-manager PVE/HTTPServer.pm rest_handler: the default answer is 501 `Method '$method $rel_uri' not implemented`.
    const notImplemented = new PveError(501, `Method '${method} ${rel}' not implemented`);
    const match = findEndpoint(method, rawRel);
    if (!match || 'methodMissing' in match) throw notImplemented;
    const route = routes.get(`${method} ${match.template}`);
    if (!route) throw notImplemented;
    const { pathParams, schema } = match;

    // pve-manager PVE/HTTPServer.pm rest_handler: URI parameters win, a conflicting body value is a param exception.
    const conflicts: Record<string, string> = {};
    for (const [k, v] of Object.entries(pathParams)) {
      if (params[k] !== undefined && String(params[k]) !== v) {
        conflicts[k] = 'duplicate parameter (already defined in URI) with conflicting values!';
      }
    }
    if (Object.keys(conflicts).length) throw paramError(conflicts);

    if (auth.kind === 'token' && schema.allowtoken === 0) {
      // pve-manager PVE/HTTPServer.pm rest_handler (`$auth->{api_token} && !$info->{allowtoken}`); raise_perm_exc wraps a message that already ends in a newline, hence the line break before ')'.
      throw new PveError(403, `Permission check failed (URI '${rel}' not available with API token, need proper ticket.\n)`);
    }

    // pve-manager PVE/HTTPServer.pm rest_handler: `$rpcenv->check_api2_permissions($info->{permissions}, ...)` with
    // the URI and request parameters, before proxying to the node and before the schema validation (sim/acl.ts).
    if (auth.authid) {
      deps.sim.acl.checkApi2(schema.permissions as { user?: string; check?: unknown[] } | undefined, auth.authid, { ...params, ...pathParams });
    }

    const node = pathParams.node;
    if (node !== undefined && match.template.startsWith('/nodes/{node}')) {
      const info = deps.sim.state.nodes.get(node);
      if (!info) throw new PveError(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
      // pveproxy cannot reach a powered-off node: AnyEvent::HTTP's connect error.
      if (!info.online) throw new StatusOnly(595, 'No route to host');
    }

    // pve-common src/PVE/RESTHandler.pm handle -> PVE::JSONSchema::validate (see schema/validate.ts).
    const errors = validateParams(schema, { ...params, ...pathParams });
    if (errors) throw paramError(errors);

    const handlerParams = { ...params };
    for (const k of Object.keys(pathParams)) delete handlerParams[k];
    return route.handler({ method, path: rel, template: match.template, pathParams, params: handlerParams, auth, sim: deps.sim });
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
