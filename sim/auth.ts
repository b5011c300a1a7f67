// Authentication as pveproxy does it: signed tickets + CSRF tokens (POST /access/ticket), API tokens, PVE's exact
// 401/403 texts; who may do what on which path is sim/acl.ts.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ALL_PRIVILEGES, READONLY_PRIVILEGES, normalizePath, type AccessControl } from './acl.js';
import { PveError, type AuthInfo } from './core.js';

export { ALL_PRIVILEGES, READONLY_PRIVILEGES } from './acl.js';

export type PrivSpec = 'all' | 'readonly' | string[];

export function privilegesOf(spec: PrivSpec | undefined): Set<string> {
  if (spec === undefined || spec === 'all') return new Set(ALL_PRIVILEGES);
  if (spec === 'readonly') return new Set(READONLY_PRIVILEGES);
  return new Set(spec);
}

export interface UserOption {
  userid: string;
  password: string;
  /**
   * Simulator shorthand for a role with these privileges on `/` (propagating). Default 'all', except for a user
   * that `SimulatorOptions.acl` names: that user holds exactly what its ACL entries give.
   */
  privs?: PrivSpec;
  /**
   * Two-factor auth with TOTP: the codes the user's authenticator will show. Each is accepted once: proxmox-tfa
   * remembers the last TOTP step used and refuses a replay, so a code that logged in once never does again.
   */
  totp?: string[];
}

export interface TokenOption {
  userid: string;
  tokenid: string;
  secret?: string;
  /** Shorthand for a role on `/` as for users (default 'all' unless `SimulatorOptions.acl` names the token). */
  privs?: PrivSpec;
  /** `pveum user token add --privsep` (default true: the token holds its own ACLs intersected with its user's). */
  privsep?: boolean;
}

/**
 * A 401 produced outside the API handler: status line only, empty body (pveproxy's auth_handler failures).
 * pve-http-server src/PVE/APIServer/AnyEvent.pm handle_request: `HTTP::Response->new(HTTP_UNAUTHORIZED, $err)`.
 */
export class AuthRejected extends Error {}

/** Endpoints pveproxy serves without authentication (pve-manager PVE/HTTPServer.pm auth_handler's explicit list). */
export function isOpenEndpoint(method: string, relUri: string): boolean {
  if (relUri === '/access/ticket') return method === 'GET' || method === 'POST';
  if (relUri === '/access/domains') return method === 'GET';
  if (relUri === '/access/vncticket') return method === 'POST';
  return (relUri === '/access/openid/login' || relUri === '/access/openid/auth-url') && method === 'POST';
}

/** pve-access-control src/PVE/AccessControl.pm $auth_graceperiod (get_ticket_age_range): a ticket may be up to 5 min "from the future" (clock skew between nodes). */
const CLOCK_SKEW_SEC = 300;

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
const nowSec = (): number => Math.floor(Date.now() / 1000);

