// PreTrainedTokenizerFast of transformers' tokenization_utils_fast.py (with the special-token
// bookkeeping of tokenization_utils_base.py's SpecialTokensMixin): an HF `tokenizers` Tokenizer
// plus the transformers-level state (special tokens, model_max_length, padding/truncation side,
// chat template). Calling, decoding, chat templates and saving live in call.ts, decode.ts, chat.ts, save.ts.
import { AddedToken, mergeEncodings, templateProcessing, type Encoding, type Processor, type Tokenizer } from 'tokenizers';
import type { Tensor } from '../torch/index.js';
import { callTokenizer, resolveCallOptions, type AnyCallOptions, type TextInput } from './call.js';
import { normalizeOptions, type WithCamelAliases } from '../utils/options.js';
import { decodeOptions, type DecodeCallOptions, type NoOverflow, type NoTensors, type NotSplit, type PtTensors, type Split } from './call-options.js';
import { applyChatTemplate, type ChatMessage, type ChatTemplateDictRequest, type ChatTemplateEncoding, type ChatTemplateOptions } from './chat.js';
import type { TokenizerClassSpec } from './classes.js';
import { SPECIAL_TOKEN_KEYS, VERY_LARGE_INTEGER, toAddedToken, tokenContent, type AddedTokenConfig, type SpecialTokenKey, type TokenConfigValue } from './config.js';
import { decodeIds, toIdList } from './decode.js';
import type { BatchEncoding, Batched, Pt, Single } from './encoding.js';
import { RustBackends } from './rust-path.js';
import { savePretrained } from './save.js';
import type { AddedTokenJson } from './tokenizer-json.js';
import { WordIndexShadow } from './words.js';

/**
 * A fast tokenizer with transformers' API. Made by `AutoTokenizer.fromPretrained(dir)`.
 * Encoding is asynchronous (HF tokenizers encodes on a worker thread); decoding and vocabulary
 * look-ups are synchronous.
 * @example
 *   const tok = await AutoTokenizer.fromPretrained(dir);
 *   const enc = await tok.call('Hello world', { truncation: true, maxLength: 8 });
 *   tok.decode(enc.input_ids, { skipSpecialTokens: true });
 */
/** Default of PreTrainedTokenizerFast.maxTextLength: one text of at most 1,000,000 characters. */
export const MAX_TEXT_LENGTH = 1_000_000;

export class PreTrainedTokenizerFast {
  /** The HF tokenizers object (`backend_tokenizer`). Its truncation and padding stay disabled: calls do both. */
  readonly backend: Tokenizer;
  /**
   * @internal The same tokenizer without a post-processor: encodes each sequence on its own, so that
   * truncation and the post-processor can run afterwards as tokenizers' post_process does.
   */
  readonly rawBackend: Tokenizer;
  /** The class this tokenizer follows (`BertTokenizer`, `LlamaTokenizer`, ...). */
  readonly spec: TokenizerClassSpec;
  /** Longest input the model takes; 1e30 when unknown (HF's VERY_LARGE_INTEGER). */
  modelMaxLength: number;
  /**
   * Longest text (in characters) one call encodes; longer ones are refused before reaching Rust.
   * Oniguruma counts backtracking retries per match, with a 10,000,000 limit whose overrun is a
   * panic that aborts Node; a pre-tokenizer regex such as `\s*[\r\n]+` retries once per
   * character of a whitespace run, so real tokenizers abort on ~10M-character texts. The default
   * (MAX_TEXT_LENGTH, 1,000,000) keeps a 10x margin; split longer documents, or raise it.
   */
  maxTextLength = MAX_TEXT_LENGTH;
  paddingSide: 'left' | 'right';
  truncationSide: 'left' | 'right';
  /** Whether decode() applies clean_up_tokenization (" ." -> "." ...) by default. */
  cleanUpTokenizationSpaces: boolean;
  /** The keys the model takes; decides whether token_type_ids / attention_mask are returned. */
  readonly modelInputNames: readonly string[];
  /** The Jinja chat template, or named templates; null when the tokenizer has none. */
  chatTemplate: string | Record<string, string> | null;
  /** The merged tokenizer_config options (HF keys), as savePretrained writes them back. */
  readonly initConfig: Record<string, unknown>;
  /** Added tokens by id (mirrors the backend's added vocabulary; `added_tokens_decoder`). */
  readonly addedTokensDecoder = new Map<number, AddedTokenJson>();

