// src/data/hub-canonical.ts — the legacy "canonical" dataset names.  In 2024 the Hub moved the
// datasets that had no namespace (`glue`, `imdb`, `squad`, ...) under organizations and now
// redirects the old names; datasets' own sources keep no table of them (they follow the
// redirect), so this small one, taken from the Hub's redirects as of 2024–25, lets
// loadDataset('glue', 'mrpc') find `nyu-mll/glue` also where a redirect cannot be followed
// (a mirror without redirects, an offline cache keyed by the new name).  GLUE's configs are
// listed with their features (datasets' former glue.py) as the fallback when a
// file carries no feature metadata.
import { ClassLabel, type Features, Value } from './features.js';

/** Old bare name -> the Hub repo the Hub redirects it to. */
export const CANONICAL_DATASETS: Readonly<Record<string, string>> = {
  glue: 'nyu-mll/glue',
  super_glue: 'aps/super_glue',
  imdb: 'stanfordnlp/imdb',
  squad: 'rajpurkar/squad',
  squad_v2: 'rajpurkar/squad_v2',
  conll2003: 'eriktks/conll2003',
  samsum: 'Samsung/samsum',
  wikitext: 'Salesforce/wikitext',
  rotten_tomatoes: 'cornell-movie-review-data/rotten_tomatoes',
  cnn_dailymail: 'abisee/cnn_dailymail',
  xsum: 'EdinburghNLP/xsum',
};

/** The Hub repo of a dataset name: a canonical name's new home, else the name itself. */
export function canonicalRepoId(name: string): string {
  return Object.prototype.hasOwnProperty.call(CANONICAL_DATASETS, name) ? CANONICAL_DATASETS[name]! : name;
}

interface GlueConfig {
  text: readonly string[];
  label: readonly string[] | 'float32';
}

const NLI3 = ['entailment', 'neutral', 'contradiction'] as const;
const GLUE: Readonly<Record<string, GlueConfig>> = {
  cola: { text: ['sentence'], label: ['unacceptable', 'acceptable'] },
  sst2: { text: ['sentence'], label: ['negative', 'positive'] },
  mrpc: { text: ['sentence1', 'sentence2'], label: ['not_equivalent', 'equivalent'] },
  qqp: { text: ['question1', 'question2'], label: ['not_duplicate', 'duplicate'] },
  stsb: { text: ['sentence1', 'sentence2'], label: 'float32' },
  mnli: { text: ['premise', 'hypothesis'], label: NLI3 },
  mnli_mismatched: { text: ['premise', 'hypothesis'], label: NLI3 },
  mnli_matched: { text: ['premise', 'hypothesis'], label: NLI3 },
  qnli: { text: ['question', 'sentence'], label: ['entailment', 'not_entailment'] },
  rte: { text: ['sentence1', 'sentence2'], label: ['entailment', 'not_entailment'] },
  wnli: { text: ['sentence1', 'sentence2'], label: ['not_entailment', 'entailment'] },
  ax: { text: ['premise', 'hypothesis'], label: NLI3 },
};

/** GLUE's config names, in the Hub card's order. */
export const GLUE_CONFIGS: readonly string[] = Object.keys(GLUE).sort();

/** The features of a GLUE config (text columns, label, idx), or undefined for another name. */
export function glueFeatures(config: string): Features | undefined {
  if (!Object.prototype.hasOwnProperty.call(GLUE, config)) return undefined;
  const c = GLUE[config]!;
  const f: Features = {};
  for (const t of c.text) f[t] = new Value('string');
  f.label = c.label === 'float32' ? new Value('float32') : new ClassLabel({ names: c.label });
  f.idx = new Value('int32');
  return f;
}

/** Known features of a canonical repo's config, when the files and the card carry none. */
export function canonicalFeatures(repoId: string, config: string): Features | undefined {
  return repoId === CANONICAL_DATASETS.glue ? glueFeatures(config) : undefined;
}
