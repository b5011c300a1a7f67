// PVE's authentication layer in miniature for the client tests: /access/ticket (password or ticket renewal),
// cookie tickets with CSRF on writes, API tokens, and PVE's empty-body 401s.
import { randomBytes } from 'node:crypto';
import { bare, ok, pveError, type StubHandler, type StubReply, type StubRequest } from './stub.js';

export const USER = 'root@pam';
export const PASSWORD = 'pw-Very-S3cret';
export const TOKEN = { user: 'root@pam', tokenid: 'ci', secret: '6f1c3a52-1d1e-4c43-9b7f-0c2d0f7a9e11' };

export class FakeAuth {
  /** Tickets currently accepted, with their CSRF token. */
  readonly tickets = new Map<string, string>();
  /** Every /access/ticket request. */
  readonly logins: StubRequest[] = [];
  /** Every ticket and CSRF token handed out (to assert they never leak). */
  readonly issued: string[] = [];
  otp?: string;

  /** Forget every ticket, as if they had all expired. */
  expireAll(): void {
    this.tickets.clear();
  }

  /** Wraps the routes behind PVE-style authentication. */
  wrap(routes: StubHandler): StubHandler {
    return (req) => {
      if (req.path === '/access/ticket' && req.method === 'POST') return this.login(req);
      const refusal = this.check(req);
      return refusal ?? routes(req);
    };
  }

  private login(req: StubRequest): StubReply {
    this.logins.push(req);
    const username = req.form.get('username');
    const password = req.form.get('password') ?? '';
    const viaPassword = password === PASSWORD && (!this.otp || req.form.get('otp') === this.otp);
    if (username !== USER || !(viaPassword || this.tickets.has(password))) {
      return pveError(401, 'authentication failure');
    }
    const stamp = Math.floor(Date.now() / 1000).toString(16).toUpperCase();
    const ticket = `PVE:${USER}:${stamp}::${randomBytes(24).toString('base64')}`;
    const csrf = `${stamp}:${randomBytes(16).toString('base64').replace(/=+$/, '')}`;
    this.tickets.set(ticket, csrf);
    this.issued.push(ticket, csrf);
    return ok({ username: USER, ticket, CSRFPreventionToken: csrf, cap: { vms: { 'VM.Allocate': 1 } } });
  }

  private check(req: StubRequest): StubReply | undefined {
    const auth = req.headers.authorization;
    const cookie = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie !== undefined) {
      const csrf = this.tickets.get(decodeURIComponent(cookie));
      if (csrf === undefined) return bare(401, 'Authentication failed!');
      if (req.method !== 'GET' && req.headers.csrfpreventiontoken !== csrf) {
        return bare(401, 'Permission denied - invalid csrf token');
      }
      return undefined;
    }
    if (auth !== undefined) {
      const expected = `PVEAPIToken=${TOKEN.user}!${TOKEN.tokenid}=${TOKEN.secret}`;
      return auth === expected ? undefined : bare(401, 'Authentication failed!');
    }
    return bare(401, 'No ticket');
  }
}
