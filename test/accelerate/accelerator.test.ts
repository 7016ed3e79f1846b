// The Accelerator on one process (no launcher): prepare() returns each object in order and
// prepared the way accelerate prepares it, gradient accumulation steps the optimizer and the
// scheduler on accelerate's micro-batches (every N-th and the loader's last), backward divides by
// N, gather / pad / reduce / gatherForMetrics behave as accelerate's with one process, bf16 runs
// under autocast with float32 outputs, and bad options are errors naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accelerator, AcceleratedOptimizer, AcceleratedScheduler, DataLoaderShard } from '../../src/accelerate/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { SGD, getLinearScheduleWithWarmup } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/index.js';
import { Tensor, manualSeed, noGrad, safetensors, tensor, tidy } from '../../src/torch/index.js';

class Net extends Module {
  fc = new Linear(3, 1);
  forward(b: { x: Tensor; y: Tensor }): { loss: Tensor; logits: Tensor } {
    const logits = this.fc.forward(b.x);
    return { loss: logits.sub(b.y).pow(2).mean(), logits };
  }
}
type Row = { x: number[]; y: number[] };
const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({ x: [i / 10, (i % 3) - 1, 1 - i / 7], y: [(i % 4) / 2] }));
const collate = (rs: Row[]) => ({ x: tensor(rs.map((r) => r.x)), y: tensor(rs.map((r) => r.y)) });
const weights = (m: Net): number[] => [...(m.fc.weight.toTypedArray() as Float32Array), ...(m.fc.bias!.toTypedArray() as Float32Array)];

test('one process: numProcesses 1, main process, cpu, and prepare() returns the objects in order, prepared', () => {
  const acc = new Accelerator();
  assert.equal(acc.numProcesses, 1);
  assert.equal(acc.processIndex, 0);
  assert.equal(acc.localProcessIndex, 0);
  assert.ok(acc.isMainProcess && acc.isLocalMainProcess);
  assert.equal(acc.device, 'cpu');
  manualSeed(0);
  const model = new Net();
  const opt = new SGD(model.parameters(), { lr: 0.1 });
  const sched = getLinearScheduleWithWarmup(opt, 0, 10);
  const dl = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 3, collateFn: collate });
  const [pd, pm, po, ps, other] = acc.prepare(dl, model, opt, sched, 42);
  assert.ok(pd instanceof DataLoaderShard);
  assert.equal(pm, model); // the model itself (forward routed; no wrapper object)
  assert.equal(acc.unwrapModel(pm), model);
  assert.ok(po instanceof AcceleratedOptimizer && po.optimizer === opt);
  assert.ok(ps instanceof AcceleratedScheduler && ps.scheduler === sched);
  assert.equal(other, 42);
  // the prepared loader: same batches in the same (seeded) order, same length
  assert.equal(pd.length, dl.length);
  assert.equal(pd.seed, 3);
  const a = [...dl.iterEpoch(1)].map((b) => b.x.toTypedArray());
  const b = [...pd.iterEpoch(1)].map((b) => b.x.toTypedArray());
  assert.deepEqual(b, a);
  // outside a loop the gradient state has no active loader
  assert.equal(acc.gradientState.inDataloader, false);
});

test('gradient accumulation: optimizer and scheduler step on every 2nd micro-batch and on the loader\'s last; backward divides by 2', () => {
  manualSeed(1);
  const model = new Net();
  const ref = new Net();
  tidy(() => noGrad(() => { ref.fc.weight.copy_(model.fc.weight); ref.fc.bias!.copy_(model.fc.bias!); }));
  const acc = new Accelerator({ gradient_accumulation_steps: 2 });
  const opt = new SGD(model.parameters(), { lr: 0.5 });
  const sched = getLinearScheduleWithWarmup(opt, 0, 10);
  // 10 rows / batch 2 = 5 micro-batches: updates after 2, 4 and 5 (the loader's end)
  const dl = new DataLoader(rows, { batchSize: 2, collateFn: collate });
  const [m, o, loader, s] = acc.prepare(model, opt, dl, sched);
  const syncs: boolean[] = [], lrs: number[] = [];
  for (const batch of loader) {
    tidy(() => acc.accumulate(m, () => {
      acc.backward(m.forward(batch).loss);
      syncs.push(acc.syncGradients);
      o.step();
      s.step();
      o.zeroGrad();
      lrs.push(s.getLastLr()[0]!);
    }));
  }
  assert.deepEqual(syncs, [false, true, false, true, true]);
  // LambdaLR linear 0..10: the lr moves only after real steps (1, 2, 3 steps of 10)
  assert.deepEqual(lrs.map((x) => +x.toFixed(6)), [0.5, 0.45, 0.45, 0.4, 0.35]);
  // the same updates by hand: mean of the micro-batch losses / 2 per update, the last alone / 2
  const refOpt = new SGD(ref.parameters(), { lr: 0.5 });
  const refSched = getLinearScheduleWithWarmup(refOpt, 0, 10);
  const all = [...dl.iterEpoch(0)];
  for (const group of [[0, 1], [2, 3], [4]]) {
    tidy(() => {
      for (const k of group) ref.forward(all[k]!).loss.div(2).backward();
      refOpt.step(); refSched.step(); refOpt.zeroGrad();
    });
  }
  const got = weights(model), want = weights(ref);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `weight ${i}: ${v} vs ${want[i]}`));
  assert.ok(Math.abs(got[0]! - -0.0) > 0); // trained: not a zero model
});

