// Module customization hook (see trace-loads.mjs): records every module URL the process loads, before loading it.
// Synchronous appends, so the record is complete whenever the process ends.
import { appendFileSync } from 'node:fs';

const file = process.env.TRACE_LOADS_FILE;

export async function load(url, context, nextLoad) {
  if (file) appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