  private readonly specials = new Map<SpecialTokenKey, AddedTokenConfig | null>();
  private extraSpecials: AddedTokenConfig[] = [];
  /** @internal Word-index tracker for pre-split input (see words.ts). */
  readonly wordShadow = new WordIndexShadow();
  /** @internal Backend copies with truncation/padding set, for call()'s fast path (see rust-path.ts). */
  readonly rustBackends: RustBackends;

  /**
   * @internal Built by AutoTokenizer.fromPretrained from a tokenizer.json whose added tokens are
   * complete; `rawBackend` is the same JSON with `post_processor: null`; `json` is that tokenizer.json
   * (the backend's own), from which call()'s fast path makes its copies (null: no fast path).
   */
  constructor(backend: Tokenizer, rawBackend: Tokenizer, spec: TokenizerClassSpec, init: Record<string, unknown>, addedTokens: readonly AddedTokenJson[], json: string | null = null) {
    this.backend = backend;
    this.rawBackend = rawBackend;
    this.rustBackends = new RustBackends(json, backend);
    this.spec = spec;
    this.initConfig = init;
    for (const b of [backend, rawBackend]) {
      b.disableTruncation();
      b.disablePadding();
    }
    for (const t of addedTokens) this.addedTokensDecoder.set(t.id, { ...t });
    for (const k of SPECIAL_TOKEN_KEYS) {
      const v = init[k] as TokenConfigValue | null | undefined;
      this.specials.set(k, v === undefined || v === null ? null : toAddedToken(v));
    }
    const extra = (init.additional_special_tokens as TokenConfigValue[] | null | undefined) ?? [];
    this.extraSpecials = extra.map((t) => toAddedToken(t));
    this.modelMaxLength = typeof init.model_max_length === 'number' ? init.model_max_length : VERY_LARGE_INTEGER;
    this.paddingSide = (init.padding_side as 'left' | 'right' | undefined) ?? spec.paddingSide;
    this.truncationSide = (init.truncation_side as 'left' | 'right' | undefined) ?? 'right';
    this.cleanUpTokenizationSpaces = init.clean_up_tokenization_spaces === true;
    this.modelInputNames = (init.model_input_names as string[] | undefined) ?? spec.modelInputNames;
    const ct = init.chat_template as string | Array<{ name: string; template: string }> | null | undefined;
    this.chatTemplate = ct === undefined || ct === null ? null : typeof ct === 'string' ? ct : Object.fromEntries(ct.map((t) => [t.name, t.template]));
    if (spec.template) this.updatePostProcessor();
  }

  // ---- special tokens (SpecialTokensMixin) ----

  /** A special token attribute (`'pad_token'`, ...), null when unset. */
  getSpecialToken(key: SpecialTokenKey): string | null { return this.specials.get(key)?.content ?? null; }
  /** Sets a special token attribute by string (or AddedToken); it is not added to the vocabulary. */
  setSpecialToken(key: SpecialTokenKey, value: TokenConfigValue | null): void {
    if (value !== null && typeof value !== 'string' && typeof value?.content !== 'string') throw new Error(`Cannot set a non-string value as the ${key}`);
    this.specials.set(key, value === null ? null : toAddedToken(value));
    this.rustBackends.invalidate();
  }
  /** The id of a special token attribute, null when unset (unknown strings map to the unk id). */
  getSpecialTokenId(key: SpecialTokenKey): number | null {
    const t = this.getSpecialToken(key);
    return t === null ? null : this.tokenToIdOrUnk(t);
  }
  /** Sets a special token attribute from an id (HF `tokenizer.pad_token_id = 0`). */
  setSpecialTokenId(key: SpecialTokenKey, id: number | null): void {
    this.setSpecialToken(key, id === null ? null : this.convertIdsToTokens(id));
  }

