// helpers.ts — shared by the serve tests: the real pretrained stories260K (a tiny Llama), what
// tunekit's own generate() makes of a prompt (the reference every server answer is compared
// with), a checkpoint copy with a chat template (stories260K has none), and an OpenAI client.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import * as torch from '../../src/torch/index.js';
import '../../src/generation/index.js';
import type { PreTrainedModel } from '../../src/models/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';

export const STORIES = sharedDir('data', 'models', 'stories260K');
/** llama2.c's greedy story from BOS (REFERENCE_OUTPUT.md). */
export const REFERENCE = readFileSync(join(STORIES, 'REFERENCE_OUTPUT.md'), 'utf8').match(/```\n\$ [^\n]*\n([\s\S]*?)```/)![1]!;

/**
 * A chat template for the story model: the user turns as story text; add_generation_prompt adds
 * " Then" so the model continues the story (a template that ignores it would fail the tests).
 */
export const STORY_TEMPLATE = "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{% elif m['role'] == 'user' %}{{ m['content'] }}{% else %} {{ m['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %} Then{% endif %}";

/** A copy of stories260K whose tokenizer_config.json has STORY_TEMPLATE as its chat_template. */
export function storiesWithTemplate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-serve-chat-'));
  for (const f of readdirSync(STORIES)) if (f !== 'tokenizer_config.json') copyFileSync(join(STORIES, f), join(dir, f));
  const cfg = JSON.parse(readFileSync(join(STORIES, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: STORY_TEMPLATE }, null, 2));
  return dir;
}

/** tunekit's greedy generate() for one prompt alone: the new token ids (an EOS included). */
export function greedyNew(model: PreTrainedModel, prompt: number[], maxNew: number): number[] {
  const row = torch.tidy(() => (model.generate({ input_ids: torch.tensor([prompt], { dtype: 'int64' }), max_new_tokens: maxNew }) as torch.Tensor).toArray() as number[][])[0]!;
  return row.slice(prompt.length);
}

/** The text a completion of `prompt` by `newIds` must be: the decoded whole less the decoded prompt. */
export function completionText(tok: PreTrainedTokenizerFast, prompt: number[], newIds: number[]): string {
  const whole = tok.decode([...prompt, ...newIds], { skipSpecialTokens: true });
  const head = tok.decode(prompt, { skipSpecialTokens: true });
  assert.ok(whole.startsWith(head), 'the prompt decodes to a prefix of the whole');
  return whole.slice(head.length);
}

export const client = (url: string): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });

/** POSTs a raw body (what the openai client cannot send: broken JSON). */
export async function postRaw(url: string, path: string, body: string): Promise<{ status: number; json: { error: { message: string; type: string; param: string | null; code: string | null } } }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  return { status: r.status, json: await r.json() as never };
}
