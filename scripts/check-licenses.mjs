// Checks what dist/ bundles: every package ncc lists in dist/<entry>/licenses.txt (written by scripts/build.mjs
// through ncc's --license option) must carry a license from the allow-list below, agree with its own package.json,
// and no file of the simulator's AGPL-3.0 schema data (sim/schema/pve-schema.json) may end up in a bundle.
// Usage: node scripts/check-licenses.mjs   (exit 1 with the reasons when something is not allowed)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ALLOWED = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0'];
export const ENTRIES = ['main', 'post'];

/** The packages of one licenses.txt: ncc writes "<name>\n<license>\n<text>" blocks separated by blank lines. */
export function bundledPackages(text, root = '.') {
  const lines = text.split('\n');
  const found = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (i > 0 && lines[i - 1] !== '') continue;
    const name = lines[i];
    if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(name)) continue;
    if (!existsSync(join(root, 'node_modules', name, 'package.json'))) continue;
    found.push({ name, license: lines[i + 1].trim() });
  }
  return found;
}

export function checkLicenses(root = '.') {
  const problems = [];
  const packages = new Map();
  for (const entry of ENTRIES) {
    const file = join(root, 'dist', entry, 'licenses.txt');
    if (!existsSync(file)) {
      problems.push(`${file} is missing: scripts/build.mjs must pass --license licenses.txt to ncc`);
      continue;
    }
    const listed = bundledPackages(readFileSync(file, 'utf8'), root);
    if (listed.length === 0) problems.push(`${file} lists no package`);
    for (const p of listed) {
      packages.set(p.name, p.license);
      if (!ALLOWED.includes(p.license)) problems.push(`${p.name} (dist/${entry}): license ${p.license} is not in the allow-list ${ALLOWED.join(', ')}`);
      const declared = JSON.parse(readFileSync(join(root, 'node_modules', p.name, 'package.json'), 'utf8')).license;
      if (declared !== p.license) problems.push(`${p.name}: licenses.txt says ${p.license}, its package.json ${declared}`);
    }
    for (const f of readdirSync(join(root, 'dist', entry))) {
      if (!f.endsWith('.js') && !f.endsWith('.json')) continue;
      const text = readFileSync(join(root, 'dist', entry, f), 'utf8');
      if (text.includes('Proxmox Server Solutions GmbH, AGPL') || text.includes('_allEndpoints'))
        problems.push(`dist/${entry}/${f} contains the simulator's AGPL-3.0 schema data (sim/schema): the action must not import sim/`);
    }
  }
  return { packages, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { packages, problems } = checkLicenses();
  for (const [name, license] of [...packages].sort()) console.log(`${license.padEnd(14)} ${name}`);
  if (problems.length) {
    for (const p of problems) console.error(`::error title=License check::${p}`);
    process.exit(1);
  }
  console.log(`${packages.size} bundled packages, all under allowed licenses`);
}
