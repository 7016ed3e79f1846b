// checkpoint.ts — finds and reads a checkpoint folder's weights in transformers' order of
// preference: model.safetensors, model.safetensors.index.json (shards), pytorch_model.bin,
// pytorch_model.bin.index.json (shards of torch.save archives).
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadTorchCheckpoint, safetensors, type Tensor, type DType } from '../../torch/index.js';

/** HF's weight file names. */
export const WEIGHTS_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;

const exists = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

/** Which weight file a folder would be loaded from, or null. */
export async function findWeights(dir: string): Promise<string | null> {
  for (const f of WEIGHTS_FILES) if (await exists(join(dir, f))) return f;
  return null;
}

/**
 * Reads every tensor of a checkpoint folder onto the CPU (floating tensors cast to `dtype` when
 * given).  Returns the tensors and the file they came from.
 * @throws Error naming the files looked for when the folder has none of them
 */
export async function loadWeights(dir: string, opts: { dtype?: DType } = {}): Promise<{ tensors: Record<string, Tensor>; file: string }> {
  const file = await findWeights(dir);
  if (file === null) throw new Error(`${dir}: no model weights found (looked for ${WEIGHTS_FILES.join(', ')})`);
  const path = join(dir, file);
  if (file === 'model.safetensors' || file === 'model.safetensors.index.json')
    return { tensors: await safetensors.loadCheckpoint(dir, { dtype: opts.dtype }), file };
  if (file === 'pytorch_model.bin') return { tensors: await loadTorchCheckpoint(path, opts), file };
  // Sharded torch checkpoint: {weight_map: {name: shard file}}.
  const index = JSON.parse(await readFile(path, 'utf8')) as { weight_map?: Record<string, unknown> };
  if (!index || typeof index.weight_map !== 'object' || index.weight_map === null) throw new Error(`${path}: no weight_map object`);
  const shards = new Set<string>();
  for (const [name, f] of Object.entries(index.weight_map)) {
    if (typeof f !== 'string' || f !== basename(f) || f === '.' || f === '..') throw new Error(`${path}: weight_map['${name}'] = ${JSON.stringify(f)} is not a file name in the folder`);
    shards.add(f);
  }
  const out = Object.create(null) as Record<string, Tensor>;
  try {
    for (const s of shards) Object.assign(out, await loadTorchCheckpoint(join(dir, s), opts));
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return { tensors: out, file };
}
