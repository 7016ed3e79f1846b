// The slow-file converters by tokenizer class, as transformers' SLOW_TO_FAST_CONVERTERS maps
// BertTokenizer -> BertConverter, GPT2Tokenizer -> GPT2Converter, T5Tokenizer -> T5Converter,
// LlamaTokenizer -> LlamaConverter. Each reads its vocabulary files from the folder.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSpmModel } from '../spm-proto.js';
import { convertBert, parseVocabTxt } from './bert.js';
import { convertGpt2, parseMergesTxt } from './gpt2.js';
import { convertLlama } from './llama.js';
import { convertT5 } from './t5.js';
import type { Converter } from './types.js';

export type { Converter, SlowTokenizerConfig } from './types.js';
export { llamaTemplate } from './llama.js';
export { t5ExtraIds } from './t5.js';

/** BertConverter over `vocab.txt`. */
export const bertConverter: Converter = async (dir, cfg) =>
  convertBert(parseVocabTxt(await readFile(join(dir, 'vocab.txt'), 'utf8')), cfg);

/** GPT2Converter over `vocab.json` + `merges.txt`. */
export const gpt2Converter: Converter = async (dir, cfg) => {
  const vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  return convertGpt2(vocab, parseMergesTxt(await readFile(join(dir, 'merges.txt'), 'utf8')), cfg);
};

/** T5Converter over `spiece.model`. */
export const t5Converter: Converter = async (dir, cfg) => convertT5(parseSpmModel(await readFile(join(dir, 'spiece.model'))), cfg);

/** LlamaConverter over `tokenizer.model`. */
export const llamaConverter: Converter = async (dir, cfg) => convertLlama(parseSpmModel(await readFile(join(dir, 'tokenizer.model'))), cfg);
