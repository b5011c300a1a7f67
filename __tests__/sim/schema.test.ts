// Schema layer: generation is reproducible, paths map to PVE's templates, and parameter errors read exactly as PVE's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APIDOC, DEFAULT_OUT, generateSchema, serializeSchema } from '../../sim/schema/generate.js';
import { perlFullMatch } from '../../sim/schema/check.js';
import {
  configKeySchema,
  findEndpoint,
  methodSchema,
  validateParams,
  type EndpointMatch,
  type MethodSchema,
} from '../../sim/schema/validate.js';

const committed = readFileSync(DEFAULT_OUT, 'utf8');
const hasApidoc = existsSync(DEFAULT_APIDOC);

describe('pve-schema.json', () => {
  it('starts with the attribution and lists every PVE endpoint', () => {
    const json = JSON.parse(committed);
    expect(Object.keys(json)[0]).toBe('_attribution');
    expect(json._attribution).toContain('AGPL-3.0-or-later');
    expect(json._attribution).toContain('a8736b6d6169ea9679ee02285ea36fdab42e85c3');
    expect(json._allEndpoints).toHaveLength(649);
    expect(json._allEndpoints).toContain('GET /nodes/{node}/qemu/{vmid}/rrd');
    expect(json.indexRanges).toMatchObject({ net: 31, scsi: 30, virtio: 15, sata: 5, ide: 3, usb: 13, unused: 255 });
  });

  it('keeps validation facts and drops prose', () => {
    for (const prose of ['verbose_description', 'format_description', 'Specify network devices']) expect(committed).not.toContain(prose);
    expect(committed).not.toContain('"returns"');
    const put = methodSchema('PUT', '/nodes/{node}/qemu/{vmid}/config');
    expect(put?.protected).toBe(1);
    expect(put?.permissions).toBeTruthy();
    expect(put?.parameters?.properties?.cores).toMatchObject({ type: 'integer', minimum: 1, optional: 1 });
  });

  it('compiles every schema pattern as a JS regex', () => {
    const patterns = new Set<string>();
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'pattern' && typeof x === 'string') patterns.add(x);
        else walk(x);
      }
    };
    walk(JSON.parse(committed).endpoints);
    expect(patterns.size).toBeGreaterThan(10);
    for (const p of patterns) expect(() => perlFullMatch(p)).not.toThrow();
  });

  it.skipIf(!hasApidoc)('regenerates byte-identically (function and CLI)', () => {
    const apidoc = JSON.parse(readFileSync(DEFAULT_APIDOC, 'utf8'));
    expect(serializeSchema(generateSchema(apidoc))).toBe(committed);
    const dir = mkdtempSync(join(tmpdir(), 'pve-schema-'));
    try {
      const out = join(dir, 'out.json');
      execFileSync(process.execPath, ['--import', 'tsx', 'sim/schema/generate.ts', DEFAULT_APIDOC, out], { stdio: 'pipe' });
      expect(readFileSync(out, 'utf8')).toBe(committed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('findEndpoint', () => {
  it('matches qemu paths and returns decoded path params', () => {
    const m = findEndpoint('GET', '/nodes/pve1/qemu/100/config') as EndpointMatch;
    expect(m.template).toBe('/nodes/{node}/qemu/{vmid}/config');
    expect(m.pathParams).toEqual({ node: 'pve1', vmid: '100' });
    expect(m.schema.parameters?.properties?.current).toBeDefined();

    const upid = 'UPID:pve1:0003A2B1:00C1D2E3:66F1A2B3:qmcreate:100:root@pam:';
    const t = findEndpoint('get', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`) as EndpointMatch;
    expect(t.template).toBe('/nodes/{node}/tasks/{upid}/status');
    expect(t.pathParams.upid).toBe(upid);
  });

  it('prefers literal segments over parameters', () => {
    expect((findEndpoint('POST', '/nodes/pve1/qemu/100/status/start') as EndpointMatch).template).toBe(
      '/nodes/{node}/qemu/{vmid}/status/start',
    );
    expect((findEndpoint('GET', '/cluster/nextid') as EndpointMatch).template).toBe('/cluster/nextid');
  });

  it('tells unknown paths from known-but-missing methods', () => {
    expect(findEndpoint('GET', '/nodes/pve1/foo')).toBeUndefined();
    expect(findEndpoint('GET', '/nodes/pve1/qemu/100/rrd')).toEqual({
      template: '/nodes/{node}/qemu/{vmid}/rrd',
      methodMissing: true,
      existsInPve: true,
    });
    expect(findEndpoint('PUT', '/version')).toEqual({ template: '/version', methodMissing: true, existsInPve: false });
  });

  it('keeps every method apidoc has for a simulated path', () => {
    expect('schema' in (findEndpoint('DELETE', '/nodes/pve1/qemu/100') ?? {})).toBe(true);
    for (const m of ['GET', 'POST', 'PUT', 'DELETE']) expect(methodSchema(m, '/pools')).toBeDefined();
    expect(methodSchema('POST', '/nodes/{node}/qemu/{vmid}/snapshot')).toBeDefined();
  });
});

/** Validates a request the way the server does: path params merged with query/body params. */
function check(method: string, path: string, params: Record<string, unknown> = {}): Record<string, string> | null {
  const m = findEndpoint(method, path) as EndpointMatch;
  return validateParams(m.schema, { ...m.pathParams, ...params });
}
const CONFIG = '/nodes/pve1/qemu/100/config';
const NOT_DEFINED = 'property is not defined in schema and the schema does not allow additional properties';

describe('validateParams: PVE messages', () => {
  it('accepts a valid request', () => {
    expect(check('PUT', CONFIG, { cores: '2', memory: '2048', onboot: '1', net0: 'virtio,bridge=vmbr0' })).toBeNull();
  });

  it('reports unknown and missing properties', () => {
    expect(check('PUT', CONFIG, { bogus: '1' })).toEqual({ bogus: NOT_DEFINED });
    const create = methodSchema('POST', '/nodes/{node}/qemu') as MethodSchema;
    expect(validateParams(create, { node: 'pve1' })).toEqual({ vmid: 'property is missing and it is not optional' });
  });

  it('checks path parameters with the same rules', () => {
    // pve-vmid's format check runs before the minimum, so PVE answers with the format message
    expect(check('GET', '/nodes/pve1/qemu/5/config')).toEqual({
      vmid: 'invalid format - value does not look like a valid VM ID\n',
    });
    expect(check('GET', '/nodes/pve1/qemu/abc/config')).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
    expect(check('GET', '/nodes/pve_1/qemu/100/config')).toEqual({
      node: 'invalid format - value does not look like a valid node name\n',
    });
  });

  it('type checks integers, numbers and booleans', () => {
    expect(check('PUT', CONFIG, { cores: 'abc' })).toEqual({ cores: "type check ('integer') failed - got 'abc'" });
    expect(check('PUT', CONFIG, { cores: '1.5' })).toEqual({ cores: "type check ('integer') failed - got '1.5'" });
    expect(check('PUT', CONFIG, { cpulimit: 'x' })).toEqual({ cpulimit: "type check ('number') failed - got 'x'" });
    expect(check('PUT', CONFIG, { cpulimit: '1.5' })).toBeNull();
    expect(check('PUT', CONFIG, { onboot: 'true' })).toEqual({ onboot: "type check ('boolean') failed - got 'true'" });
    expect(check('PUT', CONFIG, { onboot: 'yes' })).toEqual({ onboot: "type check ('boolean') failed - got 'yes'" });
    expect(check('PUT', CONFIG, { onboot: '0', protection: 1, tablet: true, acpi: false })).toBeNull();
    expect(check('PUT', CONFIG, { cores: true })).toEqual({ cores: "type check ('integer') failed - got JSON::PP::Boolean" });
  });

  it('fails the type check for a form key sent twice', () => {
    expect(check('PUT', CONFIG, { cores: ['1', '2'] })).toEqual({ cores: "type check ('integer') failed - got ARRAY" });
    expect(check('PUT', CONFIG, { name: ['a', 'b'] })).toEqual({ name: "type check ('string') failed - got ARRAY" });
  });

  it('checks ranges, lengths, patterns and enums', () => {
    expect(check('PUT', CONFIG, { cores: '0' })).toEqual({ cores: 'value must have a minimum value of 1' });
    expect(check('PUT', CONFIG, { cpulimit: '129' })).toEqual({ cpulimit: 'value must have a maximum value of 128' });
    expect(check('PUT', CONFIG, { description: 'x'.repeat(8193) })).toEqual({
      description: 'value may only be 8192 characters long',
    });
    expect(check('PUT', CONFIG, { startdate: 'tomorrow' })).toEqual({ startdate: 'value does not match the regex pattern' });
    expect(check('PUT', CONFIG, { ostype: 'l27' })).toEqual({
      ostype: "value 'l27' does not have a value in the enumeration 'other, wxp, w2k, w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'",
    });
    expect(check('PUT', CONFIG, { scsihw: 'virtio-scsi-single' })).toBeNull();
  });

  it('reports a missing required companion property', () => {
    expect(check('PUT', CONFIG, { force: '1' })).toEqual({ delete: "missing property - 'force' requires this property" });
  });

  it('reports every bad parameter at once', () => {
    expect(check('PUT', CONFIG, { cores: '0', onboot: 'true', nope: 'x' })).toEqual({
      cores: 'value must have a minimum value of 1',
      onboot: "type check ('boolean') failed - got 'true'",
      nope: NOT_DEFINED,
    });
  });
});

describe('indexed keys', () => {
  it('accepts indexes inside PVE ranges only', () => {
    expect(check('PUT', CONFIG, { net31: 'virtio,bridge=vmbr0', scsi30: 'local-lvm:1', virtio15: 'local-lvm:1' })).toBeNull();
    expect(check('PUT', CONFIG, { net32: 'virtio', scsi31: 'local-lvm:1', sata6: 'local-lvm:1' })).toEqual({
      net32: NOT_DEFINED,
      scsi31: NOT_DEFINED,
      sata6: NOT_DEFINED,
    });
    expect(check('PUT', CONFIG, { net01: 'virtio', 'net[n]': 'virtio' })).toEqual({ net01: NOT_DEFINED, 'net[n]': NOT_DEFINED });
    expect(check('PUT', CONFIG, { usb13: 'spice', usb14: 'spice' })).toEqual({ usb14: NOT_DEFINED });
  });

  it('configKeySchema resolves concrete keys', () => {
    expect(configKeySchema('net0')?.format).toHaveProperty('macaddr');
    expect(configKeySchema('scsi30')?.format).toHaveProperty('file');
    expect(configKeySchema('scsi31')).toBeUndefined();
    expect(configKeySchema('cores')).toMatchObject({ type: 'integer' });
    expect(configKeySchema('numa')).toMatchObject({ type: 'boolean' });
    expect(configKeySchema('numa0')?.format).toBeTypeOf('object');
    expect(configKeySchema('digest')).toBeUndefined();
  });
});
