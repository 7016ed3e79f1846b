// The Trainer's push_to_hub against the loopback Hub (test/hub/server.ts): hub_strategy 'every_save'
// (a commit per checkpoint save, output_dir without checkpoint-* / _*), 'end' (nothing until
// pushToHub()), 'checkpoint' (last-checkpoint/) and 'all_checkpoints'; the pushed model loads back
// by Hub id with the trained weights; the model card's content; the repo id from output_dir and
// whoami-v2; the TrainingArguments hub fields; token errors naming hub_token / HF_TOKEN.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { HubAuthError, snapshotDownload } from '../../src/hub/index.js';
import { AutoModelForSequenceClassification } from '../../src/models/index.js';
import { BertForSequenceClassification } from '../../src/models/bert/index.js';
import { TrainingArguments, argmax, type EvalPrediction, type NDArray, type Trainer, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { FakeHub } from '../hub/server.js';
import { hubEnv } from '../hub/env.js';
import { pyFloatRepr } from '../../src/trainer/args-repr.js';
import { quietTrainer } from './tiny.js';

const ROOT = sharedDir('fixtures/hf/training', 'bert_seqcls');
const ROWS = (JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
beforeEach(async () => {
  hub = await FakeHub.start({ writeToken: 'hf_write', readToken: 'hf_read' });
  env = hubEnv(hub.url);
});
afterEach(async () => {
  await hub.stop();
  env.restore();
});

/** The commits of `main`, oldest first: title and files (path -> bytes). */
function history(id: string): { title: string; files: Map<string, Buffer> }[] {
  const repo = hub.repo(id);
  const out: { title: string; files: Map<string, Buffer> }[] = [];
  for (let sha = repo.branches.get('main') ?? null; sha !== null; sha = repo.commits.get(sha)!.parent) out.unshift(repo.commits.get(sha)!);
  return out;
}
const names = (files: Map<string, Buffer>): string[] => [...files.keys()].sort();

async function trainerFor(over: Partial<TrainingArgumentsInit>, extra: { computeMetrics?: boolean } = {}): Promise<Trainer> {
  const model = await BertForSequenceClassification.fromPretrained(join(ROOT, 'init'));
  const args = new TrainingArguments({
    output_dir: join(env.root, 'tiny-bert'), max_steps: 4, per_device_train_batch_size: 4, learning_rate: 1e-3, logging_steps: 1,
    save_strategy: 'steps', save_steps: 2, report_to: 'none', disable_tqdm: true, use_cpu: true, seed: 3, push_to_hub: true,
    hub_model_id: 'me/tiny-bert', ...over,
  } as TrainingArgumentsInit);
  const accuracy = (p: EvalPrediction): Record<string, number> => {
    const pred = argmax(p.predictions as NDArray).data, gold = (p.label_ids as NDArray).data;
    let ok = 0;
    for (let i = 0; i < gold.length; i++) if (pred[i] === gold[i]) ok++;
    return { accuracy: ok / gold.length };
  };
  return quietTrainer({ model, args, trainDataset: ROWS, evalDataset: ROWS.slice(0, 8), ...(extra.computeMetrics ? { computeMetrics: accuracy } : {}) });
}

test("hub_strategy 'every_save': a commit per checkpoint save with the checkpoint's weights; pushToHub() and saveModel() push too", async () => {
  // the token comes from hub_token alone (no HF_TOKEN), and training_args.json never holds it
  const t = await trainerFor({ hub_token: 'hf_write' });
  mkdirSync(t.args.output_dir, { recursive: true });
  writeFileSync(join(t.args.output_dir, '_notes.txt'), 'private'); // HF's ignore pattern `_*`
  await t.train();
  assert.equal(t.hubModelId, 'me/tiny-bert');
  const h = history('me/tiny-bert');
  assert.deepEqual(h.map((c) => c.title), ['initial commit', 'Training in progress, step 2', 'Training in progress, step 4']);
  for (const [i, step] of [[1, 2], [2, 4]] as const) {
    assert.deepEqual(names(h[i]!.files), ['.gitattributes', 'config.json', 'model.safetensors', 'training_args.json'], `no checkpoint-* folder at step ${step}`);
    assert.deepEqual(h[i]!.files.get('model.safetensors'), readFileSync(join(t.args.output_dir, `checkpoint-${step}`, 'model.safetensors')), `step ${step}'s weights`);
  }
  const pushedArgs = JSON.parse(h[2]!.files.get('training_args.json')!.toString()) as Record<string, unknown>;
  assert.equal(pushedArgs.hub_token, '<HUB_TOKEN>');
  assert.equal(pushedArgs.hub_strategy, 'every_save');

  const info = await t.pushToHub();
  const end = history('me/tiny-bert').at(-1)!;
  assert.equal(end.title, 'End of training');
  assert.equal(hub.repo('me/tiny-bert').branches.get('main'), info.commitOid);
  assert.deepEqual(names(end.files), ['.gitattributes', 'README.md', 'config.json', 'model.safetensors', 'training_args.json'], '_* files are left out');
  assert.match(end.files.get('README.md')!.toString(), /^---\nlibrary_name: tunekit\ntags:\n- generated_from_trainer\nmodel-index:\n- name: tiny-bert\n  results: \[\]\n---\n/);

  await t.saveModel(join(env.root, 'elsewhere'));
  assert.equal(history('me/tiny-bert').at(-1)!.title, 'Model save', 'save_model from user code pushes output_dir');
  assert.equal(hub.seen(/^POST \/api\/repos\/create$/).length, 1, 'the repo is created once');
});

test("hub_strategy 'end': nothing during training; pushToHub() uploads the model, which loads back by Hub id with the trained weights, and its card", async () => {
  process.env.HF_TOKEN = 'hf_write';
  const t = await trainerFor({ hub_strategy: 'end', gradient_accumulation_steps: 2, eval_strategy: 'steps', eval_steps: 2 }, { computeMetrics: true });
  await t.train();
  assert.deepEqual(history('me/tiny-bert').map((c) => c.title), ['initial commit'], "'end' pushes nothing while training");
  await t.pushToHub({ dataset_tags: 'bert-rows', dataset: 'Tiny Rows', license: 'mit' });
  assert.deepEqual(history('me/tiny-bert').map((c) => c.title), ['initial commit', 'End of training']);

  process.env.HF_HUB_CACHE = mkdtempSync(join(env.root, 'client2-'));
  const back = await AutoModelForSequenceClassification.fromPretrained('me/tiny-bert');
  const trained = t.model.stateDict();
  for (const [k, v] of back.stateDict()) assert.equal(torch.tidy(() => v.sub(trained.get(k)!).abs().max().item()), 0, k);
  const init = (await BertForSequenceClassification.fromPretrained(join(ROOT, 'init'))).stateDict();
  assert.ok(torch.tidy(() => init.get('classifier.weight')!.sub(back.stateDict().get('classifier.weight')!).abs().max().item()) > 1e-4, 'trained, not the initial weights');

  const card = readFileSync(join(t.args.output_dir, 'README.md'), 'utf8');
  assert.equal(history('me/tiny-bert').at(-1)!.files.get('README.md')!.toString(), card, 'the card written is the card pushed');
  const evals = t.state.log_history.filter((e) => e.eval_loss !== undefined);
  assert.deepEqual(evals.map((e) => e.step), [2, 4]);
  const last = evals.at(-1)!;
  const front = card.slice(0, card.indexOf('\n---\n', 4) + 5);
  assert.equal(front, [
    '---', 'library_name: tunekit', 'license: mit', 'tags:', '- generated_from_trainer', 'datasets:', '- bert-rows', 'metrics:', '- accuracy',
    'model-index:', '- name: tiny-bert', '  results:', '  - task:', '      name: Text Classification', '      type: text-classification',
    '    dataset:', '      name: Tiny Rows', '      type: bert-rows', '    metrics:', '    - name: Accuracy', '      type: accuracy',
    `      value: ${pyFloatRepr(last.eval_accuracy!)}`, '---', '',
  ].join('\n'));
  // the last evaluation, in the log's key order (HF's parse_log_history keeps it)
  const metricKeys = Object.keys(last).filter((k) => !['eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second', 'epoch', 'step'].includes(k));
  const label = (k: string): string => (k === 'eval_loss' ? 'Loss' : 'Accuracy');
  const results = metricKeys.map((k) => `- ${label(k)}: ${Number.isInteger(last[k]! * 1e4) ? pyFloatRepr(last[k]!) : last[k]!.toFixed(4)}`).join('\n');
  assert.ok(card.includes(`\n# tiny-bert\n\nThis model was trained from scratch on the Tiny Rows dataset.\nIt achieves the following results on the evaluation set:\n${results}\n\n`), card);
  assert.ok(card.includes('\nThe following hyperparameters were used during training:\n- learning_rate: 0.001\n- train_batch_size: 4\n- eval_batch_size: 8\n' +
    '- seed: 3\n- gradient_accumulation_steps: 2\n- total_train_batch_size: 8\n' +
    '- optimizer: Use OptimizerNames.ADAMW_TORCH with betas=(0.9,0.999) and epsilon=1e-08 and optimizer_args=No additional optimizer arguments\n' +
    '- lr_scheduler_type: linear\n- training_steps: 4\n'), card);
  const table = card.slice(card.indexOf('### Training results\n\n') + 22, card.indexOf('\n\n### Framework versions'));
  const rows = table.split('\n').filter((l) => l !== '').map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  assert.deepEqual(rows[0], ['Training Loss', 'Epoch', 'Step', ...metricKeys.map((k) => (k === 'eval_loss' ? 'Validation Loss' : 'Accuracy'))]);
  assert.ok(rows[1]!.every((c) => /^:-+:$/.test(c)));
  const lossCol = rows[0]!.indexOf('Validation Loss');
  assert.deepEqual(rows.slice(2).map((r) => [Number(r[1]).toFixed(4), Number(r[2]), Number(r[lossCol])]), evals.map((e) => [e.epoch!.toFixed(4), e.step, Number(e.eval_loss!.toFixed(4))]));
  assert.equal(Number(rows[3]![0]), Number(t.state.log_history.filter((e) => e.loss !== undefined && e.step! <= 4).at(-1)!.loss!.toFixed(4)), 'the last training loss before that evaluation');
  assert.ok(card.endsWith(`\n### Framework versions\n\n- tunekit 0.1.0\n- libtorch ${torch.version()}\n`));
});

test("hub_strategy 'checkpoint' pushes the newest checkpoint as last-checkpoint/; 'all_checkpoints' each under its own name", async () => {
  process.env.HF_TOKEN = 'hf_write';
  const t = await trainerFor({ hub_strategy: 'checkpoint', save_total_limit: 1 });
  await t.train();
  const h = history('me/tiny-bert');
  assert.deepEqual(h.map((c) => c.title), ['initial commit', 'Training in progress, step 2', 'Training in progress, step 2, checkpoint',
    'Training in progress, step 4', 'Training in progress, step 4, checkpoint']);
  const files = h.at(-1)!.files;
  const ckpt = join(t.args.output_dir, 'checkpoint-4');
  for (const f of ['model.safetensors', 'config.json', 'trainer_state.json', 'scheduler.json']) assert.deepEqual(files.get(`last-checkpoint/${f}`), readFileSync(join(ckpt, f)), f);
  assert.equal((JSON.parse(files.get('last-checkpoint/trainer_state.json')!.toString()) as { global_step: number }).global_step, 4);
  assert.ok(!names(files).some((f) => f.startsWith('checkpoint-')));
  // what last-checkpoint/ is for: another machine resumes from it
  process.env.HF_HUB_CACHE = mkdtempSync(join(env.root, 'client2-'));
  const snap = await snapshotDownload('me/tiny-bert', { allowPatterns: 'last-checkpoint/*' });
  const r = await trainerFor({ push_to_hub: false, max_steps: 6, output_dir: join(env.root, 'resumed') });
  await r.train({ resumeFromCheckpoint: join(snap, 'last-checkpoint') });
  const losses = (tr: Trainer): number[][] => tr.state.log_history.filter((e) => e.loss !== undefined).map((e) => [e.step!, e.loss!]);
  assert.deepEqual(losses(r).map(([step]) => step), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(losses(r).slice(0, 4), losses(t), 'steps 1-4 come from the pushed trainer_state.json; 5 and 6 were trained here');

  const env2 = hubEnv(hub.url);
  try {
    process.env.HF_TOKEN = 'hf_write';
    const a = await trainerFor({ hub_strategy: 'all_checkpoints', hub_model_id: 'me/all', output_dir: join(env2.root, 'all') });
    await a.train();
    const all = names(history('me/all').at(-1)!.files);
    for (const step of [2, 4]) assert.ok(all.includes(`checkpoint-${step}/model.safetensors`) && all.includes(`checkpoint-${step}/trainer_state.json`), `checkpoint-${step} in ${all}`);
    assert.ok(!all.some((f) => f.startsWith('last-checkpoint/')));
  } finally {
    env2.restore();
  }
});

/**
 * A proxy in front of the loopback Hub that answers /api/whoami-v2 (for tokens with read access) and
 * the model info of 'org/base' (its license tag) as the Hub does.
 */
async function whoamiProxy(user: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/api/whoami-v2') {
      const ok = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!ok || !hub.readTokens.has(ok)) return void res.writeHead(401).end();
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'user', name: user }));
    }
    if (req.url === '/api/models/org/base') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'org/base', tags: ['bert', 'license:apache-2.0'] }));
    const up = new URL(hub.url);
    const fwd = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test("the repo id: output_dir's name in the token owner's namespace (whoami-v2), private as hub_private_repo says", async () => {
  const proxy = await whoamiProxy('alice');
  try {
    process.env.HF_ENDPOINT = proxy.url;
    process.env.HF_TOKEN = 'hf_write';
    const t = await trainerFor({ hub_model_id: null, output_dir: join(env.root, 'my-run'), hub_private_repo: true, max_steps: 2 });
    await t.train();
    assert.equal(t.hubModelId, 'alice/my-run');
    assert.equal(hub.repo('alice/my-run').private, true);
    assert.deepEqual(history('alice/my-run').map((c) => c.title), ['initial commit', 'Training in progress, step 2']);
    // a name without namespace in hub_model_id gets it too
    const n = await trainerFor({ hub_model_id: 'named', max_steps: 2, save_strategy: 'no' });
    await n.pushToHub({ commit_message: 'first', finetuned_from: 'org/base' });
    assert.equal(n.hubModelId, 'alice/named');
    assert.equal(history('alice/named').at(-1)!.title, 'first');
    // HF reads the base model's license from the Hub when none is given
    assert.ok(history('alice/named').at(-1)!.files.get('README.md')!.toString().startsWith('---\nlibrary_name: tunekit\nlicense: apache-2.0\nbase_model: org/base\n'));
  } finally {
    proxy.server.closeAllConnections();
    await new Promise((r) => proxy.server.close(r));
  }
  // a Hub that does not answer whoami-v2 (the loopback one): the error says how to name the repo
  process.env.HF_ENDPOINT = hub.url;
  const t = await trainerFor({ hub_model_id: null, output_dir: join(env.root, 'other-run') });
  await assert.rejects(t.train(), /push_to_hub: the repo 'other-run' has no namespace and .*whoami-v2 answered 404 without a user name; set hub_model_id to 'namespace\/other-run'/);
  await assert.rejects((await trainerFor({ hub_model_id: null, output_dir: join(env.root, 'bad name') })).train(),
    /'bad name' \(the output_dir's name\) is not a valid Hub repo name; set hub_model_id/);
});

test('token errors name hub_token and HF_TOKEN; a checkpoint push that fails warns and training goes on', async () => {
  await assert.rejects((await trainerFor({})).train(),
    (e: Error) => e instanceof HubAuthError && /push_to_hub: creating the repo me\/tiny-bert was refused: .*needs a write token; set HF_TOKEN.*TrainingArguments hub_token, else HF_TOKEN/.test(e.message));
  process.env.HF_TOKEN = 'hf_read';
  await assert.rejects((await trainerFor({})).train(),
    (e: Error) => e instanceof HubAuthError && e.status === 401 && /creating the repo me\/tiny-bert was refused: access denied \(401\).*hub_token.*write access to 'me'/.test(e.message));
  assert.equal(hub.store.get('model', 'me/tiny-bert'), undefined, 'nothing was created');

  // the token loses its write access after the repo was created: each save warns, training completes
  process.env.HF_TOKEN = 'hf_write';
  const t = await trainerFor({});
  t.addCallback({ onTrainBegin: () => { hub.writeTokens.delete('hf_write'); } });
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: unknown) => { warned.push(String(m)); };
  try {
    const out = await t.train();
    assert.equal(out.global_step, 4);
  } finally {
    console.warn = warn;
  }
  assert.equal(warned.filter((w) => /push_to_hub: pushing checkpoint-\d to me\/tiny-bert failed; training goes on.*401.*hub_token/.test(w)).length, 2, warned.join('\n'));
  await assert.rejects(t.pushToHub(), (e: Error) => e instanceof HubAuthError && /push_to_hub: pushing to me\/tiny-bert was refused: .*401.*hub_token/.test(e.message));
  await assert.rejects(t.pushToHub({ commit_mesage: 'x' } as never), /Trainer.pushToHub: unknown option 'commit_mesage'/);
});

test('pushToHub with push_to_hub false creates the repo; blocking: false gives the upload as a future', async () => {
  process.env.HF_TOKEN = 'hf_write';
  const t = await trainerFor({ push_to_hub: false, save_strategy: 'no', max_steps: 2, hub_model_id: 'me/later' });
  await t.train();
  assert.equal(hub.store.get('model', 'me/later'), undefined, 'push_to_hub false: no repo at construction');
  const { future } = await t.pushToHub({ blocking: false, commit_message: 'async push', finetuned_from: 'org/base-bert', tags: ['demo'] });
  const info = await future;
  const last = history('me/later').at(-1)!;
  assert.equal(last.title, 'async push');
  assert.equal(hub.repo('me/later').branches.get('main'), info.commitOid);
  const card = last.files.get('README.md')!.toString();
  assert.ok(card.startsWith('---\nlibrary_name: tunekit\nbase_model: org/base-bert\ntags:\n- demo\n- generated_from_trainer\n'), card);
  assert.ok(card.includes('This model is a fine-tuned version of [org/base-bert](https://huggingface.co/org/base-bert) on an unknown dataset.'));
  // a card already in output_dir: its tags are kept when tags are given (HF create_model_card)
  const again = await t.createModelCard({ tags: 'extra' });
  assert.ok(again.includes('\ntags:\n- extra\n- demo\n- generated_from_trainer\nmodel-index:\n'), again);
});

test('TrainingArguments: the hub fields with HF defaults, bad values named, hub_token masked in JSON', () => {
  const a = new TrainingArguments({ output_dir: 'o' });
  assert.deepEqual([a.push_to_hub, a.hub_model_id, a.hub_strategy, a.hub_token, a.hub_private_repo, a.hub_always_push, a.hub_revision],
    [false, null, 'every_save', null, null, false, null]);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', hub_strategy: 'sometimes' as never }),
    { name: 'TypeError', message: 'TrainingArguments: hub_strategy must be one of \'end\', \'every_save\', \'checkpoint\', \'all_checkpoints\', got "sometimes"' });
  assert.throws(() => new TrainingArguments({ output_dir: 'o', hub_model_id: 'a/b/c' }), /TrainingArguments: hub_model_id 'a\/b\/c' is not a valid Hub repo id/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', push_to_hub: 'yes' as never }), /TrainingArguments: push_to_hub must be a boolean, got "yes"/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', hub_token: '' }), /hub_token is empty/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', hub_stratgy: 'end' } as never), /unknown field 'hub_stratgy' \(did you mean 'hub_strategy'\?\)/);
  const s = new TrainingArguments({ output_dir: 'o', push_to_hub: true, hub_token: 'hf_secret', hub_strategy: 'checkpoint' });
  const json = JSON.parse(s.toJsonString()) as Record<string, unknown>;
  assert.equal(json.hub_token, '<HUB_TOKEN>');
  assert.ok(!s.toJsonString().includes('hf_secret') && !String(s).includes('hf_secret'));
  assert.equal(TrainingArguments.fromDict(json).hub_token, null, 'the mask reads back as no token');
  assert.equal(s.replace({ seed: 1 }).hub_token, 'hf_secret', 'replace keeps the token');
  const p = new TrainingArguments({ output_dir: 'o' }).setPushToHub('me/x', { strategy: 'all_checkpoints', private_repo: true });
  assert.deepEqual([p.push_to_hub, p.hub_model_id, p.hub_strategy, p.hub_private_repo], [true, 'me/x', 'all_checkpoints', true]);
  assert.throws(() => p.setPushToHub('me/x', { strategy: 'never' as never }), /hub_strategy must be one of/);
});
