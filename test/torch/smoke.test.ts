import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

test('tensor round trip, arithmetic and backward', () => {
  const x = torch.tensor([[1, 2], [3, 4.5]], { requiresGrad: true });
  const y = torch.tidy(() => {
    const s = x.mul(x).sum();
    s.backward();
    return s.item();
  });
  assert.equal(y, 1 + 4 + 9 + 20.25);
  assertClose(x.grad!, [2, 4, 6, 9]);
  x.dispose();
});
