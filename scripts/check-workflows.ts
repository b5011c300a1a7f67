// Parses workflow files with GitHub's own parser (@actions/workflow-parser) and prints what it refuses.
// Usage: npx tsx scripts/check-workflows.ts [--json] FILE...   (exit 1 when a file has errors)
// Run through tsx: the parser imports its schema JSON without an import attribute, which plain Node refuses.
import { readFileSync } from 'node:fs';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

export async function workflowErrors(file: string): Promise<string[]> {
  const content = readFileSync(file, 'utf8');
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return [...new Set(errors)];
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const files = args.filter((a) => a !== '--json');
const result: Record<string, string[]> = {};
for (const f of files) result[f] = await workflowErrors(f);
if (json) console.log(JSON.stringify(result));
else for (const [f, errs] of Object.entries(result)) console.log(errs.length ? `${f}:\n  ${errs.join('\n  ')}` : `${f}: ok`);
process.exitCode = Object.values(result).some((e) => e.length) ? 1 : 0;
