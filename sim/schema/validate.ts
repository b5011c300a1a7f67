// The simulator's schema facade: maps a request path to its PVE endpoint and validates parameters exactly as
// PVE does (same messages, same error keys), using the trimmed official schema in pve-schema.json.
import { readFileSync } from 'node:fs';
import { checkObject, type Errors } from './check.js';
import { registerSchemaFormat } from './formats.js';
import type { FormatDef } from './property-string.js';

export interface ParamSchema {
  type?: string;
  optional?: number;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string | Record<string, ParamSchema & { default_key?: number; alias?: string; keyAlias?: string }>;
  typetext?: string;
  default?: unknown;
  requires?: string;
  alias?: string;
  keyAlias?: string;
  default_key?: number;
}

export interface MethodSchema {
  parameters?: { properties?: Record<string, ParamSchema>; additionalProperties?: number };
  allowtoken?: number;
  protected?: number;
  permissions?: unknown;
}

export type EndpointMatch = { template: string; pathParams: Record<string, string>; schema: MethodSchema };

/** The variant of findEndpoint's answer for a known path without a simulated handler for the method. */
export type MethodMissing = { template: string; methodMissing: true; existsInPve: boolean };

interface SchemaFile {
  _attribution: string;
  _allEndpoints: string[];
  indexRanges: Record<string, number>;
  endpoints: Record<string, Record<string, MethodSchema>>;
}

interface Route {
  template: string;
  segments: string[]; // '{name}' marks a parameter
  methods: Set<string>;
}

let cache: { file: SchemaFile; routes: Route[] } | undefined;

function load(): { file: SchemaFile; routes: Route[] } {
  if (cache) return cache;
  const file = JSON.parse(readFileSync(new URL('./pve-schema.json', import.meta.url), 'utf8')) as SchemaFile;
  const byTemplate = new Map<string, Route>();
  for (const entry of file._allEndpoints) {
    const [method, template] = entry.split(' ') as [string, string];
    let r = byTemplate.get(template);
    if (!r) {
      r = { template, segments: template.split('/').filter(Boolean), methods: new Set() };
      byTemplate.set(template, r);
    }
    r.methods.add(method);
  }
  cache = { file, routes: [...byTemplate.values()] };
  // `cdrom` names the format pve-qm-ide, which is the ide[n] drive format the schema spells out inline
  const ide = file.endpoints['/nodes/{node}/qemu/{vmid}/config']?.PUT?.parameters?.properties?.['ide[n]']?.format;
  if (ide && typeof ide === 'object') registerSchemaFormat('pve-qm-ide', ide as FormatDef);
  return cache;
}

const isParam = (seg: string): boolean => seg.startsWith('{') && seg.endsWith('}');

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** pve-common src/PVE/RESTHandler.pm map_path_to_methods (via find_handler). Literal segments win over parameters, leftmost first (as PVE's handler tree tries named children first). */
function moreSpecific(a: Route, b: Route): boolean {
  for (let i = 0; i < a.segments.length; i++) {
    const pa = isParam(a.segments[i] as string);
    const pb = isParam(b.segments[i] as string);
    if (pa !== pb) return !pa;
  }
  return false;
}

/** pve-common src/PVE/RESTHandler.pm find_handler (empty path fragments skipped). undefined = no such path in PVE at all; {template, methodMissing:true} = path exists but not with this method (or not simulated). */
export function findEndpoint(method: string, path: string): EndpointMatch | MethodMissing | undefined {
  const { file, routes } = load();
  const segs = (path.split('?')[0] as string).split('/').filter(Boolean);
  let best: Route | undefined;
  for (const r of routes) {
    if (r.segments.length !== segs.length) continue;
    if (!r.segments.every((s, i) => isParam(s) || s === segs[i])) continue;
    if (!best || moreSpecific(r, best)) best = r;
  }
  if (!best) return undefined;
  const m = method.toUpperCase();
  const schema = file.endpoints[best.template]?.[m];
  if (!schema) return { template: best.template, methodMissing: true, existsInPve: best.methods.has(m) };
  const pathParams: Record<string, string> = {};
  best.segments.forEach((s, i) => {
    if (isParam(s)) pathParams[s.slice(1, -1)] = decodeSegment(segs[i] as string);
  });
  return { template: best.template, pathParams, schema };
}

export function methodSchema(method: string, template: string): MethodSchema | undefined {
  return load().file.endpoints[template]?.[method.toUpperCase()];
}

/** Highest index of an indexed key family (`net` -> 31), from the schema's index table. */
export function indexMax(base: string): number | undefined {
  return load().file.indexRanges[base];
}

/** Schema of a concrete key: own property, or `base[n]` when the index is in PVE's range ('net7' -> net[n]). */
function lookupIndexed(props: Record<string, ParamSchema>, key: string): ParamSchema | undefined {
  if (Object.hasOwn(props, key) && !key.endsWith('[n]')) return props[key];
  const m = /^(.*?)(0|[1-9]\d*)$/.exec(key);
  if (!m) return undefined;
  const base = m[1] as string;
  const family = props[`${base}[n]`];
  const max = indexMax(base);
  return family && max !== undefined && Number(m[2]) <= max ? family : undefined;
}

/**
 * pve-common src/PVE/RESTHandler.pm handle -> src/PVE/JSONSchema.pm validate (-> check_object / check_prop, see
 * check.ts): the errors map of `Parameter verification failed.` (400, core.ts paramError).
 * Validates query/body params (path params already removed) -> PVE's errors map, or null when valid.
 * PVE checks path parameters with the same schema, so the server passes `{ ...pathParams, ...params }`.
 */
export function validateParams(schema: MethodSchema, params: Record<string, unknown>): Record<string, string> | null {
  const properties = schema.parameters?.properties ?? {};
  const errors: Errors = {};
  checkObject(
    '',
    {
      properties,
      lookup: (k) => lookupIndexed(properties, k),
      additionalProperties: schema.parameters?.additionalProperties,
    },
    params,
    errors,
  );
  return Object.keys(errors).length ? errors : null;
}

const CONFIG_TEMPLATE = '/nodes/{node}/qemu/{vmid}/config';
/** Parameters of PUT .../config that steer the request rather than name a config key. */
const REQUEST_ONLY = new Set(['node', 'vmid', 'delete', 'revert', 'digest', 'force', 'skiplock']);

/** Schema of one concrete VM config key ('net0' -> net[n], 'scsi30' ok, 'scsi31' -> undefined, 'cores' -> cores) from PUT /nodes/{node}/qemu/{vmid}/config. */
export function configKeySchema(key: string): ParamSchema | undefined {
  if (REQUEST_ONLY.has(key)) return undefined;
  const props = methodSchema('PUT', CONFIG_TEMPLATE)?.parameters?.properties ?? {};
  return lookupIndexed(props, key);
}
