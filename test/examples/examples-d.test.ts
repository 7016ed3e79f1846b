// examples-d.test.ts — examples/lora-stories.ts end to end in a child process with tiny settings,
// its RESULT line parsed and checked: peft's trainable count for stories260K all-linear r=8, review
// perplexity falls, disableAdapter() gives back the pretrained model's probe exactly, the adapter
// reloads onto a fresh base to the same logits, the merge keeps the logits, the pipeline on the
// merged folder generates what the merged model does.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runExampleScript, type ExampleRun } from './child.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'tunekit-examples-d-'));
after(() => rmSync(out, { recursive: true, force: true }));

function runExample(name: string, flags: string[]): Promise<ExampleRun> {
  return runExampleScript(name, [...flags, '--out', join(out, name)]);
}

test('lora-stories: LoRA on stories260K — perplexity falls, the base model is untouched, adapter reload and merge keep the logits', async () => {
  const { code, output, result } = await runExample('lora-stories', ['--max-docs', '120', '--steps', '15', '--batch', '8', '--eval-every', '0', '--max-new-tokens', '16']);
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  // peft 0.21 on stories260K with target_modules 'all-linear', r 8: 46,240 of 306,272 (the README's taste)
  assert.equal(result.trainable, 'trainable params: 46,240 || all params: 306,272 || trainable%: 15.0977');
  // measured (120 reviews, 15 updates of 8 x 128): 38.86 -> 23.89 on the held-out reviews
  assert.ok(result.perplexity_after < 0.85 * result.perplexity_before, `IMDB perplexity did not fall: ${result.perplexity_before} -> ${result.perplexity_after}`);
  // the pretrained model's greedy story: 1.58 before; with the adapter it moves, with it disabled it is the base model's bit for bit
  assert.ok(result.tinystories_probe_before[0] > 1 && result.tinystories_probe_before[0] < 2);
  assert.ok(result.tinystories_probe_after[0] > result.tinystories_probe_before[0], 'the adapter changes the probe');
  assert.deepEqual(result.tinystories_probe_disabled, result.tinystories_probe_before, 'disableAdapter() gives the pretrained model exactly');
  assert.match(result.greedy_before, /^\. It is a big, shiny rock/);
  assert.equal(result.reload_max_abs_diff, 0, 'adapter saved and reloaded onto a fresh base must give the same logits');
  assert.ok(result.merge_max_abs_diff < 1e-4, `mergeAndUnload changed the logits by ${result.merge_max_abs_diff}`);
  assert.equal(result.pipeline_matches, true, 'pipeline(text-generation) on the merged folder must generate the merged model\'s greedy tokens');
  // peft's files
  const cfg = JSON.parse(readFileSync(join(out, 'lora-stories', 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 8);
  assert.deepEqual([...cfg.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
  assert.ok(existsSync(join(out, 'lora-stories', 'merged', 'model.safetensors')));
  assert.match(readFileSync(join(out, 'lora-stories', 'loss.svg'), 'utf8'), /^<svg[\s\S]*polyline/);
});
