import { run } from '../main.js';
import { baselineWasmOnly } from './v8-flags.js';

baselineWasmOnly();
await run();
