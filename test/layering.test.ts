// Enforces the layer order of ../shared/STYLE.md: a file in src/<layer> may import only from
// its own layer and the layers listed before it; metrics imports nothing from src; only
// src/torch/native.ts loads the native addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS = ['torch', 'nn', 'optim', 'tokenizers', 'data', 'models', 'peft', 'generation', 'metrics', 'trainer', 'pipelines', 'cli'];
const src = resolve(new URL('../src', import.meta.url).pathname);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}
function layerOf(file: string): string | null {
  const rel = relative(src, file).split('/');
  return rel.length > 1 ? rel[0]! : null; // files directly in src/ (index.ts) are the top
}
function imports(code: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m; (m = re.exec(code)); ) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

test('every src layer imports only the layers before it', () => {
  const problems: string[] = [];
  for (const file of walk(src)) {
    const layer = layerOf(file);
    if (layer === null) continue;
    if (!LAYERS.includes(layer)) {
      problems.push(`${relative(src, file)}: unknown layer '${layer}' (add it to LAYERS in test/layering.test.ts)`);
      continue;
    }
    const code = readFileSync(file, 'utf8');
    for (const spec of imports(code)) {
      if (spec.endsWith('.node') && !file.endsWith(join('torch', 'native.ts'))) problems.push(`${relative(src, file)} loads a native binary; only src/torch/native.ts may`);
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + '/')) { problems.push(`${relative(src, file)} imports outside src: ${spec}`); continue; }
      const tl = layerOf(target);
      if (tl === null) { problems.push(`${relative(src, file)} imports the top-level entry ${spec}`); continue; }
      if (tl === layer) continue;
      if (layer === 'metrics') { problems.push(`src/metrics must import nothing from src (numbers in, numbers out): ${relative(src, file)} -> ${spec}`); continue; }
      if (LAYERS.indexOf(tl) > LAYERS.indexOf(layer)) problems.push(`${relative(src, file)} (${layer}) imports ${tl}: ${spec}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the import scanner sees the imports it must police', () => {
  // Guards the guard: if the regex stops matching, the layering test would pass vacuously.
  assert.deepEqual(imports("import { a } from '../nn/x.js';\nexport * from './y.js';\nconst m = await import('../data/z.js');"),
    ['../nn/x.js', './y.js', '../data/z.js']);
  assert.ok(walk(src).some((f) => f.endsWith(join('torch', 'tensor.ts'))));
});
