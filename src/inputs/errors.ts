// The error value every input problem becomes: which input, and a message that says what is accepted.
// Messages stay short whatever the input: echoed values are cut, and one input reports only its first few problems.

export interface InputError {
  input: string;
  message: string;
}

/** Longest piece of a user value quoted in a message. */
export const MAX_ECHO = 80;
/** Problems listed per input; the rest are only counted (a 20,000-item list must not give 20,000 lines). */
export const MAX_LISTED = 3;
/** Backstop for one message, whatever went into it. */
const MAX_MESSAGE = 800;

/** `value` cut to `max` characters plus '…' (never splitting a surrogate pair). */
export function cut(value: string, max: number = MAX_ECHO): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value[max - 1]) ? max - 1 : max;
  return `${value.slice(0, end)}…`;
}

/** A user value in quotes, cut. */
export function quote(value: string): string {
  return `'${cut(value)}'`;
}

/** Quotes a user value for a message (with a leading space); secrets are never echoed. */
export function echo(value: string, secret: boolean | undefined): string {
  return secret ? '' : ` ${quote(value)}`;
}

export function inputError(input: string, message: string): InputError {
  return { input, message: cut(message, MAX_MESSAGE) };
}

/** The first MAX_LISTED errors of one input, plus one that counts the others. */
export function limitErrors(input: string, errors: InputError[]): InputError[] {
  if (errors.length <= MAX_LISTED + 1) return errors;
  const more = errors.length - MAX_LISTED;
  return [...errors.slice(0, MAX_LISTED), inputError(input, `Input '${input}': ${more} more problems like these (fix the ones above first).`)];
}

/** Problems joined into one phrase: the first MAX_LISTED, then how many more. */
export function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED).join('; ');
  return problems.length > MAX_LISTED ? `${shown}; and ${problems.length - MAX_LISTED} more` : shown;
}
