// scripts/device/bench10.mts — tunekit's side of issue #10's GPU table (bench10.py is transformers'
// side, run.sh the one device call).  Every config goes through the Trainer, as HF's numbers do:
//   bert_fp32, bert_bf16  BertForSequenceClassification of bert-base's shape (hidden 768, 12 layers,
//                         FFN 3072, vocab 30522), batch 32 x 128, AdamW 2e-5, float32 / bf16=true
//   qwen_full, qwen_lora  a random Qwen2-0.5B-shaped model (hidden 896, 24 layers, 14 / 2 heads, FFN
//                         4864, vocab 151936, tied), bfloat16 weights + bf16=true, sdpa, optim
//                         adamw_torch_fused, batch 8 x 1024; LoRA all-linear r 16 (adapters float32,
//                         peft's autocast_adapter_dtype)
//   qwen_full_chunked     qwen_full with loss_type 'chunked_nll' (tunekit only)
// Timing: cuda.synchronize() at the end of warm-up step WARMUP and of the last step; peak memory:
// cuda.maxMemoryAllocated() after resetPeakMemoryStats() at the config's start.  One config per
// process (run.sh), so no config sees another's memory.  Env shrinks it for a CPU dry run:
// STEPS, WARMUP, BATCH, SEQ, HIDDEN, LAYERS, HEADS, KV, FFN, VOCAB (each config's defaults above).
// Usage: node --import tsx scripts/device/bench10.mts <config>   -> prints `RESULT {json}`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { BertConfig, BertForSequenceClassification, Qwen2Config, Qwen2ForCausalLM } from '../../src/models/index.js';
import { getPeftModel } from '../../src/peft/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, type TrainingArgumentsInit } from '../../src/trainer/index.js';

const config = process.argv[2] ?? 'bert_fp32';
const qwen = config.startsWith('qwen');
const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const STEPS = env('STEPS', qwen ? 20 : 30), WARMUP = env('WARMUP', qwen ? 5 : 10);
const B = env('BATCH', qwen ? 8 : 32), S = env('SEQ', qwen ? 1024 : 128);
const SHAPE = qwen
  ? { hidden: env('HIDDEN', 896), layers: env('LAYERS', 24), heads: env('HEADS', 14), kv: env('KV', 2), ffn: env('FFN', 4864), vocab: env('VOCAB', 151936) }
  : { hidden: env('HIDDEN', 768), layers: env('LAYERS', 12), heads: env('HEADS', 12), kv: env('HEADS', 12), ffn: env('FFN', 3072), vocab: env('VOCAB', 30522) };
const TOTAL = WARMUP + STEPS;
const cuda = torch.cuda.isAvailable();
const sync = (): void => { if (cuda) torch.cuda.synchronize(); };

// deterministic rows (an LCG): ids in [1, V), all attended; labels 0/1 (BERT) or the ids (causal LM)
let st = 42 >>> 0;
const rnd = (): number => { st = (Math.imul(st, 1664525) + 1013904223) >>> 0; return st / 2 ** 32; };
const rows = Array.from({ length: B * TOTAL }, () => {
  const ids = Array.from({ length: S }, () => 1 + Math.floor(rnd() * (SHAPE.vocab - 1)));
  return { input_ids: ids, attention_mask: new Array(S).fill(1), labels: qwen ? ids : (rnd() < 0.5 ? 0 : 1) };
});

function model(): { m: any; params: number } { // eslint-disable-line @typescript-eslint/no-explicit-any
  torch.manualSeed(42);
  if (!qwen) {
    const m = new BertForSequenceClassification(new BertConfig({ vocab_size: SHAPE.vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers,
      num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.ffn, num_labels: 2 }));
    return { m, params: m.parameters().reduce((n, p) => n + p.numel(), 0) };
  }
  const base = new Qwen2ForCausalLM(new Qwen2Config({ vocab_size: SHAPE.vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads, num_key_value_heads: SHAPE.kv, intermediate_size: SHAPE.ffn, tie_word_embeddings: true,
    rope_theta: 1e6, max_position_embeddings: Math.max(2048, S) }));
  base.bfloat16();
  const params = base.parameters().reduce((n, p) => n + p.numel(), 0);
  if (config !== 'qwen_lora') return { m: base, params };
  return { m: getPeftModel(base, { r: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: 'all-linear', task_type: 'CAUSAL_LM' }), params };
}

const out: Record<string, unknown> = { side: 'tunekit', config, device: cuda ? 'cuda' : 'cpu', libtorch: torch.version(), batch: B, seq: S, ...SHAPE, warmup: WARMUP, steps: STEPS };
const dir = mkdtempSync(join(tmpdir(), 'tk-bench10-'));
try {
  if (cuda) { torch.cuda.emptyCache(); torch.cuda.resetPeakMemoryStats(0); }
  const ti = performance.now();
  const { m, params } = model();
  out.params = params;
  out.trainable = m.parameters().filter((p: torch.Tensor) => p.requiresGrad).reduce((n: number, p: torch.Tensor) => n + p.numel(), 0);
  out.init_s = (performance.now() - ti) / 1000;
  const args: TrainingArgumentsInit = {
    output_dir: dir, per_device_train_batch_size: B, max_steps: TOTAL, learning_rate: qwen ? (config === 'qwen_lora' ? 2e-4 : 1e-5) : 2e-5,
    weight_decay: 0.01, max_grad_norm: 1.0, lr_scheduler_type: 'linear', logging_steps: 1000, save_strategy: 'no', eval_strategy: 'no',
    report_to: 'none', disable_tqdm: true, seed: 42, bf16: config !== 'bert_fp32', optim: qwen ? 'adamw_torch_fused' : 'adamw_torch',
    ...(config === 'qwen_full_chunked' ? { loss_type: 'chunked_nll' as const } : {}),
  };
  const trainer = new Trainer({ model: m, args: new TrainingArguments(args), trainDataset: rows, trainSampler: 'sequential' });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  let t0 = 0, t1 = 0;
  trainer.addCallback({ onStepEnd: (_a: unknown, s: { global_step: number }) => {
    if (s.global_step === WARMUP) { sync(); t0 = performance.now(); }
    if (s.global_step === TOTAL) { sync(); t1 = performance.now(); }
  } });
  const r = await trainer.train();
  out.train_loss = r.training_loss;
  out.fused_adamw = (trainer.optimizer as { lastStepFused?: boolean }).lastStepFused ?? null;
  if (t1 > t0 && t0 > 0) {
    const secs = (t1 - t0) / 1000;
    out.ms_per_step = (secs * 1000) / STEPS;
    out.samples_per_s = (STEPS * B) / secs;
    out.tokens_per_s = (STEPS * B * S) / secs;
  }
  if (cuda) out.peak_allocated_gib = torch.cuda.maxMemoryAllocated(0) / 2 ** 30;
} catch (e) {
  out.error = String((e as Error)?.stack ?? e).split('\n').slice(0, 6).join(' | ');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`tunekit ${config}: ${out.samples_per_s ? `${(out.samples_per_s as number).toFixed(1)} samples/s, ${(out.tokens_per_s as number).toFixed(0)} tokens/s` : 'no timing'}` +
  `${out.peak_allocated_gib ? `, peak ${(out.peak_allocated_gib as number).toFixed(2)} GiB` : ''}${out.error ? ` ERROR ${String(out.error)}` : ''}`);
console.log(`RESULT ${JSON.stringify(out)}`);
