// Stands in for `@actions/exec` in the bundles (tsconfig.json `paths` maps the name here). @actions/core imports it
// at the top of its platform module only (core.platform.getDetails, which this action never calls), and it brings
// @actions/io and node:child_process with it: start-up cost for nothing. This stand-in keeps the functions
// platform.js uses and loads the real module, from its own file in node_modules, on first use.
import type * as Real from '../../../node_modules/@actions/exec/lib/exec.js';

let real: Promise<typeof Real> | undefined;
const load = (): Promise<typeof Real> => (real ??= import('../../../node_modules/@actions/exec/lib/exec.js'));

export const exec: typeof Real.exec = async (...args) => (await load()).exec(...args);
export const getExecOutput: typeof Real.getExecOutput = async (...args) => (await load()).getExecOutput(...args);
