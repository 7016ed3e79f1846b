// sharded.ts — HF sharded checkpoints: `model-00001-of-00003.safetensors` ... plus
// `model.safetensors.index.json` ({metadata: {total_size}, weight_map: {name: file}}), as
// transformers' save_pretrained / huggingface_hub's split_torch_state_dict_into_shards write them.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { ELEMENT_SIZE } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { SafetensorsError } from './format.js';
import { loadFile, safeOpen, type FileLoadOptions } from './read.js';
import { entriesOf, plan, saveFile, writeAtomic, type TensorDict } from './write.js';

/** The parsed `*.safetensors.index.json`. */
export interface ShardIndex {
  metadata: { total_size?: number; [key: string]: unknown };
  /** Tensor name -> shard file name (in the index's folder). */
  weight_map: Record<string, string>;
}

/** Options of saveSharded. */
export interface SaveShardedOptions {
  /** Largest shard: bytes, or a string like `'5GB'` (10^9) / `'2GiB'` (2^30).  Default `'5GB'`, as transformers. */
  maxShardSize?: number | string;
  /** `__metadata__` of every shard.  Default `{ format: 'pt' }` (transformers refuses files without it). */
  metadata?: Record<string, string>;
  /** File name stem (default `model`): `model.safetensors` or `model-0000i-of-0000n.safetensors`. */
  weightsName?: string;
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** Bytes from `5GB` / `2GiB` / `500MB` / a number (huggingface_hub's parse_size_to_int). */
export function parseSize(size: number | string): number {
  if (typeof size === 'number') {
    if (!(size > 0) || !Number.isFinite(size)) throw new RangeError(`maxShardSize must be a positive number of bytes, got ${size}`);
    return Math.floor(size);
  }
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]+)\s*$/.exec(size);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`maxShardSize '${size}' is not a size like '5GB' or '2GiB'`);
  return Math.floor(Number(m[1]) * unit);
}

/**
 * Saves tensors as one file if they fit in `maxShardSize`, else as HF shards plus the index.
 * Shards are filled in the given order (a tensor larger than the limit gets a shard of its own);
 * each file is written atomically and the index last.  Stale shards and a stale single file /
 * index of the other layout with the same stem are then removed, so loaders cannot pick them up.
 * @returns the files written (shard names, then the index name if sharded)
 * @example await safetensors.saveSharded(sd, 'out', { maxShardSize: '2GB' });
 */
export async function saveSharded(tensors: TensorDict, dir: string, opts: SaveShardedOptions = {}): Promise<string[]> {
  const max = parseSize(opts.maxShardSize ?? '5GB');
  const stem = opts.weightsName ?? 'model';
  const metadata = opts.metadata ?? { format: 'pt' };
  plan(tensors, metadata, dir); // every name, tensor and metadata value checked before any write
  const entries = entriesOf(tensors) as [string, Tensor][];

  // huggingface_hub's split_state_dict_into_shards_factory, minus storage-sharing detection.
  const shards: [string, Tensor][][] = [];
  let current: [string, Tensor][] = [];
  let currentSize = 0;
  let totalSize = 0;
  for (const [name, t] of entries) {
    const size = t.numel() * ELEMENT_SIZE[t.dtype];
    totalSize += size;
    if (size > max) { shards.push([[name, t]]); continue; }
    if (currentSize + size > max) { shards.push(current); current = []; currentSize = 0; }
    current.push([name, t]);
    currentSize += size;
  }
  if (current.length || shards.length === 0) shards.push(current);

  const single = `${stem}.safetensors`;
  const indexName = `${stem}.safetensors.index.json`;
  const n = shards.length;
  const names = n === 1 ? [single] : shards.map((_, i) => `${stem}-${pad5(i + 1)}-of-${pad5(n)}.safetensors`);
  for (let i = 0; i < n; i++) await saveFile(shards[i]!, join(dir, names[i]!), metadata);
  const written = [...names];
  if (n > 1) {
    const weightMap: Record<string, string> = {};
    const pairs = shards.flatMap((s, i) => s.map(([name]) => [name, names[i]!] as const));
    for (const [name, file] of pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) weightMap[name] = file;
    // Same text as transformers: json.dumps(index, indent=2, sort_keys=True) + "\n".
    const text = JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2) + '\n';
    await writeAtomic(join(dir, indexName), async (fh) => { await fh.writeFile(text, 'utf8'); });
    written.push(indexName);
  }
  await removeStale(dir, stem, new Set(written), n > 1 ? single : indexName);
  return written;
}

