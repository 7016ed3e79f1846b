// run.ts — what the training commands share after the Trainer is built, as HF's run_*.py scripts
// end: train, save the model (or the LoRA adapter) and the tokenizer to output_dir, save the
// trainer state and the metrics (train_results.json, eval_results.json, all_results.json), and
// keep the effective recipe (overrides applied) as tunekit_recipe.yaml so `tunekit eval <dir>`
// can evaluate the result on the same data.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Trainer } from '../trainer/index.js';
import { resolveFiles } from './build/data.js';
import { inputPath, type Recipe } from './recipe/recipe.js';

/** The recipe file written into output_dir. */
export const RECIPE_NAME = 'tunekit_recipe.yaml';

/**
 * The recipe as run (overrides applied), its relative input paths made absolute when they were
 * found next to the recipe, so the copy in output_dir still finds the model and the data.
 */
export function savedRecipe(r: Recipe): Record<string, unknown> {
  const d = structuredClone(r.source.data) as Record<string, Record<string, unknown> | undefined>;
  const fix = (section: string, key: string, f: (v: string) => unknown = (v) => inputPath(r.source, v)) => {
    const s = d[section];
    if (s && s[key] !== undefined && s[key] !== null) s[key] = typeof s[key] === 'string' ? f(s[key] as string) : resolveFiles(r, s[key]);
  };
  fix('model', 'name_or_path');
  fix('tokenizer', 'name_or_path');
  fix('dataset', 'path');
  fix('dataset', 'data_dir');
  fix('dataset', 'data_files', (v) => resolveFiles(r, v));
  return d;
}

/** HF's save_metrics: `<split>_results.json`, merged into all_results.json. */
async function saveMetrics(dir: string, split: string, metrics: Record<string, number>, all: Record<string, number>, write = true): Promise<void> {
  if (!write) return;
  await writeFile(join(dir, `${split}_results.json`), JSON.stringify(metrics, null, 4) + '\n');
  Object.assign(all, metrics);
  await writeFile(join(dir, 'all_results.json'), JSON.stringify(all, null, 4) + '\n');
}

/** A metrics object as one `key value` line. */
export function formatMetrics(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(5)}`).join(', ');
}

/** Trains, evaluates (when there is an eval split), saves; prints a summary; resolves to the exit code. */
export async function trainAndSave(r: Recipe, trainer: Trainer, hasEval: boolean, log: (s: string) => void = console.log): Promise<number> {
  const dir = r.args.output_dir;
  // under `tunekit launch` every rank runs this; only the main process writes files (HF should_save)
  // and prints (the others are quiet: their numbers are the main process's)
  const main = r.args.should_save;
  if (!main) log = () => {};
  if (main) {
    await mkdir(dir, { recursive: true });
    const effective = savedRecipe(r);
    await writeFile(join(dir, RECIPE_NAME), `# tunekit ${r.kind} recipe of this run (${r.source.file}, command-line overrides applied)\n${stringify(effective)}`);
  }
  const t0 = performance.now();
  const out = await trainer.train({ resumeFromCheckpoint: r.args.resume_from_checkpoint ?? undefined });
  const all: Record<string, number> = {};
  await trainer.saveModel();
  await trainer.saveState();
  await saveMetrics(dir, 'train', out.metrics, all, main);
  const losses = trainer.state.log_history.filter((h) => typeof h.loss === 'number').map((h) => h.loss as number);
  log(`trained ${out.global_step} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
    (losses.length ? `loss ${losses[0]!.toFixed(4)} -> ${losses.at(-1)!.toFixed(4)}` : `training loss ${out.training_loss.toFixed(4)}`));
  if (hasEval) {
    const m = trainer.evaluate();
    await saveMetrics(dir, 'eval', m, all, main);
    log(`eval: ${formatMetrics(m)}`);
  }
  log(`saved ${r.lora ? 'the LoRA adapter' : 'the model'} and tokenizer to ${dir}`);
  return 0;
}
