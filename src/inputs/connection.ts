// Connection inputs → Settings.connection: host/port forms, user and token forms, TLS trust (CA file or PEM, pin).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { param } from '../catalogue/index.js';
import type { Connection } from '../settings.js';
import { isHostName, normaliseFingerprint, parseTokenId } from './checks.js';
import { inputError, quote, type InputError } from './errors.js';
import { defaultValue } from './values.js';

/** Connection inputs after env fallback and parsing (undefined = not given). */
export interface ConnectionInputs {
  api_host?: string;
  api_port?: number;
  api_user?: string;
  api_password?: string;
  api_otp?: string;
  api_token_id?: string;
  api_token_secret?: string;
  api_timeout: number;
  validate_certs: boolean;
  ca_path?: string;
  tls_fingerprint?: string;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, bare `v6`, each optionally behind `https://` and before a `/`. */
export function parseHost(raw: string): { host: string; port?: number } | string {
  let v = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'https') return 'the API is only served over https';
    v = v.slice(scheme[0].length);
  }
  v = v.replace(/\/+$/, '');
  if (v.includes('/')) return 'must be a host name or address, without a path';
  let host = v;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracketed) {
    if (isIP(bracketed[1]) !== 6) return 'brackets must enclose an IPv6 address';
    host = bracketed[1];
    portText = bracketed[2];
  } else if (isIP(v) === 6) {
    host = v;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(v);
    if (m) [, host, portText] = m;
    else if (v.includes(':')) return 'must be host, host:port, or [IPv6]:port';
  }
  if (!isHostName(host)) return 'must be a host name or an IP address';
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (port < 1 || port > 65535) return 'has a port outside 1-65535';
  return { host, port };
}

/** A CA bundle is a few KiB; anything this large is not one. */
export const MAX_CA_BYTES = 1024 * 1024;

/**
 * Reads a CA file that is a regular file of at most MAX_CA_BYTES. Opened non-blocking and checked on the open
 * descriptor, so a FIFO cannot hang the step, a device such as /dev/zero cannot fill memory, and a file swapped
 * after the check is not read either.
 */
function readCaFile(path: string): { text?: string; error?: string } {
  const name = quote(path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    return { error: `cannot read the CA file ${name} (${code}); give a path to a PEM file or the PEM text itself` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: `${name} is not a regular file; give a path to a PEM file or the PEM text itself` };
    if (st.size > MAX_CA_BYTES) return { error: `the file ${name} is ${st.size} bytes; a PEM CA file of at most 1 MiB is expected` };
    return { text: readFileSync(fd, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    return { error: `cannot read the CA file ${name} (${code}); give a path to a PEM file or the PEM text itself` };
  } finally {
    closeSync(fd);
  }
}

function readCa(raw: string): { pem?: string; error?: string } {
  const v = raw.trim();
  const pem = v.startsWith('-----BEGIN') ? v : undefined;
  let text = pem;
  if (text === undefined) {
    const file = readCaFile(v);
    if (file.error !== undefined) return { error: file.error };
    text = file.text!;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return { error: pem ? 'the inline PEM text holds no certificate' : `the file ${quote(v)} holds no PEM certificate` };
  }
  return { pem: text };
}

/** `failed`: connection inputs given but already rejected, so they are not reported missing as well. */
export function buildConnection(c: ConnectionInputs, failed: ReadonlySet<string>, errors: InputError[]): Connection | undefined {
  const start = errors.length;
  const missing = (n: keyof ConnectionInputs) => c[n] === undefined && !failed.has(n);
  const err = (input: string, message: string) => errors.push(inputError(input, message));

  let host = '';
  // neither api_port nor api_host names a port: api_port's catalogue default
  let port = c.api_port ?? (defaultValue(param('api_port')) as number);
  if (c.api_host === undefined) {
    err('api_host', "Input 'api_host' is required (or set PROXMOX_HOST): the Proxmox VE host, e.g. pve.example.com.");
  } else {
    const h = parseHost(c.api_host);
    if (typeof h === 'string') err('api_host', `Input 'api_host' ${quote(c.api_host)}: ${h}.`);
    else {
      host = h.host;
      if (h.port !== undefined) {
        if (c.api_port !== undefined && c.api_port !== h.port) {
          err('api_port', `Input 'api_port' (${c.api_port}) disagrees with the port in 'api_host' (${h.port}); give the port once.`);
        }
        port = h.port;
      }
    }
  }

  let user = c.api_user;
  let tokenId: string | undefined;
  if (c.api_token_id !== undefined) {
    const t = parseTokenId(c.api_token_id)!; // the value passed its catalogue check already
    tokenId = t.name;
    if (t.user !== undefined) {
      if (user !== undefined && user !== t.user) {
        err('api_token_id', `Input 'api_token_id' belongs to ${quote(t.user)} but 'api_user' is ${quote(user)}; they must agree (or leave api_user out).`);
      }
      user = t.user;
    }
  }
  if (user === undefined && missing('api_user') && missing('api_token_id')) {
    err('api_user', "Input 'api_user' is required (or set PROXMOX_USER, or give api_token_id as user@realm!name): e.g. root@pam.");
  }

  const hasToken = c.api_token_id !== undefined || c.api_token_secret !== undefined;
  if (c.api_token_id !== undefined && c.api_token_secret === undefined) {
    err('api_token_secret', "Input 'api_token_id' is set but 'api_token_secret' is not (or PROXMOX_TOKEN_SECRET); a token needs both.");
  }
  if (c.api_token_secret !== undefined && missing('api_token_id')) {
    err('api_token_id', "Input 'api_token_secret' is set but 'api_token_id' is not (or PROXMOX_TOKEN_ID); a token needs both.");
  }
  if (!hasToken && c.api_password === undefined && missing('api_token_id')) {
    err('api_password', "No credentials: give 'api_password' (or PROXMOX_PASSWORD), or 'api_token_id' and 'api_token_secret'.");
  }

  let caPem: string | undefined;
  if (c.ca_path !== undefined) {
    const ca = readCa(c.ca_path);
    if (ca.error) err('ca_path', `Input 'ca_path': ${ca.error}.`);
    caPem = ca.pem;
  }

  if (errors.length > start) return undefined;
  const token = hasToken && c.api_token_secret !== undefined;
  return {
    host,
    port,
    user: user!,
    // a token wins over a password: the client then never logs in with the password
    password: token ? undefined : c.api_password,
    otp: token ? undefined : c.api_otp,
    tokenId: token ? tokenId : undefined,
    tokenSecret: token ? c.api_token_secret : undefined,
    validateCerts: c.validate_certs,
    caPem,
    tlsFingerprint: c.tls_fingerprint === undefined ? undefined : normaliseFingerprint(c.tls_fingerprint),
    apiTimeoutMs: c.api_timeout * 1000,
  };
}
