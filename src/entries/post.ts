import { run } from '../post.js';
import { baselineWasmOnly } from './v8-flags.js';

baselineWasmOnly();
await run();
