// examples/mlp-regression.ts — the main job until the encoder Trainer lands: fit a 3-layer MLP
// to a generated regression task y = sin(x·a) + 0.5·cos(x·b) + noise (x in R^16) with AdamW,
// a linear warmup/decay schedule and gradient clipping, printing the held-out loss falling.
// Run: npm run main  [-- --steps 3000 --seed 0]
import * as torch from '../src/torch/index.js';
import * as nn from '../src/nn/index.js';
import { AdamW, clipGradNorm, getParameterGroups, getScheduler } from '../src/optim/index.js';
import { writeLinePlot } from './plot.js';

const { tidy, F } = torch;
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const steps = arg('steps', 3000), seed = arg('seed', 0), batch = 128;
torch.manualSeed(seed);

class MLP extends nn.Module {
  fc1 = new nn.Linear(16, 128);
  fc2 = new nn.Linear(128, 128);
  out = new nn.Linear(128, 1);
  forward(x: torch.Tensor): torch.Tensor { // x: (B, 16) -> (B, 1)
    return this.out.forward(F.gelu(this.fc2.forward(F.gelu(this.fc1.forward(x)))));
  }
}

// Data: 8,192 training and 1,024 held-out points from one random target function.
const a = torch.randn([16, 1]).mul(0.4).keep(), b = torch.randn([16, 1]).mul(0.4).keep();
const target = (x: torch.Tensor): torch.Tensor => tidy(() => x.matmul(a).sin().add(x.matmul(b).cos().mul(0.5)));
const xTrain = torch.randn([8192, 16]).keep(), xTest = torch.randn([1024, 16]).keep();
const yTrain = tidy(() => target(xTrain).add(torch.randn([8192, 1]).mul(0.05))).keep();
const yTest = target(xTest).keep();

const model = new MLP();
const optimizer = new AdamW(getParameterGroups(model.namedParameters(), 0.01), { lr: 3e-3 });
const scheduler = getScheduler('linear', optimizer, { numWarmupSteps: Math.round(steps * 0.05), numTrainingSteps: steps });
const evalLoss = (): number => tidy(() => torch.noGrad(() => F.mseLoss(model.forward(xTest), yTest).item()));
const baseline = tidy(() => yTest.var().item()); // the loss of predicting the mean

console.log(`tunekit ${torch.version()} | MLP 16-128-128-1, ${model.numParameters()} parameters | ${steps} steps, batch ${batch}`);
console.log(`held-out MSE before training: ${evalLoss().toFixed(4)} (variance of y: ${baseline.toFixed(4)})`);
const t0 = performance.now();
let running = 0;
const trainCurve: [number, number][] = [], testCurve: [number, number][] = [[0, evalLoss()]];
for (let step = 1; step <= steps; step++) {
  const loss = tidy(() => {
    const idx = torch.randint(0, 8192, [batch]);
    const out = F.mseLoss(model.forward(xTrain.indexSelect(0, idx)), yTrain.indexSelect(0, idx));
    out.backward();
    clipGradNorm(model.parameters(), 1.0);
    optimizer.step();
    scheduler.step();
    optimizer.zeroGrad();
    return out.item();
  });
  running = step === 1 ? loss : 0.98 * running + 0.02 * loss;
  if (step % 10 === 0) trainCurve.push([step, running]);
  if (step % Math.max(1, Math.floor(steps / 10)) === 0 || step === steps) {
    const s = (performance.now() - t0) / 1000;
    const eta = (s / step) * (steps - step);
    testCurve.push([step, evalLoss()]);
    console.log(`step ${String(step).padStart(5)}/${steps}  train ${running.toFixed(4)}  held-out ${evalLoss().toFixed(4)}  ` +
      `lr ${scheduler.getLastLr()[0]!.toExponential(2)}  ${(step / s).toFixed(0)} steps/s  ETA ${eta.toFixed(1)}s`);
  }
}
const final = evalLoss();
console.log(`held-out MSE after training: ${final.toFixed(4)} (${(100 * (1 - final / baseline)).toFixed(1)}% of the variance explained)`);
const plot = 'runs/mlp-regression/loss.svg';
writeLinePlot(plot, 'MLP regression: MSE', [
  { name: 'train (EMA)', points: trainCurve, color: '#1f77b4' },
  { name: 'held-out', points: testCurve, color: '#d62728' },
], { xLabel: 'step', yLabel: 'MSE', logY: true });
console.log(`loss curve: ${plot}`);
console.log(`live tensors at the end: ${torch.liveTensorCount()} (parameters, optimizer state and data)`);
