// examples/qa/cli.ts — what the tutorial ports (qa-squad-v2, mlm-imdb) share: typed command-line
// flags, the paths of ../shared/data, `--model <dir|hub id>` resolution and the tiny random BERT
// they start from when no model is given.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BertConfig } from '../../src/models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';

/** The repository root (examples/qa/ is two levels below it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared/data relative to the repository root (see its SOURCES.md). */
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');

type FlagSpec = { type: 'string' | 'number' | 'boolean'; default: string | number | boolean; help: string };
type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * Parses `--name value` / `--flag` against a spec (unknown flags are errors; `--help` prints the
 * spec and exits).  Numbers are checked to be finite.
 * @example const a = parseFlags('qa', { steps: { type: 'number', default: 100, help: 'updates' } });
 */
export function parseFlags<S extends Record<string, FlagSpec>>(name: string, spec: S, argv = process.argv.slice(2)): FlagValues<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [k, s] of Object.entries(spec)) options[k] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (e) {
    console.error(`${name}: ${(e as Error).message} (see --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log(`usage: node --import tsx examples/${name}.ts [flags]`);
    for (const [k, s] of Object.entries(spec)) console.log(`  --${k.padEnd(22)} ${s.help} (default: ${JSON.stringify(s.default)})`);
    process.exit(0);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [k, s] of Object.entries(spec)) {
    const v = values[k];
    if (v === undefined) out[k] = s.default;
    else if (s.type === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) { console.error(`${name}: --${k} must be a number, got ${JSON.stringify(v)}`); process.exit(2); }
      out[k] = n;
    } else out[k] = v;
  }
  return out as FlagValues<S>;
}

/**
 * `--model`: a local folder (config.json + weights) as is; otherwise a hub id `org/name`, taken
 * from the local HF cache (HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub, refs/main) or, when
 * absent, fetched into it with @huggingface/hub (config, weights and tokenizer files only).
 */
export async function resolveModel(idOrDir: string): Promise<string> {
  if (existsSync(join(idOrDir, 'config.json'))) return idOrDir;
  if (existsSync(idOrDir)) throw new Error(`--model ${idOrDir}: the folder has no config.json`);
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(idOrDir)) throw new Error(`--model ${idOrDir}: neither a folder nor a hub id (org/name)`);
  const hub = await import('@huggingface/hub');
  const repoDir = join(hub.getHFHubCachePath(), `models--${idOrDir.replace('/', '--')}`);
  const ref = join(repoDir, 'refs', 'main');
  if (existsSync(ref)) {
    const snap = join(repoDir, 'snapshots', readFileSync(ref, 'utf8').trim());
    if (existsSync(join(snap, 'config.json'))) return snap;
  }
  let snapshot: string | null = null;
  const fetchOne = async (path: string, required: boolean): Promise<boolean> => {
    try {
      snapshot = dirname(await hub.downloadFileToCacheDir({ repo: idOrDir, path }));
      return true;
    } catch (e) {
      if (required) throw new Error(`--model ${idOrDir}: not in the local HF cache and ${path} could not be fetched (${(e as Error).message})`);
      return false;
    }
  };
  await fetchOne('config.json', true);
  if (!(await fetchOne('model.safetensors', false))) await fetchOne('pytorch_model.bin', true);
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt']) await fetchOne(f, false);
  return snapshot!;
}

/** The model folder's tokenizer when it has one, else the one in `fallbackDir`; with the folder it came from. */
export async function loadTokenizer(modelDir: string | null, fallbackDir: string): Promise<{ tokenizer: PreTrainedTokenizerFast; source: string }> {
  if (modelDir) {
    try {
      return { tokenizer: await AutoTokenizer.fromPretrained(modelDir), source: modelDir };
    } catch {
      // no tokenizer files next to the weights: use the fallback
    }
  }
  return { tokenizer: await AutoTokenizer.fromPretrained(fallbackDir), source: fallbackDir };
}

/**
 * The tiny random BERT the examples start from without `--model`: BERT-Tiny's shape (Turc et
 * al. 2019: 2 layers, hidden 128, 2 heads, FFN 512) over the tokenizer's vocabulary.
 */
export function tinyBertConfig(vocabSize: number, maxPositions = 512): BertConfig {
  return new BertConfig({
    vocab_size: vocabSize, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512,
    max_position_embeddings: maxPositions,
  });
}

/** Seconds since `t0` (performance.now()), one decimal. */
export const since = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);

/** CPU seconds (user + system) of this process over all its threads (OpenBLAS matmuls use every core). */
export const cpuSeconds = (): number => { const u = process.cpuUsage(); return Math.round((u.user + u.system) / 1e5) / 10; };
