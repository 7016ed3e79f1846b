// prepare.ts — TRL's SFTTrainer._prepare_dataset (trl 1.13): rows of any SFT format → tokenized
// rows {input_ids, labels[, seq_lengths]}. In TRL's order: formatting_func → ShareGPT to ChatML →
// EOS appended (non-conversational) → tokenize (chat template for conversations, with
// add_generation_prompt for a conversational prompt; assistant masks from `{% generation %}`) →
// labels (-100 outside the completion / assistant tokens) → truncation to max_length and dropping
// rows left without a label → packing.  Every row is checked; errors name the row.
import { ProgressBar, permutation } from '../../data/index.js';
import type { ChatMessage, ChatTemplateOptions, PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import type { SFTConfig } from './config.js';
import { convertToChatml, isConversational, isConversationalFromValue, rowFormat, type SftFormat, type SftRow } from './formats.js';
import { packDataset, type PackedRow } from './pack.js';

/** A prepared row: what the collator takes. */
export type PreparedRow = { input_ids: number[]; labels: number[]; seq_lengths?: number[] };

/** What preparation needs besides the rows. */
export interface PrepareOptions {
  args: SFTConfig;
  tokenizer: PreTrainedTokenizerFast;
  /** Pack the rows (args.packing, or eval_packing for evaluation sets). */
  packing: boolean;
  /** HF formatting_func: row → text (the row then is language modeling data). */
  formattingFunc?: ((row: SftRow) => string) | null;
  /** completion_only_loss in effect (SFTConfig's, or true for prompt-completion data when unset). */
  completionOnlyLoss: boolean;
  /** The chat template to render with (a training variant for assistant_only_loss), or null for the tokenizer's. */
  chatTemplate: string | null;
  /** 'train' / 'eval' / a named eval set: in messages and the progress bar. */
  name: string;
  /** Called with TRL's warnings (default console.warn). */
  warn?: (msg: string) => void;
}

/** Tokenized ids and masks of one row, before labels. */
interface Tokenized { input_ids: number[]; completion_mask?: number[]; assistant_masks?: number[]; labels?: number[] }

function chatKwargs(row: SftRow, o: PrepareOptions, i: number): { tools?: Array<Record<string, unknown>>; templateKwargs?: Record<string, unknown>; chatTemplate?: string } {
  let tools = row.tools as unknown;
  if (typeof tools === 'string') {
    try { tools = JSON.parse(tools); } catch { throw new TypeError(`SFTTrainer (${o.name} dataset): row ${i}: 'tools' is a string but not valid JSON`); }
  }
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw new TypeError(`SFTTrainer (${o.name} dataset): row ${i}: 'tools' must be a list of tool schemas`);
  const kw = row.chat_template_kwargs;
  if (kw !== undefined && kw !== null && (typeof kw !== 'object' || Array.isArray(kw))) throw new TypeError(`SFTTrainer (${o.name} dataset): row ${i}: 'chat_template_kwargs' must be an object`);
  return { ...(Array.isArray(tools) ? { tools: tools as Array<Record<string, unknown>> } : {}), ...(kw ? { templateKwargs: kw as Record<string, unknown> } : {}), ...(o.chatTemplate ? { chatTemplate: o.chatTemplate } : {}) };
}

/** apply_chat_template(..., tokenize=True, return_dict=True), its failures named by row. */
async function renderChat(o: PrepareOptions, messages: ChatMessage[], row: SftRow, i: number, extra: { addGenerationPrompt?: boolean; masks?: boolean }): Promise<{ input_ids: number[]; assistant_masks?: number[] }> {
  try {
    const opts = {
      ...chatKwargs(row, o, i), addGenerationPrompt: extra.addGenerationPrompt ?? false,
      returnDict: true, ...(extra.masks ? { returnAssistantTokensMask: true } : {}),
    } as ChatTemplateOptions;
    return await (o.tokenizer.applyChatTemplate(messages, opts) as unknown as Promise<{ input_ids: number[]; assistant_masks?: number[] }>);
  } catch (e) {
    throw new Error(`SFTTrainer (${o.name} dataset): row ${i}: the chat template failed: ${(e as Error).message}`, { cause: e });
  }
}

async function tokenizeRow(o: PrepareOptions, row: SftRow, fmt: SftFormat, i: number): Promise<Tokenized> {
  const tok = o.tokenizer;
  const masks = o.args.assistant_only_loss;
  if (fmt === 'prompt_completion' || fmt === 'conversational_prompt_completion') {
    let promptIds: number[], ids: number[], assistant: number[] | undefined;
    if (fmt === 'conversational_prompt_completion') {
      const p = row.prompt as ChatMessage[], c = row.completion as ChatMessage[];
      promptIds = (await renderChat(o, p, row, i, { addGenerationPrompt: true })).input_ids;
      const full = await renderChat(o, [...p, ...c], row, i, { masks });
      ids = full.input_ids;
      assistant = full.assistant_masks;
    } else {
      promptIds = (await tok.call(row.prompt as string)).input_ids as number[];
      ids = (await tok.call((row.prompt as string) + (row.completion as string))).input_ids as number[];
    }
    if (!promptIds.every((v, k) => ids[k] === v))
      (o.warn ?? console.warn)(`SFTTrainer (${o.name} dataset): row ${i}: Mismatch between tokenized prompt and the start of tokenized prompt+completion. ` +
        'This may be due to unexpected tokenizer behavior, whitespace issues, or special token handling. Verify that the tokenizer is processing text consistently.');
    const completionMask = ids.map((_, k) => (k < promptIds.length ? 0 : 1));
    return { input_ids: ids, completion_mask: completionMask, ...(assistant ? { assistant_masks: assistant } : {}) };
  }
  if (fmt === 'conversational') {
    const r = await renderChat(o, row.messages as ChatMessage[], row, i, { masks });
    return { input_ids: r.input_ids, ...(r.assistant_masks ? { assistant_masks: r.assistant_masks } : {}) };
  }
  return { input_ids: (await tok.call(row[o.args.dataset_text_field] as string)).input_ids as number[] };
}

function intList(v: unknown, i: number, key: string, name: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new TypeError(`SFTTrainer (${name} dataset): row ${i}: '${key}' must be a list of integers`);
  return v as number[];
}

/** Reads rows from an array or a dataset with at(i) / numRows. */
export function readRows(ds: unknown, name: string): SftRow[] {
  if (Array.isArray(ds)) return ds as SftRow[];
  const d = ds as { at?(i: number): unknown; numRows?: number; length?: number; toList?(): SftRow[] } | null;
  if (d && typeof d.toList === 'function') return d.toList();
  const n = d?.numRows ?? d?.length;
  if (!d || typeof d.at !== 'function' || typeof n !== 'number') throw new TypeError(`SFTTrainer: the ${name} dataset must be a Dataset or an array of rows`);
  return Array.from({ length: n }, (_, i) => d.at!(i) as SftRow);
}

/** TRL _prepare_dataset over in-memory rows. */
export async function prepareSftRows(input: readonly SftRow[], o: PrepareOptions): Promise<PreparedRow[]> {
  const a = o.args;
  const where = `SFTTrainer (${o.name} dataset)`;
  if (input.length === 0) throw new RangeError(`${where}: the dataset is empty`);
  let rows: SftRow[] = [...input];
  const isProcessed = rows[0] !== null && typeof rows[0] === 'object' && 'input_ids' in rows[0];
  let tokenized: Tokenized[];
  if (isProcessed) {
    if (o.formattingFunc) (o.warn ?? console.warn)(`${where}: the dataset is already processed (it has input_ids) and a formatting_func was given: formatting_func is ignored`);
    tokenized = rows.map((r, i) => {
      if (r === null || typeof r !== 'object' || !('input_ids' in r)) throw new TypeError(`${where}: row ${i} has no 'input_ids' although row 0 has (a tokenized dataset needs it in every row)`);
      const t: Tokenized = { input_ids: intList(r.input_ids, i, 'input_ids', o.name) };
      for (const k of ['labels', 'completion_mask', 'assistant_masks'] as const) if (r[k] !== undefined && r[k] !== null) t[k] = intList(r[k], i, k, o.name);
      return t;
    });
  } else {
    if (o.formattingFunc) {
      const f = o.formattingFunc;
      rows = rows.map((r, i) => {
        const text = f(r);
        if (typeof text !== 'string') throw new TypeError(`${where}: formatting_func must return a string, got ${typeof text} for row ${i}`);
        return { ...r, text };
      });
    }
    if (isConversationalFromValue(rows[0]!)) rows = rows.map(convertToChatml);
    const formats = rows.map((r, i) => rowFormat(r, i, a.dataset_text_field, where));
    const fmt0 = formats[0]!;
    formats.forEach((f, i) => {
      if (f !== fmt0) throw new TypeError(`${where}: row ${i} is ${f.replace(/_/g, ' ')} data but row 0 is ${fmt0.replace(/_/g, ' ')}: one dataset holds one format`);
    });
    // TRL appends EOS to `text` / `completion` when the first row is not conversational
    if (!isConversational(rows[0]!)) {
      const eos = o.tokenizer.eosToken;
      if (eos === null) throw new Error(`${where}: the tokenizer has no eos_token to append to the text (set SFTConfig.eos_token)`);
      rows = rows.map((r) => {
        if (typeof r.text === 'string' && 'text' in r) return r.text.endsWith(eos) ? r : { ...r, text: r.text + eos };
        if (typeof r.completion === 'string') return r.completion.endsWith(eos) ? r : { ...r, completion: r.completion + eos };
        return r;
      });
    }
    const bar = new ProgressBar({ total: rows.length, desc: `Tokenizing ${o.name} dataset` });
    tokenized = [];
    for (let i = 0; i < rows.length; i++) {
      const t = await tokenizeRow(o, rows[i]!, fmt0, i);
      if (t.assistant_masks && !t.assistant_masks.includes(1))
        throw new Error(`${where}: row ${i}: You're using \`assistant_only_loss=True\`, but this example has no assistant tokens. This usually means the ` +
          "tokenizer's chat template doesn't generate assistant masks — it may be missing the `{% generation %}` keyword, or the row has no assistant message.");
      tokenized.push(t);
      bar.update();
    }
    bar.close();
  }
  // labels: -100 where a mask that applies is 0 (a given labels column is kept as is)
  let prepared: PreparedRow[] = tokenized.map((t, i) => {
    if (t.labels) {
      if (t.labels.length !== t.input_ids.length) throw new RangeError(`${where}: row ${i} has ${t.input_ids.length} input_ids but ${t.labels.length} labels`);
      return { input_ids: t.input_ids, labels: t.labels };
    }
    const masks = [o.completionOnlyLoss ? t.completion_mask : undefined, t.assistant_masks].filter((m): m is number[] => m !== undefined);
    return { input_ids: t.input_ids, labels: t.input_ids.map((id, k) => (masks.every((m) => m[k]) ? id : -100)) };
  });
  const L = a.max_length;
  if (L !== null && a.truncation_mode === 'error') {
    prepared.forEach((r, i) => {
      if (r.input_ids.length > L) throw new RangeError(`${where}: row ${i} has ${r.input_ids.length} tokens, more than max_length ${L}, and truncation_mode is 'error'. Raise max_length, shorten the row, or set truncation_mode 'keep_start'`);
    });
  }
  if (L !== null && !o.packing) {
    const cut = (v: number[]) => (a.truncation_mode === 'keep_end' ? v.slice(Math.max(0, v.length - L)) : v.slice(0, L));
    prepared = prepared.map((r) => ({ input_ids: cut(r.input_ids), labels: cut(r.labels) }))
      // rows left without a label after truncation train nothing (TRL drops them)
      .filter((r) => r.labels.some((l) => l !== -100));
    if (prepared.length === 0) throw new RangeError(`${where}: every row was left without a label token after truncation to max_length ${L}; raise max_length`);
  }
  if (o.packing) {
    if (L === null) throw new RangeError("When packing is enabled, `max_length` can't be `None`.");
    if (a.shuffle_dataset) prepared = shuffleRows(prepared, a.seed);
    prepared = packDataset(prepared, L, a.packing_strategy, where) as PackedRow[] as PreparedRow[];
  }
  if (a.shuffle_dataset) prepared = shuffleRows(prepared, a.seed);
  return prepared;
}

/** shuffle_dataset: a permutation seeded by args.seed (tunekit's Rng, as Dataset.shuffle; not numpy's stream). */
function shuffleRows<T>(rows: T[], seed: number): T[] {
  return Array.from(permutation(rows.length, seed), (i) => rows[i]!);
}
