// Credentials on the wire: an API token header, or a PVE ticket (cookie + CSRF token on writes) that is obtained
// lazily, renewed before its 2 h lifetime runs out, and obtained afresh when the server refuses it.
import type { Connection } from '../settings.js';
import { PveApiError } from './errors.js';

/** PVE tickets live 2 h; renewing after 1.5 h leaves room for long tasks and clock skew. */
export const TICKET_RENEW_AFTER_MS = 90 * 60 * 1000;

/** Posts form parameters to /access/ticket without credentials and returns the envelope's data. */
export type TicketPost = (params: Record<string, string>) => Promise<unknown>;

export interface AuthHeaders {
  headers: Record<string, string>;
  /** Which ticket these headers carry, so a 401 can tell a stale ticket from a fresh one. */
  generation: number;
}

interface Ticket {
  value: string;
  csrf: string;
  obtainedAt: number;
  generation: number;
}

export interface SavedTicket {
  ticket: string;
  csrf: string;
}

/** A TOTP code as PVE wants it: `totp:<code>`, unless the user already typed it (`recovery:…`, `totp:…`). */
const typedOtp = (otp: string): string => (/^[a-z]+:/.test(otp) ? otp : `totp:${otp}`);

interface TicketAnswer {
  ticket?: string;
  CSRFPreventionToken?: string;
  NeedTFA?: number | boolean;
}

export class Credentials {
  readonly kind: 'token' | 'ticket';
  /** user@realm!tokenid for tokens, user@realm for tickets (for messages; never secret). */
  readonly authId: string;
  private readonly tokenHeader?: string;
  private ticket?: Ticket;
  private generation = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly conn: Connection,
    private readonly secret: (value: string) => void,
    private readonly now: () => number,
  ) {
    if (conn.tokenId && conn.tokenSecret) {
      this.kind = 'token';
      // api_token_id is normally just the token name, but a full `user@realm!name` is accepted too.
      this.authId = conn.tokenId.includes('!') ? conn.tokenId : `${conn.user}!${conn.tokenId}`;
      secret(conn.tokenSecret);
      this.tokenHeader = `PVEAPIToken=${this.authId}=${conn.tokenSecret}`;
    } else {
      this.kind = 'ticket';
      this.authId = conn.user;
      if (conn.password) secret(conn.password);
      if (conn.otp) secret(conn.otp);
    }
  }

  /** Headers for one request; obtains or renews the ticket first when needed. */
  async headersFor(method: string, post: TicketPost): Promise<AuthHeaders> {
    if (this.kind === 'token') return { headers: { authorization: this.tokenHeader! }, generation: 0 };
    await this.ensureTicket(post);
    const t = this.ticket!;
    const headers: Record<string, string> = { cookie: `PVEAuthCookie=${t.value}` };
    // PVE demands the CSRF token on every ticket-authenticated request except GET.
    if (method !== 'GET') headers.csrfpreventiontoken = t.csrf;
    return { headers, generation: t.generation };
  }

  /** Gets a ticket if there is none, renews it when it is old enough. Concurrent callers share one login and its outcome. */
  ensureTicket(post: TicketPost): Promise<void> {
    if (this.kind === 'token') return Promise.resolve();
    if (this.inflight) return this.inflight;
    const t = this.ticket;
    if (t && this.now() - t.obtainedAt < TICKET_RENEW_AFTER_MS) return Promise.resolve();
    return this.run(() => (t ? this.renew(post, t) : this.login(post)));
  }

  /** After a 401 on a request that carried ticket `generation`: log in afresh, unless that already happened. */
  refresh(generation: number, post: TicketPost): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.ticket && this.ticket.generation !== generation) return Promise.resolve();
    this.ticket = undefined;
    return this.run(() => this.login(post));
  }

  private run(work: () => Promise<void>): Promise<void> {
    const p = work().finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  private async renew(post: TicketPost, old: Ticket): Promise<void> {
    try {
      // PVE accepts a valid ticket in place of the password and answers with a new one; no OTP needed.
      this.store(await post({ username: this.conn.user, password: old.value }));
    } catch (err) {
      // An expired ticket cannot renew itself: fall back to the password.
      if (!(err instanceof PveApiError && err.status === 401)) throw err;
      this.ticket = undefined;
      await this.login(post);
    }
  }

  private async login(post: TicketPost): Promise<void> {
    const { user, password, otp } = this.conn;
    if (!password) {
      throw new Error(`no credentials for ${user}: set api_password, or api_token_id with api_token_secret`);
    }
    const params: Record<string, string> = { username: user, password };
    // PVE verifies a second factor sent with the password at once, but only as a typed response ("bad otp
    // response" for a bare code): pve-access-control AccessControl.pm authenticate_2nd_new_do.
    if (otp) params.otp = typedOtp(otp);
    let answer = (await post(params)) as TicketAnswer;
    if (answer?.NeedTFA) {
      // The interim ticket only proves the first factor; it is still a credential.
      if (answer.ticket) this.secret(answer.ticket);
      if (!otp || !answer.ticket) {
        throw new Error(`user ${user} has two-factor authentication enabled: set api_otp, or use an API token`);
      }
      answer = (await post({ username: user, 'tfa-challenge': answer.ticket, password: typedOtp(otp) })) as TicketAnswer;
    }
    this.store(answer);
  }

  /** The current ticket, for a later process of the same job that cannot log in again (a used one-time code). */
  currentTicket(): SavedTicket | undefined {
    return this.ticket && { ticket: this.ticket.value, csrf: this.ticket.csrf };
  }

  /**
   * Starts from a ticket an earlier process obtained. Its age comes from the ticket itself (PVE:<user>:<hex time>),
   * so it is renewed (ticket as password, no second factor) once it is old enough, like one obtained here.
   */
  adopt(saved: SavedTicket): void {
    if (this.kind !== 'ticket') return;
    this.secret(saved.ticket);
    this.secret(saved.csrf);
    const stamp = /^PVE:[^:]+:([0-9A-F]{8})::/.exec(saved.ticket);
    const obtainedAt = stamp ? parseInt(stamp[1], 16) * 1000 : 0;
    this.generation += 1;
    this.ticket = { value: saved.ticket, csrf: saved.csrf, obtainedAt, generation: this.generation };
  }

  private store(answer: unknown): void {
    const a = answer as TicketAnswer | null;
    if (!a?.ticket || !a.CSRFPreventionToken || a.NeedTFA) {
      throw new Error(`PVE login for ${this.conn.user} returned no usable ticket`);
    }
    this.secret(a.ticket);
    this.secret(a.CSRFPreventionToken);
    this.generation += 1;
    this.ticket = { value: a.ticket, csrf: a.CSRFPreventionToken, obtainedAt: this.now(), generation: this.generation };
  }
}
