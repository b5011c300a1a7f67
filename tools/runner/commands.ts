// The runner's command channels, parsed as actions/runner parses them: the file commands (GITHUB_OUTPUT, GITHUB_STATE,
// GITHUB_ENV: `name=value` lines and `name<<DELIM` heredocs) and the workflow commands an action prints on stdout
// (`::error::`, `::add-mask::`, `::group::`, `::stop-commands::`, the deprecated `::set-output::`/`::save-state::`).

export interface Annotation {
  level: 'error' | 'warning' | 'notice' | 'debug';
  message: string;
  props: Record<string, string>;
}

/** Parses a runner file-command file (GITHUB_OUTPUT/STATE/ENV): `name=value` lines and `name<<DELIM` heredocs. */
export function parseKeyValueFile(text: string, what = 'file'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (!name) throw new Error(`${what}: invalid format '${line}' (empty name)`);
      out[name] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (!name || !delim) throw new Error(`${what}: invalid format '${line}'`);
      const value: string[] = [];
      for (i++; ; i++) {
        if (i >= lines.length) throw new Error(`${what}: matching delimiter not found '${delim}'`);
        if (lines[i] === delim) break;
        value.push(lines[i]);
      }
      out[name] = value.join('\n');
    } else {
      throw new Error(`${what}: invalid format '${line}'`);
    }
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

export interface CommandSink {
  annotations: Annotation[];
  masks: string[];
  groups: string[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** While set, commands are ignored until `::<token>::` (the runner's stop-commands). */
  stopToken?: string;
}

/** Applies one output line the way the runner's command parser does (after trimming leading spaces). */
function processLine(raw: string, sink: CommandSink): void {
  const line = raw.trimStart();
  if (!line.startsWith('::')) return;
  const end = line.indexOf('::', 2);
  if (end < 0) return;
  const info = line.slice(2, end);
  const data = unescapeData(line.slice(end + 2));
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  if (sink.stopToken !== undefined) {
    if (command === sink.stopToken) sink.stopToken = undefined;
    return;
  }
  const props: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) props[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  switch (command) {
    case 'error':
    case 'warning':
    case 'notice':
    case 'debug':
      sink.annotations.push({ level: command, message: data, props });
      break;
    case 'add-mask':
      if (data.trim()) sink.masks.push(data);
      break;
    case 'group':
      sink.groups.push(data);
      break;
    case 'stop-commands':
      sink.stopToken = data;
      break;
    // The deprecated stdout forms still work on hosted runners; accept them so a regression to them shows up.
    case 'set-output':
      if (props.name) sink.outputs[props.name] = data;
      break;
    case 'save-state':
      if (props.name) sink.state[props.name] = data;
      break;
  }
}

export function processStream(text: string, sink: CommandSink): void {
  for (const line of text.split(/\r?\n/)) processLine(line, sink);
}
