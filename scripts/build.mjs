// Bundles each action entry with ncc into dist/<entry>/index.js (ESM), as the runner loads them.
// Each bundle is built beside its target and swapped in by rename, so a test running the old bundle never
// sees a half-written or missing file.
//
// Start-up cost is kept down by what the entries load (src/entries/): tsconfig.json `paths` map `undici` and
// `@actions/http-client` to lazy stand-ins (src/entries/lazy/), which ncc honours like tsc. checkStartup() below
// fails the build if that stops working: the entry file must stay small and free of @actions/core, and no chunk the
// entry imports may contain undici's index or @actions/http-client (those must stay in chunks loaded on demand).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';

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

for (const entry of ['main', 'post']) {
  const tmp = `dist/.${entry}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', `src/entries/${entry}.ts`, '-o', tmp, '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );
  checkChunks(tmp);
  checkStartup(tmp, entry);
  const old = `dist/.${entry}-old-${process.pid}`;
  try {
    renameSync(`dist/${entry}`, old);
  } catch {
    // first build: nothing to move away
  }
  renameSync(tmp, `dist/${entry}`);
  rmSync(old, { recursive: true, force: true });
}
