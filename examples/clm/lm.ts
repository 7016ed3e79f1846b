// examples/clm/lm.ts — what the causal-LM examples (clm-from-scratch, finetune-stories) do with a
// model besides training: continue a prompt (greedy, or sampled from a seeded generator), score a
// text's perplexity, and check that a saved checkpoint reloads to the same logits.
import '../../src/generation/index.js'; // installs model.generate()
import { AutoModelForCausalLM, type PreTrainedModel, type CausalLMOutput } from '../../src/models/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { Generator, noGrad, tensor, tidy, type Tensor } from '../../src/torch/index.js';

type CausalLM = PreTrainedModel & { forward(inputs: { input_ids: Tensor; labels?: Tensor }): CausalLMOutput };

/** Sampling settings; without them generation is greedy. */
export interface SampleOptions { seed: number; top_k?: number; temperature?: number }

/**
 * The prompt's continuation, greedy or sampled with a generator seeded by `sample.seed` (so a run
 * prints the same sample every time): the new token ids, and their text cut from the decoded whole
 * (transformers 4.x's pipeline; decoding the new ids alone would lose a SentencePiece word's space).
 * The prompt is tokenized with the tokenizer's own special tokens (Llama: BOS first; GPT-2: none).
 */
export async function continueText(model: PreTrainedModel, tok: PreTrainedTokenizerFast, prompt: string, maxNewTokens: number, sample?: SampleOptions): Promise<{ text: string; ids: number[] }> {
  const ids = await tok.encode(prompt);
  model.eval();
  const row = tidy(() => {
    const out = model.generate({
      input_ids: tensor([ids], { dtype: 'int64' }), max_new_tokens: maxNewTokens,
      pad_token_id: tok.padTokenId ?? tok.eosTokenId ?? 0,
      ...(sample ? { do_sample: true, top_k: sample.top_k ?? 50, temperature: sample.temperature ?? 1.0, generator: new Generator(sample.seed) } : { do_sample: false }),
    }); // (1, prompt + new)
    return (out.toArray() as number[][])[0]!;
  });
  const newIds = row.slice(ids.length);
  const whole = tok.decode(row, { skipSpecialTokens: true }), head = tok.decode(ids, { skipSpecialTokens: true });
  return { ids: newIds, text: whole.startsWith(head) ? whole.slice(head.length) : tok.decode(newIds, { skipSpecialTokens: true }) };
}

/**
 * Perplexity of a model on one text: exp(mean next-token cross-entropy) over the text's tokens
 * (with the tokenizer's special tokens, so a Llama text starts from BOS as in pretraining), in
 * one window; a text longer than the model's positions is an error.
 */
export async function textPerplexity(model: CausalLM, tok: PreTrainedTokenizerFast, text: string): Promise<{ perplexity: number; tokens: number }> {
  const ids = await tok.encode(text);
  const maxPos = (model.config as unknown as { max_position_embeddings: number }).max_position_embeddings;
  if (ids.length > maxPos) throw new RangeError(`textPerplexity: ${ids.length} tokens exceed the model's ${maxPos} positions`);
  model.eval();
  const loss = noGrad(() => tidy(() => {
    const input_ids = tensor([ids], { dtype: 'int64' });
    return model.forward({ input_ids, labels: input_ids }).loss!.item();
  }));
  return { perplexity: Math.exp(loss), tokens: ids.length - 1 };
}

/**
 * Reloads `dir` with AutoModelForCausalLM and returns the largest |difference| between its logits
 * and `model`'s on `ids` (0 when savePretrained wrote exactly the weights and config in memory).
 */
export async function reloadLogitsDiff(model: CausalLM, dir: string, ids: readonly number[][]): Promise<number> {
  const reloaded = await AutoModelForCausalLM.fromPretrained(dir);
  model.eval();
  reloaded.eval();
  try {
    return noGrad(() => tidy(() => {
      const input_ids = tensor(ids as number[][], { dtype: 'int64' });
      const logits = (m: CausalLM): Tensor => (m.forward({ input_ids }) as CausalLMOutput).logits; // (B, T, V)
      return logits(model).sub(logits(reloaded as CausalLM)).abs().max().item();
    }));
  } finally {
    reloaded.dispose();
  }
}
