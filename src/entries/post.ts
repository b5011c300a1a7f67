import './v8-flags.js';
import { run } from '../post.js';
await run();
