// The helpers that keep PVE's and the guest's text inert: in the job summary (markdown + some HTML) and in the log
// (where the runner obeys lines starting with `::`). Examples first, then properties over arbitrary strings.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { logText, mdCode, mdText, oneLine } from '../../src/report/text.js';
import { prunedMarkdown, summaryMarkdown } from '../../src/report/summary.js';

describe('mdText', () => {
  test('HTML, links, images, code spans, emphasis and cell breaks come out as plain characters', () => {
    const out = mdText('a `b` <img src=x onerror=alert(1)> [x](http://evil) ![i](y) | *em* _u_ ~s~ $m$ # \\');
    for (const raw of ['<', '>', '`', '[', ']', '(', ')', '|', '*', '_', '~', '$', '\\', '://'])
      expect(out, raw).not.toContain(raw);
    expect(out).toContain('&#60;img src=x onerror=alert&#40;1&#41;&#62;');
  });

  test('line breaks, CR alone included, become <br> or a space; control characters are replaced', () => {
    expect(mdText('a\r\nb\rc\nd', { breaks: 'br' })).toBe('a<br>b<br>c<br>d');
    expect(mdText('a\r\n::warning::x')).toBe('a ::warning::x');
    expect(mdText('a\u0007b\u202ec')).toBe('a\uFFFDb\uFFFDc');
  });

  test('bare autolinks are broken up; ordinary names stay readable', () => {
    expect(mdText('see https://evil.example and WWW.evil.example')).not.toMatch(/:\/\/|www\./i);
    expect(mdText('report-vm 10.0.0.5')).toBe('report-vm 10.0.0.5');
  });

  test('is bounded, and never cuts an entity in half', () => {
    const out = mdText('<'.repeat(10_000), { max: 100 });
    expect(out).toBe(`${'&#60;'.repeat(100)}…`);
  });

  test('numbers and missing values', () => {
    expect(mdText(600)).toBe('600');
    expect(mdText(undefined)).toBe('');
  });
});

describe('mdCode', () => {
  test('a plain value is a plain code span', () => {
    expect(mdCode('1024')).toBe('`1024`');
    expect(mdCode('fd00::1')).toBe('`fd00::1`');
  });

  test('a value that could close the span, split the cell or carry HTML becomes <code> with references', () => {
    expect(mdCode('a`b')).toBe('<code>a&#96;b</code>');
    expect(mdCode('a|b\r\nc\rd')).toBe('<code>a&#124;b c d</code>');
    expect(mdCode('x\\|<img src=x>')).toBe('<code>x&#92;&#124;&#60;img src=x&#62;</code>');
    expect(mdCode('')).toBe('<code></code>');
  });

  test('is bounded', () => {
    expect(mdCode('x'.repeat(1000), 10)).toBe(`\`${'x'.repeat(10)}…\``);
  });
});

describe('oneLine', () => {
  test('CR, LF and control characters cannot leave the line', () => {
    expect(oneLine('x\r::error::y\n::warning::z\u001b[2K')).toBe('x ::error::y ::warning::z\uFFFD[2K');
  });
});

describe('logText', () => {
  test('a line that would start a workflow command is shown, not obeyed; other lines are kept', () => {
    expect(logText('task failed: boom\r::error::x\n  ::add-mask::y\nplain')).toBe('task failed: boom\n» ::error::x\n»   ::add-mask::y\nplain');
    expect(logText('two\nlines')).toBe('two\nlines');
    expect(logText('fd00::1 is fine mid-line')).toBe('fd00::1 is fine mid-line');
  });

  test('whitespace the runner trims (NBSP, ideographic space, NEL, vertical tab) does not hide a command', () => {
    for (const ws of ['\u00a0', '\u3000', '\u2003', '\t', '\ufeff']) expect(logText(`${ws}::warning::x`), JSON.stringify(ws)).toBe(`» ${ws}::warning::x`);
    // Control characters are replaced first, so they no longer lead the command either.
    for (const c of ['\u0085', '\u000b', '\u0000']) expect(logText(`${c}::warning::x`)).toBe('\uFFFD::warning::x');
  });
});

describe('properties over arbitrary text', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.constantFrom('`', '|', '\\', '\r', '\n', '<', '>', '[', ']', '(', ')', ':', '/', 'w', '.', ' ', '::', 'a'), { maxLength: 60 }).map((a) => a.join('')),
  );

  test('mdText: one source line, no character that starts markdown or HTML, no cell split', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const out = mdText(s, { breaks: 'br' }).replace(/<br>/g, ' ');
        expect(out).not.toMatch(/[\r\n<>|`[\]()*_~!$\\]|:\/\/|www\./i);
      }),
    );
  });

  test('mdCode: one source line, one cell, a backtick span only around plain text, no raw HTML', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const out = mdCode(s);
        expect(out).not.toMatch(/[\r\n|\\]/);
        const m = /^`([^`]+)`$/.exec(out) ?? /^<code>([^<>`]*)<\/code>$/.exec(out);
        expect(m, out).not.toBeNull();
      }),
    );
  });

  test('logText: no line of the result starts a command, however the runner splits it', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        for (const line of logText(s).split(/\r\n|\r|\n/)) expect(line.replace(/^[\s\u0085]+/, '').startsWith('::')).toBe(false);
      }),
    );
  });
});

describe('the summaries use them for every text PVE or the guest gave', () => {
  const evil = 'a`b <img src=x onerror=alert(1)> [x](http://evil) | *c*\r\n::warning::pwned';
  /** Every table row has its header's number of cells, and nothing raw but the tags the action writes. */
  const expectInert = (md: string) => {
    expect(md).not.toMatch(/<(?!\/?code>|br>)|\]\(|:\/\/|\r/);
    let cols: number | undefined;
    for (const line of md.split('\n')) {
      if (!line.startsWith('|')) cols = undefined;
      else expect(line.split('|').length, line).toBe((cols ??= line.split('|').length));
    }
  };

  test('summaryMarkdown: name, node, state, changes, steps, warnings and IPs', () => {
    const md = summaryMarkdown({
      facts: { vmid: 1, node: evil, name: evil, status: evil, mac: {}, devices: {}, agentEnabled: true },
      before: evil, after: evil, changed: true, msg: evil,
      changes: [{ key: evil, from: evil, to: evil, input: evil }, { key: 'memory', from: '1024', to: '2048', input: 'memory' }],
      done: [evil], warnings: [evil], ips: [evil, '10.0.0.7'],
      timings: { apiMs: 1, taskMs: 1, guestMs: 1, totalMs: 3 },
    });
    expectInert(md);
    expect(md).toContain('| `memory` | memory | `1024` | `2048` |');
    expect(md).toContain('`10.0.0.7`');
  });

  test('prunedMarkdown: name, node, tags and reason', () => {
    const md = prunedMarkdown([{ vmid: 5, node: evil, name: evil, tags: [evil, 'gh-ci'], reason: evil }], false);
    expectInert(md);
    expect(md.split('\n').filter((l) => l.startsWith('| 5 |'))).toHaveLength(1);
  });
});
