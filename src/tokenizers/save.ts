// save_pretrained of transformers' tokenization_utils_base.py / tokenization_utils_fast.py:
// tokenizer.json (the backend's own serialization), tokenizer_config.json (init options, special
// tokens as strings, added_tokens_decoder, tokenizer_class, chat_template) and
// special_tokens_map.json (AddedToken objects), with HF's sort_keys=True, indent=2 layout.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SPECIAL_TOKEN_KEYS, VERY_LARGE_INTEGER, type AddedTokenConfig } from './config.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';

/** JSON with keys sorted at every level (Python's json.dumps(sort_keys=True, indent=2)). */
export function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  // Python writes int(1e30) (VERY_LARGE_INTEGER) as an integer literal, not 1e+30.
  return JSON.stringify(sort(value), null, 2).replace(/: 1e\+30\b/g, ': 1000000000000000019884624838656') + '\n';
}

/** An AddedToken as special_tokens_map.json stores it: no type field, no `special`. */
function plainToken(t: AddedTokenConfig): Record<string, unknown> {
  return { content: t.content, lstrip: t.lstrip ?? false, normalized: t.normalized ?? false, rstrip: t.rstrip ?? false, single_word: t.single_word ?? false };
}

/** Writes the three files to `dir` (created if needed); returns their paths. Caller holds the tokenizer's lock. */
export async function savePretrained(tok: PreTrainedTokenizerFast, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const config: Record<string, unknown> = { ...tok.initConfig };
  for (const k of [...SPECIAL_TOKEN_KEYS, 'additional_special_tokens', 'chat_template', 'added_tokens_decoder']) delete config[k];
  config.model_max_length = tok.modelMaxLength === VERY_LARGE_INTEGER ? VERY_LARGE_INTEGER : tok.modelMaxLength;
  config.clean_up_tokenization_spaces = tok.cleanUpTokenizationSpaces;
  config.padding_side = tok.paddingSide;
  config.truncation_side = tok.truncationSide;
  Object.assign(config, tok.specialTokensMap);
  // Special tokens set to none are written as null so a reload does not fall back to class defaults.
  for (const k of SPECIAL_TOKEN_KEYS) if (!(k in config)) config[k] = null;
  const ct = tok.chatTemplate;
  if (ct !== null) config.chat_template = typeof ct === 'string' ? ct : Object.entries(ct).map(([name, template]) => ({ name, template }));
  const decoder: Record<string, unknown> = {};
  for (const t of [...tok.addedTokensDecoder.values()].sort((a, b) => a.id - b.id))
    decoder[String(t.id)] = { content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special };
  config.added_tokens_decoder = decoder;
  config.tokenizer_class = tok.spec.name;
  const specialMap: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tok.specialTokensExtended())) specialMap[k] = Array.isArray(v) ? v.map(plainToken) : plainToken(v);

  const configPath = join(dir, 'tokenizer_config.json');
  const mapPath = join(dir, 'special_tokens_map.json');
  const jsonPath = join(dir, 'tokenizer.json');
  await writeFile(configPath, sortedJson(config), 'utf8');
  await writeFile(mapPath, sortedJson(specialMap), 'utf8');
  tok.backend.save(jsonPath, true);
  return [configPath, mapPath, jsonPath];
}
