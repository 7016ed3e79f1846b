// scripts/device/nccl_check.mts — issue #14 on a GPU machine: NCCL through tunekit with world size
// 1 (and N when launched on N GPUs): the build has NCCL, an all-reduce of a CUDA tensor, DDP's reducer
// on a CUDA model (gradients equal to the plain backward's), and the step time of a small BERT under
// DDP with NCCL.  Prints one RESULT {...} line.  Run: node --import tsx scripts/device/nccl_check.mts
// (through `tunekit launch --standalone --nproc-per-node N` for N GPUs).
import * as torch from '../../src/torch/index.js';
import { BertConfig, BertForSequenceClassification } from '../../src/models/index.js';
import { AdamW } from '../../src/optim/index.js';
import { DistributedDataParallel, allReduce, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../../src/distributed/index.js';

const res: Record<string, unknown> = { hasNccl: torch.c10d.hasNccl(), torch: torch.version(), cuda: torch.cuda.isAvailable() };
if (!process.env.WORLD_SIZE) Object.assign(process.env, { WORLD_SIZE: '1', RANK: '0', LOCAL_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29531' });
initProcessGroup({ backend: 'nccl', timeout: 60_000 });
const dev = `cuda:${Number(process.env.LOCAL_RANK ?? 0)}` as torch.Device;
const t = torch.tensor([getRank() + 1], { device: dev });
allReduce(t, 'sum');
res.allreduce = t.item();
res.allreduce_expected = (getWorldSize() * (getWorldSize() + 1)) / 2;
torch.manualSeed(0);
const model = new BertForSequenceClassification(new BertConfig({ hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, num_labels: 2 })).to(dev);
model.train();
const batch = { input_ids: torch.randint(1, 30522, [16, 128]).to(dev), attention_mask: torch.ones([16, 128], { dtype: 'int64' }).to(dev), labels: torch.randint(0, 2, [16]).to(dev) };
// plain backward first, then the same through DDP: with one process the gradients must be equal
torch.tidy(() => model.forward(batch).loss!.backward());
const plain = model.parameters().map((p) => p.grad!.clone().keep());
model.zeroGrad();
const ddp = new DistributedDataParallel(model);
torch.tidy(() => ddp.forward(() => model.forward(batch)).loss!.backward());
res.max_grad_diff = Math.max(...model.parameters().map((p, i) => torch.tidy(() => p.grad!.sub(plain[i]!).abs().max().item())));
const opt = new AdamW(model.parameters(), { lr: 1e-4 });
const times: number[] = [];
for (let i = 0; i < 23; i++) {
  torch.cuda.synchronize();
  const t0 = performance.now();
  torch.tidy(() => { ddp.forward(() => model.forward(batch)).loss!.backward(); opt.step(); opt.zeroGrad(); });
  torch.cuda.synchronize();
  if (i >= 3) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
res.ddp_step_ms = times[times.length >> 1];
res.world_size = getWorldSize();
if (getRank() === 0) console.log('RESULT ' + JSON.stringify(res));
ddp.dispose();
destroyProcessGroup();
