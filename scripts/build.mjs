// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
// Each bundle is built beside its target and swapped in by rename, so a test running the old bundle never
// sees a half-written or missing file.
//
// Start-up cost is kept down by what the entries load (src/entries/): tsconfig.json `paths` map `undici` and
// `@actions/http-client` to lazy stand-ins (src/entries/lazy/), which ncc honours like tsc. checkStartup() below
// fails the build if that stops working: the entry file must stay small and free of @actions/core, and no chunk the
// entry imports may contain undici (its index or its HTTP client) or @actions/http-client (those must stay in chunks
// loaded on demand: the PVE client uses node:https).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Chunks: ncc emits every dynamic import() of the bundle (the lazy undici/http-client stand-ins, the GitHub client,
// the post step's work) as `<id>.index.js` beside index.js, loaded on demand through `__nccwpck_require__.e(<id>)`
// from index.js or from another chunk. They are part of the bundle and committed with it (the dist drift checks see
// a new, changed or missing one); this refuses an output that names a chunk that is not there, or holds one that
// nothing reachable from index.js names.
function checkChunks(dir) {
  // index.js calls `__nccwpck_require__.e(<id>)`; chunks keep webpack's name and a comment: `__webpack_require__.e(/* import() */ <id>)`.
  const refs = (file) =>
    [...readFileSync(`${dir}/${file}`, 'utf8').matchAll(/__(?:nccwpck|webpack)_require__\.e\((?:\/\*[^*]*\*\/\s*)?(\d+)\)/g)].map((m) => `${m[1]}.index.js`);
  const present = new Set(readdirSync(dir).filter((f) => /^\d+\.index\.js$/.test(f)));
  const named = new Set();
  const queue = ['index.js'];
  while (queue.length) {
    for (const r of refs(queue.pop())) {
      if (named.has(r)) continue;
      named.add(r);
      if (present.has(r)) queue.push(r);
    }
  }
  const missing = [...named].filter((f) => !present.has(f));
  const stray = [...present].filter((f) => !named.has(f));
  if (missing.length || stray.length)
    throw new Error(`${dir}: chunk files missing (${missing.join(', ') || 'none'}) or unreferenced (${stray.join(', ') || 'none'})`);
}

const ENTRY_MAX_BYTES = 64 * 1024;

function checkStartup(dir, entry) {
  const index = readFileSync(`${dir}/index.js`, 'utf8');
  const problems = [];
  if (index.length > ENTRY_MAX_BYTES) problems.push(`index.js is ${index.length} bytes (limit ${ENTRY_MAX_BYTES})`);
  if (/add-mask|GITHUB_STATE/.test(index)) problems.push('index.js contains @actions/core');
  const chunks = new Set([...index.matchAll(/__nccwpck_require__\.e\((\d+)\)/g)].map((m) => m[1]));
  for (const id of chunks) {
    const text = readFileSync(`${dir}/${id}.index.js`, 'utf8');
    if (text.includes('MockAgent')) problems.push(`chunk ${id} (imported by the entry) contains undici's index`);
    if (text.includes('HttpClientError')) problems.push(`chunk ${id} (imported by the entry) contains @actions/http-client`);
    // The PVE client speaks node:https (src/proxmox/transport.ts): undici's HTTP/1 client (WebAssembly llhttp) stays out.
    if (text.includes('lazyllhttp')) problems.push(`chunk ${id} (imported by the entry) contains undici's HTTP client`);
    if (text.includes('class ToolRunner')) problems.push(`chunk ${id} (imported by the entry) contains @actions/exec`);
    // Loaded by src/inputs/parse.ts when an input holds YAML/JSON (loadYaml).
    if (text.includes('/*! js-yaml')) problems.push(`chunk ${id} (imported by the entry) contains js-yaml`);
  }
  if (problems.length) throw new Error(`dist/${entry}: start-up check failed:\n  ${problems.join('\n  ')}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  const size = (f) => statSync(`${dir}/${f}`).size;
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const loaded = ['index.js', ...[...chunks].map((id) => `${id}.index.js`)];
  console.log(
    `dist/${entry}: entry ${kib(size('index.js'))}; with the action's chunks ${kib(loaded.reduce((a, f) => a + size(f), 0))};` +
      ` ${files.length} files, ${kib(files.reduce((a, f) => a + size(f), 0))} in all (the rest loads on demand)`,
  );
}

// licenses.txt: ncc's --license file is written per chunk under one name, so with chunks the last one written wins and
// the packages of index.js go missing from it. It is rewritten from the build's module list (--stats-out), in ncc's
// format ("<name>\n<license>\n<license text>" blocks, blank-line separated) that scripts/check-licenses.mjs reads.
function writeLicenses(dir) {
  const stats = JSON.parse(readFileSync(`${dir}/stats.json`, 'utf8'));
  rmSync(`${dir}/stats.json`);
  const names = new Set();
  const walk = (mods) => {
    for (const m of mods ?? []) {
      const resource = String(m.identifier ?? m.name ?? '').split('!').pop().split('|')[0];
      const at = resource.lastIndexOf('node_modules/');
      if (at >= 0) {
        const [a, b] = resource.slice(at + 'node_modules/'.length).split('/');
        names.add(a.startsWith('@') ? `${a}/${b}` : a);
      }
      walk(m.modules);
    }
  };
  walk(stats.modules);
  const blocks = [...names].sort().map((name) => {
    const pkgDir = join('node_modules', name);
    const license = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).license ?? 'UNKNOWN';
    const file = readdirSync(pkgDir).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
    const text = file && existsSync(join(pkgDir, file)) ? readFileSync(join(pkgDir, file), 'utf8').trim() : '';
    return `${name}\n${license}\n${text}\n`;
  });
  writeFileSync(`${dir}/licenses.txt`, blocks.join('\n'));
}

for (const entry of ['main', 'post']) {
  const tmp = `dist/.${entry}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', tmp, '--license', 'licenses.txt', '--stats-out', `${tmp}/stats.json`, '--quiet'],
    { stdio: 'inherit' },
  );
  checkChunks(tmp);
  checkStartup(tmp, entry);
  writeLicenses(tmp);
  const old = `dist/.${entry}-old-${process.pid}`;
  try {
    renameSync(`dist/${entry}`, old);
  } catch {
    // first build: nothing to move away
  }
  renameSync(tmp, `dist/${entry}`);
  rmSync(old, { recursive: true, force: true });
}
