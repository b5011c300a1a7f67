// Picking a vmid for a new VM: at plan time, and again at apply time when another job took the planned id first.
import { PlanError, type PlanContext } from './context.js';
import { isIdFree, nextId } from './pve.js';

/**
 * Picks a free vmid: vmid_range gives random free ids (like the Terraform provider), else /cluster/nextid.
 * nextid does not reserve: after losing a race (`attempt` > 0) every loser would ask for the same lowest id
 * again, so retries spread over a window above it that grows with each attempt.
 */
export async function allocateId(ctx: Pick<PlanContext, 'client' | 'settings'>, avoid: ReadonlySet<number> = new Set(), attempt = 0): Promise<number> {
  const range = ctx.settings.lifecycle.vmidRange;
  if (range) {
    for (let i = 0; i < 20; i++) {
      const id = range.lower + Math.floor(Math.random() * (range.upper - range.lower + 1));
      if (!avoid.has(id) && (await isIdFree(ctx.client, id))) return id;
    }
    throw new PlanError(`no free vmid found in ${range.lower}-${range.upper} after 20 tries (vmid_range)`);
  }
  const base = await nextId(ctx.client);
  if (attempt === 0 && !avoid.has(base)) return base;
  const span = Math.min(1024, 8 * 2 ** attempt);
  for (let i = 0; i < 20; i++) {
    const id = base + Math.floor(Math.random() * span);
    if (!avoid.has(id) && (await isIdFree(ctx.client, id))) return id;
  }
  throw new PlanError(`no free vmid found near ${base} after 20 tries (other jobs keep taking them; vmid_range spreads jobs wider)`);
}
