// guest_exec parsing (src/inputs/parse.ts parseGuestExec): shell lines, YAML/JSON argument lists, and the shell lines
// that merely look like YAML (`[ -f x ] && …`).
import { describe, expect, it } from 'vitest';
import { parseGuestExec } from '../src/inputs/parse.js';

const value = (raw: string) => {
  const r = parseGuestExec(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('guest_exec', () => {
  it('one shell command per line, trimmed, blank lines skipped', () => {
    expect(value('  uname -a \n\n\tsystemctl is-active nginx || true\r\n')).toEqual([
      ['/bin/sh', '-c', 'uname -a'],
      ['/bin/sh', '-c', 'systemctl is-active nginx || true'],
    ]);
    expect(value('')).toEqual([]);
  });

  it('a YAML or JSON list of argument lists runs each as given', () => {
    expect(value('- [systemctl, is-active, nginx]\n- ["/usr/bin/test", "-f", "/etc/a b"]')).toEqual([
      ['systemctl', 'is-active', 'nginx'],
      ['/usr/bin/test', '-f', '/etc/a b'],
    ]);
    expect(value('[["id", "-u"]]')).toEqual([['id', '-u']]);
    // Numbers stay text (FAILSAFE schema): `sleep 1` gets the argument "1".
    expect(value('- [sleep, 1]')).toEqual([['sleep', '1']]);
  });

  it('shell lines that start like YAML stay shell lines', () => {
    expect(value('[ -f /etc/hostname ] && echo yes')).toEqual([['/bin/sh', '-c', '[ -f /etc/hostname ] && echo yes']]);
    expect(value('[ -d /srv ]')).toEqual([['/bin/sh', '-c', '[ -d /srv ]']]);
    expect(value('- not a list of lists')).toEqual([['/bin/sh', '-c', '- not a list of lists']]);
  });

  it('refuses empty argument lists, non-strings, NUL, too many or too long commands', () => {
    expect(parseGuestExec('- []')).toMatchObject({ ok: false, error: expect.stringMatching(/non-empty list of strings/) });
    expect(parseGuestExec('- [a, [b]]')).toMatchObject({ ok: false });
    expect(parseGuestExec('echo a\u0000b')).toMatchObject({ ok: false, error: expect.stringMatching(/NUL/) });
    expect(parseGuestExec(Array.from({ length: 65 }, (_, i) => `echo ${i}`).join('\n'))).toMatchObject({ ok: false, error: expect.stringMatching(/65 commands; at most 64/) });
    expect(parseGuestExec(`echo ${'x'.repeat(16384)}`)).toMatchObject({ ok: false, error: expect.stringMatching(/longer than 16384/) });
  });
});
