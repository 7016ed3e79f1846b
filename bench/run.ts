// bench/run.ts — runs every benchmark and prints one markdown section (date, machine, tables)
// to paste into docs/benchmarks.md.  Usage: npm run bench [-- --quick]
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const quick = process.argv.includes('--quick');
const benches: [string, string[]][] = [
  ['Per-op dispatch (tunekit vs PyTorch, same libtorch)', ['bench/dispatch.ts', quick ? '20000' : '100000']],
  ['Training throughput (tunekit vs the same PyTorch loop)', ['bench/train.ts', quick ? '50' : '300']],
  ['IMDB tokenization through Dataset.map vs raw tokenizers', ['bench/tokenize-imdb.ts']],
  ['BERT classifier through the Trainer vs a plain PyTorch loop', ['bench/bert-trainer.ts', quick ? '5' : '30']],
  ['A cached decode step is O(1) in the prompt length', ['bench/generate-cache.ts', quick ? '16' : '64']],
  ['Causal-LM cross-entropy: libtorch vs fusedCrossEntropy', ['bench/fused-cross-entropy.ts']],
  ['LoRA training vs transformers Trainer + peft (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/lora-trainer.ts', ...(quick ? ['--rounds', '1', '--steps', '4'] : [])]],
  ['LoRA vs full fine-tuning: peak RSS', ['bench/lora-memory.ts', ...(quick ? ['--no-hf'] : [])]],
  ['Big vocabulary: loss_type chunked_nll vs the logits path, transformers and TRL (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/chunked-nll.ts', ...(quick ? ['--steps', '1', '--no-hf'] : [])]],
  ['BERT inference vs transformers: speed and peak RSS (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/inference.ts', ...(quick ? ['--rounds', '1', '--steps', '1'] : [])]],
  ['Gradient checkpointing: step memory and time', ['bench/checkpointing-memory.ts']],
  ['Greedy generation vs transformers generate() (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON, see the file)', ['bench/generate.ts', ...(quick ? ['--quick'] : [])]],
  ['SFT packing (bfd, padding-free) vs padding, tunekit and TRL SFTTrainer (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/sft-packing.ts', ...(quick ? ['--quick'] : [])]],
  ['LoRA SFT: tunekit SFTTrainer vs TRL SFTTrainer + peft (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/sft-lora.ts', ...(quick ? ['--quick'] : [])]],
  ['Data-parallel training, 1 vs 2 processes: tunekit DDP vs PyTorch DDP (same libtorch: set TUNEKIT_NATIVE and HF_PYTHON)', ['bench/distributed.ts', ...(quick ? ['--rounds', '1', '--steps', '3'] : [])]],
  ['OpenAI-compatible server: requests/s and latency under 16 concurrent clients', ['bench/serve.ts', ...(quick ? ['--requests', '24'] : [])]],
];
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`## ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
for (const [title, args] of benches) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8' });
  console.log(`### ${title}\n`);
  console.log(r.status === 0 ? r.stdout.trim() : `failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  console.log();
}
