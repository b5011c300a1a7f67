// Collects the failed checks of one peer example instead of stopping at the first, so a report shows them all.
import { isDeepStrictEqual, inspect } from 'node:util';

const show = (v: unknown): string => inspect(v, { depth: 4, breakLength: Infinity });

export class Checker {
  readonly failures: string[] = [];

  eq(label: string, actual: unknown, expected: unknown): void {
    if (!isDeepStrictEqual(actual, expected)) this.failures.push(`${label}: expected ${show(expected)}, got ${show(actual)}`);
  }

  match(label: string, actual: unknown, pattern: RegExp): void {
    if (typeof actual !== 'string' || !pattern.test(actual)) this.failures.push(`${label}: expected ${pattern}, got ${show(actual)}`);
  }

  ok(label: string, condition: unknown, detail?: unknown): void {
    if (!condition) this.failures.push(detail === undefined ? label : `${label} (${show(detail)})`);
  }

  /** Asserts the listed keys of obj, leaving other keys free. */
  fields(label: string, obj: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
    if (!obj) {
      this.failures.push(`${label}: missing`);
      return;
    }
    for (const [k, v] of Object.entries(expected)) {
      if (v instanceof RegExp) this.match(`${label}.${k}`, obj[k], v);
      else this.eq(`${label}.${k}`, obj[k], v);
    }
  }

  absent(label: string, obj: Record<string, unknown> | undefined, keys: string[]): void {
    for (const k of keys) if (obj && k in obj) this.failures.push(`${label}.${k}: expected absent, got ${show(obj[k])}`);
  }
}

export const MAC = /^BC:24:11(:[0-9A-F]{2}){3}$/;
