// bench/checkpointing-memory.ts — gradient checkpointing's memory saving after the per-module
// scopes (nn/module.ts): a random Llama (hidden 512, 8 layers, FFN 1536, vocab 8000), batch 8 x 512,
// one forward + backward after a warm-up step; the peak RSS above the RSS before it (VmHWM reset),
// with and without model.gradientCheckpointingEnable(), each in a fresh process.
// Usage: node --import tsx bench/checkpointing-memory.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resetPeak, statusKb } from './mem.js';


async function child(mode: string): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { LlamaConfig, LlamaForCausalLM } = await import('../src/models/index.js');
  torch.setNumThreads(2);
  torch.manualSeed(1);
  const m = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 8000, hidden_size: 512, intermediate_size: 1536, num_hidden_layers: 8, num_attention_heads: 8, num_key_value_heads: 8 }));
  m.train();
  if (mode === 'checkpointed') m.gradientCheckpointingEnable();
  const ids = torch.randint(0, 8000, [8, 512]).keep();
  const step = (): number => torch.tidy(() => { const l = m.forward({ input_ids: ids, labels: ids }).loss!; m.backward(l); m.zeroGrad(); return l.item(); });
  step();
  const setup = statusKb('VmRSS');
  resetPeak();
  const t0 = performance.now();
  const loss = step();
  console.log(JSON.stringify({ mode, growth_mib: (statusKb('VmHWM') - setup) / 1024, ms: performance.now() - t0, loss }));
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else {
  const rows = ['plain', 'checkpointed'].map((mode) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { mode: string; growth_mib: number; ms: number; loss: number };
  });
  console.log('Llama hidden 512, 8 layers, FFN 1536, vocab 8000; batch 8 x 512; one forward + backward after a warm-up; fresh process each, 2 threads.');
  console.log('| mode | peak − RSS before the step MiB | ms | loss |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.mode} | ${r.growth_mib.toFixed(0)} | ${r.ms.toFixed(0)} | ${r.loss.toFixed(4)} |`);
  console.log(`checkpointing: ${(rows[0]!.growth_mib / rows[1]!.growth_mib).toFixed(2)}x less step memory at ${(rows[1]!.ms / rows[0]!.ms).toFixed(2)}x the time`);
}
