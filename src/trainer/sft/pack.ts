// pack.ts — TRL's pack_dataset (trl 1.13 data_utils.py): tokenized rows packed into rows of at most
// `seqLength` tokens. 'bfd' (best-fit decreasing, overflow cut off), 'bfd_split' (overflow split
// into fragments that are packed too) and 'wrapped' (concatenate and cut every seqLength tokens,
// ignoring boundaries). The bfd strategies record each row's `seq_lengths`, from which the collator
// makes position_ids that restart at every sequence, and the models a block-diagonal causal mask.
// As TRL (datasets.map, batched, batch_size 1000), rows are packed 1000 at a time.

/** A tokenized row: list columns of equal length (input_ids, labels, ...). */
export type TokenRow = Record<string, number[]>;
/** A packed row: the packed columns plus, for bfd, the length of each sequence in it. */
export type PackedRow = Record<string, number[]> & { seq_lengths?: number[] };

/** datasets.map's default batch size, which bounds what TRL packs together. */
export const PACK_BATCH_SIZE = 1000;

/**
 * The smallest free space >= a length, over spaces 1..maxval (TRL's _SegmentTree, from "Fewer
 * Truncations Improve Language Modeling"): a max-tree over leaves indexed by space.
 */
class SpaceTree {
  readonly size: number;
  readonly tree: Int32Array;
  constructor(readonly maxval: number) {
    let size = 1;
    while (size < maxval) size <<= 1; // Python: 1 << (maxval - 1).bit_length()
    this.size = size;
    this.tree = new Int32Array(2 * this.size);
  }
  #set(val: number, to: number): void {
    let i = this.size + val - 1;
    this.tree[i] = to;
    while (i > 1) {
      i >>= 1;
      const l = this.tree[2 * i]!, r = this.tree[2 * i + 1]!;
      this.tree[i] = l >= r ? l : r;
    }
  }
  add(val: number): void { this.#set(val, val); }
  remove(val: number): void { this.#set(val, 0); }
  /** The leftmost (smallest) available space >= val. */
  search(val: number): number {
    let i = 1;
    while (i < this.size) i = this.tree[2 * i]! >= val ? 2 * i : 2 * i + 1;
    return this.tree[i]!;
  }
}

function checkColumns(rows: readonly TokenRow[], where: string): string[] {
  const names = Object.keys(rows[0] ?? {}).filter((k) => k !== 'seq_lengths');
  rows.forEach((r, i) => {
    for (const n of names) {
      if (!Array.isArray(r[n])) throw new TypeError(`${where}: packing needs list columns; row ${i} column '${n}' is not a list`);
      if (r[n]!.length !== r[names[0]!]!.length) throw new RangeError(`${where}: row ${i}: column '${n}' has ${r[n]!.length} values but '${names[0]}' has ${r[names[0]!]!.length}; packed columns must have equal lengths`);
    }
  });
  return names;
}

/** One batch, best-fit decreasing (TRL _pack_bfd). */
function packBfdBatch(rows: readonly TokenRow[], seqLength: number, overflow: 'truncate' | 'split', names: string[]): PackedRow[] {
  // sequences (or fragments): [row index, start, length]
  const seqs: Array<[number, number, number]> = [];
  rows.forEach((r, i) => {
    const n = r[names[0]!]!.length;
    if (n === 0) return; // TRL drops empty sequences
    if (overflow === 'truncate') seqs.push([i, 0, Math.min(n, seqLength)]);
    else for (let s = 0; s < n; s += seqLength) seqs.push([i, s, Math.min(seqLength, n - s)]); // full fragments first, the remainder last
  });
  // Longest first; pyarrow's sort is stable, so equal lengths keep their order.
  const order = seqs.map((_, k) => k).sort((a, b) => seqs[b]![2] - seqs[a]![2] || a - b);
  const tree = new SpaceTree(seqLength);
  tree.add(seqLength); // an empty bin is always available
  const bySpace = new Map<number, Array<{ ids: number[]; length: number }>>();
  const bins: Array<{ ids: number[]; length: number }> = [];
  for (const k of order) {
    const len = seqs[k]![2];
    let space = tree.search(len);
    let bin: { ids: number[]; length: number };
    if (space < seqLength) {
      const q = bySpace.get(space)!;
      bin = q.shift()!; // the oldest bin with exactly this space
      if (q.length === 0) tree.remove(space);
    } else {
      bin = { ids: [], length: 0 };
      bins.push(bin);
    }
    bin.ids.push(k);
    bin.length += len;
    space -= len;
    let q = bySpace.get(space);
    if (!q) bySpace.set(space, (q = []));
    q.push(bin);
    if (space > 0) tree.add(space);
  }
  return bins.map((bin) => {
    const out: PackedRow = {};
    for (const n of names) {
      const col: number[] = [];
      for (const k of bin.ids) {
        const [i, s, len] = seqs[k]!;
        const src = rows[i]![n]!;
        for (let t = s; t < s + len; t++) col.push(src[t]!);
      }
      out[n] = col;
    }
    out.seq_lengths = bin.ids.map((k) => seqs[k]![2]);
    return out;
  });
}

/** One batch, wrapped (TRL _pack_wrapped): everything concatenated and cut every seqLength tokens. */
function packWrappedBatch(rows: readonly TokenRow[], seqLength: number, names: string[]): PackedRow[] {
  const flat: Record<string, number[]> = {};
  for (const n of names) flat[n] = rows.flatMap((r) => r[n]!);
  const total = flat[names[0]!]!.length;
  const out: PackedRow[] = [];
  for (let s = 0; s < total; s += seqLength) {
    const row: PackedRow = {};
    for (const n of names) row[n] = flat[n]!.slice(s, s + seqLength);
    out.push(row);
  }
  return out;
}

/**
 * TRL pack_dataset on in-memory rows.  Every column of `rows` must be a list of numbers of the
 * same length per row (input_ids, labels, ...).
 * @example packDataset([{ input_ids: [1, 2, 3, 4, 5] }, { input_ids: [6, 7] }, { input_ids: [8, 9, 10] }, { input_ids: [11] }], 4)
 *   // → input_ids [[1, 2, 3, 4], [8, 9, 10, 11], [6, 7]], seq_lengths [[4], [3, 1], [2]]
 */
export function packDataset(rows: readonly TokenRow[], seqLength: number, strategy: 'bfd' | 'bfd_split' | 'wrapped' = 'bfd', where = 'pack_dataset'): PackedRow[] {
  if (!Number.isInteger(seqLength) || seqLength < 1) throw new RangeError(`${where}: seq_length must be a positive integer, got ${seqLength}`);
  if (strategy !== 'bfd' && strategy !== 'bfd_split' && strategy !== 'wrapped')
    throw new RangeError(`Invalid packing strategy '${strategy}', must be one of ('bfd', 'bfd_split', 'wrapped').`);
  if (rows.length === 0) return [];
  const names = checkColumns(rows, where);
  const out: PackedRow[] = [];
  for (let b = 0; b < rows.length; b += PACK_BATCH_SIZE) {
    const batch = rows.slice(b, b + PACK_BATCH_SIZE);
    out.push(...(strategy === 'wrapped' ? packWrappedBatch(batch, seqLength, names) : packBfdBatch(batch, seqLength, strategy === 'bfd' ? 'truncate' : 'split', names)));
  }
  return out;
}
