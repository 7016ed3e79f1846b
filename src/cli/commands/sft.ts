// sft.ts — `tunekit sft <recipe.yaml>`: TRL's SFTTrainer (SFTConfig in training_args) on a causal
// LM, with a LoRA adapter when the recipe has a lora section (TRL's peft_config).
import { RECIPE_HELP_TAIL, recipeCommand } from '../recipe-command.js';

export default recipeCommand('sft', "supervised fine-tuning of a causal LM (TRL's SFTTrainer, optional LoRA) from a recipe", `usage: tunekit sft <recipe.yaml> [--<section>.<key> <value> ...]

Supervised fine-tuning the TRL way: the dataset's rows are language-modeling text ("text"),
prompt-completion pairs ("prompt" / "completion") or conversations ("messages"); map other
column names onto those with dataset.columns.  training_args takes SFTConfig's fields
(max_length, packing, completion_only_loss, assistant_only_loss, ... and TrainingArguments').
With a lora section only the adapter trains and is saved (adapter_config.json +
adapter_model.safetensors); tunekit merge turns it into a full checkpoint.

example:
  tunekit sft recipes/sft-lora.yaml --training_args.max_steps 10

${RECIPE_HELP_TAIL}`);
