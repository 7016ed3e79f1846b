// collators-tokenizer.ts — real tokenizers for the collator and data-loader tests, built from
// shared/data/tokenizers with HF's `tokenizers` package and wrapped in the CollatorTokenizer view
// (what AutoTokenizer provides): BERT uncased WordPiece ([PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102,
// [MASK]=103, 30522 ids) and GPT-2 byte-level BPE (no pad token, eos 50256).
import tokenizers from 'tokenizers';
import type { CollatorTokenizer } from '../../src/data/collators/index.js';
import { sharedDir } from '../helpers.js';

const { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer, bertProcessing } = tokenizers;

export interface TestTokenizer extends CollatorTokenizer {
  /** Ids of a text with the model's special tokens ([CLS] ... [SEP] for BERT). */
  encode(text: string): Promise<number[]>;
  encodeBatch(texts: string[]): Promise<number[][]>;
}

/** bert-base-uncased as the HF fast tokenizer builds it from vocab.txt. */
export async function bertTokenizer(opts: Partial<CollatorTokenizer> = {}): Promise<TestTokenizer> {
  const model = await WordPiece.fromFile(sharedDir('data', 'tokenizers', 'bert-base-uncased', 'vocab.txt'), { unkToken: '[UNK]' });
  const tok = new Tokenizer(model);
  tok.setNormalizer(bertNormalizer({ lowercase: true }));
  tok.setPreTokenizer(bertPreTokenizer());
  tok.setPostProcessor(bertProcessing(['[SEP]', 102], ['[CLS]', 101]));
  tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  const id = (t: string): number => tok.tokenToId(t)!;
  return {
    padTokenId: id('[PAD]'),
    maskTokenId: id('[MASK]'),
    paddingSide: 'right',
    length: tok.getVocabSize(true),
    modelInputNames: ['input_ids', 'token_type_ids', 'attention_mask'],
    allSpecialIds: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(id),
    convertIdsToTokens: (ids) => ids.map((i) => tok.idToToken(i) ?? '[UNK]'),
    encode: async (text) => (await tok.encode(text)).getIds(),
    encodeBatch: async (texts) => (await tok.encodeBatch(texts)).map((e) => e.getIds()),
    ...opts,
  };
}

/** GPT-2 from its tokenizer.json: no pad token and no mask token, as in HF. */
export function gpt2Tokenizer(opts: Partial<CollatorTokenizer> = {}): TestTokenizer {
  const tok = Tokenizer.fromFile(sharedDir('data', 'tokenizers', 'gpt2', 'tokenizer.json'));
  return {
    padTokenId: null,
    maskTokenId: null,
    paddingSide: 'right',
    length: tok.getVocabSize(true),
    modelInputNames: ['input_ids', 'attention_mask'],
    allSpecialIds: [tok.tokenToId('<|endoftext|>')!],
    convertIdsToTokens: (ids) => ids.map((i) => tok.idToToken(i) ?? ''),
    encode: async (text) => (await tok.encode(text)).getIds(),
    encodeBatch: async (texts) => (await tok.encodeBatch(texts)).map((e) => e.getIds()),
    ...opts,
  };
}
