// Turns a catalogue entry into the user-facing description used in action.yml and the README.
import type { Param } from './types.js';

function accepted(p: Param): string | undefined {
  const range = (): string => {
    if (p.min !== undefined && p.max !== undefined) return ` from ${p.min} to ${p.max}`;
    if (p.min !== undefined) return ` of at least ${p.min}`;
    if (p.max !== undefined) return ` of at most ${p.max}`;
    return '';
  };
  switch (p.kind) {
    case 'bool':
      return '`true` or `false` (also yes/no, on/off, 1/0)';
    case 'int':
      return `an integer${range()}`;
    case 'number':
      return `a number${range()}`;
    case 'enum':
      return `one of ${p.choices!.map((c) => `\`${c}\``).join(', ')}`;
    case 'list':
      return 'a YAML or JSON list, or comma/newline-separated text';
    case 'secret':
      return 'a string, never logged';
    default:
      return p.maxLength === undefined ? p.patternText : `${p.patternText ?? 'text'} of at most ${p.maxLength} characters`;
  }
}

/** Full description: what it does, accepted values, default (and env fallback), compatibility default, example. */
export function describe(p: Param): string {
  const parts = [p.doc];
  const acc = accepted(p);
  if (acc) parts.push(`Accepted: ${acc}.`);
  if (p.env && p.default !== undefined) parts.push(`Default: \`$${p.env}\` if set, else \`${p.default}\`.`);
  else if (p.env) parts.push(`Default: \`$${p.env}\` if set.`);
  else if (p.default !== undefined) parts.push(`Default: \`${p.default}\`.`);
  else if (p.runnerDefault !== undefined) parts.push(`Default: \`${p.runnerDefault}\`.`);
  if (p.compatDefault !== undefined) parts.push(`With \`proxmox_default_behavior: compatibility\` it defaults to \`${p.compatDefault}\`.`);
  if (p.example !== undefined) parts.push(`Example: \`${p.example}\`.`);
  return parts.join(' ');
}

/**
 * The default written to action.yml. Inputs with an environment fallback get none there: the runner would
 * otherwise always pass the default and the environment variable could never apply. readSettings fills it instead.
 * A runnerDefault (an expression) is written as it is: the runner evaluates it and passes the result.
 */
export function actionYmlDefault(p: Param): string | undefined {
  if (p.runnerDefault !== undefined) return p.runnerDefault;
  return p.env ? undefined : p.default;
}
