// examples/common/setup.ts — what every tutorial port starts with: where the shared data lives,
// `--model <dir|hub id>` resolved to a local checkpoint folder, and the fallback when no model is
// given: a tiny randomly initialised BERT (HF's google/bert_uncased_L-2_H-128_A-2 shape) over the
// bert-base vocabulary from shared/data/tokenizers.  HF's tutorials do `from_pretrained(checkpoint)`
// here; no pretrained weights can be downloaded in this environment, hence the tiny model.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { BertConfig, type AutoModelFactory, type TaskModels } from '../../src/models/index.js';
import type { CollatorTokenizer } from '../../src/data/index.js';

/** The repository root (examples/common/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** shared/data next to the repository (override with TUNEKIT_SHARED_DATA). */
export const DATA_DIR = process.env.TUNEKIT_SHARED_DATA ?? resolve(REPO_ROOT, '..', 'shared', 'data');

/** The tiny BERT used when no --model is given: 2 layers, hidden 128, 2 heads, FFN 256 (BERT-Tiny's shape). */
export const TINY_BERT = {
  hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 256, max_position_embeddings: 512,
} as const;

/** The shared tokenizers the tiny model can use (vocab.txt only: cased needs do_lower_case false). */
export type SharedTokenizer = 'bert-base-uncased' | 'bert-base-cased';

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Files fetched for a hub id that is not in the local cache (the first weights file found wins). */
const HUB_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt'];
const HUB_WEIGHTS = ['model.safetensors', 'pytorch_model.bin'];

/** The snapshot folder of `id` in the local HF hub cache (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub), or null. */
function cachedSnapshot(id: string, cacheDir: string): string | null {
  const repo = join(cacheDir, `models--${id.replace(/\//g, '--')}`);
  const ref = join(repo, 'refs', 'main');
  if (!existsSync(ref)) return null;
  const snap = join(repo, 'snapshots', readFileSync(ref, 'utf8').trim());
  return existsSync(join(snap, 'config.json')) ? snap : null;
}

/**
 * `--model` to a local folder: an existing folder as is; a hub id (`bert-base-uncased`,
 * `org/name`) from the local HF cache, else downloaded into it with @huggingface/hub (config,
 * tokenizer files and model.safetensors or pytorch_model.bin).  Throws naming the id when neither works.
 */
export async function resolveModel(idOrDir: string): Promise<string> {
  if (isDir(idOrDir)) return idOrDir;
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(idOrDir)) throw new Error(`--model ${idOrDir}: no such folder, and not a hub id`);
  const hub = await import('@huggingface/hub');
  const cacheDir = hub.getHFHubCachePath();
  const cached = cachedSnapshot(idOrDir, cacheDir);
  if (cached) return cached;
  if (process.env.HF_HUB_OFFLINE === '1') throw new Error(`--model ${idOrDir}: not in the HF cache ${cacheDir} and HF_HUB_OFFLINE=1`);
  const fetchOne = (path: string): Promise<string | null> =>
    hub.downloadFileToCacheDir({ repo: idOrDir, path, cacheDir, accessToken: process.env.HF_TOKEN }).catch(() => null);
  const config = await fetchOne('config.json');
  if (config === null) throw new Error(`--model ${idOrDir}: not a folder, not in the HF cache (${cacheDir}) and config.json could not be downloaded (offline?)`);
  for (const f of HUB_FILES.slice(1)) await fetchOne(f);
  let weights = null;
  for (const f of HUB_WEIGHTS) if ((weights = await fetchOne(f)) !== null) break;
  if (weights === null) throw new Error(`--model ${idOrDir}: found config.json but no ${HUB_WEIGHTS.join(' / ')} on the Hub`);
  return dirname(config);
}

/**
 * A tokenizer the collators and the Trainer accept.  Workaround: CollatorTokenizer.modelInputNames
 * is `string[]` (src/data/collators/padding.ts) while PreTrainedTokenizerFast's is `readonly
 * string[]`, so tsc rejects passing the tokenizer itself; the intersection type is accepted.
 */
export type ExampleTokenizer = PreTrainedTokenizerFast & CollatorTokenizer;
const asCollatorTokenizer = (t: PreTrainedTokenizerFast): ExampleTokenizer => t as ExampleTokenizer;

/** A shared tokenizer (vocab.txt converted as BertTokenizerFast; model_max_length 512 as HF's bert-base-*). */
export async function sharedTokenizer(name: SharedTokenizer): Promise<ExampleTokenizer> {
  return asCollatorTokenizer(await AutoTokenizer.fromPretrained(join(DATA_DIR, 'tokenizers', name), { do_lower_case: name === 'bert-base-uncased', model_max_length: 512 }));
}

/** What {@link loadModelAndTokenizer} returns. */
export interface Loaded<M> {
  model: M;
  tokenizer: ExampleTokenizer;
  /** One line for the log: which checkpoint, or the tiny config. */
  description: string;
}

/**
 * The model and tokenizer of a tutorial: `--model` when given (labels set from `labels`, the head
 * newly initialised as in HF), else a tiny random BERT from {@link TINY_BERT} (plus `tiny`
 * overrides) over the shared tokenizer `tokenizer`.
 * @example const { model, tokenizer } = await loadModelAndTokenizer(AutoModelForSequenceClassification, { model: null, tokenizer: 'bert-base-uncased', labels: ['neg', 'pos'] });
 */
export async function loadModelAndTokenizer<T extends 'sequence-classification' | 'token-classification'>(
  factory: AutoModelFactory<T>,
  opts: { model: string | null; tokenizer: SharedTokenizer; labels: readonly string[]; tiny?: Record<string, number> },
): Promise<Loaded<TaskModels[T]>> {
  const id2label = Object.fromEntries(opts.labels.map((l, i) => [i, l]));
  const label2id = Object.fromEntries(opts.labels.map((l, i) => [l, i]));
  if (opts.model !== null) {
    const dir = await resolveModel(opts.model);
    const hasTokenizer = ['tokenizer.json', 'vocab.txt', 'vocab.json', 'spiece.model'].some((f) => existsSync(join(dir, f)));
    const tokenizer = hasTokenizer ? asCollatorTokenizer(await AutoTokenizer.fromPretrained(dir)) : await sharedTokenizer(opts.tokenizer);
    const model = await factory.fromPretrained(dir, { id2label, label2id });
    return { model, tokenizer, description: `${opts.model} (${dir})${hasTokenizer ? '' : `, tokenizer ${opts.tokenizer}`}` };
  }
  const tokenizer = await sharedTokenizer(opts.tokenizer);
  const shape = { ...TINY_BERT, ...opts.tiny };
  const config = new BertConfig({ ...shape, vocab_size: tokenizer.length, id2label, label2id });
  const model = factory.fromConfig(config);
  const dims = `L${shape.num_hidden_layers}/H${shape.hidden_size}/A${shape.num_attention_heads}/FFN${shape.intermediate_size}`;
  return { model, tokenizer, description: `tiny random BERT ${dims}, vocab ${tokenizer.length} (${opts.tokenizer})` };
}
