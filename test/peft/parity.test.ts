// parity.test.ts — every LoRA fixture (shared/fixtures/hf/lora from peft 0.14, test/fixtures/peft
// from peft 0.21) loads through PeftModel.fromPretrained onto its base checkpoint and must give
// peft's trainable parameter names and counts, outputs, the gradient of every trainable
// parameter, and the logits after mergeAndUnload().  Data-driven: a new folder is tested as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { knownModelTypes } from '../../src/models/index.js';
import { autoClassFor } from '../auto-classes.js';
import { PeftModel } from '../../src/peft/index.js';
import { sharedDir } from '../helpers.js';

const ROOTS = [sharedDir('fixtures', 'hf', 'lora'), new URL('../fixtures/peft', import.meta.url).pathname];
// float32 against float32 on another libtorch: the model fixtures' tolerances (test/models/parity.test.ts)
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5, GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;

interface Reference {
  num_parameters?: number;
  num_trainable_parameters?: number;
  trainable_parameters: string[];
  print_trainable_parameters?: string;
}

function close(got: torch.Tensor, want: torch.Tensor, rtol: number, atol: number, what: string): number {
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  return torch.tidy(() => {
    const diff = got.sub(want).abs();
    const bad = diff.gt(want.abs().mul(rtol).add(atol)).any().item();
    const worst = diff.numel() ? diff.max().item() : 0;
    assert.ok(!bad, `${what}: max |Δ| ${worst.toExponential(2)} over tolerance`);
    return worst;
  });
}

const cases = ROOTS.flatMap((root) => (existsSync(root) ? readdirSync(root).sort().map((n) => join(root, n)) : []))
  .filter((d) => existsSync(join(d, 'adapter_config.json')));

test('LoRA fixtures are present (shared peft 0.14 and project peft 0.21)', () => {
  assert.ok(cases.filter((d) => d.includes('/hf/lora/')).length >= 3, `expected the shared LoRA fixtures under ${ROOTS[0]}`);
  assert.ok(cases.filter((d) => d.includes('/fixtures/peft/')).length >= 5, `expected the project's fixtures under ${ROOTS[1]} (scripts/fixtures/gen_peft_adapters.py)`);
});

for (const dir of cases) {
  const name = dir.split('/').slice(-2).join('/');
  const baseCfg = JSON.parse(readFileSync(join(dir, 'base', 'config.json'), 'utf8')) as { model_type: string; architectures: string[] };
  const arch = baseCfg.architectures[0]!;
  const auto = autoClassFor(arch);
  const skip = !knownModelTypes().includes(baseCfg.model_type) ? `model_type '${baseCfg.model_type}' is not implemented yet` : !auto ? `no Auto class for ${arch}` : false;

  test(`${name}: ${arch} + peft adapter: trainable set, outputs, LoRA gradients, merged logits`, { skip }, async () => {
    const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
    const base = await auto!.fromPretrained(join(dir, 'base'));
    const model = await PeftModel.fromPretrained(base, dir, { isTrainable: true });
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.deepEqual([...trainable].sort(), [...ref.trainable_parameters].sort(), 'trainable parameters');
    const [nt, na] = model.getNbTrainableParameters();
    if (ref.num_trainable_parameters !== undefined) assert.equal(nt, ref.num_trainable_parameters, 'trainable count');
    if (ref.num_parameters !== undefined) assert.equal(na, ref.num_parameters, 'parameter count');
    if (ref.print_trainable_parameters !== undefined) assert.equal(model.printTrainableParameters(), ref.print_trainable_parameters);

    const file = await torch.safetensors.loadFile(join(dir, 'reference.safetensors'));
    const inputs: Record<string, torch.Tensor> = {};
    for (const [k, v] of Object.entries(file)) if (k.startsWith('input.')) inputs[k.slice(6)] = v;
    torch.tidy(() => {
      model.train();
      const out = model.forward(inputs) as Record<string, torch.Tensor>;
      for (const k of ['logits', 'start_logits', 'end_logits', 'loss']) {
        const want = file[`output.${k}`];
        if (want) close(out[k]!, want, OUT_RTOL, OUT_ATOL, k);
      }
      const loss = out.loss ?? (out.start_logits ? out.start_logits.sum() : out.logits!.sum());
      loss.backward();
    });
    const params = new Map(model.namedParameters());
    for (const n of ref.trainable_parameters) {
      const g = params.get(n)!.grad;
      assert.ok(g, `no gradient for ${n}`);
      close(g, file[`grad.${n}`]!, GRAD_RTOL, GRAD_ATOL, `grad ${n}`);
      g.dispose();
    }
    for (const [n, p] of params) if (!p.requiresGrad) assert.equal(p.grad, null, `frozen ${n} got a gradient buffer`);

    if (file['output.logits_merged']) {
      model.eval();
      const key = file['output.logits'] ? 'logits' : 'start_logits';
      const before = torch.tidy(() => (model.forward(inputs) as Record<string, torch.Tensor>)[key]!.keep());
      const merged = model.mergeAndUnload() as unknown as { forward(i: unknown): Record<string, torch.Tensor>; constructor: { name: string } };
      assert.equal(merged.constructor.name, arch);
      torch.tidy(() => {
        const after = merged.forward(inputs)[key]!;
        close(after, file['output.logits_merged']!, OUT_RTOL, OUT_ATOL, 'merged logits');
        assert.ok(after.sub(before).abs().max().item() <= 1e-5, 'merge invariant: logits before and after mergeAndUnload agree to 1e-5');
      });
      before.dispose();
    }
    for (const t of Object.values(file)) t.dispose();
  });
}
