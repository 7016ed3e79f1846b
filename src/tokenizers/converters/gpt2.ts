// GPT2Converter of transformers' convert_slow_tokenizer.py: a byte-level BPE tokenizer.json built
// from GPT-2's `vocab.json` + `merges.txt`, with the ByteLevel pre-tokenizer, decoder and
// post-processor (or a `<bos> $A` template when add_bos_token is set).
import { emptyTokenizerJson, templateProcessing, type TokenizerJson } from '../tokenizer-json.js';
import { optBool, type SlowTokenizerConfig } from './types.js';

/**
 * Reads `merges.txt` as GPT2Tokenizer does: `split("\n")[1:-1]`, so the `#version` header and the
 * final line are dropped (the file ends with a newline), each line split on whitespace into a pair.
 */
export function parseMergesTxt(text: string): Array<[string, string]> {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').slice(1, -1);
  // The slow tokenizer keys a dict by the pair: a repeated merge keeps its first position.
  const seen = new Set<string>();
  const merges: Array<[string, string]> = [];
  lines.forEach((line, i) => {
    const parts = line.split(/\s+/).filter((p) => p !== '');
    if (parts.length !== 2) throw new Error(`merges.txt line ${i + 2} is not a pair of tokens: ${JSON.stringify(line)}`);
    const key = `${parts[0]} ${parts[1]}`;
    if (!seen.has(key)) merges.push([parts[0]!, parts[1]!]);
    seen.add(key);
  });
  return merges;
}

/** Builds the byte-level BPE fast tokenizer from the vocabulary, the merges and GPT2Tokenizer's options. */
export function convertGpt2(vocab: Record<string, number>, merges: Array<[string, string]>, cfg: SlowTokenizerConfig): TokenizerJson {
  const json = emptyTokenizerJson({
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
    fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
  });
  const addPrefixSpace = optBool(cfg, 'add_prefix_space', false);
  json.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true };
  json.decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  const bos = cfg.specialTokens.bos_token;
  if (optBool(cfg, 'add_bos_token', false) && bos !== undefined) {
    const bosId = vocab[bos];
    if (bosId === undefined) throw new Error(`add_bos_token is set but bos_token ${bos} is not in vocab.json`);
    json.post_processor = templateProcessing(`${bos}:0 $A:0`, `${bos}:0 $A:0 $B:1`, [[bos, bosId]]);
  } else {
    // trim_offsets=False: this post-processor changes nothing (as the converter's comment says).
    json.post_processor = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true };
  }
  return json;
}
