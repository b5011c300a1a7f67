// Trims the official PVE API schema (apidoc.json) down to the validation facts the simulator needs
// and writes sim/schema/pve-schema.json. Run: npx tsx sim/schema/generate.ts [apidoc.json] [out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_APIDOC = resolve(REPO_ROOT, '../shared/pve-api/apidoc.json');
export const DEFAULT_OUT = resolve(REPO_ROOT, 'sim/schema/pve-schema.json');

export const ATTRIBUTION =
  'Derived from the Proxmox VE 9.1 API schema (pve-docs api-viewer apidata.js, commit ' +
  'a8736b6d6169ea9679ee02285ea36fdab42e85c3), (C) Proxmox Server Solutions GmbH, AGPL-3.0-or-later. ' +
  'Facts only, trimmed by sim/schema/generate.ts.';

const Q = '/nodes/{node}/qemu/{vmid}';
/** Path templates the simulator implements; every method apidoc lists for them is kept. */
export const SIMULATED_PATHS: readonly string[] = [
  '/version',
  '/nodes',
  '/nodes/{node}/status',
  '/nodes/{node}/storage',
  '/nodes/{node}/qemu',
  Q,
  `${Q}/config`,
  `${Q}/pending`,
  ...['current', 'start', 'stop', 'shutdown', 'reboot', 'reset', 'suspend', 'resume'].map((s) => `${Q}/status/${s}`),
  `${Q}/clone`,
  `${Q}/template`,
  `${Q}/migrate`,
  `${Q}/resize`,
  `${Q}/agent/network-get-interfaces`,
  `${Q}/agent/ping`,
  `${Q}/agent/exec`,
  `${Q}/agent/exec-status`,
  `${Q}/agent/file-read`,
  `${Q}/snapshot`,
  `${Q}/snapshot/{snapname}/rollback`,
  '/nodes/{node}/tasks',
  '/nodes/{node}/tasks/{upid}/status',
  '/nodes/{node}/tasks/{upid}/log',
  '/cluster/resources',
  '/cluster/nextid',
  '/cluster/status',
  '/pools',
  '/pools/{poolid}',
  '/access/ticket',
  '/storage',
];

/**
 * Highest index of indexed keys (`net[n]` -> net0..netN) whose description does not say "n is 0 to N".
 * Values are qemu-server's MAX_* constants. usb is here although its description says "0 to 4":
 * qemu-server defines usb0..usb13 ($MAX_USB_DEVICES = 14) and only refuses high indexes at VM start.
 */
const INDEX_MAX_TABLE: Record<string, number> = {
  net: 31,
  ipconfig: 31,
  hostpci: 15,
  numa: 7,
  unused: 255,
  virtiofs: 9,
  usb: 13,
};

const PARAM_KEYS = [
  'type', 'optional', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'typetext',
  'default', 'default_key', 'alias', 'keyAlias', 'requires',
] as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };
interface ApiNode {
  path: string;
  info?: Record<string, JsonObj>;
  children?: ApiNode[];
}

function trimParam(p: JsonObj): JsonObj {
  const out: JsonObj = {};
  for (const k of PARAM_KEYS) if (p[k] !== undefined) out[k] = p[k];
  const f = p.format;
  if (typeof f === 'string') out.format = f;
  else if (f && typeof f === 'object' && !Array.isArray(f)) {
    const sub: JsonObj = {};
    for (const [k, v] of Object.entries(f)) sub[k] = trimParam(v as JsonObj);
    out.format = sub;
  }
  return out;
}

function trimMethod(info: JsonObj): JsonObj {
  const out: JsonObj = {};
  for (const k of ['allowtoken', 'protected', 'permissions'] as const) if (info[k] !== undefined) out[k] = info[k];
  const params = info.parameters as JsonObj | undefined;
  if (params) {
    const p: JsonObj = {};
    if (params.additionalProperties !== undefined) p.additionalProperties = params.additionalProperties;
    if (params.properties) {
      const props: JsonObj = {};
      for (const [k, v] of Object.entries(params.properties as JsonObj)) props[k] = trimParam(v as JsonObj);
      p.properties = props;
    }
    out.parameters = p;
  }
  return out;
}

/** "(n is 0 to 30)" in a description gives the highest index. */
function indexMaxFromDescription(desc: unknown): number | undefined {
  const m = typeof desc === 'string' ? /\bn is 0 to (\d+)/.exec(desc) : null;
  return m ? Number(m[1]) : undefined;
}

export function generateSchema(apidoc: ApiNode[]): JsonObj {
  const nodes = new Map<string, ApiNode>();
  const walk = (n: ApiNode): void => {
    nodes.set(n.path, n);
    for (const c of n.children ?? []) walk(c);
  };
  apidoc.forEach(walk);

  const all: string[] = [];
  for (const [path, n] of nodes) for (const m of Object.keys(n.info ?? {})) all.push(`${m} ${path}`);
  all.sort();

  const endpoints: JsonObj = {};
  const indexRanges: Record<string, number> = {};
  for (const path of SIMULATED_PATHS) {
    const n = nodes.get(path);
    if (!n?.info) throw new Error(`apidoc has no methods for ${path}`);
    const methods: JsonObj = {};
    for (const [m, info] of Object.entries(n.info)) {
      methods[m] = trimMethod(info);
      const props = (info.parameters as JsonObj | undefined)?.properties as JsonObj | undefined;
      for (const [name, p] of Object.entries(props ?? {})) {
        const base = /^(.+)\[n\]$/.exec(name)?.[1];
        if (!base) continue;
        const max = INDEX_MAX_TABLE[base] ?? indexMaxFromDescription((p as JsonObj).description);
        if (max === undefined) throw new Error(`no index range known for ${name} (${m} ${path})`);
        indexRanges[base] = max;
      }
    }
    endpoints[path] = methods;
  }
  return { _attribution: ATTRIBUTION, _allEndpoints: all, indexRanges, endpoints };
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: JsonObj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/** Deterministic text: sorted keys (arrays keep their order: enum order shows in PVE's messages). */
export function serializeSchema(schema: JsonObj): string {
  const { _attribution, ...rest } = sortKeys(schema) as JsonObj;
  return JSON.stringify({ _attribution, ...rest }, null, 1) + '\n';
}

function main(): void {
  const [src = DEFAULT_APIDOC, out = DEFAULT_OUT] = process.argv.slice(2);
  const apidoc = JSON.parse(readFileSync(src, 'utf8')) as ApiNode[];
  const text = serializeSchema(generateSchema(apidoc));
  writeFileSync(out, text);
  console.log(`wrote ${out} (${text.length} bytes)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
