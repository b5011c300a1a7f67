// Stands in for `undici` in the bundles (tsconfig.json `paths` maps the name here). undici's index loads all of
// undici (fetch, WebSocket, caches, mocks, interceptors...): ~70 ms before the first line of ours on Node 24. The
// PVE client does not use undici at all (src/proxmox/transport.ts speaks node:https); fetch (GitHub run checks for
// prune) and ProxyAgent (@actions/core's OIDC client, @actions/github) load the full index on first use.
import type * as Full from '../../../node_modules/undici/index.js';
import { baselineWasmOnly } from './v8-flags.js';

let full: typeof Full | undefined;
let loading: Promise<typeof Full> | undefined;

/** The whole of undici, loaded once, on first need. */
export function loadFull(): Promise<typeof Full> {
  if (!loading) {
    baselineWasmOnly();
    loading = import('../../../node_modules/undici/index.js').then((m) => (full = m));
  }
  return loading;
}

export const fetch: typeof Full.fetch = async (...args) => (await loadFull()).fetch(...args);

/** Only constructed by @actions/http-client, which http-client.ts loads after loadFull(). */
export class ProxyAgent {
  constructor(...args: ConstructorParameters<typeof Full.ProxyAgent>) {
    if (!full) throw new Error('undici ProxyAgent used before undici was loaded');
    return new full.ProxyAgent(...args);
  }
}
