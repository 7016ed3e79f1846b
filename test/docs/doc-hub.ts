// test/docs/doc-hub.ts — the Hub repos that docs/from-python.md names by id, served by the loopback Hub
// (test/hub/server.ts) to the doc's programs. No pretrained weights can be downloaded here, so each id
// holds a tiny randomly initialised model of the real checkpoint's architecture with the real
// tokenizer files (shared/data/tokenizers) and, for the NER model, dslim/bert-base-NER's labels:
//   google-bert/bert-base-uncased  BertModel (HF's bert-base checkpoints hold no task head), uncased vocab
//   dslim/bert-base-NER            BertForTokenClassification, CoNLL-2003 labels, cased vocab
//   google/flan-t5-small           T5 v1.1 (gated-GELU, untied head), T5's sentencepiece model
//   nyu-mll/glue (dataset)         config mrpc: the real MRPC rows (shared/data/glue_mrpc), pushed as
//                                  Parquet shards by DatasetDict.pushToHub (what loadDataset('glue', 'mrpc') reads)
// The doc's pushes (your-name/...) need the write token, which the test gives its programs as HF_TOKEN.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/index.js';
import { AutoModel, AutoModelForTokenClassification, BertConfig, T5Config, T5ForConditionalGeneration } from '../../src/models/index.js';
import { manualSeed } from '../../src/torch/index.js';
import { FakeHub } from '../hub/server.js';
import { folderFiles } from '../hub/fixtures.js';
import { hubEnv } from '../hub/env.js';
import { sharedDir } from '../helpers.js';

export const WRITE_TOKEN = 'hf_docs_write';

/** BERT-Tiny's shape (google/bert_uncased_L-2_H-128_A-2) over the full bert-base vocabulary. */
const TINY_BERT = { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 128, max_position_embeddings: 512, vocab_size: 30522 };
const CONLL = ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'];

/** The files `save` writes into a fresh folder. */
async function saved(save: (dir: string) => Promise<unknown>): Promise<Record<string, Buffer>> {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-docs-hub-'));
  try {
    await save(dir);
    return folderFiles(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const json = (o: unknown): string => JSON.stringify(o, null, 2);

/**
 * Starts the loopback Hub with the doc's repos, and points this process's Hub variables at it
 * (HF_ENDPOINT, a temp HF_HOME / HF_HUB_CACHE: see hubEnv), which the doc's programs inherit.
 */
export async function startDocHub(): Promise<{ hub: FakeHub; env: ReturnType<typeof hubEnv> }> {
  const hub = await FakeHub.start({ writeToken: WRITE_TOKEN });
  const env = hubEnv(hub.url);
  try {
    await addRepos(hub, env.root);
  } catch (e) {
    await hub.stop();
    env.restore();
    throw e;
  }
  return { hub, env };
}

async function addRepos(hub: FakeHub, root: string): Promise<void> {
  manualSeed(0);
  const vocab = (name: string) => folderFiles(sharedDir('data', 'tokenizers', name));

  const bert = AutoModel.fromConfig(new BertConfig(TINY_BERT));
  hub.addRepo('google-bert/bert-base-uncased', {
    ...vocab('bert-base-uncased'), 'tokenizer_config.json': json({ do_lower_case: true, model_max_length: 512 }),
    ...(await saved((d) => bert.savePretrained(d))),
  });

  const id2label = Object.fromEntries(CONLL.map((l, i) => [i, l]));
  const label2id = Object.fromEntries(CONLL.map((l, i) => [l, i]));
  const ner = AutoModelForTokenClassification.fromConfig(new BertConfig({ ...TINY_BERT, vocab_size: 28996, id2label, label2id }));
  hub.addRepo('dslim/bert-base-NER', {
    ...vocab('bert-base-cased'), 'tokenizer_config.json': json({ do_lower_case: false, model_max_length: 512 }),
    ...(await saved((d) => ner.savePretrained(d))),
  });

  const t5 = new T5ForConditionalGeneration(new T5Config({
    vocab_size: 32128, d_model: 32, d_ff: 64, d_kv: 8, num_layers: 2, num_heads: 4, feed_forward_proj: 'gated-gelu',
    tie_word_embeddings: false, decoder_start_token_id: 0, pad_token_id: 0, eos_token_id: 1,
  }));
  hub.addRepo('google/flan-t5-small', {
    ...vocab('t5'), 'tokenizer_config.json': json({ model_max_length: 512 }),
    ...(await saved((d) => t5.savePretrained(d))),
  });

  const mrpc = await loadDataset('glue', { name: 'mrpc', dataDir: sharedDir('data', 'glue_mrpc'), cacheDir: join(root, 'datasets-cache') });
  await mrpc.pushToHub('nyu-mll/glue', { config_name: 'mrpc', token: WRITE_TOKEN });
}
