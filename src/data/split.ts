// src/data/split.ts — split specs such as 'train[:10%]', 'train[100:200]', 'train[-10:]',
// 'train[10%:20%]', 'train+test', 'test[:33%](pct1_dropremainder)'. Mirrors
// datasets/arrow_reader.py (ReadInstruction, _str_to_read_instruction, _rel_to_abs_instr).

/** One `split[from:to](rounding)` term of a spec, before it is resolved against split sizes. */
export interface RelativeInstruction {
  split: string;
  from: number | null;
  to: number | null;
  unit: 'abs' | '%';
  rounding: 'closest' | 'pct1_dropremainder';
}

/** An absolute row range [from, to) of one split. */
export interface SplitRange {
  split: string;
  from: number;
  to: number;
}

// HF's _SUB_SPEC_RE: the split name is \w+(\.\w+)*, numbers may contain '_' (Python int literals).
const SUB_SPEC = /^(\w+(?:\.\w+)*)(?:\[(?:(-?[\d_]+)(%)?)?:(?:(-?[\d_]+)(%)?)?\])?(?:\(([^)]*)\))?$/;

function parseInt_(s: string, spec: string): number {
  if (!/^-?\d+(?:_\d+)*$/.test(s)) throw new SyntaxError(`Unrecognized instruction format: ${spec}`);
  return Number(s.replace(/_/g, ''));
}

/** Parses a spec into its '+'-separated terms; throws HF's messages for bad syntax. */
export function parseSplitSpec(spec: string): RelativeInstruction[] {
  const subs = spec.split(/\s*\+\s*/);
  return subs.map((sub) => {
    const m = SUB_SPEC.exec(sub.trim());
    if (!m) throw new SyntaxError(`Unrecognized instruction format: ${sub} (in split '${spec}'; expected e.g. 'train', 'train[:10%]', 'train[100:200]', 'train[-10:]', 'train+test')`);
    const [, split, from, fromPct, to, toPct, rounding] = m;
    const unit = fromPct || toPct ? '%' : 'abs';
    if (rounding !== undefined && rounding !== 'closest' && rounding !== 'pct1_dropremainder')
      throw new SyntaxError(`Rounding should be one of closest, pct1_dropremainder; got '${rounding}' in '${spec}'`);
    if (rounding !== undefined && unit !== '%') throw new SyntaxError(`Rounding can only be used with percent slicing: '${spec}'`);
    const ins: RelativeInstruction = {
      split: split!,
      from: from === undefined ? null : parseInt_(from, spec),
      to: to === undefined ? null : parseInt_(to, spec),
      unit,
      rounding: (rounding as RelativeInstruction['rounding'] | undefined) ?? 'closest',
    };
    if (unit === '%' && ((ins.from !== null && Math.abs(ins.from) > 100) || (ins.to !== null && Math.abs(ins.to) > 100)))
      throw new RangeError(`Percent slice boundaries must be > -100 and < 100. (split '${spec}')`);
    return ins;
  });
}

/** A list of names as Python prints it (HF's messages). */
export function pyList(names: readonly string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

/** Python's round(): halves go to the even neighbour (round(0.5) = 0, round(2.5) = 2). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

function pctToAbs(boundary: number, n: number, rounding: RelativeInstruction['rounding']): number {
  if (rounding === 'closest') return roundHalfEven((boundary * n) / 100) + 0; // + 0: no -0
  if (n < 100)
    throw new RangeError('Using "pct1_dropremainder" rounding on a split with less than 100 elements is forbidden: it always results in an empty dataset.');
  return boundary * Math.trunc(n / 100);
}

/**
 * Resolves a spec against split sizes. Like HF, negative bounds count from the end and bounds
 * past the end are clamped (so 'train[5000:]' of 10 rows is empty); unknown splits throw.
 */
export function resolveSplitSpec(spec: string, sizes: Readonly<Record<string, number>>): SplitRange[] {
  return parseSplitSpec(spec).map((ins) => {
    const n = sizes[ins.split];
    if (n === undefined || !Object.prototype.hasOwnProperty.call(sizes, ins.split))
      throw new Error(`Unknown split "${ins.split}". Should be one of ${pyList(Object.keys(sizes))}.`);
    let from: number;
    let to: number;
    if (ins.unit === '%') {
      from = ins.from === null ? 0 : pctToAbs(ins.from, n, ins.rounding);
      to = ins.to === null ? n : pctToAbs(ins.to, n, ins.rounding);
    } else {
      from = ins.from ?? 0;
      to = ins.to ?? n;
    }
    if (from < 0) from = Math.max(n + from, 0);
    if (to < 0) to = Math.max(n + to, 0);
    return { split: ins.split, from: Math.min(from, n), to: Math.min(to, n) };
  });
}
