// What a converter of convert_slow_tokenizer.py gets from the slow tokenizer it converts: the
// effective init options (tokenizer_config.json + from_pretrained overrides, HF key spelling) and
// the resolved special-token strings.
import type { TokenizerJson } from '../tokenizer-json.js';

/** The slow tokenizer's effective settings, as the converters read them. */
export interface SlowTokenizerConfig {
  /** tokenizer_config.json keys merged with the call's overrides (do_lower_case, legacy, ...). */
  init: Readonly<Record<string, unknown>>;
  /** Resolved special tokens by HF attribute name: `unk_token`, `bos_token`, ... (absent = none). */
  specialTokens: Readonly<Record<string, string>>;
}

/** A converter: reads its slow vocabulary files from `dir` and returns the fast tokenizer's JSON. */
export type Converter = (dir: string, cfg: SlowTokenizerConfig) => Promise<TokenizerJson>;

/** A boolean init option, `fallback` when absent or null. */
export function optBool(cfg: SlowTokenizerConfig, key: string, fallback: boolean): boolean {
  const v = cfg.init[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new Error(`tokenizer option ${key} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}