/** pve-http-server src/PVE/APIServer/Formatter.pm extract_auth_value: `<name>=<value>` (or `<name> <value>`) inside a Cookie/Authorization header, URI-unescaped. */
export function extractAuthValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|[\\s;])${name}(?:=|\\s)([^;]*)`).exec(header);
  if (!m || m[1] === '') return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface TokenCredential {
  user: string;
  tokenid: string;
  secret: string;
  /** The full Authorization header value. */
  header: string;
}

export class Authenticator {
  /** Seconds a ticket (and CSRF token) stays valid (PVE: AccessControl.pm $ticket_lifetime, 2 h); changeable at run time. */
  lifetimeSec: number;
  private readonly ticketKey = randomBytes(32);
  private readonly csrfKey = randomBytes(32);
  private readonly users = new Map<string, { password: string; totp?: Set<string> }>();
  private readonly tokens = new Map<string, { secret: string }>();

  /**
   * `named`: the user/token ids the simulator's ACL options name; others get their `privs` shorthand (default
   * 'all') as a role on `/`.
   */
  constructor(users: UserOption[], tokens: TokenOption[], lifetimeSec: number, readonly acl: AccessControl, named: ReadonlySet<string> = new Set()) {
    this.lifetimeSec = lifetimeSec;
    const shorthand = (ugid: string, kind: 'user' | 'token', spec: PrivSpec | undefined): void => {
      if (spec === undefined && named.has(ugid)) return;
      const roleid = spec === undefined || spec === 'all' ? 'Administrator' : spec === 'readonly' ? 'sim-readonly' : `sim-privs-${ugid}`;
      if (roleid === 'sim-readonly') acl.addRole(roleid, READONLY_PRIVILEGES);
      else if (roleid !== 'Administrator') acl.addRole(roleid, privilegesOf(spec));
      acl.addAcl({ path: '/', ugid, kind, roleid, propagate: true });
    };
    for (const u of users) {
      this.users.set(u.userid, { password: u.password, totp: u.totp && new Set(u.totp) });
      if (u.userid !== 'root@pam') shorthand(u.userid, 'user', u.privs);
    }
    for (const t of tokens) this.addToken(t, named);
  }

  /** `pveum user token add <userid> <tokenid> [--privsep 0|1]` (plus the simulator's `privs` shorthand). */
  addToken(t: TokenOption, named: ReadonlySet<string> = new Set([`${t.userid}!${t.tokenid}`])): TokenCredential {
    const authid = `${t.userid}!${t.tokenid}`;
    this.tokens.set(authid, { secret: t.secret ?? randomUUID() });
    this.acl.tokens.set(authid, { privsep: t.privsep ?? true });
    if (t.privs !== undefined || !named.has(authid)) {
      const spec = t.privs;
      const roleid = spec === undefined || spec === 'all' ? 'Administrator' : spec === 'readonly' ? 'sim-readonly' : `sim-privs-${authid}`;
      if (roleid === 'sim-readonly') this.acl.addRole(roleid, READONLY_PRIVILEGES);
      else if (roleid !== 'Administrator') this.acl.addRole(roleid, privilegesOf(spec));
      this.acl.addAcl({ path: '/', ugid: authid, kind: 'token', roleid, propagate: true });
    }
    return this.tokenCredential(t.userid, t.tokenid);
  }

  /** `pveum user add <userid> --password <pw>` (no privileges until an ACL names the user). */
  addUser(userid: string, password: string): void {
    this.users.set(userid, { password });
  }

  tokenCredential(userid: string, tokenid: string): TokenCredential {
    const secret = this.tokens.get(`${userid}!${tokenid}`)?.secret ?? '';
    return { user: userid, tokenid, secret, header: `PVEAPIToken=${userid}!${tokenid}=${secret}` };
  }

  private sign(plain: string): string {
    return createHmac('sha256', this.ticketKey).update(plain).digest('base64');
  }

  private fresh(stamp: number): boolean {
    const age = nowSec() - stamp;
    return age >= -CLOCK_SKEW_SEC && age <= this.lifetimeSec;
  }

  // pve-access-control src/PVE/AccessControl.pm assemble_ticket -> pve-common src/PVE/Ticket.pm assemble_rsa_ticket:
  // `PVE:<uri_escape(user, ':')>:<%08X time>::<base64 sig>` (PVE signs with RSA; the simulator with an HMAC).
  createTicket(userid: string): string {
    const plain = `PVE:${userid.replace(/:/g, '%3A')}:${hex8(nowSec())}`;
    return `${plain}::${this.sign(plain)}`;
  }

  /** AccessControl.pm verify_ticket -> Ticket.pm verify_rsa_ticket: the ticket's userid when the signature and the age are fine. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^(PVE:([^:\s]+):([0-9A-F]{8}))::(\S+)$/.exec(ticket);
    if (!m || !safeEqual(this.sign(m[1]), m[4]) || !this.fresh(parseInt(m[3], 16))) return undefined;
    const userid = m[2].replace(/%3A/gi, ':');
    return this.users.has(userid) ? userid : undefined;
  }

  // pve-access-control AccessControl.pm assemble_csrf_prevention_token -> pve-common src/PVE/Ticket.pm
  // assemble_csrf_prevention_token: `<%08X time>:<hmac_sha256_base64("$timestamp:$username")>` (no `=` padding).
  createCsrfToken(userid: string): string {
    const stamp = hex8(nowSec());
    const mac = createHmac('sha256', this.csrfKey).update(`${stamp}:${userid}`).digest('base64').replace(/=+$/, '');
    return `${stamp}:${mac}`;
  }

  // pve-common src/PVE/Ticket.pm verify_csrf_prevention_token (AccessControl.pm passes -$auth_graceperiod, $ticket_lifetime).
  verifyCsrfToken(userid: string, token: string | undefined): boolean {
    const m = token ? /^([0-9A-F]{8}):(\S+)$/.exec(token) : null;
    if (!m) return false;
    const mac = createHmac('sha256', this.csrfKey).update(`${m[1]}:${userid}`).digest('base64').replace(/=+$/, '');
    return safeEqual(mac, m[2]) && this.fresh(parseInt(m[1], 16));
  }

  private userInfo(userid: string): AuthInfo {
    return { kind: 'ticket', userid, authid: userid };
  }

  private verifyToken(value: string): AuthInfo | undefined {
    // pve-access-control src/PVE/AccessControl.pm verify_token (`/^(.*)=(.*)$/`) splits on the last '=': token ids cannot contain '=', UUID secrets cannot either.
    const eq = value.lastIndexOf('=');
    if (eq < 0) return undefined;
    const authid = value.slice(0, eq);
    const secret = value.slice(eq + 1);
    const bang = authid.indexOf('!');
    if (bang < 0) return undefined;
    const userid = authid.slice(0, bang);
    const tokenid = authid.slice(bang + 1);
    const token = this.tokens.get(authid);
    const user = this.users.get(userid);
    if (!token || !user || !safeEqual(token.secret, secret)) return undefined;
    // What the token may do is sim/acl.ts's (privsep: the intersection with its user's privileges).
    return { kind: 'token', userid, tokenid, authid };
  }

  /**
   * pve-manager PVE/HTTPServer.pm auth_handler (texts `No ticket`, `Authentication failed!`, CSRF check for non-GET
   * without a token) and pve-http-server AnyEvent.pm handle_request (ticket source order): resolves the caller of a non-open endpoint or throws AuthRejected with PVE's status-line text.
   * A ticket (cookie first, then `Authorization: PVEAuthCookie=`) takes precedence over an API token.
   */
  authenticate(req: { method: string; cookie?: string; authorization?: string; csrf?: string }): AuthInfo {
    const ticket =
      extractAuthValue(req.cookie, 'PVEAuthCookie') ?? extractAuthValue(req.authorization, 'PVEAuthCookie');
    if (ticket === undefined) {
      const token = extractAuthValue(req.authorization, 'PVEAPIToken');
      if (token === undefined) throw new AuthRejected('No ticket');
      const auth = this.verifyToken(token.trim());
      if (!auth) throw new AuthRejected('Authentication failed!');
      return auth;
    }
    const userid = this.verifyTicket(ticket);
    if (!userid) throw new AuthRejected('Authentication failed!');
    if (req.method !== 'GET' && !this.verifyCsrfToken(userid, req.csrf)) {
      throw new AuthRejected('Permission denied - invalid csrf token');
    }
    return this.userInfo(userid);
  }

  /** The `!tfa!` ticket of a first factor that still needs its second (assemble_ticket with the user as aad). */
  private tfaTicket(userid: string): string {
    const plain = `PVE:!tfa!${Buffer.from(JSON.stringify({ totp: true })).toString('base64url')}:${hex8(nowSec())}`;
    return `${plain}::${createHmac('sha256', this.ticketKey).update(`${plain}:${userid}`).digest('base64')}`;
  }

  private verifyTfaTicket(ticket: string, userid: string): boolean {
    const m = /^(PVE:!tfa![A-Za-z0-9_-]+:([0-9A-F]{8}))::(\S+)$/.exec(ticket);
    if (!m) return false;
    const mac = createHmac('sha256', this.ticketKey).update(`${m[1]}:${userid}`).digest('base64');
    return safeEqual(mac, m[3]) && this.fresh(parseInt(m[2], 16));
  }

  /**
   * The second factor (pve-access-control AccessControl.pm authenticate_2nd_new_do): a typed response
   * `totp:<code>` ("bad otp response" otherwise), verified by proxmox-tfa, each code once.
   */
  private secondFactor(user: { totp?: Set<string> }, response: string): boolean {
    const m = /^totp:(\d{6})$/.exec(response);
    if (!m || !user.totp?.has(m[1])) return false;
    user.totp.delete(m[1]);
    return true;
  }

  /**
   * POST /access/ticket (API2/AccessControl.pm create_ticket_do). Every failure is the same JSON 401
   * `authentication failure` (no user enumeration). A valid ticket of the same user renews without a second factor;
   * a TOTP user's password alone gets `NeedTFA: 1` and a `!tfa!` ticket to answer with `tfa-challenge`.
   */
  login(params: Record<string, unknown>, clusterName: string): Record<string, unknown> {
    const fail = (): PveError => new PveError(401, 'authentication failure');
    let username = String(params.username ?? '');
    if (params.realm !== undefined) username += `@${String(params.realm)}`;
    const password = String(params.password ?? '');
    const user = this.users.get(username);
    if (!user) throw fail();
    const challenge = params['tfa-challenge'];
    if (challenge !== undefined) {
      if (params.otp !== undefined) throw fail(); // "TFA response should be in 'password', not 'otp'"
      if (!this.verifyTfaTicket(String(challenge), username) || !this.secondFactor(user, password)) throw fail();
      return this.fullTicket(username, clusterName);
    }
    const byTicket = password.startsWith('PVE:') && this.verifyTicket(password) === username;
    if (!byTicket && !safeEqual(user.password, password)) throw fail();
    if (!byTicket && user.totp && params.path === undefined) {
      if (params.otp !== undefined) {
        if (!this.secondFactor(user, String(params.otp))) throw fail();
      } else {
        return { username, ticket: this.tfaTicket(username), CSRFPreventionToken: this.createCsrfToken(username), NeedTFA: 1 };
      }
    }
    if (params.path !== undefined && params.privs !== undefined) {
      // Verify-only mode: the caller asks whether the (ticket) user holds privs on path.
      const wanted = String(params.privs).split(/[,;\s]+/).filter(Boolean);
      // API2/AccessControl.pm verify_auth: normalize_path, then `$rpcenv->check($username, $path, $privlist, 1)`.
      const path = normalizePath(String(params.path));
      if (!path || !this.acl.check(username, path, wanted, true)) throw fail();
      return { username };
    }
    return this.fullTicket(username, clusterName);
  }

  private fullTicket(username: string, clusterName: string): Record<string, unknown> {
    const data: Record<string, unknown> = {
      username,
      ticket: this.createTicket(username),
      CSRFPreventionToken: this.createCsrfToken(username),
      cap: this.acl.capabilities(username),
    };
    // pve-access-control src/PVE/API2/AccessControl.pm create_ticket: clustername only with Sys.Audit on /.
    if (this.acl.has(username, '/', 'Sys.Audit')) data.clustername = clusterName;
    return data;
  }
}

/**
 * The caller of an endpoint that needs no login: no user, but PVE still remembers whether an API token header came
 * along (no ticket), which endpoints with allowtoken=0 (POST /access/ticket) then refuse.
 */
export function anonymous(req: { cookie?: string; authorization?: string }): AuthInfo {
  const ticket = extractAuthValue(req.cookie, 'PVEAuthCookie') ?? extractAuthValue(req.authorization, 'PVEAuthCookie');
  const token = ticket === undefined && extractAuthValue(req.authorization, 'PVEAPIToken') !== undefined;
  return { kind: token ? 'token' : 'ticket', userid: '', authid: '' };
}