const pad5 = (i: number): string => String(i).padStart(5, '0');
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function removeStale(dir: string, stem: string, keep: Set<string>, otherLayout: string): Promise<void> {
  const shardRe = new RegExp(`^${escapeRe(stem)}-\\d{5}-of-\\d{5}\\.safetensors$`);
  for (const f of await readdir(dir))
    if (!keep.has(f) && (shardRe.test(f) || f === otherLayout)) await rm(join(dir, f), { force: true });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads and validates a shard index; shard names must be plain file names in its folder. */
export async function readIndex(indexPath: string): Promise<ShardIndex> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    throw new SafetensorsError(indexPath, `index is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.weight_map)) throw new SafetensorsError(indexPath, 'index has no weight_map object');
  const metadata = parsed.metadata === undefined ? {} : parsed.metadata;
  if (!isPlainObject(metadata)) throw new SafetensorsError(indexPath, 'index metadata is not an object');
  const weightMap = Object.create(null) as Record<string, string>;
  for (const [name, file] of Object.entries(parsed.weight_map)) {
    if (typeof file !== 'string' || file === '' || file === '.' || file === '..' || file !== basename(file) || file.includes('\\'))
      throw new SafetensorsError(indexPath, `weight_map['${name}'] = ${JSON.stringify(file)} is not a file name in the index's folder`);
    weightMap[name] = file;
  }
  return { metadata: metadata as ShardIndex['metadata'], weight_map: weightMap };
}

/**
 * Loads a sharded checkpoint from its folder or its index file.  Each shard is opened once and
 * only the tensors the index assigns to it are read.
 * @returns a null-prototype object name -> Tensor
 * @example const sd = await safetensors.loadSharded('Qwen2-7B/');
 */
export async function loadSharded(dirOrIndex: string, opts: FileLoadOptions & { weightsName?: string } = {}): Promise<Record<string, Tensor>> {
  const isDir = (await stat(dirOrIndex)).isDirectory();
  const indexPath = isDir ? join(dirOrIndex, `${opts.weightsName ?? 'model'}.safetensors.index.json`) : dirOrIndex;
  const index = await readIndex(indexPath);
  const dir = dirname(indexPath);
  const byFile = new Map<string, string[]>();
  for (const name of opts.names ?? Object.keys(index.weight_map)) {
    const file = Object.hasOwn(index.weight_map, name) ? index.weight_map[name] : undefined;
    if (file === undefined) throw new SafetensorsError(indexPath, `no tensor named '${name}' in the weight_map`);
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const out = Object.create(null) as Record<string, Tensor>;
  try {
    for (const [file, names] of byFile) {
      const f = await safeOpen(join(dir, file));
      try {
        const missing = names.find((n) => !Object.hasOwn(f.header.tensors, n));
        if (missing !== undefined) throw new SafetensorsError(f.path, `the index maps '${missing}' to this shard but it is not in it`);
        Object.assign(out, await f.getTensors({ ...opts, names }));
      } finally {
        await f.close();
      }
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * Loads a checkpoint folder the way transformers does: `model.safetensors` if present, else the
 * sharded `model.safetensors.index.json`.
 * @throws SafetensorsError when the folder has neither
 */
export async function loadCheckpoint(dir: string, opts: FileLoadOptions & { weightsName?: string } = {}): Promise<Record<string, Tensor>> {
  const stem = opts.weightsName ?? 'model';
  const single = join(dir, `${stem}.safetensors`);
  if (await exists(single)) return loadFile(single, opts);
  const index = join(dir, `${stem}.safetensors.index.json`);
  if (await exists(index)) return loadSharded(index, opts);
  throw new SafetensorsError(dir, `no ${stem}.safetensors or ${stem}.safetensors.index.json in this folder`);
}
