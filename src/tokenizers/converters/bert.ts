// BertConverter of transformers' convert_slow_tokenizer.py: a WordPiece tokenizer.json built from
// BERT's `vocab.txt` (one token per line, id = line number), with BertNormalizer, BertPreTokenizer,
// the `[CLS] $A [SEP] $B [SEP]` template and the WordPiece decoder.
import { emptyTokenizerJson, templateProcessing, type TokenizerJson } from '../tokenizer-json.js';
import { optBool, type SlowTokenizerConfig } from './types.js';

/**
 * Reads `vocab.txt` as BertTokenizer's `load_vocab` does: each line (newline removed) is a token,
 * its 0-based line number the id; a repeated token keeps its last id.
 */
export function parseVocabTxt(text: string): Map<string, number> {
  const vocab = new Map<string, number>();
  // Python's text mode reads '\r\n' and '\r' as '\n' before readlines().
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((tok, i) => vocab.set(tok, i));
  return vocab;
}

/** Builds BERT's fast tokenizer from the vocabulary and BertTokenizer's init options. */
export function convertBert(vocab: Map<string, number>, cfg: SlowTokenizerConfig): TokenizerJson {
  const str = (k: string) => cfg.specialTokens[k] ?? '';
  const unk = str('unk_token'), cls = str('cls_token'), sep = str('sep_token');
  const json = emptyTokenizerJson({
    type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100,
    vocab: Object.fromEntries(vocab),
  });
  json.normalizer = {
    type: 'BertNormalizer', clean_text: true,
    handle_chinese_chars: optBool(cfg, 'tokenize_chinese_chars', true),
    // null: strip accents exactly when lowercasing (BertTokenizer's strip_accents=None).
    strip_accents: cfg.init.strip_accents == null ? null : optBool(cfg, 'strip_accents', false),
    lowercase: optBool(cfg, 'do_lower_case', true),
  };
  json.pre_tokenizer = { type: 'BertPreTokenizer' };
  const clsId = vocab.get(cls), sepId = vocab.get(sep);
  if (clsId === undefined || sepId === undefined)
    throw new Error(`BERT vocab.txt has no ${clsId === undefined ? cls : sep} token, which the [CLS] $A [SEP] template needs`);
  json.post_processor = templateProcessing(`${cls}:0 $A:0 ${sep}:0`, `${cls}:0 $A:0 ${sep}:0 $B:1 ${sep}:1`, [[cls, clsId], [sep, sepId]]);
  json.decoder = { type: 'WordPiece', prefix: '##', cleanup: true };
  return json;
}
