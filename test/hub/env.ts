// env.ts — per-test Hub environment: a fresh cache and HF_HOME in a temp folder, HF_ENDPOINT at
// the loopback server, no token or offline flag inherited from the machine; restored afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VARS = [
  'HF_ENDPOINT', 'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH',
  'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_HUB_DISABLE_SYMLINKS', 'HF_HUB_DISABLE_IMPLICIT_TOKEN', 'XDG_CACHE_HOME',
] as const;

/** Sets the Hub variables for a test; returns the temp root and a restore function. */
export function hubEnv(endpoint: string): { root: string; cache: string; restore: () => void } {
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  const root = mkdtempSync(join(tmpdir(), 'tunekit-hubtest-'));
  for (const k of VARS) delete process.env[k];
  process.env.HF_HOME = join(root, 'hf-home');
  process.env.HF_HUB_CACHE = join(root, 'cache');
  process.env.HF_ENDPOINT = endpoint;
  return {
    root,
    cache: join(root, 'cache'),
    restore: () => {
      for (const k of VARS) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
      rmSync(root, { recursive: true, force: true });
    },
  };
}
