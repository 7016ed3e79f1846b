// AutoTokenizer.from_pretrained of transformers' tokenization_auto.py for local folders: picks the
// class (tokenizer_config.json's tokenizer_class, config.json's model_type, or the files present),
// merges the configuration files with the caller's overrides, loads tokenizer.json or converts the
// slow vocabulary files (convert_slow_tokenizer.py), and registers the special tokens as
// PreTrainedTokenizerFast.__init__ does.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { resolveTokenizerClass } from './classes.js';
import {
  SPECIAL_TOKEN_KEYS, mergeInitConfig, readTokenizerFolder, tokenContent, toAddedToken, validateConfig,
  type AddedTokenConfig, type TokenConfigValue, type TokenizerConfigJson,
} from './config.js';
import { addTokensToJson, modelVocabOf, parseTokenizerJson, type AddedTokenSpec, type TokenizerJson } from './tokenizer-json.js';
import { PreTrainedTokenizerFast } from './tokenizer.js';
import { TOKENIZER_FILES, resolvePretrained, splitHubOptions, type HubOptions } from '../hub/index.js';
import './push.js'; // tokenizer.pushToHub

/**
 * from_pretrained keyword arguments: any tokenizer_config.json key in HF's spelling overrides the
 * folder's value (`do_lower_case`, `model_max_length`, `legacy`, `padding_side`, `pad_token`, ...),
 * plus `from_slow: true` to rebuild from the slow files even when tokenizer.json exists, and the
 * Hub options (revision, cache_dir, token, local_files_only, subfolder) for a Hub id.
 */
export type FromPretrainedOptions = TokenizerConfigJson & { from_slow?: boolean } & HubOptions;

async function listFiles(dir: string): Promise<Set<string>> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new Error(`AutoTokenizer.fromPretrained: tokenizer folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`AutoTokenizer.fromPretrained: ${dir} is not a folder (pass the folder holding tokenizer.json / tokenizer_config.json)`);
  return new Set(await readdir(dir));
}

/** The tokens PreTrainedTokenizerFast.__init__ adds: added_tokens_decoder, then missing special tokens. */
function tokensToAdd(json: TokenizerJson, decoder: Record<string, AddedTokenConfig>, init: Record<string, unknown>): AddedTokenSpec[] {
  const out: AddedTokenSpec[] = Object.entries(decoder)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, t]) => ({ ...t, content: tokenContent(t)!, special: t.special ?? false }));
  const specials: AddedTokenConfig[] = [];
  for (const k of SPECIAL_TOKEN_KEYS) {
    const v = init[k] as TokenConfigValue | null | undefined;
    if (v !== undefined && v !== null) specials.push(toAddedToken(v));
  }
  for (const v of (init.additional_special_tokens as TokenConfigValue[] | null | undefined) ?? []) specials.push(toAddedToken(v));
  const known = new Set([...json.added_tokens.map((t) => t.content), ...out.map((t) => t.content)]);
  for (const t of specials) {
    if (known.has(t.content)) continue;
    known.add(t.content);
    out.push({ ...t, special: true, normalized: t.normalized ?? false });
  }
  return out;
}

/** Loads tokenizers from local folders, like transformers' AutoTokenizer. */
export const AutoTokenizer = {
  /**
   * Loads the tokenizer in `dir` (a folder, or a Hub id downloaded into HF's cache): tokenizer.json
   * when present, else converted from the slow files (vocab.txt, vocab.json + merges.txt,
   * spiece.model or tokenizer.model).
   * @example
   *   const tok = await AutoTokenizer.fromPretrained(dir, { do_lower_case: false, model_max_length: 512 });
   * @throws Error naming the folder and the missing files when nothing can be loaded.
   */
  async fromPretrained(dir: string, options: FromPretrainedOptions = {}): Promise<PreTrainedTokenizerFast> {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('AutoTokenizer.fromPretrained takes the path of a tokenizer folder');
    const [hub, own] = splitHubOptions(options);
    dir = await resolvePretrained(dir, TOKENIZER_FILES, hub); // a Hub id -> its snapshot folder
    const { from_slow: fromSlow = false, ...overrides } = own;
    validateConfig(overrides, 'fromPretrained options');
    const files = await listFiles(dir);
    const folder = await readTokenizerFolder(dir);
    const spec = resolveTokenizerClass(overrides.tokenizer_class ?? folder.config.tokenizer_class, folder.modelType, files);
    const init = mergeInitConfig(spec.defaults, folder.config, folder.specialTokensMap, overrides);
    spec.prepareInit?.(init);
    const specialTokens: Record<string, string> = {};
    for (const k of SPECIAL_TOKEN_KEYS) {
      const c = tokenContent(init[k]);
      if (c !== null) specialTokens[k] = c;
    }

    let json: TokenizerJson;
    if (folder.tokenizerJson !== undefined && !fromSlow) {
      json = parseTokenizerJson(folder.tokenizerJson, join(dir, 'tokenizer.json'));
    } else {
      const missing = spec.slowFiles.filter((f) => !files.has(f));
      if (!spec.convert || spec.slowFiles.length === 0)
        throw new Error(`Can't load a tokenizer from ${dir}: it has no tokenizer.json${fromSlow ? ' conversion path' : ''}, and ${spec.name} has no slow files to convert from (found: ${[...files].sort().join(', ') || 'nothing'})`);
      if (missing.length > 0)
        throw new Error(`Can't load a ${spec.name} from ${dir}: it has no tokenizer.json and is missing ${missing.join(', ')} (found: ${[...files].sort().join(', ') || 'nothing'})`);
      json = await spec.convert(dir, { init, specialTokens });
    }
    addTokensToJson(json, modelVocabOf(json.model), tokensToAdd(json, (folder.config.added_tokens_decoder ?? {}) as Record<string, AddedTokenConfig>, init));
    let backend: Tokenizer, raw: Tokenizer, full: string;
    try {
      // Serialize each section once: the raw copy differs only in its post_processor.
      const parts = Object.entries(json).map(([k, v]) => [JSON.stringify(k), JSON.stringify(v)] as const);
      const doc = (rawCopy: boolean) => `{${parts.map(([k, v]) => `${k}:${rawCopy && k === '"post_processor"' ? 'null' : v}`).join(',')}}`;
      full = doc(false);
      backend = Tokenizer.fromString(full);
      raw = Tokenizer.fromString(doc(true));
    } catch (e) {
      throw new Error(`${dir}: HF tokenizers could not load the tokenizer (${(e as Error).message})`);
    }
    return new PreTrainedTokenizerFast(backend, raw, spec, init, json.added_tokens, full);
  },
};
