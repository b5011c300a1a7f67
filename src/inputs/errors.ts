// The error value every input problem becomes: which input, and a message that says what is accepted.

export interface InputError {
  input: string;
  message: string;
}

const MAX_ECHO = 80;

/** Quotes a user value for a message; secrets are never echoed. */
export function echo(value: string, secret: boolean | undefined): string {
  if (secret) return '';
  const v = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  return ` '${v}'`;
}

export function inputError(input: string, message: string): InputError {
  return { input, message };
}
