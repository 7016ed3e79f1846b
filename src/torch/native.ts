// native.ts — the only file that loads the C++ addon (native/build/Release/tunekit_native.node).
// Handles are plain numbers (see native/src/args.h); every export is guarded in C++ and throws
// TorchError on bad input.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TorchError } from './errors.js';
import { allocationLimitFromEnv } from './limits.js';

import type { NativeOps } from './native-types.js';

export type { Handle, NativeOps, NativeGenerator, GeneratorExternal, DTypeCode } from './native-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const candidates = [
  process.env.TUNEKIT_NATIVE,
  join(root, 'native', 'build', 'Release', 'tunekit_native.node'),
  join(root, 'native', 'build', 'Debug', 'tunekit_native.node'),
].filter((p): p is string => !!p);
const path = candidates.find((p) => existsSync(p));
if (!path) {
  throw new Error(
    `tunekit: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Run `npm run build` (needs libtorch: Debian `apt-get install libtorch-dev`, or LIBTORCH=/path).',
  );
}
const require = createRequire(import.meta.url);
/** The addon's exports: one function per op, typed by native-types.ts (generated from native/src). */
export const native = require(path) as NativeOps;
native.setErrorClass(TorchError);
native.setAllocationLimit(allocationLimitFromEnv());

/**
 * Sets the largest single CPU allocation in bytes (0 = no limit) and returns the previous one.
 * A tensor over it fails with a TorchError ("refusing to allocate N bytes ...") before any memory
 * is asked for.  The default is this machine's memory (src/torch/limits.ts); the limit is
 * process-wide (worker threads share libtorch's allocator).
 */
export function setAllocationLimit(bytes: number): number {
  return native.setAllocationLimit(bytes);
}
