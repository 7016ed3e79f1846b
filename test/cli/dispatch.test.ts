// The `tunekit` executable and its dispatcher: --help / --version, every command's --help (in this
// process: main() is what bin/tunekit.mjs calls), exit codes (2 for an unknown command or flag and
// an invalid recipe, with the message naming it; 1 for a command whose module is missing), and
// `tunekit env` printing this libtorch's version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, main, mainHelp } from '../../src/cli/main.js';
import { EXIT } from '../../src/cli/command.js';
import { version as torchVersion } from '../../src/torch/index.js';
import { tunekit } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'tunekit-dispatch-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** main() with its output captured. */
async function call(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

const moduleOf = (name: string) => fileURLToPath(new URL(`../../src/cli/commands/${COMMANDS[name]!.file}`, import.meta.url));

test('tunekit --help lists every command with its summary and the exit codes; --version prints package.json\'s', async () => {
  const r = await tunekit(['--help']);
  assert.equal(r.code, 0, r.output);
  for (const [name, e] of Object.entries(COMMANDS)) assert.ok(r.stdout.includes(`  ${name}`) && r.stdout.includes(e.summary), `${name} missing from --help`);
  assert.match(r.stdout, /exit codes: 0 done, 1 failed while running, 2 could not start/);
  assert.equal(r.stdout.trim(), mainHelp());
  const v = await call(['--version']);
  assert.equal(v.code, EXIT.OK);
  assert.equal(v.out.trim(), '0.1.0');
});

test('every command answers --help with its usage (a command whose module is missing says so, exit 1)', async () => {
  for (const name of Object.keys(COMMANDS)) {
    const r = await call([name, '--help']);
    if (!existsSync(moduleOf(name))) {
      assert.equal(r.code, EXIT.FAILURE, name);
      assert.match(r.err, new RegExp(`the '${name}' command is not available .*src/cli/commands/${name}\\.ts is missing`));
      continue;
    }
    assert.equal(r.code, EXIT.OK, `${name}: ${r.err}`);
    assert.match(r.out, new RegExp(`usage: tunekit ${name}`, 'i'), `${name} --help:\n${r.out}`);
  }
  const h = await call(['train', '--help']);
  assert.match(h.out, /--<section>\.<key> <value>/);
  assert.match(h.out, /text-classification \| token-classification \| question-answering \| fill-mask/);
  const g = await call(['help', 'generate']);
  assert.match(g.out, /--max_new_tokens <n> +tokens to generate \(default 64\)/);
});

test('an unknown command or flag exits 2 with a did-you-mean', async () => {
  const r = await tunekit(['trian', 'x.yaml']);
  assert.equal(r.code, EXIT.USAGE);
  assert.match(r.stderr, /tunekit: unknown command 'trian' — did you mean 'train'\?/);
  const far = await call(['frobnicate']);
  assert.equal(far.code, EXIT.USAGE);
  assert.match(far.err, /unknown command 'frobnicate' \(tunekit --help lists the commands\)/);
  const top = await call(['--verbose']);
  assert.equal(top.code, EXIT.USAGE);
  assert.match(top.err, /unknown flag '--verbose'/);
  const flag = await tunekit(['generate', 'some/model', '--promt', 'hi']);
  assert.equal(flag.code, EXIT.USAGE);
  assert.match(flag.stderr, /tunekit generate: unknown flag '--promt' — did you mean '--prompt'\?/);
  const args = await call(['merge', 'a', 'b']);
  assert.equal(args.code, EXIT.USAGE);
  assert.match(args.err, /tunekit merge: expected <base> <adapter> <out>, got 'a' 'b'/);
  const missing = await call(['generate', join(work, 'nope'), '--prompt', 'x']);
  assert.equal(missing.code, EXIT.USAGE);
  assert.match(missing.err, /model .*nope: no such folder/);
});

test('an invalid recipe exits 2 naming the file, the line and the key; a missing recipe names the file', async () => {
  const file = join(work, 'bad.yaml');
  writeFileSync(file, 'task: text-classification\nmodel:\n  name_or_path: m\ndataset:\n  path: csv\ntraining_args:\n  output_dir: o\n  num_train_epoch: 2\n');
  const r = await tunekit(['train', file]);
  assert.equal(r.code, EXIT.USAGE, r.output);
  assert.equal(r.stderr.trim(), `tunekit train: ${file}:8: training_args.num_train_epoch: unknown key 'num_train_epoch' — did you mean 'num_train_epochs'? (a TrainingArguments field)`);
  writeFileSync(file, 'task: text-classification\nmodel: {name_or_path: m\n');
  const y = await call(['train', file]);
  assert.equal(y.code, EXIT.USAGE);
  assert.match(y.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
  const none = await call(['sft', join(work, 'none.yaml')]);
  assert.equal(none.code, EXIT.USAGE);
  assert.match(none.err, /none\.yaml: cannot read the recipe \(ENOENT\)/);
});

test('tunekit env prints the tunekit, Node and libtorch versions and the devices', async () => {
  const [r, j] = await Promise.all([tunekit(['env']), tunekit(['env', '--json'])]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.stdout, new RegExp(`^libtorch: ${torchVersion().replace(/\./g, '\\.')}$`, 'm'));
  assert.match(r.stdout, new RegExp(`^node: ${process.versions.node}$`, 'm'));
  assert.match(r.stdout, /^cpu_threads: \d+$/m);
  assert.match(r.stdout, /^cuda_available: (true|false)$/m);
  assert.equal(j.code, 0, j.output);
  assert.equal(JSON.parse(j.stdout).libtorch, torchVersion());
});
