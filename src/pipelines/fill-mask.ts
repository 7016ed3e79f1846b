// fill-mask.ts — FillMaskPipeline of transformers 4.47 pipelines/fill_mask.py: the top_k tokens
// for each mask token of a text (softmax over the vocabulary, or over `targets` only), each with
// the text it completes.
import { Pipeline } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';

/** One proposal for a mask (HF's dict). */
export interface FillMaskResult {
  /** Probability of the token at this mask. */
  score: number;
  /** Its id. */
  token: number;
  /** decode([token]). */
  token_str: string;
  /** The input with the mask replaced (special tokens dropped for a single mask). */
  sequence: string;
}
/** One text: a list of proposals; a text with several masks: one list per mask. */
export type FillMaskOutput = FillMaskResult[] | FillMaskResult[][];

/** Call options (HF keyword arguments); each also in camelCase (`topK`). */
export type FillMaskOptions = WithCamelAliases<FillMaskArgs>;

/** The call options under HF's names. */
export interface FillMaskArgs {
  /** Proposals per mask (default 5; at most the number of targets). */
  top_k?: number;
  /** Score only these tokens; a word missing from the vocabulary becomes its first sub-token (with a warning). */
  targets?: string | string[];
}


/**
 * Predicts the masked token(s) of a text with a masked-LM model.
 * @example
 *   const fill = await pipeline('fill-mask', { model: dir });
 *   await fill('Paris is the [MASK] of France.', { top_k: 3 });
 *   // [{ score, token, token_str: 'capital', sequence: 'paris is the capital of france.' }, ...]
 */
export class FillMaskPipeline extends Pipeline {
  static override readonly optionNames: readonly string[] = ['top_k', 'targets'];

  call(inputs: string, opts?: FillMaskOptions): Promise<FillMaskOutput>;
  /** Several texts: one output each (a list of one gives the output itself, as HF). */
  call(inputs: string[], opts?: FillMaskOptions): Promise<FillMaskOutput[] | FillMaskOutput>;
  async call(inputs: string | string[], options: FillMaskOptions = {}): Promise<FillMaskOutput | FillMaskOutput[]> {
    const opts = this.callOptions(options) as FillMaskArgs;
    let topK = opts.top_k ?? 5;
    if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`top_k must be a positive integer, got ${topK}`);
    const targetIds = opts.targets === undefined ? null : await this.getTargetIds(opts.targets);
    if (targetIds !== null && targetIds.length < topK) topK = targetIds.length;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const out: FillMaskOutput[] = [];
    for (const text of list) out.push(await this.one(text, topK, targetIds));
    return Array.isArray(inputs) && inputs.length !== 1 ? out : out[0]!;
  }

  /** HF get_target_ids: vocabulary ids of the targets (deduplicated). */
  private async getTargetIds(targets: string | string[]): Promise<number[]> {
    const tok = this.tokenizer;
    const vocab = tok.getVocab();
    const ids: number[] = [];
    for (const target of typeof targets === 'string' ? [targets] : targets) {
      let id = vocab[target];
      if (id === undefined) {
        const sub = (await tok.call(target, { addSpecialTokens: false, returnAttentionMask: false, returnTokenTypeIds: false, maxLength: 1, truncation: true })).input_ids;
        if (sub.length === 0) {
          console.warn(`The specified target token \`${target}\` does not exist in the model vocabulary. We cannot replace it with anything meaningful, ignoring it`);
          continue;
        }
        id = sub[0]!;
        console.warn(`The specified target token \`${target}\` does not exist in the model vocabulary. Replacing with \`${tok.convertIdsToTokens(id)}\`.`);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0) throw new Error('At least one target must be provided when passed.');
    return ids;
  }

  /** HF preprocess + _forward + postprocess of one text. */
  private async one(text: string, topK: number, targetIds: number[] | null): Promise<FillMaskOutput> {
    const tok = this.tokenizer;
    const maskId = tok.maskTokenId;
    const enc = await tok.call(text);
    const ids = enc.input_ids;
    const masked = ids.flatMap((id, j) => (id === maskId ? [j] : []));
    if (maskId === null || masked.length === 0) throw new Error(`fill-mask: No mask_token (${tok.maskToken}) found on the input`);
    const rows: Record<string, number[][]> = {};
    for (const k of tok.modelInputNames) if (enc.data[k]) rows[k] = [enc.data[k] as number[]];
    const { logits } = this.forward(rows, ['logits']) as { logits: number[][][] }; // (1, T, V)
    const single = masked.length === 1;
    const result = masked.map((pos) => {
      const row = logits[0]![pos]!;
      // Softmax over the whole vocabulary first; targets only pick from it (HF: probs[..., target_ids]).
      let m = -Infinity;
      for (const x of row) if (x > m) m = x;
      let sum = 0;
      for (const x of row) sum += Math.exp(x - m);
      const candidates = targetIds ?? row.map((_, i) => i);
      if (topK > candidates.length) throw new RangeError(`top_k (${topK}) is larger than the ${candidates.length} candidate tokens`);
      const probs = candidates.map((id) => ({ id, p: Math.exp(row[id]! - m) / sum }));
      probs.sort((a, b) => b.p - a.p); // stable: ties keep the lower candidate position first
      return probs.slice(0, topK).map(({ id, p }) => {
        const filled = ids.map((t, j) => (j === pos ? id : t)).filter((t) => t !== tok.padTokenId);
        // A single mask: special tokens dropped for readability; several: kept, so the other masks stay visible.
        return { score: p, token: id, token_str: tok.decode([id]), sequence: tok.decode(filled, { skipSpecialTokens: single }) };
      });
    });
    return single ? result[0]! : result;
  }
}
