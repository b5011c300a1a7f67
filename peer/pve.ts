// A minimal PVE API client for arranging the simulator between peer examples (template a VM, start it, ...)
// over HTTPS, the same way a person would with pvesh: ticket login, CSRF header, task waiting.
// The real undici (tsconfig.json maps the bare name to the bundles' lazy stand-in, which has no Agent).
import { Agent, fetch } from 'undici/index.js';

export class PveCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class PveClient {
  private constructor(
    private readonly base: string,
    private readonly agent: Agent,
    private readonly ticket: string,
    private readonly csrf: string,
  ) {}

  /** Logs in with a password; `base` is `https://host:port` (no /api2/json). */
  static async login(base: string, ca: string, username: string, password: string): Promise<PveClient> {
    const agent = new Agent({ connect: { ca, rejectUnauthorized: true } });
    const res = await fetch(`${base}/api2/json/access/ticket`, {
      method: 'POST',
      body: new URLSearchParams({ username, password }),
      dispatcher: agent,
    });
    if (!res.ok) throw new PveCallError(res.status, `login failed: ${res.status} ${res.statusText}`);
    const { data } = (await res.json()) as { data: { ticket: string; CSRFPreventionToken: string } };
    return new PveClient(base, agent, data.ticket, data.CSRFPreventionToken);
  }

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string | number> = {}): Promise<T> {
    const form = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const query = method === 'GET' || method === 'DELETE';
    const url = `${this.base}/api2/json${path}${query && form.size ? `?${form}` : ''}`;
    const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(this.ticket)}` };
    if (method !== 'GET') headers.CSRFPreventionToken = this.csrf;
    const res = await fetch(url, { method, headers, body: query ? undefined : form, dispatcher: this.agent });
    const text = await res.text();
    if (!res.ok) {
      const body = text ? (JSON.parse(text) as { message?: string; errors?: unknown }) : {};
      const errors = body.errors ? ` ${JSON.stringify(body.errors)}` : '';
      throw new PveCallError(res.status, `${method} ${path}: ${res.status} ${res.statusText}${errors}`);
    }
    return (JSON.parse(text) as { data: T }).data;
  }

  /** Polls the task until it stops; throws unless it ended OK (or with warnings). */
  async waitTask(node: string, upid: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.call<{ status: string; exitstatus?: string }>('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
      if (s.status === 'stopped') {
        if (s.exitstatus === 'OK' || s.exitstatus?.startsWith('WARNINGS')) return;
        throw new Error(`task ${upid} failed: ${s.exitstatus}`);
      }
      if (Date.now() > deadline) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Runs an async call (returns a UPID) and waits for its task. */
  async task(method: 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string | number> = {}): Promise<void> {
    const upid = await this.call<string>(method, path, params);
    await this.waitTask(upid.split(':')[1], upid);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
