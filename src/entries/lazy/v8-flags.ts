// undici parses HTTP with llhttp compiled to WebAssembly, and V8 compiles that module with both of its tiers. The
// optimising tier (TurboFan) alone raised a step's peak memory from ~63 MB to ~98 MB and kept the process ~45 ms
// longer at exit, for a parser that handles a few dozen small JSON answers per step: the baseline tier (Liftoff) is
// plenty.
//
// Only undici's users need it: the PVE client speaks node:https (src/proxmox/transport.ts); fetch and the GitHub
// client load undici on demand (lazy/undici.ts loadFull), which sets the flag first. Set late on purpose: changing a
// V8 flag makes Node compile the built-in modules it loads afterwards without their code cache (~20 ms if done at
// start-up).
import { setFlagsFromString } from 'node:v8';

export function baselineWasmOnly(): void {
  setFlagsFromString('--liftoff-only');
}
