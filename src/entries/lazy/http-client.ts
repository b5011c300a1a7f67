// Stands in for `@actions/http-client` in the bundles (scripts/ncc/tsconfig.json maps the name here). @actions/core
// imports it at the top of its OIDC helper only, and the HTTP client imports all of undici: ~70 ms of start-up for
// a feature (core.getIDToken) this action never calls. This stand-in keeps the same API for what oidc-utils uses
// and loads the real client, from its own file in node_modules, on first use.
import type * as Real from '../../../node_modules/@actions/http-client/lib/index.js';

import { loadFull } from './undici.js';

type RealModule = typeof Real;
type Ctor = ConstructorParameters<RealModule['HttpClient']>;

let real: Promise<RealModule> | undefined;
let loaded: RealModule | undefined;
// The real client imports `undici` (ProxyAgent), which the bundles map to lazy/undici.ts: load all of undici first.
const load = (): Promise<RealModule> =>
  (real ??= loadFull()
    .then(() => import('../../../node_modules/@actions/http-client/lib/index.js'))
    .then((m) => (loaded = m)));

/**
 * Loads the real client now. Code that uses it synchronously (@actions/github's getOctokit calls getAgent and
 * getAgentDispatcher while it builds the client) awaits this first; every HttpClient made afterwards is the real one.
 */
export const loadHttpClient = (): Promise<unknown> => load();

/** The subset of HttpClient that @actions/core's OidcClient calls, forwarding to the real client once loaded. */
export class HttpClient {
  private readonly args: Ctor;
  constructor(...args: Ctor) {
    this.args = args;
    // Once loaded, the real thing (a constructor may return another object): its whole API, sync methods included.
    if (loaded) return new loaded.HttpClient(...args) as unknown as HttpClient;
  }
  async getJson(url: string, headers?: Parameters<Real.HttpClient['getJson']>[1]): ReturnType<Real.HttpClient['getJson']> {
    const m = await load();
    return new m.HttpClient(...this.args).getJson(url, headers);
  }
}
