// The job summary: one place writes every markdown the step adds (success, prune, failure). Every value that PVE,
// the guest or an input gave goes through mdText/mdCode (report/text.ts): a VM description must not be able to add
// rows, links or HTML. Secret values are never printed.
import type { Settings } from '../settings.js';
import type { Diagnostics } from '../vm/diagnostics.js';
import type { VmFacts } from '../vm/facts.js';
import { commandText, reportedExitcode, type ExecResult } from '../vm/guest-exec.js';
import type { Outcome } from '../vm/reconcile.js';
import type { Change, PrunedVm } from '../vm/steps.js';
import { redact } from './log.js';
import { mdCode, mdText } from './text.js';

interface SummaryInput {
  facts?: VmFacts;
  name?: string;
  vmid?: number;
  node?: string;
  before: string;
  after: string;
  changed: boolean;
  msg: string;
  changes: readonly Change[];
  done: string[];
  warnings: readonly string[];
  timings: { apiMs: number; taskMs: number; guestMs: number; totalMs: number };
  ips?: string[];
  dryRun?: boolean;
  cloudInit?: string;
  exec?: readonly ExecResult[];
}

/** One markdown table per step: the VM, its state before and after, the changes, the steps done, warnings. */
export function summaryMarkdown(s: SummaryInput): string {
  const show = (c: Change, v: string | undefined) => (v === undefined ? '—' : c.secret ? '`***`' : mdCode(v));
  const rows = [
    ['VM', mdText(s.facts?.name ?? s.name ?? '—')],
    ['vmid', mdText(s.facts?.vmid ?? s.vmid ?? '—')],
    ['node', mdText(s.facts?.node ?? s.node ?? '—')],
    ['state', `${mdText(s.before)} → ${mdText(s.after)}${s.dryRun ? ' (dry run: nothing sent)' : ''}`],
    ['changed', s.changed ? 'yes' : 'no'],
    ['result', mdText(s.msg)],
  ];
  if (s.ips?.length) rows.push(['IP addresses', s.ips.map((ip) => mdCode(ip)).join(', ')]);
  if (s.cloudInit) rows.push(['cloud-init', mdText(s.cloudInit)]);
  const t = s.timings;
  rows.push(['time', `${Math.round(t.totalMs)} ms total — API ${Math.round(t.apiMs)} ms, task wait ${Math.round(t.taskMs)} ms, guest wait ${Math.round(t.guestMs)} ms`]);
  let md = `### Proxmox VM ${mdText(s.facts?.name ?? s.name ?? s.vmid ?? '')}\n\n| | |\n|---|---|\n`;
  md += rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n') + '\n';
  if (s.changes.length) {
    md += `\n| setting | input | before | after |\n|---|---|---|---|\n`;
    md += s.changes.map((c) => `| ${mdCode(c.key)} | ${mdText(c.input)} | ${show(c, c.from)} | ${show(c, c.to)} |`).join('\n') + '\n';
  }
  if (s.done.length) md += `\nSteps: ${s.done.map((d) => mdText(d)).join('; ')}\n`;
  if (s.exec?.length) {
    md += `\n| guest command | exit code |\n|---|---|\n`;
    md += s.exec.map((r) => `| ${mdCode(commandText(r.command))} | ${r.timedOut ? 'timed out' : reportedExitcode(r)} |`).join('\n') + '\n';
  }
  if (s.warnings.length) md += `\n> [!WARNING]\n${s.warnings.map((w) => `> ${mdText(w, { max: 2000 })}`).join('\n')}\n`;
  return md;
}

/** The list of pruned VMs (names, nodes, tags and reasons are PVE's text: escaped). */
export function prunedMarkdown(pruned: readonly PrunedVm[], dryRun: boolean): string {
  if (pruned.length === 0) return '\nNo VM matched the prune rules.\n';
  const rows = pruned.map((p) => `| ${p.vmid} | ${mdText(p.node)} | ${mdText(p.name ?? '')} | ${mdText(p.tags.join(', '))} | ${mdText(p.reason)} |`);
  return `\n${dryRun ? 'Would prune (dry run)' : 'Pruned'}:\n\n| vmid | node | name | tags | reason |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

/** The summary of a step that ended: a prune's list, or the VM's table. */
export function outcomeMarkdown(o: Outcome, settings: Settings, totalMs: number): string {
  const timings = { ...o.timings, totalMs };
  if (o.pruned)
    return (
      prunedMarkdown(o.pruned, settings.lifecycle.dryRun) +
      `\n${mdText(o.msg)} — ${Math.round(totalMs)} ms (API ${Math.round(timings.apiMs)} ms, task wait ${Math.round(timings.taskMs)} ms)\n`
    );
  return summaryMarkdown({
    facts: o.facts, name: o.plan.name, vmid: o.vmid, node: o.node, before: o.plan.before,
    after: o.facts?.status ?? 'absent', changed: o.changed, msg: o.msg, changes: o.changes, done: o.done,
    warnings: o.warnings, dryRun: settings.lifecycle.dryRun, ips: o.guest ? [...o.guest.ipv4, ...o.guest.ipv6] : undefined,
    cloudInit: o.cloudInit?.status, exec: o.exec,
    timings,
  });
}

/** The summary of a step that failed: what was asked, the error (redacted, escaped), how long it ran. */
export function failureMarkdown(settings: Settings, message: string, totalMs: number): string {
  return (
    `### Proxmox VM ${mdText(settings.name ?? settings.vmid ?? '')}: failed\n\n` +
    `| | |\n|---|---|\n| state asked | ${settings.state} |\n| error | ${mdText(redact(message), { max: 4000, breaks: 'br' })} |\n` +
    `| time | ${Math.round(totalMs)} ms |\n`
  );
}

/** The post step's line when keep_on_failure kept the VM: the message says how to reach it (PVE's text: escaped). */
export function keptMarkdown(vmid: number, message: string): string {
  return `\n**VM ${vmid} kept (keep_on_failure)**: ${mdText(message)}\n`;
}

/** The diagnostics of a VM (vm/diagnostics.ts): one row per item, PVE's and the guest's text escaped, lines kept. */
export function diagnosticsMarkdown(d: Diagnostics): string {
  const rows = d.items.map((i) => `| ${mdText(i.title)} | ${mdText(i.text, { max: 4000, breaks: 'br' })} |`);
  return `\n<details><summary>Diagnostics: VM ${d.vmid} on ${mdText(d.node)}</summary>\n\n| | |\n|---|---|\n${rows.join('\n')}\n\n</details>\n`;
}
