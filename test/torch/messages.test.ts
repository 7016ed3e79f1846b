// Wrong arguments from TS name the op and what was passed (not "Cannot read properties of null"),
// and .to() with a string that is neither a device nor a dtype says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

const { F } = torch;

test('a non-tensor where a tensor belongs is a TorchError naming the op and the value', () => {
  torch.tidy(() => {
    const x = torch.ones([2, 2]);
    const cases: [() => unknown, string, RegExp][] = [
      [() => x.matmul(null as never), 'matmul', /^matmul: expected a Tensor argument, got null$/],
      [() => torch.matmul(x, undefined as never), 'matmul', /^matmul: expected a Tensor argument, got undefined$/],
      [() => x.add({ a: 1 } as never), 'add', /^add: expected a Tensor argument, got a plain object$/],
      [() => x.mul(new Map() as never), 'mul', /^mul: expected a Tensor argument, got a Map$/],
      [() => torch.cat([x, 3 as never]), 'cat', /^cat: expected a Tensor argument, got number 3$/],
      [() => F.linear(x, [1, 2] as never), 'linear', /^linear: expected a Tensor argument, got an array of length 2 \(make a tensor with torch\.tensor/],
      [() => F.crossEntropy(x, 'labels' as never), 'crossEntropy', /^crossEntropy: expected a Tensor argument, got string "labels"$/],
      [() => x.copy_(null as never), 'copy_', /^copy_: expected a Tensor argument, got null$/],
    ];
    for (const [fn, op, re] of cases)
      assert.throws(fn, (e: unknown) => e instanceof torch.TorchError && e.op === op && re.test(e.message), `${op}: ${re}`);
    // Optional tensors still accept null / undefined as "absent".
    assert.deepEqual(F.linear(x, torch.ones([3, 2]), null).shape, [2, 3]);
  });
});

test(".to('tpu') says it is neither a device nor a dtype", () => {
  torch.tidy(() => {
    const x = torch.ones([2]);
    assert.throws(() => x.to('tpu' as never), /^TorchError: to\('tpu'\): 'tpu' is neither a device \(cpu, cuda, cuda:N\) nor a dtype \(uint8, int8, int16, int32, int64, float16, float32, float64, bool, bfloat16\)$/);
    assert.throws(() => x.to('cudax' as never), /'cudax' is neither a device/);
    assert.equal(x.to('float64').dtype, 'float64');
    assert.equal(x.to('cpu').device, 'cpu');
  });
});
