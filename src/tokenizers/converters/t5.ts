// T5Converter of transformers' convert_slow_tokenizer.py: a Unigram tokenizer.json from T5's
// sentencepiece `spiece.model`, plus `extra_ids` sentinel pieces <extra_id_{n-1}> ... <extra_id_0>
// appended to the vocabulary (so t5-base's 32000 pieces become 32100) and the `$A </s>` template.
import type { SpmModel } from '../spm-proto.js';
import { addTokensToJson, emptyTokenizerJson, templateProcessing, type TokenizerJson } from '../tokenizer-json.js';
import { metaspace, prependScheme, spmAddedTokens, spmNormalizer } from './sentencepiece.js';
import { optBool, type SlowTokenizerConfig } from './types.js';

/** The number of sentinel tokens (`extra_ids`, default 100). */
export function t5ExtraIds(cfg: SlowTokenizerConfig): number {
  const n = cfg.init.extra_ids ?? 100;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`extra_ids must be a non-negative integer, got ${JSON.stringify(n)}`);
  return n;
}

/** Builds T5's fast tokenizer from the parsed sentencepiece model and T5Tokenizer's options. */
export function convertT5(model: SpmModel, cfg: SlowTokenizerConfig): TokenizerJson {
  const extra = t5ExtraIds(cfg);
  const vocab: Array<[string, number]> = model.pieces.map((p) => [p.piece, p.score]);
  for (let i = extra - 1; i >= 0; i--) vocab.push([`<extra_id_${i}>`, 0.0]);
  const json = emptyTokenizerJson({ type: 'Unigram', unk_id: model.trainerSpec.unkId, vocab, byte_fallback: false });
  const ids = new Map(vocab.map(([p], i) => [p, i] as [string, number]));
  addTokensToJson(json, ids, spmAddedTokens(model));
  json.normalizer = spmNormalizer(model);
  // T5Tokenizer defaults: legacy=True (when unset), add_prefix_space=True.
  const scheme = prependScheme(optBool(cfg, 'add_prefix_space', true), optBool(cfg, 'legacy', true));
  json.pre_tokenizer = metaspace(scheme);
  json.decoder = metaspace(scheme);
  const eos = '</s>'; // T5Converter names it literally
  const eosId = ids.get(eos);
  if (eosId === undefined) throw new Error(`T5 sentencepiece model has no ${eos} piece for the $A </s> template`);
  json.post_processor = templateProcessing(`$A ${eos}`, `$A ${eos} $B ${eos}`, [[eos, eosId]]);
  return json;
}
