// pooling.ts — how a sequence-classification head turns a base model's (B, T, H) output into one
// vector per sequence: the encoder's pooler (BERT), its first token (DistilBERT's [CLS], RoBERTa's
// <s>), or a decoder's last non-pad token (transformers 5.x GenericForSequenceClassification,
// modeling_layers.py: the rightmost position whose input id is not pad_token_id).
import { arange, type Tensor } from '../../torch/index.js';

/** Which vector of the sequence a classifier reads. */
export type Pooling = 'pooler' | 'first' | 'last-non-pad';

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'TUNEKIT_POOLING' });
}

/**
 * The position each row's classifier reads, HF's rule: with a pad token, the rightmost position
 * where input_ids != pad_token_id (right and left padding alike; a row of pads only gives 0);
 * without one, the last position (-1), which HF allows for a batch of one sequence only; with
 * inputs_embeds (no ids to look at), the last position, with HF's warning.
 * input_ids: (B, T) -> (B) int64 indices, or -1 for "the last position of every row".
 * @throws Error for a batch of more than one sequence when pad_token_id is null (HF's ValueError)
 */
export function lastNonPadIndex(inputIds: Tensor | null | undefined, padTokenId: number | null, batchSize: number, who: string): Tensor | -1 {
  if (padTokenId === null && batchSize !== 1) throw new Error(`${who}: Cannot handle batch sizes > 1 if no padding token is defined (set config.pad_token_id).`);
  if (padTokenId === null) return -1;
  if (!inputIds) {
    warnOnce(`${who} will not detect padding tokens in \`inputs_embeds\`. Results may be unexpected if using padding tokens in conjunction with \`inputs_embeds.\``);
    return -1;
  }
  const nonPad = inputIds.ne(padTokenId).int(); // (B, T) 1 = token
  const positions = arange(inputIds.size(-1), undefined, 1, { dtype: 'int32', device: inputIds.device }); // (T)
  return positions.mul(nonPad).argmax(-1); // (B): argmax of (index * non-pad) is the rightmost non-pad
}

/**
 * One vector per sequence.  hidden: (B, T, H) -> (B, H).  `pooler` reads pooler_output (BERT's
 * tanh(dense(first token))); `first` the first position; `last-non-pad` the position of
 * {@link lastNonPadIndex}.
 */
export function poolSequence(pooling: Pooling, out: { last_hidden_state: Tensor; pooler_output?: Tensor }, inputIds: Tensor | null | undefined,
  padTokenId: number | null, who: string): Tensor {
  const h = out.last_hidden_state; // (B, T, H)
  switch (pooling) {
    case 'pooler':
      if (!out.pooler_output) throw new Error(`${who}: the base model was built without its pooler`);
      return out.pooler_output; // (B, H)
    case 'first':
      return h.select(1, 0); // (B, H)
    case 'last-non-pad': {
      const [b, , d] = h.shape as [number, number, number];
      const idx = lastNonPadIndex(inputIds, padTokenId, b, who);
      if (idx === -1) return h.select(1, h.size(1) - 1); // (B, H)
      return h.gather(1, idx.to(h.device).view(b, 1, 1).expand(b, 1, d)).squeeze(1); // (B, 1, H) -> (B, H)
    }
  }
}
