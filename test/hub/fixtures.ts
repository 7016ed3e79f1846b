// fixtures.ts — repo contents for the hub tests, made at test time from shared fixtures: a folder's
// files, and a safetensors file split into shards with HF's model.safetensors.index.json (the
// format transformers' save_pretrained writes for sharded checkpoints).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file of a folder (not recursive), by name. */
export function folderFiles(dir: string, skip: (name: string) => boolean = () => false): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) if (statSync(join(dir, f)).isFile() && !skip(f)) out[f] = readFileSync(join(dir, f));
  return out;
}

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** One safetensors file from tensors (name -> header entry + bytes), header padded to 8 bytes. */
function writeSafetensors(tensors: [string, Entry, Buffer][], metadata: Record<string, string> | undefined): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, e, bytes] of tensors) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...tensors.map(([, , b]) => b)]);
}

/**
 * Splits a safetensors file into `n` shards `model-0000i-of-0000n.safetensors` (tensors in name
 * order) and the index that maps each tensor to its shard.
 */
export function shardSafetensors(file: Buffer, n: number): Record<string, Buffer> {
  const hlen = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + hlen).toString()) as Record<string, Entry | Record<string, string>>;
  const data = file.subarray(8 + hlen);
  const { __metadata__: metadata, ...rest } = header;
  const names = Object.keys(rest).sort();
  const per = Math.ceil(names.length / n);
  const out: Record<string, Buffer> = {};
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let i = 0; i < n; i++) {
    const shardName = `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    const part = names.slice(i * per, (i + 1) * per).map((name): [string, Entry, Buffer] => {
      const e = rest[name] as Entry;
      weightMap[name] = shardName;
      const bytes = data.subarray(e.data_offsets[0], e.data_offsets[1]);
      total += bytes.length;
      return [name, e, bytes];
    });
    out[shardName] = writeSafetensors(part, metadata as Record<string, string> | undefined);
  }
  out['model.safetensors.index.json'] = Buffer.from(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return out;
}
