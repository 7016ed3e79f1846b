// model.ts — a recipe's `tokenizer` and `model` sections to objects: AutoTokenizer.fromPretrained
// with the tokenizer_config overrides; the task's Auto class either from_pretrained(name_or_path)
// (config overrides, labels, dtype) or, without a checkpoint, from a new config of model_type (HF
// run_mlm.py's "training from scratch": config_overrides), vocab_size defaulting to the tokenizer's.
import { AutoConfig, castWeights, type AutoModelFactory, type ModelTask, type PreTrainedModel, type TaskModels } from '../../models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { manualSeed } from '../../torch/index.js';
import { inputPath, type Recipe } from '../recipe/recipe.js';

/** The recipe's tokenizer (tokenizer.name_or_path, else model.name_or_path). */
export async function loadRecipeTokenizer(r: Recipe): Promise<PreTrainedTokenizerFast> {
  const { name_or_path, ...overrides } = r.tokenizer;
  const dir = inputPath(r.source, (name_or_path ?? r.model.name_or_path)!);
  const opts = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null));
  try {
    return await AutoTokenizer.fromPretrained(dir, opts);
  } catch (e) {
    throw r.source.error(['tokenizer', ...(name_or_path ? ['name_or_path'] : [])], `cannot load the tokenizer from ${dir}: ${(e as Error).message}`);
  }
}

/** Label maps of a classification head (names in id order). */
export interface LabelMaps { id2label: Record<number, string>; label2id: Record<string, number> }

export function labelMaps(names: readonly string[]): LabelMaps {
  return { id2label: Object.fromEntries(names.map((n, i) => [i, n])), label2id: Object.fromEntries(names.map((n, i) => [n, i])) };
}

/**
 * The model of `factory` for the recipe.  `labels`: the head's classes (classification tasks).
 * A new model is seeded with training_args.seed first, as HF's set_seed before from_config.
 */
export async function buildRecipeModel<T extends ModelTask>(r: Recipe, factory: AutoModelFactory<T>, tokenizer: PreTrainedTokenizerFast, labels?: readonly string[]): Promise<TaskModels[T]> {
  const m = r.model;
  const maps = labels ? labelMaps(labels) : undefined;
  const where = m.name_or_path ? ['model', 'name_or_path'] : ['model', 'config'];
  try {
    if (m.name_or_path) {
      return await factory.fromPretrained(inputPath(r.source, m.name_or_path), {
        ...maps, problemType: m.problem_type, config: m.config ?? undefined, dtype: m.dtype, attn_implementation: m.attn_implementation,
      });
    }
    const { model_type, ...fields } = m.config!;
    manualSeed(r.args.seed);
    const config = AutoConfig.forModel(model_type as string, {
      vocab_size: tokenizer.length, ...fields, ...maps, ...(m.problem_type ? { problem_type: m.problem_type } : {}),
    });
    const model = factory.fromConfig(config);
    if (m.dtype && m.dtype !== 'auto' && m.dtype !== 'float32') castWeights(model as unknown as PreTrainedModel, m.dtype);
    return model;
  } catch (e) {
    throw r.source.error(where, `cannot build the ${factory.name} model: ${(e as Error).message}`);
  }
}
