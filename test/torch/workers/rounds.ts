// rounds.ts — the checked-matmul loop that workers.test.ts runs on every thread.
import * as torch from '../../../src/torch/index.js';

/** Each round: (n, n) of `a` times (n, n) of `b` must be n*a*b everywhere; a different n and a per thread. */
export function runRounds(k: number, n: number): { ok: number; bad: string[] } {
  let ok = 0;
  const bad: string[] = [];
  for (let i = 0; i < n; i++) {
    const size = 16 + ((k * 7 + i) % 17); // (size, size)
    const a = k + 2, b = (i % 5) + 1;
    const got = torch.tidy(() => {
      const x = torch.full([size, size], a);
      const y = torch.full([size, size], b);
      const z = x.matmul(y); // (size, size), each element size*a*b
      return [z.min().item(), z.max().item()];
    });
    const want = size * a * b;
    if (got[0] === want && got[1] === want) ok++;
    else if (bad.length < 5) bad.push(`thread ${k} round ${i}: got ${got} want ${want}`);
  }
  return { ok, bad };
}
