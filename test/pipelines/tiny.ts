// test/pipelines/tiny.ts — a WordPiece tokenizer whose ids fit the 128-row fixture models
// ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, as the fixtures' BERT rows), fixture checkpoints
// copied next to it, and models whose logits come from a per-token table (chosen logits).
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, type Tensor } from '../../src/torch/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { BertConfig, BertForQuestionAnswering, BertForTokenClassification } from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

export const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', ',', '?', '!',
  'the', 'a', 'is', 'of', 'in', 'and', 'to', 'john', 'mary', 'smith', 'lives', 'works', 'new', 'york', 'paris',
  'london', 'france', 'city', 'capital', 'where', 'what', 'who', 'does', 'play', 'free', 'money', 'win', 'now',
  'meeting', 'tomorrow', 'at', 'noon', '##ing', '##s', '##er', '##ed',
];
// Filler words up to the fixtures' 128 rows, so every id a model can predict decodes.
for (let i = VOCAB.length; i < 128; i++) VOCAB.push(`w${i}`);
export const id = (t: string): number => {
  const i = VOCAB.indexOf(t);
  if (i < 0) throw new Error(`not in the tiny vocab: ${t}`);
  return i;
};

/** Writes vocab.txt + tokenizer_config.json (lower case, model_max_length) into `dir`. */
export function writeTokenizer(dir: string, modelMaxLength = 64): void {
  writeFileSync(join(dir, 'vocab.txt'), VOCAB.join('\n') + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: modelMaxLength, tokenizer_class: 'BertTokenizer' }));
}

/** The tiny tokenizer (loaded from a fresh temp folder). */
export async function tinyTokenizer(modelMaxLength = 64): Promise<PreTrainedTokenizerFast> {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-pipe-tok-'));
  writeTokenizer(dir, modelMaxLength);
  return AutoTokenizer.fromPretrained(dir);
}

/** A temp folder with fixture `name`'s config.json + weights and the tiny tokenizer: what pipeline({ model: dir }) loads. */
export function fixtureDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tunekit-pipe-${name}-`));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(sharedDir('fixtures', 'hf', 'models', name, f), join(dir, f));
  writeTokenizer(dir);
  return dir;
}
export const fixturePath = (name: string): string => sharedDir('fixtures', 'hf', 'models', name);

/** Rows of a (B, T) id tensor looked up in a token -> logits table: (B, T, C). */
function lookup(ids: Tensor, table: (tokenId: number) => number[]): Tensor {
  const rows = ids.toArray() as number[][];
  return tensor(rows.map((r) => r.map((t) => table(t))), { dtype: 'float32' });
}

const TINY = { vocab_size: 128, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 64 };

/** A BertForTokenClassification whose logits for each token are `table(token id)` (num_labels = labels.length). */
export function tableTokenModel(labels: string[], table: (tokenId: number) => number[]): BertForTokenClassification {
  const config = new BertConfig({ ...TINY, id2label: Object.fromEntries(labels.map((l, i) => [i, l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) });
  const model = BertForTokenClassification.fromConfig(config);
  model.forward = (inputs) => ({ logits: lookup(inputs.input_ids!, table) });
  return model;
}

/** A BertForQuestionAnswering whose start/end logits for each token are `table(token id)` = [start, end]. */
export function tableQaModel(table: (tokenId: number) => [number, number]): BertForQuestionAnswering {
  const model = BertForQuestionAnswering.fromConfig(new BertConfig(TINY));
  model.forward = (inputs) => {
    const both = lookup(inputs.input_ids!, table); // (B, T, 2)
    return { start_logits: both.select(2, 0), end_logits: both.select(2, 1) };
  };
  return model;
}
