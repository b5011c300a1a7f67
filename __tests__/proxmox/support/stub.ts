// A tiny scripted HTTPS server speaking PVE's envelope, for the client tests: each test supplies a handler, the
// stub records every request (and TLS handshakes, connections) so tests can assert what reached the wire.
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { Connection } from '../../../src/settings.js';
import type { Issued } from './certs.js';

export interface StubRequest {
  method: string;
  /** Path below /api2/json, without the query string. */
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  body: string;
  headers: IncomingHttpHeaders;
  at: number;
  /** Which connection carried it (1, 2, ...: the n-th TLS handshake, or TCP connection over plain HTTP). */
  connection: number;
}

export type StubReply = { status?: number; reason?: string; json?: unknown; raw?: string } | { drop: true };
export type StubHandler = (req: StubRequest) => StubReply | Promise<StubReply>;

/** `{"data": ...}` with 200. */
export const ok = (data: unknown, extra: Record<string, unknown> = {}): StubReply => ({ status: 200, json: { data, ...extra } });

/** PVE's error envelope: reason phrase = first line of the message, body message with trailing newline. */
export function pveError(status: number, message: string, errors?: Record<string, string>): StubReply {
  return { status, reason: message.split('\n')[0], json: { data: null, message: `${message}\n`, ...(errors ? { errors } : {}) } };
}

/** A status line and nothing else, as PVE's auth layer answers 401s. */
export const bare = (status: number, reason: string): StubReply => ({ status, reason, raw: '' });

export interface Stub {
  host: string;
  port: number;
  requests: StubRequest[];
  /** TLS handshakes the server completed. */
  handshakes: number;
  connections: number;
  closedConnections: number;
  handler: StubHandler;
  /** Resolves once `check` holds; re-checked on every request and connection event. */
  waitFor(check: () => boolean): Promise<void>;
  close(): Promise<void>;
}

export interface StubOptions {
  /** Certificate to serve; omit for a plain-HTTP server. */
  tls?: Issued;
  handler?: StubHandler;
  /** Server-side idle keep-alive timeout (PVE: 5 s). */
  keepAliveTimeoutMs?: number;
}

export async function startStub(opts: StubOptions): Promise<Stub> {
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://stub');
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: StubRequest = {
        method: req.method ?? '',
        path: url.pathname.replace(/^\/api2\/json/, ''),
        query: url.searchParams,
        form: new URLSearchParams(body),
        body,
        headers: req.headers,
        at: Date.now(),
        connection: socketIds.get(req.socket) ?? 0,
      };
      stub.requests.push(recorded);
      events.emit('change');
      Promise.resolve()
        .then(() => stub.handler(recorded))
        .then((reply) => respond(req, res, reply))
        .catch((err: unknown) => respond(req, res, pveError(500, `stub handler failed: ${String(err)}`)));
    });
  };

  const server = opts.tls ? createHttpsServer({ key: opts.tls.keyPem, cert: opts.tls.certPem }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 5000;
  server.on('connection', (socket: Socket) => {
    stub.connections += 1;
    socketIds.set(socket, stub.connections);
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      stub.closedConnections += 1;
      events.emit('change');
    });
    events.emit('change');
  });
  server.on('secureConnection', (tlsSocket) => {
    stub.handshakes += 1;
    // Requests arrive on the TLS socket: over HTTPS, connection n is the n-th handshake.
    socketIds.set(tlsSocket as unknown as Socket, stub.handshakes);
    events.emit('change');
  });
  // Handshake failures are expected in the TLS tests; without a listener they would be logged.
  server.on('tlsClientError', () => events.emit('change'));

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub: Stub = {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    requests: [],
    handshakes: 0,
    connections: 0,
    closedConnections: 0,
    handler: opts.handler ?? (() => pveError(501, 'no handler')),
    waitFor(check) {
      return new Promise((resolve) => {
        if (check()) return resolve();
        const onChange = (): void => {
          if (!check()) return;
          events.off('change', onChange);
          resolve();
        };
        events.on('change', onChange);
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return stub;
}

function respond(req: IncomingMessage, res: ServerResponse, reply: StubReply): void {
  if ('drop' in reply) {
    req.socket.destroy();
    return;
  }
  const status = reply.status ?? 200;
  const text = reply.raw ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8', server: 'pve-api-daemon/3.0' };
  // PVE closes the connection after any error status.
  if (status >= 400) headers.connection = 'close';
  res.writeHead(status, reply.reason ?? STATUS_CODES[status] ?? '', headers);
  res.end(text);
}

/** A Connection aimed at the stub; TLS verification off unless the test says otherwise. */
export function connectionTo(stub: Stub, over: Partial<Connection> = {}): Connection {
  return {
    host: stub.host,
    port: stub.port,
    user: 'root@pam',
    password: 'pw-Very-S3cret',
    validateCerts: false,
    apiTimeoutMs: 5000,
    ...over,
  };
}

/**
 * A TCP forwarder to `port` that closes the first `drop` connections as soon as they are accepted: a connection
 * that dies before the client could send anything.
 */
export async function droppingProxy(port: number, drop: number): Promise<{ port: number; accepted: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy = { port: 0, accepted: 0, close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
  const server = createNetServer((client) => {
    proxy.accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (proxy.accepted <= drop) {
      client.destroy();
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
