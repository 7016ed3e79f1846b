// seq2seq.ts — `tunekit seq2seq <recipe.yaml>`: Seq2SeqTrainer on an encoder-decoder (T5, Flan-T5),
// as run_summarization.py / run_translation.py, with an optional LoRA adapter.
import { RECIPE_HELP_TAIL, recipeCommand } from '../recipe-command.js';

export default recipeCommand('seq2seq', 'text-to-text fine-tuning of T5 (Seq2SeqTrainer, optional LoRA) from a recipe', `usage: tunekit seq2seq <recipe.yaml> [--<section>.<key> <value> ...]

Text-to-text fine-tuning: dataset rows have a source and a target column (dataset.columns maps
yours onto them); source_prefix, max_source_length and max_target_length shape the inputs.
training_args takes Seq2SeqTrainingArguments' fields; with predict_with_generate: true the
evaluation generates and reports BLEU, ROUGE-L and exact match.

example:
  tunekit seq2seq recipes/pii-masking-t5.yaml --training_args.max_steps 10

${RECIPE_HELP_TAIL}`);
