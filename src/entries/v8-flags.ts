// Imported first by each entry, before the bundle's other modules run.
//
// undici parses HTTP with llhttp compiled to WebAssembly, and V8 compiles that module with both of its tiers:
// the optimising tier (TurboFan) alone raised the step's peak memory from ~64 MB to ~100 MB and added ~40 ms,
// for a parser that handles a few dozen small JSON answers per step. The baseline tier (Liftoff) is plenty.
// The flag must be set before undici compiles the module, i.e. before the first connection.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
