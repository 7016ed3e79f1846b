// bench/generate-cache.ts — a cached decoding step costs O(1) in the prompt length: greedy
// generate() after a 32-token and a 512-token prompt, per-step time (median over the steps, read
// from streamer timestamps, so the prefill is excluded) and tokens/s, for stories260K (a real
// Llama, 5 layers, hidden 64) and a random Llama with hidden 256, 4 layers, max_position_embeddings
// 1024; the same without the cache for contrast (every step re-reads the whole prefix).
// Usage: node --import tsx bench/generate-cache.ts [steps=64]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.js';
import { AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, type PreTrainedModel } from '../src/models/index.js';
import { generate } from '../src/generation/index.js';

const steps = Number(process.argv[2] ?? 64);
const shared = process.env.TUNEKIT_SHARED ?? fileURLToPath(new URL('../../shared', import.meta.url));

/** Prefill ms and the per-step decode times (ms) of one greedy generate(). */
export function decodeTimes(model: PreTrainedModel, promptLength: number, newTokens: number, useCache = true): { prefill: number; steps: number[] } {
  const vocab = (model.config as unknown as { vocab_size: number }).vocab_size;
  const prompt = [[1, ...Array.from({ length: promptLength - 1 }, (_, i) => 3 + ((i * 7) % (vocab - 3)))]];
  const stamps: number[] = [];
  const streamer = { put: (): void => { stamps.push(performance.now()); }, end: (): void => {} };
  const start = performance.now();
  torch.tidy(() => { generate(model, { input_ids: torch.tensor(prompt, { dtype: 'int64' }), max_new_tokens: newTokens, streamer, use_cache: useCache, eos_token_id: null, pad_token_id: 0 }); });
  // stamps[0]: the prompt; stamps[1]: the first token (prefill); then one per decoding step
  return { prefill: stamps[1]! - start, steps: stamps.slice(2).map((t, i) => t - stamps[i + 1]!) };
}
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const models: [string, PreTrainedModel][] = [
    ['stories260K (dim 64, 5 layers)', await AutoModelForCausalLM.fromPretrained(join(shared, 'data', 'models', 'stories260K'))],
    ['random Llama (dim 256, 4 layers, 8/4 heads)', new LlamaForCausalLM(new LlamaConfig({
      vocab_size: 2048, hidden_size: 256, intermediate_size: 688, num_hidden_layers: 4, num_attention_heads: 8, num_key_value_heads: 4,
      max_position_embeddings: 1024,
    }))],
  ];
  console.log(`greedy generate(), ${steps} new tokens (${Math.max(4, Math.floor(steps / 8))} without a cache), median step time (prefill excluded), ${torch.getNumThreads()} intra-op thread(s)\n`);
  console.log('| model | cache | prompt | prefill ms | ms / token | tokens/s |');
  console.log('|---|---|---:|---:|---:|---:|');
  const ratios: string[] = [];
  for (const [name, model] of models) {
    model.eval();
    for (const useCache of [true, false]) {
      const n = useCache ? steps : Math.max(4, Math.floor(steps / 8));
      decodeTimes(model, 32, 4, useCache); // warm-up
      const per: number[] = [];
      for (const len of [32, 512]) {
        const r = decodeTimes(model, len, n, useCache);
        const ms = median(r.steps);
        per.push(ms);
        console.log(`| ${name} | ${useCache ? 'DynamicCache' : 'none'} | ${len} | ${r.prefill.toFixed(1)} | ${ms.toFixed(2)} | ${(1000 / ms).toFixed(0)} |`);
      }
      ratios.push(`${name}, ${useCache ? 'cached' : 'no cache'}: step(512) / step(32) = ${(per[1]! / per[0]!).toFixed(2)}`);
    }
  }
  console.log('');
  for (const r of ratios) console.log(`- ${r}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
