// test/tokenizers/load.ts — loads the five reference tokenizers the way the fixtures were made
// (shared/fixtures/README.md, hf/tokenizers: the slow classes' constructor kwargs), from the slow
// vocabulary files in shared/data/tokenizers, so every load exercises a converter.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';

/** The fixture folders. */
export const NAMES = ['bert-base-uncased', 'bert-base-cased', 'gpt2', 't5', 'llama2'] as const;
export type Name = (typeof NAMES)[number];

/** A folder holding only the given files of shared/data/tokenizers/<name> (e.g. GPT-2 without tokenizer.json). */
export function slowOnlyCopy(name: string, files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `tunekit-${name}-`));
  for (const f of files) copyFileSync(sharedDir('data', 'tokenizers', name, f), join(dir, f));
  return dir;
}

const cache = new Map<Name, Promise<PreTrainedTokenizerFast>>();

/** The tokenizer of a fixture, loaded once per test file. */
export function loadReference(name: Name): Promise<PreTrainedTokenizerFast> {
  let p = cache.get(name);
  if (!p) {
    const dir = (n: string) => sharedDir('data', 'tokenizers', n);
    switch (name) {
      case 'bert-base-uncased': p = AutoTokenizer.fromPretrained(dir(name), { do_lower_case: true, model_max_length: 512 }); break;
      case 'bert-base-cased': p = AutoTokenizer.fromPretrained(dir(name), { do_lower_case: false, model_max_length: 512 }); break;
      // The fixture's GPT2Tokenizer was built from vocab.json + merges.txt alone (class defaults).
      case 'gpt2': p = AutoTokenizer.fromPretrained(slowOnlyCopy('gpt2', ['vocab.json', 'merges.txt']), { model_max_length: 1024, add_prefix_space: false }); break;
      case 't5': p = AutoTokenizer.fromPretrained(dir(name), { model_max_length: 512 }); break;
      case 'llama2': p = AutoTokenizer.fromPretrained(dir(name), { add_bos_token: true, add_eos_token: false, legacy: false, clean_up_tokenization_spaces: false }); break;
    }
    cache.set(name, p);
  }
  return p;
}

/** One entry of reference.json `encodings`. */
export interface RefEncoding {
  text: string;
  input_ids: number[];
  attention_mask: number[];
  token_type_ids?: number[];
  tokens: string[];
  decode: string;
  decode_skip_special_tokens: string;
}
/** One truncated pair case. */
export interface RefPairCase {
  kwargs: { truncation: true | 'only_second'; max_length: number; padding?: 'max_length' };
  input_ids: number[];
  attention_mask: number[];
  token_type_ids?: number[];
  tokens: string[];
}
/** reference.json of shared/fixtures/hf/tokenizers/<name>. */
export interface Reference {
  effective: {
    vocab_size: number; model_max_length: number; clean_up_tokenization_spaces: boolean;
    padding_side: string; truncation_side: string; legacy?: boolean;
    special_tokens: Record<string, [string, number]>;
  };
  encodings: RefEncoding[];
  pairs: Array<{ text: string; text_pair: string; only_second: RefPairCase; only_second_padded?: RefPairCase; longest_first: RefPairCase }>;
  batch_padding_longest?: { texts: string[]; input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][] };
  split_into_words?: {
    words: string[]; ner_tags: string[]; label_list: string[]; input_ids: number[]; tokens: string[];
    word_ids: Array<number | null>; labels_first_subtoken: number[];
  };
}

/** Reads a fixture's reference.json. */
export function readReference(name: Name): Reference {
  return JSON.parse(readFileSync(sharedDir('fixtures', 'hf', 'tokenizers', name, 'reference.json'), 'utf8')) as Reference;
}
