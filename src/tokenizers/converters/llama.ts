// LlamaConverter of transformers' convert_slow_tokenizer.py: a byte-fallback BPE tokenizer.json
// from Llama's sentencepiece `tokenizer.model`, merges derived from the piece scores. `legacy`
// picks the pipeline: legacy = Prepend('▁') + Replace(' ', '▁') normalizer; non-legacy = a
// Metaspace pre-tokenizer that prefixes only the first section. The post-processor is
// LlamaTokenizerFast.update_post_processor's (see llamaTemplate).
import type { SpmModel } from '../spm-proto.js';
import { addTokensToJson, emptyTokenizerJson, type ComponentJson, type TokenizerJson } from '../tokenizer-json.js';
import { SPIECE_UNDERLINE, generateMerges, metaspace, prependScheme, spmAddedTokens } from './sentencepiece.js';
import { optBool, type SlowTokenizerConfig } from './types.js';

/** Builds Llama's fast tokenizer from the parsed sentencepiece model and LlamaTokenizer's options. */
export function convertLlama(model: SpmModel, cfg: SlowTokenizerConfig): TokenizerJson {
  if (model.trainerSpec.modelType !== 2) throw new Error(`LlamaTokenizer needs a sentencepiece BPE model (model_type 2), got model_type ${model.trainerSpec.modelType}`);
  // LlamaConverter.vocab: the first three pieces with score 0 (they are <unk>, <s>, </s>).
  const vocabScores: Array<[string, number]> = model.pieces.map((p, i) => [p.piece, i < 3 ? 0.0 : p.score]);
  const spVocab = new Map(model.pieces.map((p, i) => [p.piece, i] as [string, number]));
  const merges = generateMerges(spVocab, vocabScores);
  const bpeVocab: Record<string, number> = {};
  vocabScores.forEach(([p], i) => { bpeVocab[p] = i; });
  const json = emptyTokenizerJson({
    type: 'BPE', dropout: null, unk_token: model.trainerSpec.unkPiece, continuing_subword_prefix: null,
    end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab: bpeVocab, merges,
  });
  addTokensToJson(json, new Map(Object.entries(bpeVocab)), spmAddedTokens(model));
  // LlamaTokenizer defaults: legacy=True when unset (HF warns), add_prefix_space=True.
  const legacy = optBool(cfg, 'legacy', true);
  const addPrefixSpace = optBool(cfg, 'add_prefix_space', true);
  if (legacy) {
    const seq: ComponentJson[] = [];
    if (addPrefixSpace) seq.push({ type: 'Prepend', prepend: SPIECE_UNDERLINE });
    seq.push({ type: 'Replace', pattern: { String: ' ' }, content: SPIECE_UNDERLINE });
    json.normalizer = { type: 'Sequence', normalizers: seq };
  } else {
    json.pre_tokenizer = metaspace(prependScheme(addPrefixSpace, false), false);
  }
  const decoders: ComponentJson[] = [
    { type: 'Replace', pattern: { String: SPIECE_UNDERLINE }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
  ];
  if (addPrefixSpace) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  json.decoder = { type: 'Sequence', decoders };
  return json;
}

/** A TemplateProcessing spec: the single and pair templates and the special tokens they use. */
export interface TemplateSpec {
  single: string;
  pair: string;
  specialTokens: Array<[string, number]>;
}

/**
 * LlamaTokenizerFast.update_post_processor: `<s>:0 $A:0 [</s>:0]` and `... <s>:1 $B:1 [</s>:1]`
 * following add_bos_token / add_eos_token.
 */
export function llamaTemplate(bos: [string, number] | null, eos: [string, number] | null, addBos: boolean, addEos: boolean): TemplateSpec {
  if (addBos && bos === null) throw new Error('add_bos_token = True but bos_token = None');
  if (addEos && eos === null) throw new Error('add_eos_token = True but eos_token = None');
  const single = `${addBos ? `${bos![0]}:0 ` : ''}$A:0${addEos ? ` ${eos![0]}:0` : ''}`;
  const pair = `${single}${addBos ? ` ${bos![0]}:1` : ''} $B:1${addEos ? ` ${eos![0]}:1` : ''}`;
  const specialTokens: Array<[string, number]> = [];
  if (addBos) specialTokens.push(bos!);
  if (addEos) specialTokens.push(eos!);
  return { single, pair, specialTokens };
}
