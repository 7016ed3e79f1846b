// tokenizer_config.json / special_tokens_map.json handling of transformers'
// tokenization_utils_base.py (PreTrainedTokenizerBase._from_pretrained): reading the files,
// merging them with the class defaults and the caller's overrides (precedence: overrides >
// special_tokens_map.json > tokenizer_config.json > class defaults), and the AddedToken shapes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The special-token attributes of PreTrainedTokenizerBase (SPECIAL_TOKENS_ATTRIBUTES, less the list). */
export const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
/** One of {@link SPECIAL_TOKEN_KEYS}. */
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

/** An AddedToken as transformers writes it in tokenizer_config.json (`__type: "AddedToken"`). */
export interface AddedTokenConfig {
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
  __type?: string;
}

/** A special token value: a plain string or an AddedToken object. */
export type TokenConfigValue = string | AddedTokenConfig;

/** HF's VERY_LARGE_INTEGER (int(1e30)): `model_max_length` when the model sets none. */
export const VERY_LARGE_INTEGER = 1e30;
/** HF's LARGE_INTEGER (int(1e20)): above it, model_max_length counts as "not set". */
export const LARGE_INTEGER = 1e20;

/**
 * tokenizer_config.json, in HF's key spelling. Only the keys tunekit reads are typed; any other
 * key (e.g. `errors`, `auto_map`) is kept as-is and written back by savePretrained.
 */
export interface TokenizerConfigJson {
  tokenizer_class?: string;
  model_max_length?: number;
  padding_side?: 'left' | 'right';
  truncation_side?: 'left' | 'right';
  clean_up_tokenization_spaces?: boolean;
  model_input_names?: string[];
  chat_template?: string | Array<{ name: string; template: string }> | null;
  added_tokens_decoder?: Record<string, AddedTokenConfig>;
  additional_special_tokens?: TokenConfigValue[] | null;
  bos_token?: TokenConfigValue | null;
  eos_token?: TokenConfigValue | null;
  unk_token?: TokenConfigValue | null;
  sep_token?: TokenConfigValue | null;
  pad_token?: TokenConfigValue | null;
  cls_token?: TokenConfigValue | null;
  mask_token?: TokenConfigValue | null;
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  add_prefix_space?: boolean | null;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  legacy?: boolean | null;
  extra_ids?: number;
  [key: string]: unknown;
}

/** The string of a special token value, or null. */
export function tokenContent(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as AddedTokenConfig).content === 'string') return (v as AddedTokenConfig).content;
  throw new Error(`a special token must be a string or an AddedToken object with a "content" string, got ${JSON.stringify(v)}`);
}

/** Normalizes a value to an AddedToken object (`special` defaults to true for special tokens). */
export function toAddedToken(v: TokenConfigValue, special = true): AddedTokenConfig {
  if (typeof v === 'string') return { content: v, special };
  const content = tokenContent(v)!;
  return { ...v, content, special: v.special ?? special };
}

/** Reads a JSON file if it exists; undefined otherwise. */
export async function readJsonIfExists(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/** Checks the types of the config keys tunekit interprets; throws naming the key and the value. */
export function validateConfig(cfg: Record<string, unknown>, where: string): void {
  const bad = (k: string, want: string) => new Error(`${where}: ${k} must be ${want}, got ${JSON.stringify(cfg[k])}`);
  for (const k of ['padding_side', 'truncation_side'])
    if (cfg[k] !== undefined && cfg[k] !== 'left' && cfg[k] !== 'right') throw bad(k, "'left' or 'right'");
  const mml = cfg.model_max_length;
  if (mml !== undefined && mml !== null && (typeof mml !== 'number' || !(mml > 0))) throw bad('model_max_length', 'a positive number');
  for (const k of ['clean_up_tokenization_spaces', 'do_lower_case', 'add_bos_token', 'add_eos_token', 'tokenize_chinese_chars'])
    if (cfg[k] !== undefined && cfg[k] !== null && typeof cfg[k] !== 'boolean') throw bad(k, 'a boolean');
  const ct = cfg.chat_template;
  if (ct !== undefined && ct !== null && typeof ct !== 'string' &&
      !(Array.isArray(ct) && ct.every((t) => t && typeof t.name === 'string' && typeof t.template === 'string')))
    throw bad('chat_template', 'a string or a list of {name, template}');
  const names = cfg.model_input_names;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) throw bad('model_input_names', 'a list of strings');
  for (const k of SPECIAL_TOKEN_KEYS) if (cfg[k] !== undefined) tokenContent(cfg[k]);
  const extra = cfg.additional_special_tokens;
  if (extra !== undefined && extra !== null) {
    if (!Array.isArray(extra)) throw bad('additional_special_tokens', 'a list');
    extra.forEach((t) => tokenContent(t));
  }
}

/**
 * Merges the sources of a tokenizer's init options as `_from_pretrained` does: class defaults, then
 * tokenizer_config.json, then special_tokens_map.json (its AddedToken objects become special; its
 * additional_special_tokens are appended), then the caller's overrides.
 */
export function mergeInitConfig(
  defaults: Readonly<Record<string, unknown>>, config: Readonly<Record<string, unknown>>,
  specialTokensMap: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const init: Record<string, unknown> = { ...defaults, ...config };
  delete init.added_tokens_decoder;
  for (const [key, value] of Object.entries(specialTokensMap)) {
    if (overrides[key] !== undefined && overrides[key] !== null) continue;
    if (key === 'additional_special_tokens' && Array.isArray(value)) {
      const list = [...((init.additional_special_tokens as TokenConfigValue[] | null | undefined) ?? [])];
      for (const t of value as TokenConfigValue[]) {
        const tok = typeof t === 'string' ? t : toAddedToken(t);
        if (!list.some((x) => tokenContent(x) === tokenContent(tok))) list.push(tok);
      }
      init[key] = list;
    } else {
      init[key] = value !== null && typeof value === 'object' ? toAddedToken(value as AddedTokenConfig) : value;
    }
  }
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) init[k] = v;
  return init;
}

/** The files of a tokenizer folder that fromPretrained reads. */
export interface TokenizerFolder {
  dir: string;
  tokenizerJson?: string;
  config: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
  /** `model_type` from config.json, used to pick the class when tokenizer_config.json names none. */
  modelType?: string;
}

/** Reads tokenizer_config.json, special_tokens_map.json and config.json's model_type from `dir`. */
export async function readTokenizerFolder(dir: string): Promise<TokenizerFolder> {
  const config = (await readJsonIfExists(join(dir, 'tokenizer_config.json'))) ?? {};
  validateConfig(config, join(dir, 'tokenizer_config.json'));
  const specialTokensMap = (await readJsonIfExists(join(dir, 'special_tokens_map.json'))) ?? {};
  const modelConfig = await readJsonIfExists(join(dir, 'config.json'));
  let tokenizerJson: string | undefined;
  try {
    tokenizerJson = await readFile(join(dir, 'tokenizer.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const modelType = typeof modelConfig?.model_type === 'string' ? modelConfig.model_type : undefined;
  return { dir, tokenizerJson, config, specialTokensMap, modelType };
}
