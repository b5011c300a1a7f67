// Stands in for `undici` in the bundles (scripts/ncc/tsconfig.json maps the name here). undici's index loads all of
// undici (fetch, WebSocket, caches, mocks, interceptors...): ~70 ms before the first line of ours on Node 24. The
// PVE client needs only the Agent (dispatcher → pool → client → llhttp) and buildConnector, imported here from
// their own files; fetch (GitHub run checks for prune) and ProxyAgent (@actions/core's OIDC client) load the
// full index on first use.
import type * as Full from '../../../node_modules/undici/index.js';
import AgentFile from 'undici/lib/dispatcher/agent.js';
import connectFile from 'undici/lib/core/connect.js';

export const Agent = AgentFile as typeof Full.Agent;
export type Agent = Full.Agent;
export const buildConnector = connectFile as typeof Full.buildConnector;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace buildConnector {
  type BuildOptions = Full.buildConnector.BuildOptions;
  type Options = Full.buildConnector.Options;
  type Callback = Full.buildConnector.Callback;
  type connector = Full.buildConnector.connector;
}

let full: typeof Full | undefined;
let loading: Promise<typeof Full> | undefined;

/** The whole of undici, loaded once, on first need. */
export function loadFull(): Promise<typeof Full> {
  return (loading ??= import('../../../node_modules/undici/index.js').then((m) => (full = m)));
}

export const fetch: typeof Full.fetch = async (...args) => (await loadFull()).fetch(...args);

/** Only constructed by @actions/http-client, which http-client.ts loads after loadFull(). */
export class ProxyAgent {
  constructor(...args: ConstructorParameters<typeof Full.ProxyAgent>) {
    if (!full) throw new Error('undici ProxyAgent used before undici was loaded');
    return new full.ProxyAgent(...args);
  }
}
