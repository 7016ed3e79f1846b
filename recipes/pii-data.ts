// recipes/pii-data.ts — writes the PII-masking rows recipes/pii-masking-t5.yaml trains on:
// examples/pii/data.ts's generator (docs/pii-dataset.md) over Multi30K captions, as JSON lines
// (source_text, target_text, privacy_mask) — the generator is shipped, never the rows.
// Run: node --import tsx recipes/pii-data.ts [out dir = runs/pii-data] [train rows = 2000] [test rows = 100]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPiiSplits, loadCaptions, type PiiRow } from '../examples/pii/data.js';
import { SHARED_DATA } from '../examples/qa/cli.js';

/** Writes `<dir>/train.jsonl` and `<dir>/test.jsonl`; returns their paths. */
export function writePiiData(dir: string, train = 2000, test = 100, seed = 0): { train: string; test: string } {
  const captions = loadCaptions(join(SHARED_DATA, 'multi30k_en_de', 'train.en.gz'));
  const splits = buildPiiSplits(captions, { train, test }, seed);
  mkdirSync(dir, { recursive: true });
  const lines = (rows: PiiRow[]) => rows.map((r) => JSON.stringify({ source_text: r.source_text, target_text: r.target_text, privacy_mask: r.privacy_mask })).join('\n') + '\n';
  const out = { train: join(dir, 'train.jsonl'), test: join(dir, 'test.jsonl') };
  writeFileSync(out.train, lines(splits.train));
  writeFileSync(out.test, lines(splits.test));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'runs/pii-data', train = '2000', test = '100'] = process.argv.slice(2);
  const out = writePiiData(dir, Number(train), Number(test));
  console.log(`wrote ${train} rows to ${out.train} and ${test} rows to ${out.test}`);
}
