// Connection parameters: where the API is, who we are, and how TLS is trusted.
import type { Param } from './types.js';

export const connectionParams: Param[] = [
  {
    name: 'api_host', kind: 'string', group: 'connection', env: 'PROXMOX_HOST', check: 'host',
    doc: 'Host name or IP address of the Proxmox VE API. May carry the port (`pve.example.com:8006`); IPv6 addresses go in brackets (`[2001:db8::10]:8006`). A leading `https://` is accepted. Required (here or in the environment).',
    example: 'pve.example.com',
  },
  {
    name: 'api_port', kind: 'int', group: 'connection', env: 'PROXMOX_PORT', default: '8006', min: 1, max: 65535,
    doc: 'Port of the Proxmox VE API. A port written in `api_host` takes precedence.',
    example: '8006',
  },
  {
    name: 'api_user', kind: 'string', group: 'connection', env: 'PROXMOX_USER', check: 'user',
    doc: 'User to authenticate as, `user@realm`. With an API token this is the token owner; it can be left out when `api_token_id` is the full `user@realm!name`.',
    example: 'root@pam',
  },
  {
    name: 'api_password', kind: 'secret', group: 'connection', env: 'PROXMOX_PASSWORD', secret: true,
    doc: 'Password of `api_user` (ticket login). Pass it from a repository secret. Either a password or an API token is required; when both are given the token is used.',
    example: '${{ secrets.PROXMOX_PASSWORD }}',
  },
  {
    name: 'api_otp', kind: 'secret', group: 'connection', env: 'PROXMOX_OTP', secret: true,
    doc: 'One-time password (TOTP code) for a user with two-factor authentication. Only used with `api_password`.',
  },
  {
    name: 'api_token_id', kind: 'string', group: 'connection', env: 'PROXMOX_TOKEN_ID', check: 'token-id',
    doc: 'API token id: the token name (with `api_user`) or the full `user@realm!name`. Needs `api_token_secret`. Tokens need no login round trip and are the recommended way for CI.',
    example: 'ci',
  },
  {
    name: 'api_token_secret', kind: 'secret', group: 'connection', env: 'PROXMOX_TOKEN_SECRET', secret: true,
    doc: 'Secret (a UUID) of the API token named in `api_token_id`. Pass it from a repository secret.',
    example: '${{ secrets.PROXMOX_TOKEN_SECRET }}',
  },
  {
    name: 'api_timeout', kind: 'int', group: 'connection', default: '30', min: 1, max: 3600,
    doc: 'Time limit in seconds for each single API request. Waiting for tasks is bounded by `timeout` instead.',
    example: '30',
  },
  {
    name: 'validate_certs', kind: 'bool', group: 'connection', env: 'PROXMOX_VALIDATE_CERTS', default: 'true',
    doc: "Verify the API's TLS certificate against the system CAs (or `ca_path`). Set to false only on a lab with self-signed certificates; `ca_path` or `tls_fingerprint` are the safer ways to trust one.",
    example: 'false',
  },
  {
    name: 'ca_path', kind: 'string', group: 'connection', env: 'PROXMOX_CA_PATH',
    doc: 'CA certificate(s) to trust for the API: a path to a PEM file, or the PEM text itself (starting with `-----BEGIN`). Ignored when `validate_certs` is false.',
    example: '/etc/ssl/pve-root-ca.pem',
  },
  {
    name: 'tls_fingerprint', kind: 'string', group: 'connection', check: 'fingerprint',
    doc: "SHA-256 fingerprint the API's certificate must have (64 hex digits, colons optional, any case; as `pvenode cert info` shows it). A certificate that matches is trusted even when it is self-signed; any other certificate is refused.",
    example: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  },
];
