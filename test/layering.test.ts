// Enforces the layers of ../shared/STYLE.md with a permission table: a file in src/<layer> may
// import its own layer and the layers ALLOWED lists for it, nothing else.  Besides:
//  - torch's internals are private: outside src/torch, an import of src/torch must be its public
//    entry src/torch/index.ts (so native handles, `wrap` and native.ts never leak);
//  - only src/torch/native.ts loads the native addon;
//  - every folder of src/ must be in the table (a new layer is added to it deliberately).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Layer -> the layers it may import ('*' = any).  Read bottom-up: torch -> nn / optim ->
 * data / tokenizers -> models -> peft / generation -> trainer -> pipelines -> cli; metrics
 * stands alone (numbers in, numbers out); hub (the Hugging Face Hub client) imports nothing and every
 * loader may use it.  Grants for layers that do not exist yet (peft,
 * generation, cli) and trainer -> models / peft / generation are the planned architecture.
 */
const ALLOWED: Readonly<Record<string, readonly string[] | '*'>> = {
  torch: [],
  // the Hub client (downloads into HF's cache, uploads): plain Node I/O, below every loader
  hub: [],
  // option-name normalization (HF's snake_case names, camelCase aliases, typo suggestions): imports nothing
  utils: [],
  nn: ['torch', 'utils'],
  optim: ['torch', 'utils'],
  data: ['torch', 'hub', 'utils'],
  tokenizers: ['torch', 'hub', 'utils'],
  // data: a seq2seq model's decoder inputs are its labels shifted right, the collator's shiftTokensRight (HF's one function for both)
  models: ['torch', 'nn', 'data', 'hub', 'utils'],
  peft: ['torch', 'nn', 'models', 'hub', 'utils'],
  generation: ['torch', 'nn', 'tokenizers', 'models', 'hub', 'utils'],
  metrics: [],
  // tokenizers: the SFTTrainer renders chat templates and tokenizes its datasets (TRL's _prepare_dataset)
  trainer: ['torch', 'nn', 'optim', 'data', 'tokenizers', 'models', 'peft', 'generation', 'distributed', 'accelerate', 'hub', 'utils'],
  // not trainer: a pipeline runs a trained model, it never trains
  pipelines: ['torch', 'nn', 'data', 'tokenizers', 'models', 'generation', 'hub', 'utils'],
  // torch.distributed over libtorch's c10d (process groups, collectives) and data-parallel modules
  distributed: ['torch', 'nn', 'utils'],
  // HF accelerate's Accelerator for custom loops: prepares models, optimizers, loaders over distributed
  accelerate: ['torch', 'nn', 'optim', 'data', 'models', 'peft', 'distributed', 'utils'],
  // the OpenAI-compatible server: runs a (tuned) model with generate and the chat template, never trains
  serve: ['torch', 'nn', 'tokenizers', 'models', 'peft', 'generation', 'pipelines', 'hub', 'utils'],
  // the live training dashboard: reads the event logs a run writes, plain Node I/O
  dashboard: ['utils'],
  cli: '*',
};

const src = resolve(new URL('../src', import.meta.url).pathname);
const torchEntry = join(src, 'torch', 'index.ts');

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

/** What is wrong with the imports of one file (its path under src, its code). */
function problemsOf(file: string, code: string): string[] {
  const problems: string[] = [];
  const name = relative(src, file);
  const layer = layerOf(file);
  if (layer === null) return problems;
  const allowed = ALLOWED[layer];
  if (allowed === undefined) return [`${name}: unknown layer '${layer}' (add it to ALLOWED in test/layering.test.ts)`];
  for (const spec of imports(code)) {
    if (spec.endsWith('.node') && file !== join(src, 'torch', 'native.ts')) problems.push(`${name} loads a native binary; only src/torch/native.ts may`);
    if (!spec.startsWith('.')) continue;
    // TS imports name the .js twin of the .ts file
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    if (!target.startsWith(src + '/')) { problems.push(`${name} imports outside src: ${spec}`); continue; }
    const tl = layerOf(target);
    if (tl === null) { problems.push(`${name} imports the top-level entry ${spec}`); continue; }
    if (tl === layer) continue;
    if (layer === 'metrics') { problems.push(`src/metrics must import nothing from src (numbers in, numbers out): ${name} -> ${spec}`); continue; }
    if (allowed !== '*' && !allowed.includes(tl)) { problems.push(`${name} (${layer}) may not import ${tl}: ${spec} (allowed: ${allowed.join(', ') || 'nothing'})`); continue; }
    if (tl === 'torch' && target !== torchEntry) problems.push(`${name} imports torch's internals (${spec}); import from src/torch/index.ts`);
  }
  return problems;
}

