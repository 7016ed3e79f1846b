// recipe-command.ts — `tunekit train | sft | seq2seq <recipe.yaml> [--section.key value ...]`: one
// implementation, the command picks the recipe kind (its TrainingArguments class and tasks).
// Library modules are imported when the command runs, so `--help` stays instant.
import { expectPositionals, parseArgs } from './argv.js';
import { EXIT, type Command } from './command.js';
import type { RecipeKind } from './recipe/recipe.js';

/** The part of every recipe command's --help about overrides, exit codes and docs. */
export const RECIPE_HELP_TAIL = `overrides:
  --<section>.<key> <value>   set a recipe value (YAML syntax: 5, true, null, [a, b]), e.g.
                              --training_args.max_steps 5 --training_args.output_dir /tmp/run
                              --dataset.max_train_samples 64 --model.name_or_path path/to/model

exit codes: 0 done, 1 failed while training, 2 invalid recipe / flag / file (the message names the key and line), 130 interrupted
recipe schema: docs/cli.md`;

/** A Command that trains from a recipe of `kind`. */
export function recipeCommand(kind: RecipeKind, summary: string, help: string): Command {
  return {
    name: kind,
    summary,
    help,
    async run(argv: string[]): Promise<number> {
      const { positionals, overrides } = parseArgs(kind, argv, {}, { overrides: true });
      const [file] = expectPositionals(kind, positionals, ['<recipe.yaml>']);
      const { loadRecipe } = await import('./recipe/recipe.js');
      const recipe = await loadRecipe(kind, file!, overrides);
      const { buildTrainer } = await import('./build/trainer.js');
      const { trainAndSave } = await import('./run.js');
      const built = await buildTrainer(recipe, { train: true, eval: false });
      // under `tunekit launch`, the main process speaks for every rank
      if (recipe.args.should_save) console.log(`tunekit ${kind}: ${built.summary}`);
      await trainAndSave(recipe, built.trainer, built.hasEval);
      return EXIT.OK;
    },
  };
}
