// train.ts — `tunekit train <recipe.yaml>`: HF's Trainer on the recipe's task (text classification,
// token classification / NER, extractive QA, masked LM), as transformers' run_glue.py, run_ner.py,
// run_qa.py and run_mlm.py do it.
import { RECIPE_HELP_TAIL, recipeCommand } from '../recipe-command.js';

export default recipeCommand('train', 'fine-tune with the Trainer from a YAML recipe (text / token classification, QA, masked LM)', `usage: tunekit train <recipe.yaml> [--<section>.<key> <value> ...]

Fine-tunes a model with the Trainer as the recipe says, then saves the model, the tokenizer,
trainer_state.json, the metrics (train_results.json, eval_results.json) and the recipe
(tunekit_recipe.yaml) to training_args.output_dir.

recipe sections:
  task            text-classification | token-classification | question-answering | fill-mask
  model           name_or_path (fine-tune) or config with model_type (new model); dtype, labels
  tokenizer       name_or_path (default model.name_or_path), tokenizer_config overrides
  dataset         path, data_files / data_dir, train_split, eval_split or test_size, columns, ...
  training_args   TrainingArguments fields (output_dir required)
  lora            LoraConfig fields (optional: train an adapter instead of the whole model)

example:
  tunekit train recipes/text-classification.yaml --training_args.max_steps 20

${RECIPE_HELP_TAIL}`);