  get bosToken(): string | null { return this.getSpecialToken('bos_token'); }
  set bosToken(v: string | null) { this.setSpecialToken('bos_token', v); }
  get eosToken(): string | null { return this.getSpecialToken('eos_token'); }
  set eosToken(v: string | null) { this.setSpecialToken('eos_token', v); }
  get unkToken(): string | null { return this.getSpecialToken('unk_token'); }
  set unkToken(v: string | null) { this.setSpecialToken('unk_token', v); }
  get sepToken(): string | null { return this.getSpecialToken('sep_token'); }
  set sepToken(v: string | null) { this.setSpecialToken('sep_token', v); }
  get padToken(): string | null { return this.getSpecialToken('pad_token'); }
  set padToken(v: string | null) { this.setSpecialToken('pad_token', v); }
  get clsToken(): string | null { return this.getSpecialToken('cls_token'); }
  set clsToken(v: string | null) { this.setSpecialToken('cls_token', v); }
  get maskToken(): string | null { return this.getSpecialToken('mask_token'); }
  set maskToken(v: string | null) { this.setSpecialToken('mask_token', v); }
  get bosTokenId(): number | null { return this.getSpecialTokenId('bos_token'); }
  set bosTokenId(v: number | null) { this.setSpecialTokenId('bos_token', v); }
  get eosTokenId(): number | null { return this.getSpecialTokenId('eos_token'); }
  set eosTokenId(v: number | null) { this.setSpecialTokenId('eos_token', v); }
  get unkTokenId(): number | null { return this.getSpecialTokenId('unk_token'); }
  set unkTokenId(v: number | null) { this.setSpecialTokenId('unk_token', v); }
  get sepTokenId(): number | null { return this.getSpecialTokenId('sep_token'); }
  set sepTokenId(v: number | null) { this.setSpecialTokenId('sep_token', v); }
  get padTokenId(): number | null { return this.getSpecialTokenId('pad_token'); }
  set padTokenId(v: number | null) { this.setSpecialTokenId('pad_token', v); }
  get clsTokenId(): number | null { return this.getSpecialTokenId('cls_token'); }
  set clsTokenId(v: number | null) { this.setSpecialTokenId('cls_token', v); }
  get maskTokenId(): number | null { return this.getSpecialTokenId('mask_token'); }
  set maskTokenId(v: number | null) { this.setSpecialTokenId('mask_token', v); }
  /** HF's `pad_token_type_id` (always 0). */
  readonly padTokenTypeId = 0;

