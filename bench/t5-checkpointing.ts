// bench/t5-checkpointing.ts — gradient checkpointing of an encoder-decoder: one T5 v1.1-shaped training step
// (vocab 8000, d_model 512, 8 heads x 64, gated-GELU FFN 1024, 6 + 6 blocks, dropout 0.1; batch 8, 256 source
// and 64 target tokens, random ids), plain and checkpointed, in tunekit and in transformers (bench/hf/t5_ckpt_mem.py),
// each in a fresh process (glibc's mmap threshold fixed, so freed activations leave the RSS): the peak RSS of the
// timed step above the RSS before it (VmHWM reset), its time, its loss. Same libtorch on both sides:
//   TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python \
//   node --import tsx bench/t5-checkpointing.ts [--batch 8] [--source 256] [--target 64] [--threads 2]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resetPeak, statusKb } from './mem.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const B = Number(opt('batch', '8')), TS = Number(opt('source', '256')), TT = Number(opt('target', '64')), THREADS = Number(opt('threads', '2'));
type Row = { mode: string; growth_mib: number; ms: number; loss: number };

async function child(mode: string): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { T5Config, T5ForConditionalGeneration } = await import('../src/models/index.js');
  torch.setNumThreads(THREADS);
  torch.manualSeed(1);
  const m = new T5ForConditionalGeneration(new T5Config({ vocab_size: 8000, d_model: 512, d_kv: 64, num_heads: 8, d_ff: 1024, num_layers: 6,
    feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, dropout_rate: 0.1, decoder_start_token_id: 0 }));
  m.train();
  if (mode === 'checkpointed') m.gradientCheckpointingEnable();
  const src = torch.randint(2, 8000, [B, TS]).keep(), lab = torch.randint(2, 8000, [B, TT]).keep();
  const step = (): number => torch.tidy(() => {
    torch.manualSeed(3);
    const l = m.forward({ input_ids: src, labels: lab }).loss!;
    m.backward(l);
    m.zeroGrad();
    return l.item();
  });
  step();
  const setup = statusKb('VmRSS');
  resetPeak();
  const t0 = performance.now();
  const loss = step();
  console.log(JSON.stringify({ mode, growth_mib: (statusKb('VmHWM') - setup) / 1024, ms: performance.now() - t0, loss }));
}

function run(cmd: string, args: string[]): Row {
  // a fixed mmap threshold: glibc otherwise raises it as large blocks are freed, so the warm-up step's memory
  // stays in the heap and the timed step's peak hides in it (both sides allocate through malloc)
  const env = { ...process.env, OMP_NUM_THREADS: String(THREADS), MKL_NUM_THREADS: String(THREADS), MALLOC_MMAP_THRESHOLD_: '131072' };
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row;
}

if (argv[0] === '--child') await child(argv[1]!);
else {
  const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
  const hfScript = fileURLToPath(new URL('./hf/t5_ckpt_mem.py', import.meta.url));
  const rows: Array<[string, Row]> = [];
  for (const mode of ['plain', 'checkpointed']) {
    rows.push(['tunekit', run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, ...argv])]);
    rows.push(['transformers', run(py, [hfScript, mode, String(B), String(TS), String(TT), String(THREADS)])]);
  }
  console.log(`T5 v1.1 shape (vocab 8000, d_model 512, 8 x 64 heads, gated FFN 1024, 6 + 6 blocks, dropout 0.1); batch ${B}, ${TS} -> ${TT} tokens; ` +
    `one training step after a warm-up, fresh process each, ${THREADS} threads.`);
  console.log('| stack | mode | peak − RSS before the step MiB | ms | loss |');
  console.log('|---|---|---:|---:|---:|');
  for (const [who, r] of rows) console.log(`| ${who} | ${r.mode} | ${r.growth_mib.toFixed(0)} | ${r.ms.toFixed(0)} | ${r.loss.toFixed(4)} |`);
  const get = (who: string, mode: string): Row => rows.find(([w, r]) => w === who && r.mode === mode)![1];
  for (const who of ['tunekit', 'transformers'])
    console.log(`${who}: checkpointing ${(get(who, 'plain').growth_mib / get(who, 'checkpointed').growth_mib).toFixed(2)}x less step memory at ${(get(who, 'checkpointed').ms / get(who, 'plain').ms).toFixed(2)}x the time`);
  console.log(`checkpointed, tunekit / transformers: memory ${(get('tunekit', 'checkpointed').growth_mib / get('transformers', 'checkpointed').growth_mib).toFixed(2)}x, ` +
    `time ${(get('tunekit', 'checkpointed').ms / get('transformers', 'checkpointed').ms).toFixed(2)}x`);
}
