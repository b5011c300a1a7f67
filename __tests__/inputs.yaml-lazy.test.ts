// The YAML parser is loaded on demand (src/inputs/parse.ts): readSettingsLoading reads inputs without it, and loads it
// only when an input holds YAML/JSON, then reads them again. Fresh module instances here, without the test setup's
// preload (setup-yaml.ts loaded it into the instances the other tests use).
import { beforeEach, describe, expect, it, vi } from 'vitest';

const BASE: Record<string, string> = { api_host: 'pve.example.com', api_user: 'root@pam', api_password: 'pw', name: 'vm1', node: 'pve1' };
const get = (inputs: Record<string, string>) => (n: string) => inputs[n] ?? '';

async function freshInputs() {
  vi.resetModules();
  const parse = await import('../src/inputs/parse.js');
  const index = await import('../src/inputs/index.js');
  return { parse, index };
}

describe('the YAML parser on demand', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('reads plain inputs without it, and a synchronous parse that needs it says so instead of guessing', async () => {
    const { parse, index } = await freshInputs();
    const r = await index.readSettingsLoading(get({ ...BASE, memory: '2048', tags: 'a,b' }), {});
    expect(r.errors).toEqual([]);
    expect(r.settings?.spec.memory).toBe('2048');
    // Still not loaded: a mapping input makes the synchronous reader throw, not misread.
    expect(() => index.readSettings(get({ ...BASE, net: 'net0: virtio,bridge=vmbr0' }), {})).toThrow(parse.YamlNotLoaded);
  });

  it('loads it when a mapping, a structured list or guest_exec argument lists need it, with the same result', async () => {
    const { index } = await freshInputs();
    const inputs = { ...BASE, net: 'net0: virtio,bridge=vmbr0\nnet1: e1000,bridge=vmbr1', guest_exec: '- ["systemctl", "is-active", "nginx"]', agent: 'true' };
    const lazy = await index.readSettingsLoading(get(inputs), {});
    expect(lazy.errors).toEqual([]);
    expect(lazy.settings?.spec.net0).toBe('virtio,bridge=vmbr0');
    expect(lazy.settings?.spec.net1).toBe('e1000,bridge=vmbr1');
    expect(lazy.settings?.lifecycle.guestExec).toEqual([['systemctl', 'is-active', 'nginx']]);
    // Now loaded: the synchronous reader gives the same settings.
    expect(index.readSettings(get(inputs), {})).toEqual(lazy);
  });

  it('reports bad YAML as an input error once loaded', async () => {
    const { index } = await freshInputs();
    const r = await index.readSettingsLoading(get({ ...BASE, net: 'net0: [unclosed' }), {});
    expect(r.settings).toBeUndefined();
    expect(index.formatInputErrors(r.errors)).toMatch(/net.*not valid YAML\/JSON/);
  });
});