  /** The `additional_special_tokens` strings. */
  get additionalSpecialTokens(): string[] { return this.extraSpecials.map((t) => t.content); }
  set additionalSpecialTokens(v: string[]) {
    this.extraSpecials = v.map((t) => toAddedToken(t));
    this.rustBackends.invalidate();
  }
  /** The set special tokens by attribute (HF `special_tokens_map`). */
  get specialTokensMap(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.specials) if (v !== null) out[k] = v.content;
    if (this.extraSpecials.length > 0) out.additional_special_tokens = this.additionalSpecialTokens;
    return out;
  }
  /** @internal The special tokens as AddedToken objects (for saving). */
  specialTokensExtended(): Record<string, AddedTokenConfig | AddedTokenConfig[]> {
    const out: Record<string, AddedTokenConfig | AddedTokenConfig[]> = {};
    for (const [k, v] of this.specials) if (v !== null) out[k] = v;
    if (this.extraSpecials.length > 0) out.additional_special_tokens = this.extraSpecials;
    return out;
  }
  /** Every special token, attributes first, without repeats (HF `all_special_tokens`). */
  get allSpecialTokens(): string[] {
    const all = [...[...this.specials.values()].flatMap((v) => (v ? [v.content] : [])), ...this.additionalSpecialTokens];
    return [...new Set(all)];
  }
  /** The ids of {@link allSpecialTokens}. */
  get allSpecialIds(): number[] { return this.allSpecialTokens.map((t) => this.tokenToIdOrUnk(t) ?? -1); }

  /** Llama: whether `<s>` starts every sequence. Setting it rebuilds the post-processor. */
  get addBosToken(): boolean { return this.initConfig.add_bos_token !== false; }
  set addBosToken(v: boolean) { this.setTemplateFlag('add_bos_token', v); }
  /** Llama: whether `</s>` ends every sequence. Setting it rebuilds the post-processor. */
  get addEosToken(): boolean { return this.initConfig.add_eos_token === true; }
  set addEosToken(v: boolean) { this.setTemplateFlag('add_eos_token', v); }

  private setTemplateFlag(key: string, v: boolean): void {
    if (!this.spec.template) throw new Error(`${key} is only supported by Llama-style tokenizers, not ${this.spec.name}`);
    this.initConfig[key] = v;
    this.updatePostProcessor();
  }

  /** LlamaTokenizerFast.update_post_processor: rebuilds the template from bos/eos and the add_* flags. */
  updatePostProcessor(): void {
    if (!this.spec.template) return;
    const t = this.spec.template({
      init: this.initConfig,
      special: (k) => {
        const tok = this.getSpecialToken(k);
        return tok === null ? null : [tok, this.getSpecialTokenId(k) ?? -1];
      },
    });
    this.setPostProcessor(templateProcessing(t.single, t.pair, t.specialTokens));
  }

  /** Replaces the backend's post-processor (e.g. a `templateProcessing(...)` from `tokenizers`). */
  setPostProcessor(p: Processor): void {
    this.backend.setPostProcessor(p);
    this.rustBackends.record((t) => t.setPostProcessor(p));
  }

  // ---- vocabulary ----

  /** Size of the base vocabulary, without added tokens (HF `vocab_size`). */
  get vocabSize(): number { return this.backend.getVocabSize(false); }
  /** Size of the full vocabulary with added tokens (HF `len(tokenizer)`). */
  get length(): number { return this.backend.getVocabSize(true); }
  /** token -> id over the full vocabulary (HF `get_vocab()`). */
  getVocab(): Record<string, number> { return this.backend.getVocab(true); }
  /** Added tokens (content -> id), HF `get_added_vocab()`. */
  getAddedVocab(): Record<string, number> {
    return Object.fromEntries([...this.addedTokensDecoder.values()].map((t) => [t.content, t.id]));
  }

  private tokenToIdOrUnk(token: string): number | null {
    const id = this.backend.tokenToId(token);
    if (id !== null && id !== undefined) return id;
    const unk = this.getSpecialToken('unk_token');
    return unk === null ? null : this.backend.tokenToId(unk) ?? null;
  }

  /** token(s) -> id(s); unknown tokens give the unk id (null without an unk token). */
  convertTokensToIds(token: string): number | null;
  convertTokensToIds(tokens: readonly string[]): Array<number | null>;
  convertTokensToIds(tokens: string | readonly string[]): number | null | Array<number | null> {
    if (typeof tokens === 'string') return this.tokenToIdOrUnk(tokens);
    return tokens.map((t) => this.tokenToIdOrUnk(t));
  }

  /** id(s) -> token(s); with skipSpecialTokens, ids of {@link allSpecialTokens} are dropped. */
  convertIdsToTokens(id: number): string | null;
  convertIdsToTokens(ids: readonly number[] | Tensor, skipSpecialTokens?: boolean): string[];
  convertIdsToTokens(ids: number | readonly number[] | Tensor, skipSpecialTokens = false): string | null | string[] {
    // An added token's own content: the Node binding of tokenizers returns a *normalized* added
    // token (added with normalized: true) in its normalized form ('▁<extra_id_0>' under Llama's
    // normalizer), where Python's returns the content as added.
    const one = (id: number): string | null => this.addedTokensDecoder.get(id)?.content ?? this.backend.idToToken(id) ?? null;
    if (typeof ids === 'number') return one(ids);
    const skip = skipSpecialTokens ? new Set(this.allSpecialIds) : null;
    const out: string[] = [];
    for (const id of toIdList(ids)) {
      if (skip?.has(id)) continue;
      out.push(one(id) as string);
    }
    return out;
  }

  /** Number of special tokens the post-processor adds to one sequence or a pair. */
  numSpecialTokensToAdd(pair = false): number {
    const empty = (): Encoding => mergeEncodings([], false);
    return this.backend.postProcess(empty(), pair ? empty() : null, true).getLength();
  }

  // ---- adding tokens ----

  /**
   * Adds tokens to the vocabulary (HF `add_tokens`); returns how many were new. Strings become
   * AddedToken(content, special=specialTokens, normalized=!special).
   */
  addTokens(tokens: TokenConfigValue | readonly TokenConfigValue[], specialTokens = false): number {
    const list = (Array.isArray(tokens) ? tokens : [tokens]) as TokenConfigValue[];
    const specs = list.map((t) => {
      const a = typeof t === 'string' ? { content: t, special: specialTokens } : { ...t, content: tokenContent(t)! };
      if (specialTokens) a.special = true;
      return a;
    });
    const native = specs.map((t) => new AddedToken(t.content, t.special ?? false, {
      singleWord: t.single_word ?? false, leftStrip: t.lstrip ?? false, rightStrip: t.rstrip ?? false,
      normalized: t.normalized ?? !(t.special ?? false),
    }));
    const added = this.backend.addAddedTokens(native);
    this.rawBackend.addAddedTokens(native);
    this.rustBackends.record((t) => t.addAddedTokens(native));
    for (const t of specs) {
      const id = this.backend.tokenToId(t.content);
      if (id === null || id === undefined) continue;
      const old = [...this.addedTokensDecoder.values()].find((a) => a.content === t.content);
      if (old && old.id !== id) this.addedTokensDecoder.delete(old.id);
      this.addedTokensDecoder.set(id, {
        id, content: t.content, single_word: t.single_word ?? false, lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false,
        normalized: t.normalized ?? !(t.special ?? false), special: (t.special ?? false) || (old?.special ?? false),
      });
    }
    return added;
  }

  /**
   * Sets special token attributes and adds them to the vocabulary (HF `add_special_tokens`):
   * `{ pad_token: '[PAD]', additional_special_tokens: ['<x>'] }`. Returns how many tokens were new.
   */
  addSpecialTokens(tokens: Partial<Record<SpecialTokenKey, TokenConfigValue>> & { additional_special_tokens?: TokenConfigValue[] }, replaceAdditionalSpecialTokens = true): number {
    const toAdd: AddedTokenConfig[] = [];
    for (const [key, value] of Object.entries(tokens)) {
      if (key === 'additional_special_tokens') {
        if (!Array.isArray(value)) throw new Error(`Tokens ${JSON.stringify(value)} for key ${key} should all be str or AddedToken instances`);
        const list = value.map((t) => (typeof t === 'string' ? { content: t, special: true, normalized: false } : toAddedToken(t)));
        const fresh = replaceAdditionalSpecialTokens ? list : list.filter((t) => !this.additionalSpecialTokens.includes(t.content));
        if (replaceAdditionalSpecialTokens && fresh.length > 0) this.extraSpecials = fresh;
        else this.extraSpecials.push(...fresh);
        toAdd.push(...fresh);
      } else if ((SPECIAL_TOKEN_KEYS as readonly string[]).includes(key)) {
        if (typeof value !== 'string' && typeof (value as AddedTokenConfig)?.content !== 'string') throw new Error(`Token ${JSON.stringify(value)} for key ${key} should be a str or an AddedToken instance`);
        const tok = typeof value === 'string' ? { content: value, special: true, normalized: false } : toAddedToken(value as AddedTokenConfig);
        this.specials.set(key as SpecialTokenKey, tok);
        if (!toAdd.some((t) => t.content === tok.content)) toAdd.push(tok);
      } else {
        throw new Error(`Key ${key} is not a special token (expected one of ${[...SPECIAL_TOKEN_KEYS, 'additional_special_tokens'].join(', ')})`);
      }
    }
    this.rustBackends.invalidate();
    return toAdd.length === 0 ? 0 : this.addTokens(toAdd, true);
  }

  // ---- calling, decoding, chat, saving ----

  /** @internal Encodes strings on their own: no special tokens, no truncation, no post-processor. */
  async encodeRaw(inputs: string[]): Promise<Encoding[]> {
    if (inputs.length === 0) return [];
    return this.rawBackend.encodeBatch(inputs as never[], { addSpecialTokens: false });
  }

  /**
   * Tokenizes text(s) the way `tokenizer(...)` does in transformers; see {@link AnyCallOptions}
   * (HF's names, or camelCase: `max_length` / `maxLength`).  A string gives flat lists; a list
   * (or pre-split words with `is_split_into_words`) a batch; `return_tensors: 'pt'` int64 tensors.
   */
  call(text: string | null, opts?: AnyCallOptions & NoTensors & NoOverflow & NotSplit & { textTarget?: string; text_target?: string }): Promise<BatchEncoding<Single>>;
  call(text: string[], opts: AnyCallOptions & NoTensors & NoOverflow & Split): Promise<BatchEncoding<Single>>;
  call(text: TextInput | null, opts: AnyCallOptions & PtTensors): Promise<BatchEncoding<Pt>>;
  call(text: TextInput | null, opts?: AnyCallOptions): Promise<BatchEncoding<Batched>>;
  call(text: TextInput | null, opts: AnyCallOptions = {}): Promise<BatchEncoding> {
    return callTokenizer(this, text, opts);
  }

  /** HF `is_fast`: true, this is always the Rust (`tokenizers`) backed tokenizer. */
  get is_fast(): boolean { return true; }
  /** camelCase alias of {@link is_fast}. */
  get isFast(): boolean { return true; }

  /** The input ids of one text or pair (HF `encode`); the options of {@link call}. */
  async encode(text: string | string[], opts: Omit<AnyCallOptions, 'returnTensors' | 'return_tensors' | 'returnOverflowingTokens' | 'return_overflowing_tokens'> = {}): Promise<number[]> {
    if (!resolveCallOptions(opts, 'encode()').isSplitIntoWords && typeof text !== 'string') throw new Error('encode() takes one text (a string); use call() for batches');
    return (await callTokenizer(this, text, opts, {}, 'encode()')).input_ids as number[];
  }

  /** The tokens of a text, without special tokens unless add_special_tokens (HF `tokenize`). */
  async tokenize(text: string, opts: WithCamelAliases<{ text_pair?: string; add_special_tokens?: boolean }> = {}): Promise<string[]> {
    const o = normalizeOptions(opts, { names: ['text_pair', 'add_special_tokens'] }, 'tokenize()');
    const enc = await callTokenizer(this, text, { text_pair: o.text_pair as string | undefined, add_special_tokens: (o.add_special_tokens as boolean | undefined) ?? false }, {}, 'tokenize()');
    return enc.tokens();
  }

  /**
   * Ids -> text (HF `decode`): skip_special_tokens drops special tokens, cleanup per
   * clean_up_tokenization_spaces (default: the tokenizer's); camelCase spellings too.
   */
  decode(ids: number | readonly number[] | Tensor, opts: DecodeCallOptions = {}): string {
    return decodeIds(this, toIdList(ids), decodeOptions(opts, 'decode()'));
  }

  /** decode() over each row (HF `batch_decode`). */
  batchDecode(rows: ReadonlyArray<readonly number[]> | Tensor, opts: DecodeCallOptions = {}): string[] {
    const o = decodeOptions(opts, 'batchDecode()');
    const list = Array.isArray(rows) ? rows : ((rows as Tensor).toArray() as number[][]);
    return list.map((r) => decodeIds(this, toIdList(r), o));
  }

  /** Renders (and by default tokenizes) a conversation with the chat template; see chat.ts. */
  applyChatTemplate(messages: ChatMessage[], opts: ChatTemplateOptions & { tokenize: false }): string;
  applyChatTemplate(messages: ChatMessage[], opts: ChatTemplateOptions & ChatTemplateDictRequest): Promise<ChatTemplateEncoding>;
  applyChatTemplate(messages: ChatMessage[], opts?: ChatTemplateOptions): Promise<number[]>;
  applyChatTemplate(messages: ChatMessage[], opts: ChatTemplateOptions = {}): string | Promise<number[] | ChatTemplateEncoding> {
    return applyChatTemplate(this, messages, opts);
  }

  /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json to `dir`; returns the paths. */
  savePretrained(dir: string): Promise<string[]> {
    return savePretrained(this, dir);
  }
}
