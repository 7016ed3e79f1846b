// model-method.ts — `model.generate(...)` and `model.generation_config` on every PreTrainedModel.
// transformers puts generate() on PreTrainedModel through the GenerationMixin base class; here the
// models layer sits below generation and must not import it (test/layering.test.ts), so this
// module installs both on PreTrainedModel.prototype when tunekit/generation is imported (the
// package root `tunekit` imports it too), and a module augmentation gives them their types.
// It also wraps the loaders (PreTrainedModel.fromPretrained, AutoModelFor*.fromPretrained) to read
// the checkpoint's generation_config.json into model.generation_config, as HF's from_pretrained
// does. Without this import, models have neither; call generate(model, ...) or import the layer.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PreTrainedModel, AutoModelFactory } from '../models/index.js';
import type { Tensor } from '../torch/index.js';
import { GenerationConfig, GENERATION_CONFIG_NAME } from './configuration.js';
import type { GenerateOutput } from './decoding.js';
import { generate } from './generate.js';
import { getGenerationConfig, setGenerationConfig } from './model-config.js';
import type { GenerateInputs } from './setup.js';
import { resolvePretrained, splitHubOptions } from '../hub/index.js';

declare module '../models/modeling.js' {
  interface PreTrainedModel {
    /**
     * transformers' `model.generate()`: see {@link generate} (tunekit/generation). Installed when
     * tunekit/generation (or tunekit) is imported.
     */
    generate(inputs: GenerateInputs & { return_dict_in_generate: true }): GenerateOutput;
    generate(inputs: GenerateInputs & { returnDictInGenerate: true }): GenerateOutput;
    generate(inputs: GenerateInputs & { generation_config: GenerationConfig }): Tensor | GenerateOutput;
    generate(inputs?: GenerateInputs): Tensor;
    /**
     * The model's default generation parameters (HF `model.generation_config`): its checkpoint's
     * generation_config.json, else derived from its config. Assign to replace.
     */
    generation_config: GenerationConfig;
  }
}

const proto = PreTrainedModel.prototype as unknown as Record<string, unknown>;
if (!Object.hasOwn(proto, 'generate')) {
  Object.defineProperty(proto, 'generate', {
    value: function generateMethod(this: PreTrainedModel, inputs?: GenerateInputs): Tensor | GenerateOutput {
      return generate(this, inputs);
    },
    writable: true,
    configurable: true,
  });
  Object.defineProperty(proto, 'generation_config', {
    get(this: PreTrainedModel): GenerationConfig { return getGenerationConfig(this); },
    set(this: PreTrainedModel, v: GenerationConfig) { setGenerationConfig(this, v); },
    configurable: true,
  });
}

/**
 * Reads `dir/generation_config.json` into the model's generation_config when the file exists
 * (HF from_pretrained; a missing file leaves from_model_config as the default, an invalid one throws).
 */
export async function loadGenerationConfigInto(model: unknown, dir: string, opts: unknown = {}): Promise<void> {
  if (!(model instanceof PreTrainedModel) || typeof dir !== 'string') return;
  try { // a Hub id: the snapshot fromPretrained just filled, read from the cache with no request
    const [hub] = splitHubOptions(opts !== null && typeof opts === 'object' ? opts : {});
    dir = await resolvePretrained(dir, { optional: [GENERATION_CONFIG_NAME] }, { ...hub, local_files_only: true });
  } catch {
    return;
  }
  const file = join(dir, GENERATION_CONFIG_NAME);
  try {
    if (!(await stat(file)).isFile()) return;
  } catch {
    return;
  }
  setGenerationConfig(model, await GenerationConfig.fromPretrained(file));
}

const HOOKED = Symbol.for('tunekit.generation.loaders');
type Loader = (this: unknown, dir: string, ...rest: unknown[]) => Promise<unknown>;
function hook(owner: object, name: string): void {
  const orig = (owner as Record<string, unknown>)[name] as Loader & { [HOOKED]?: true };
  if (typeof orig !== 'function' || orig[HOOKED]) return;
  const wrapped = async function (this: unknown, dir: string, ...rest: unknown[]): Promise<unknown> {
    const model = await orig.call(this, dir, ...rest);
    await loadGenerationConfigInto(model, dir, rest[0]);
    return model;
  };
  Object.defineProperty(wrapped, HOOKED, { value: true });
  Object.defineProperty(wrapped, 'name', { value: name });
  Object.defineProperty(owner, name, { value: wrapped, writable: true, configurable: true });
}
hook(PreTrainedModel, 'fromPretrained');
hook(AutoModelFactory.prototype, 'fromPretrained');

/** True once model.generate is installed (importing this module does it). */
export const GENERATE_METHOD_INSTALLED = typeof proto.generate === 'function';
