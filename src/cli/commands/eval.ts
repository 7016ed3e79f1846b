// eval.ts — `tunekit eval <recipe.yaml | output dir>`: the Trainer's evaluate() on the recipe's
// evaluation split (HF run_*.py --do_eval).  Given a folder a training command wrote, it reads the
// recipe saved there (tunekit_recipe.yaml) and evaluates that folder's model or LoRA adapter.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expectPositionals, flagsHelp, parseArgs, type FlagSpecs } from '../argv.js';
import { EXIT, UsageError, type Command } from '../command.js';
import type { RecipeKind } from '../recipe/recipe.js';

const FLAGS: FlagSpecs = {
  model: { type: 'string', help: "a trained model or adapter folder evaluated in place of the recipe's model" },
  kind: { type: 'string', help: "the recipe's command: train, sft or seq2seq (default: read from the recipe)" },
};

/** The command a recipe is for: --kind, else the `# tunekit <kind>` first line, else `task:` means train. */
export function recipeKind(file: string, given: string | undefined): RecipeKind {
  const kinds = ['train', 'sft', 'seq2seq'];
  if (given !== undefined) {
    if (!kinds.includes(given)) throw new UsageError(`--kind must be one of ${kinds.join(', ')}, got '${given}'`);
    return given as RecipeKind;
  }
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return 'train'; } // loadRecipe reports the missing file
  const m = /^#\s*tunekit (train|sft|seq2seq)\b/.exec(text);
  if (m) return m[1] as RecipeKind;
  if (/^task\s*:/m.test(text)) return 'train';
  throw new UsageError(`${file}: cannot tell which command the recipe is for; pass --kind sft or --kind seq2seq (or start the file with '# tunekit <command>')`);
}

const command: Command = {
  name: 'eval',
  summary: "evaluate a model on a recipe's evaluation split (a recipe, or a trained output folder)",
  help: `usage: tunekit eval <recipe.yaml | output dir> [--model DIR] [--kind train|sft|seq2seq] [--<section>.<key> <value> ...]

Evaluates on the recipe's evaluation split (dataset.eval_split, or the test_size hold-out) and
prints the metrics (eval_loss, and the task's: accuracy / f1, seqeval precision / recall / f1,
BLEU / ROUGE-L with predict_with_generate), the last line as JSON.
Given an output folder of tunekit train / sft / seq2seq, the recipe saved there
(tunekit_recipe.yaml) is used and the folder's model (or LoRA adapter) is evaluated.

flags:
${flagsHelp(FLAGS)}

examples:
  tunekit eval runs/text-classification
  tunekit eval recipes/text-classification.yaml --model runs/text-classification --dataset.max_eval_samples 100`,
  async run(argv) {
    const { positionals, flags, overrides } = parseArgs('eval', argv, FLAGS, { overrides: true });
    const [target] = expectPositionals('eval', positionals, ['<recipe.yaml | output dir>']);
    let file = target!;
    let modelDir = flags.model as string | undefined;
    if (existsSync(file) && statSync(file).isDirectory()) {
      const { RECIPE_NAME } = await import('../run.js');
      if (!existsSync(join(file, RECIPE_NAME))) throw new UsageError(`${file} holds no ${RECIPE_NAME}: give a recipe file, with --model ${file}`);
      modelDir ??= file;
      file = join(file, RECIPE_NAME);
    }
    if (modelDir !== undefined && !existsSync(modelDir)) throw new UsageError(`--model ${modelDir}: no such folder`);
    const { loadRecipe } = await import('../recipe/recipe.js');
    const recipe = await loadRecipe(recipeKind(file, flags.kind as string | undefined), file, overrides);
    const { buildTrainer } = await import('../build/trainer.js');
    const { formatMetrics } = await import('../run.js');
    const built = await buildTrainer(recipe, { train: false, eval: true, modelDir });
    console.log(`tunekit eval: ${built.summary}`);
    const metrics = built.trainer.evaluate();
    console.log(`eval: ${formatMetrics(metrics)}`);
    console.log(JSON.stringify(metrics));
    return EXIT.OK;
  },
};
export default command;
