// Text from PVE or from a guest (VM names, descriptions, task errors, tags, addresses) is data: these helpers make
// it inert where the action shows it. The job summary is GitHub-flavoured markdown that allows some raw HTML, so
// one careless cell could add links, images or rows; the log is scanned by the runner for `::command::` lines.

/** Control characters and bidi overrides: they can hide or reorder text in a log or a rendered page. */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Every line break the runner or a renderer may split on, CR alone included. */
const BREAKS = /\r\n|[\r\n\u2028\u2029]/;

function bounded(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max).join('')}…`;
}

const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

// Characters that open markdown or HTML constructs. Numeric references work in every GFM context a cell has and,
// unlike backslash escapes, cannot be undone by a backslash the text itself brings.
const MD_SPECIAL = /[&<>"'|\\`[\]()*_~!$#]/g;
const entity = (c: string) => `&#${c.codePointAt(0)};`;

export interface MdTextOptions {
  /** Longest text shown, in characters (the rest becomes `…`). */
  max?: number;
  /** What a line break becomes: `<br>` keeps a multi-line error readable, a space keeps a cell compact. */
  breaks?: 'br' | 'space';
}

function escapeMd(s: string, br: string): string {
  return s
    .split(BREAKS)
    .map((line) =>
      line
        .replace(CONTROLS, '\uFFFD')
        .replace(MD_SPECIAL, entity)
        .replace(/:(?=\/\/)/g, '&#58;')
        .replace(/(www)\./gi, '$1&#46;'),
    )
    .join(br);
}

/**
 * Text for a markdown table cell, a heading or a quote in the job summary: no HTML, link, image, emphasis or extra
 * cell can come out of it, and it stays on one source line. Autolinks are broken up too (`http://`, `www.`);
 * e-mail autolinks are not (GFM links those after references are decoded; a mailto link shows its own target).
 */
export function mdText(value: unknown, o: MdTextOptions = {}): string {
  return escapeMd(bounded(text(value), o.max ?? 500), o.breaks === 'br' ? '<br>' : ' ');
}

/** What a plain code span may hold: nothing that closes it (`), splits the cell (|, \|), or reads as HTML. */
const CODE_PLAIN = /^[^`|\\<>&\r\n\u2028\u2029\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$/;

/**
 * A value shown as code. Most values (1024, a MAC, an address) are a plain `code span`. Any other is written as
 * <code> with its special characters as references: it renders the same, yet cannot close the span, split the
 * cell, or put one raw `<` into the summary (inside a backtick span nothing can be escaped).
 */
export function mdCode(value: unknown, max = 200): string {
  const s = bounded(text(value), max);
  return CODE_PLAIN.test(s) ? `\`${s}\`` : `<code>${escapeMd(s, ' ')}</code>`;
}

/** Untrusted text inside one log line: line breaks become spaces, other control characters U+FFFD. */
export function oneLine(value: unknown, max = 2000): string {
  return bounded(text(value), max).split(BREAKS).join(' ').replace(CONTROLS, '\uFFFD');
}

/**
 * A whole log message: its lines are kept (a bare CR becomes a line break, since some runners split there), and a
 * line that would start a workflow command once trimmed (`::warning::…`, `::add-mask::…`) is prefixed so the
 * runner shows it instead of obeying it. JavaScript's whitespace is a superset of what the runner trims once
 * control characters are gone.
 */
export function logText(message: unknown): string {
  return text(message)
    .split(BREAKS)
    .map((line) => {
      const clean = line.replace(CONTROLS, '\uFFFD');
      return clean.trimStart().startsWith('::') ? `» ${clean}` : clean;
    })
    .join('\n');
}
