// load.ts — what `tunekit serve` serves: a causal LM (a checkpoint folder or a Hub id) through
// AutoModelForCausalLM and AutoTokenizer, optionally a LoRA adapter over it (peft's
// PeftModel.from_pretrained: an adapter folder or a Hub id), and the chat template (--chat-template:
// a file, or the template text itself, as vLLM's flag).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { AutoModelForCausalLM, type PreTrainedModel } from '../models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../tokenizers/index.js';
import { PeftModel } from '../peft/index.js';
import { getGenerationConfig, setGenerationConfig } from '../generation/index.js';
import type { DType, Device } from '../torch/index.js';

/** What to load. */
export interface LoadOptions {
  /** A LoRA adapter folder (adapter_config.json + adapter_model.safetensors) or Hub id. */
  adapter?: string | null;
  /** Parameter dtype (default float32; 'auto': the checkpoint's). */
  dtype?: DType | 'auto';
  device?: Device;
  /** Hub revision of the model. */
  revision?: string;
  /** --chat-template: a file path or the template text. */
  chatTemplate?: string | null;
}

/** A model ready to serve. */
export interface Loaded {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizerFast;
  chatTemplate: string | null;
}

/**
 * The --chat-template value: a file's contents (a .jinja / .txt file, or a tokenizer_config.json-style
 * .json with `chat_template`), or, when it looks like a template ({{ or {%), the text itself.
 */
export function readChatTemplate(value: string): string {
  if (existsSync(value) && statSync(value).isFile()) {
    const text = readFileSync(value, 'utf8');
    if (!value.endsWith('.json')) return text;
    const ct = (JSON.parse(text) as { chat_template?: unknown }).chat_template;
    if (typeof ct !== 'string') throw new Error(`--chat-template ${value}: the JSON file has no string "chat_template"`);
    return ct;
  }
  if (value.includes('{{') || value.includes('{%')) return value;
  throw new Error(`--chat-template ${value}: no such file (and the value is not a Jinja template)`);
}

/** Loads the model (and adapter) and tokenizer; errors name the folder or file. */
export async function loadForServing(modelPath: string, opts: LoadOptions = {}): Promise<Loaded> {
  const hub = opts.revision !== undefined ? { revision: opts.revision } : {};
  const chatTemplate = opts.chatTemplate ? readChatTemplate(opts.chatTemplate) : null;
  const tokenizer = await AutoTokenizer.fromPretrained(modelPath, hub);
  const base = await AutoModelForCausalLM.fromPretrained(modelPath, {
    ...hub, ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}), ...(opts.device !== undefined ? { device: opts.device } : {}),
  });
  base.eval();
  if (!opts.adapter) return { model: base, tokenizer, chatTemplate };
  const peft = await PeftModel.fromPretrained(base as never, opts.adapter);
  peft.eval();
  // the generation defaults stay the base checkpoint's generation_config.json
  const model = peft as unknown as PreTrainedModel;
  setGenerationConfig(model, getGenerationConfig(base));
  return { model, tokenizer, chatTemplate };
}