test('gather, padAcrossProcesses, reduce and gatherForMetrics with one process', () => {
  const acc = new Accelerator();
  tidy(() => {
    const t = tensor([[1, 2], [3, 4]]);
    assert.equal(acc.gather(t), t); // accelerate: no distributed type -> the tensor itself
    assert.equal(acc.padAcrossProcesses(t, { dim: 1, pad_index: -100 }), t);
    const r = acc.reduce({ a: t, b: [tensor(3)] }, 'mean');
    assert.notEqual(r.a, t); // a copy
    assert.deepEqual(Array.from(r.a.toTypedArray() as Float32Array), [1, 2, 3, 4]); // one process: no division
    assert.equal(r.b[0]!.item(), 3);
    assert.throws(() => acc.reduce(t, 'avg' as never), /reduction must be 'sum', 'mean', 'max' or 'none'/);
    assert.throws(() => acc.reduce({ a: 1 } as never), /input\.a is number, not a Tensor/);
  });
  // 13 rows, batch 4: the last batch has 1 row; gatherForMetrics over the loop is the dataset
  const ds = Array.from({ length: 13 }, (_, i) => ({ x: [i, 0, 0], y: [0] }));
  const [loader] = acc.prepare(new DataLoader(ds, { batchSize: 4, collateFn: collate }));
  const seen: number[] = [], ends: boolean[] = [], rems: number[] = [];
  for (const batch of loader) {
    ends.push(acc.gradientState.endOfDataloader);
    rems.push(acc.gradientState.remainder);
    tidy(() => seen.push(...Array.from(acc.gatherForMetrics(batch.x).select(1, 0).toTypedArray() as Float32Array)));
    assert.deepEqual(acc.gatherForMetrics([7]), [7]); // objects: gather_object
  }
  assert.deepEqual(seen, ds.map((_, i) => i));
  assert.deepEqual(ends, [false, false, false, true]);
  assert.deepEqual(rems, [1, 1, 1, 1]); // 13 % (4 x 1)
  assert.equal(acc.gradientState.inDataloader, false);
});

test('mixed_precision bf16: the forward runs under autocast and hands float32 outputs back', () => {
  manualSeed(2);
  const model = new Net();
  const acc = new Accelerator({ mixedPrecision: 'bf16' });
  const [m] = acc.prepare(model);
  tidy(() => {
    const b = collate(rows.slice(0, 4));
    const out = m.forward(b);
    assert.equal(out.logits.dtype, 'float32');
    // the matmul ran in bfloat16: the logits differ from a float32 forward by bfloat16 rounding
    const exact = b.x.matmul(model.fc.weight.transpose(0, 1)).add(model.fc.bias!);
    const diff = out.logits.sub(exact).abs().max().item();
    assert.equal(acc.autocast(() => b.x.matmul(model.fc.weight.transpose(0, 1))).dtype, 'bfloat16');
    assert.ok(diff > 0 && diff < 0.05, `bf16 vs float32 logits differ by ${diff}`);
    acc.backward(out.loss);
    assert.equal(model.fc.weight.grad!.dtype, 'float32');
  });
  // fp16 on a CPU libtorch without float16 autocast is refused with what to use instead
  let fp16: Accelerator | null = null;
  try {
    fp16 = new Accelerator({ mixed_precision: 'fp16' });
  } catch (e) {
    assert.match((e as Error).message, /mixed_precision='fp16'.*Use mixed_precision='bf16' on CPU/);
  }
  if (fp16) assert.ok(fp16.scaler !== null, 'fp16 scales the loss with a GradScaler');
});

test('bad options are errors naming the option', () => {
  assert.throws(() => new Accelerator({ mixed_precision: 'fp8' as never }), /mixed_precision must be 'no', 'bf16' or 'fp16'/);
  assert.throws(() => new Accelerator({ gradient_accumulation_steps: 0 }), /gradient_accumulation_steps must be a positive integer/);
  assert.throws(() => new Accelerator({ split_batches: true }), /split_batches=true is not supported/);
  assert.throws(() => new Accelerator({ gradient_acumulation_steps: 2 } as never), /Accelerator.*gradient_acumulation_steps.*gradient_accumulation_steps/);
  const acc = new Accelerator();
  assert.throws(() => acc.noSync(new Net(), () => 0), /not prepared by this Accelerator/);
  assert.throws(() => acc.prepare(new DataLoader(rows, { batchSize: 2, shard: { numProcesses: 2, processIndex: 0 } })), /already has a `shard` option/);
});

test('save writes on the main process: a Module as safetensors, a JSON value as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-acc-save-'));
  const acc = new Accelerator();
  manualSeed(3);
  const model = new Net();
  await acc.save(model, join(dir, 'sub', 'model.safetensors'));
  const sd = await safetensors.loadFile(join(dir, 'sub', 'model.safetensors'));
  assert.deepEqual(Object.keys(sd).sort(), ['fc.bias', 'fc.weight']);
  assert.deepEqual(Array.from(sd['fc.weight']!.toTypedArray() as Float32Array), Array.from(model.fc.weight.toTypedArray() as Float32Array));
  await acc.save({ step: 3, lr: [0.1] }, join(dir, 'state.json'));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')), { step: 3, lr: [0.1] });
});
