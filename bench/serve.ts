// bench/serve.ts — load test of `tunekit serve` (src/serve) with the `openai` client: the real
// stories260K on 127.0.0.1, `--requests` greedy completions (distinct prompts, half of them
// streamed) sent by `--concurrency` clients at once, for --max-batch-size 1 (one request at a
// time) and 8 (batched). Reports requests/s, new tokens/s, p50 / p99 latency and the mean batch;
// fails if a request is dropped or refused or any text differs from generate() on its prompt alone
// (a mixed-up stream would). Bounded: a fixed count of requests and a wall-clock limit.
//   flock /tmp/bench.lock node --import tsx bench/serve.ts [--requests 96] [--concurrency 16] [--max-tokens 48] [--seconds 240]
import { cpus } from 'node:os';
import OpenAI from 'openai';
import * as torch from '../src/torch/index.js';
import { loadForServing, startServer } from '../src/serve/index.js';
import '../src/generation/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const REQUESTS = arg('requests', 96);
const CONCURRENCY = arg('concurrency', 16);
const MAX_TOKENS = arg('max-tokens', 48);
const SECONDS = arg('seconds', 240);
const WAIT = arg('batch-wait-ms', 2);
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const STORIES = new URL('../../shared/data/models/stories260K', import.meta.url).pathname;

const SUBJECTS = ['Tom', 'Lily', 'The cat', 'A little bird', 'Ben and Sue', 'The big dog', 'Mom', 'A small fish'];
const VERBS = ['had a', 'saw a', 'wanted to', 'went to the', 'found a', 'was very'];
const prompts = Array.from({ length: REQUESTS }, (_, i) => `${SUBJECTS[i % SUBJECTS.length]} ${VERBS[Math.floor(i / SUBJECTS.length) % VERBS.length]}`);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main(): Promise<void> {
  torch.setNumThreads(threads);
  const { model, tokenizer: tok } = await loadForServing(STORIES);
  // the reference: each distinct prompt alone through generate()
  const expected = new Map<string, string>();
  for (const p of new Set(prompts)) {
    const ids = await tok.encode(p);
    const row = torch.tidy(() => (model.generate({ input_ids: torch.tensor([ids], { dtype: 'int64' }), max_new_tokens: MAX_TOKENS }) as torch.Tensor).toArray() as number[][])[0]!;
    expected.set(p, tok.decode(row, { skipSpecialTokens: true }).slice(tok.decode(ids, { skipSpecialTokens: true }).length));
  }
  console.log(`tunekit serve load test: stories260K, ${REQUESTS} requests (${new Set(prompts).size} distinct prompts, half streamed), ${CONCURRENCY} concurrent clients, max_tokens ${MAX_TOKENS}, greedy; libtorch ${torch.version()}, ${threads} torch threads, ${cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  const deadline = Date.now() + SECONDS * 1000;
  for (const batch of [1, 8]) {
    const server = await startServer(model, tok, { port: 0, servedModelName: 'stories', maxBatchSize: batch, maxQueue: REQUESTS, batchWaitMs: WAIT });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: SECONDS * 1000 });
    const one = async (i: number): Promise<{ ms: number; tokens: number }> => {
      const prompt = prompts[i]!;
      const t0 = performance.now();
      let text = '', tokens = 0;
      if (i % 2 === 0) {
        const r = await client.completions.create({ model: 'stories', prompt, max_tokens: MAX_TOKENS, temperature: 0 });
        text = r.choices[0]!.text;
        tokens = r.usage!.completion_tokens;
      } else {
        const s = await client.completions.create({ model: 'stories', prompt, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } });
        for await (const ch of s) { text += ch.choices[0]?.text ?? ''; if (ch.usage) tokens = ch.usage.completion_tokens; }
      }
      if (text !== expected.get(prompt)) throw new Error(`request ${i} (${JSON.stringify(prompt)}): the text differs from generate() alone:\n${JSON.stringify(text)}\n${JSON.stringify(expected.get(prompt))}`);
      return { ms: performance.now() - t0, tokens };
    };
    // warm-up, then CONCURRENCY workers over the requests
    await one(0);
    const s0 = { ...server.engine.stats };
    const results: Array<{ ms: number; tokens: number }> = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        if (Date.now() > deadline) throw new Error(`over the ${SECONDS} s limit`);
        results.push(await one(next++));
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    if (results.length !== REQUESTS) throw new Error(`${REQUESTS - results.length} requests dropped`);
    const st = server.engine.stats;
    const lat = results.map((r) => r.ms);
    const tokens = results.reduce((a, r) => a + r.tokens, 0);
    console.log(`--max-batch-size ${batch}: ${REQUESTS} ok, 0 dropped, 0 mismatched in ${secs.toFixed(2)} s: ${(REQUESTS / secs).toFixed(1)} requests/s, ${(tokens / secs).toFixed(0)} new tokens/s, latency p50 ${pct(lat, 50).toFixed(0)} ms p99 ${pct(lat, 99).toFixed(0)} ms, mean batch ${((st.rows - s0.rows) / (st.batches - s0.batches)).toFixed(2)} rows (${st.batches - s0.batches} batches), 429s ${st.rejectedQueueFull}`);
    await server.close();
  }
}

await main();
