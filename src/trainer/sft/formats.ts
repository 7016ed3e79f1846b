// formats.ts — the dataset formats of TRL's SFTTrainer (trl 1.13 data_utils.py): language modeling
// `{text}`, prompt-completion `{prompt, completion}`, conversational `{messages}` and conversational
// prompt-completion (`prompt` / `completion` lists of messages), plus ShareGPT's
// `{conversations: [{from, value}]}`, which TRL converts to ChatML. TRL looks at the first row only;
// tunekit checks every row, so a malformed row is an error naming it instead of a KeyError mid-way.
import type { ChatMessage } from '../../tokenizers/index.js';

/** One row of an SFT dataset. */
export type SftRow = Record<string, unknown>;

/** The format of a row, as TRL's _prepare_dataset distinguishes them. */
export type SftFormat = 'tokenized' | 'language_modeling' | 'prompt_completion' | 'conversational' | 'conversational_prompt_completion';

/**
 * The roles a message may have. Chat templates render these (OpenAI's roles plus Llama 3's
 * `ipython`); a template silently drops a role it does not know, so any other role is refused.
 */
export const KNOWN_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function', 'ipython']);

/** TRL is_conversational: a prompt / completion / messages / chosen / rejected value that is a list of {role, ...}. */
export function isConversational(example: SftRow): boolean {
  for (const key of ['prompt', 'chosen', 'rejected', 'completion', 'messages']) {
    if (!(key in example)) continue;
    const v = example[key];
    // TRL takes the first supported key present and decides on it alone
    return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null && 'role' in v[0];
  }
  return false;
}

/** TRL is_conversational_from_value: `conversations` as a list of {from, value}. */
export function isConversationalFromValue(example: SftRow): boolean {
  const v = example.conversations;
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null && 'from' in v[0] && 'value' in v[0];
}

/** TRL maybe_convert_to_chatml: from/value → role/content in every message list; conversations → messages. A new row. */
export function convertToChatml(example: SftRow): SftRow {
  const out: SftRow = { ...example };
  for (const key of ['prompt', 'completion', 'chosen', 'rejected', 'messages', 'conversations']) {
    const v = out[key];
    if (!Array.isArray(v)) continue;
    out[key] = v.map((m) => {
      if (m === null || typeof m !== 'object') return m;
      const { from, value, ...rest } = m as Record<string, unknown>;
      return { ...rest, ...(from !== undefined ? { role: from } : {}), ...(value !== undefined ? { content: value } : {}) };
    });
  }
  if ('conversations' in out) {
    out.messages = out.conversations;
    delete out.conversations;
  }
  return out;
}

/** The format of row `i`, or an error naming the row and what it has. `textField` is dataset_text_field. */
export function rowFormat(row: SftRow, i: number, textField: string, where: string): SftFormat {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new TypeError(`${where}: row ${i} is not an object (got ${JSON.stringify(row)?.slice(0, 80)})`);
  if ('input_ids' in row) return 'tokenized';
  if ('prompt' in row && 'completion' in row) {
    const p = row.prompt, c = row.completion;
    if (typeof p === 'string' && typeof c === 'string') return 'prompt_completion';
    if (Array.isArray(p) && Array.isArray(c)) {
      checkMessages(p, i, 'prompt', where);
      checkMessages(c, i, 'completion', where);
      return 'conversational_prompt_completion';
    }
    throw new TypeError(`${where}: row ${i}: 'prompt' and 'completion' must both be strings (prompt-completion) or both lists of messages ` +
      `(conversational prompt-completion), got ${kind(p)} and ${kind(c)}`);
  }
  if ('messages' in row) {
    checkMessages(row.messages, i, 'messages', where);
    return 'conversational';
  }
  if (textField in row) {
    const t = row[textField];
    if (typeof t !== 'string') throw new TypeError(`${where}: row ${i}: '${textField}' (dataset_text_field) must be a string, got ${kind(t)}`);
    return 'language_modeling';
  }
  const keys = Object.keys(row);
  throw new TypeError(`${where}: row ${i} has neither '${textField}' (language modeling; dataset_text_field), 'prompt' + 'completion', ` +
    `'messages' nor 'conversations'; its keys are ${JSON.stringify(keys)}. Rename the column, set dataset_text_field, or pass a formatting_func`);
}

/** Every message has a known string role and a string (or multimodal list) content. */
export function checkMessages(messages: unknown, i: number, key: string, where: string): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new TypeError(`${where}: row ${i}: '${key}' must be a non-empty list of messages, got ${kind(messages)}`);
  messages.forEach((m, j) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TypeError(`${where}: row ${i}: ${key}[${j}] is not a message object ({role, content}), got ${kind(m)}`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string') throw new TypeError(`${where}: row ${i}: ${key}[${j}] has no string 'role'`);
    if (!KNOWN_ROLES.has(role))
      throw new TypeError(`${where}: row ${i}: ${key}[${j}] has the unknown role '${role}' (known: ${[...KNOWN_ROLES].join(', ')}); ` +
        'a chat template would drop or mis-render it. Map it to one of these roles first');
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content))
      throw new TypeError(`${where}: row ${i}: ${key}[${j}].content must be a string or a list of parts, got ${kind(content)}`);
  });
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : typeof v;
}