test('every src layer imports only what its row of the permission table allows', () => {
  const problems = walk(src).flatMap((f) => problemsOf(f, readFileSync(f, 'utf8')));
  assert.deepEqual(problems, []);
});

test('the table names every folder of src/, is acyclic, and keeps its stated rules', () => {
  const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory()).sort();
  assert.deepEqual(folders.filter((f) => !(f in ALLOWED)), [], 'a folder of src/ is missing from ALLOWED');
  for (const [layer, deps] of Object.entries(ALLOWED)) {
    if (deps === '*') continue;
    for (const d of deps) {
      assert.ok(d in ALLOWED, `${layer} allows '${d}', which is not a layer`);
      assert.notEqual(d, layer, `${layer} lists itself`);
    }
  }
  // acyclic: a depth-first walk never meets a layer on its own path ('*' layers are the top)
  const visit = (l: string, path: string[]): void => {
    assert.ok(!path.includes(l), `cycle: ${[...path, l].join(' -> ')}`);
    const deps = ALLOWED[l]!;
    if (deps !== '*') for (const d of deps) visit(d, [...path, l]);
  };
  for (const l of Object.keys(ALLOWED)) visit(l, []);
  assert.deepEqual(ALLOWED.metrics, []);
  assert.deepEqual(ALLOWED.torch, []);
  assert.deepEqual(ALLOWED.hub, [], 'the Hub client imports no other layer');
  assert.ok(!(ALLOWED.pipelines as readonly string[]).includes('trainer'), 'pipelines must not import trainer');
});

test('the import scanner sees the imports it must police', () => {
  // Guards the guard: if the regex stops matching, the layering test would pass vacuously.
  assert.deepEqual(imports("import { a } from '../nn/x.js';\nexport * from './y.js';\nconst m = await import('../data/z.js');\nimport type { T } from '../torch/index.js';"),
    ['../nn/x.js', './y.js', '../data/z.js', '../torch/index.js']);
  assert.ok(walk(src).some((f) => f.endsWith(join('torch', 'tensor.ts'))));
  // and the rules fire on the imports they are about
  const at = (p: string): string => join(src, p);
  assert.deepEqual(problemsOf(at('nn/x.ts'), "import { Tensor } from '../torch/index.js';"), []);
  assert.match(problemsOf(at('nn/x.ts'), "import { wrap } from '../torch/tensor.js';").join(), /nn\/x\.ts imports torch's internals/);
  assert.match(problemsOf(at('optim/x.ts'), "import { native } from '../torch/native.js';").join(), /imports torch's internals/);
  assert.match(problemsOf(at('pipelines/x.ts'), "import { Trainer } from '../trainer/index.js';").join(), /\(pipelines\) may not import trainer/);
  assert.match(problemsOf(at('nn/x.ts'), "import { AdamW } from '../optim/index.js';").join(), /\(nn\) may not import optim/);
  assert.match(problemsOf(at('metrics/x.ts'), "import { tidy } from '../torch/index.js';").join(), /metrics must import nothing/);
  assert.match(problemsOf(at('newlayer/x.ts'), '').join(), /unknown layer 'newlayer'/);
  assert.match(problemsOf(at('data/x.ts'), "const n = require('../../native/build/Release/tunekit_native.node');").join(), /loads a native binary/);
  assert.deepEqual(problemsOf(at('cli/x.ts'), "import { Trainer } from '../trainer/index.js';\nimport { pipeline } from '../pipelines/index.js';"), []);
});
