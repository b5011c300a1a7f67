// Helpers shared by the qemu handlers: parameter coercion, VM lookup with PVE's missing-config text, lock checks,
// root-only options, privilege "any" checks and the simulated clock.
import { randomUUID } from 'node:crypto';
import { dieError, paramError, type Ctx, type VmRecord } from '../core.js';

/** PVE's lock waits in simulated ms (lock_config default, create_and_lock_config, clone worker). */
export const FLOCK_WAIT = { config: 10_000, create: 5_000, clone: 1_000 } as const;

export function scaled(ctx: Ctx, simulatedMs: number): number {
  return simulatedMs * (ctx.sim.timeScale ?? 1);
}

export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

export function int(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return Number(v);
}

export function vmidOf(ctx: Ctx): number {
  return Number(ctx.pathParams.vmid ?? ctx.params.vmid);
}

export function nodeOf(ctx: Ctx): string {
  return ctx.pathParams.node ?? String(ctx.params.node);
}

export function configPath(node: string, vmid: number): string {
  return `nodes/${node}/qemu-server/${vmid}.conf`;
}

// pve-guest-common src/PVE/AbstractConfig.pm load_config: `Configuration file '<cfspath>' does not exist`.
export function missingConfigMessage(node: string, vmid: number): string {
  return `Configuration file '${configPath(node, vmid)}' does not exist`;
}

/** The VM's record when its config lives on `node` (a VM on another node is "missing" there, as in pmxcfs). */
export function findVm(ctx: Ctx, node: string, vmid: number): VmRecord | undefined {
  const vm = ctx.sim.state.vms.get(vmid);
  return vm && vm.node === node ? vm : undefined;
}

export function loadVm(ctx: Ctx, node = nodeOf(ctx), vmid = vmidOf(ctx)): VmRecord {
  const vm = findVm(ctx, node, vmid);
  if (!vm) throw dieError(missingConfigMessage(node, vmid));
  return vm;
}

/** pve-guest-common src/PVE/AbstractConfig.pm check_lock (`VM is locked (<lock>)`): any config `lock:` blocks unless skiplock. */
export function checkLock(vm: VmRecord, skiplock = false): void {
  const lock = vm.config.lock;
  if (lock !== undefined && !skiplock) throw dieError(`VM is locked (${lock})`);
}

/**
 * Root-only options (skiplock, migratedfrom, ...): 400 when anyone but root@pam (root's tokens included) sets
 * them to a true value, as PVE's `if $value && $authuser ne 'root@pam'`.
 */
export function rootOnly(ctx: Ctx, ...names: string[]): void {
  if (ctx.auth.authid === 'root@pam') return;
  for (const name of names) {
    const v = ctx.params[name];
    if (v !== undefined && v !== false && v !== 0 && v !== '0' && v !== '') {
      throw paramError({ [name]: 'Only root may use this option.' });
    }
  }
}

/** pve-access-control src/PVE/RPCEnvironment.pm check_api2_permissions `check => ['perm', path, [privs...], any => 1]`: one of the privileges suffices. */
export function requireAny(ctx: Ctx, path: string, privs: string[]): void {
  ctx.sim.acl.checkAny(ctx.auth.authid, path, privs);
}

/** pve-access-control src/PVE/RPCEnvironment.pm check_vm_perm: /pool/<pool> (when given) or /vms/<vmid>. */
export function requireVmPerm(ctx: Ctx, vmid: number, pool: string | undefined, privs: string[], any = false): void {
  ctx.sim.acl.checkVmPerm(ctx.auth.authid, vmid, pool, privs, any);
}

export function requireVmPriv(ctx: Ctx, vmid: number, priv: string): void {
  ctx.sim.requirePriv(ctx.auth, `/vms/${vmid}`, priv);
}

/** Random RFC 4122 v4 uuid (smbios1, vmgenid). */
export function uuid(): string {
  return randomUUID();
}
