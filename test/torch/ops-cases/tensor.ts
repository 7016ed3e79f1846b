// tensor.ts — TS half of scripts/fixtures/torch_ops_cases/tensor.py (conversions of one tensor).
import type { Cases } from './types.js';

export const tensor: Cases = {
  to_float32: ([x]) => x.to('float32'),
  to_int64_truncates: ([x]) => x.to('int64'),
  long: ([x]) => x.long(),
  int: ([x]) => x.int(),
  bool: ([x]) => x.bool(),
  int_to_float64: ([x]) => x.double(),
  bool_to_float: ([x]) => x.float(),
  float_double: ([x]) => x.float().double(),
  half_roundtrip: ([x]) => x.half().double(),
  bfloat16_roundtrip: ([x]) => x.bfloat16().double(),
  clone: ([x]) => x.clone(),
  contiguous_of_transpose: ([x]) => x.T.contiguous(),
  detach_stops_grad: ([x]) => x.mul(x.detach()),
};
