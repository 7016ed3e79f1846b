// generate.ts — `tunekit generate <model dir> --prompt ...`: the model's generate() with HF's
// generation options (greedy by default; --do_sample with temperature / top_k / top_p; beams),
// a causal LM continuing the prompt or an encoder-decoder answering it; --adapter applies a LoRA
// adapter first (merged into the weights in memory, the same function as the unmerged adapter).
import { expectPositionals, flagsHelp, parseArgs, type FlagSpecs } from '../argv.js';
import { EXIT, UsageError, type Command } from '../command.js';

const FLAGS: FlagSpecs = {
  prompt: { type: 'string', help: 'the text to continue (causal LM) or transform (encoder-decoder); required' },
  adapter: { type: 'string', help: 'a LoRA adapter folder applied to the model' },
  max_new_tokens: { type: 'number', default: 64, help: 'tokens to generate' },
  do_sample: { type: 'boolean', help: 'sample instead of greedy decoding' },
  temperature: { type: 'number', help: 'sampling temperature' },
  top_k: { type: 'number', help: 'sample from the k most likely tokens' },
  top_p: { type: 'number', help: 'sample from the smallest set of tokens with this much probability' },
  num_beams: { type: 'number', help: 'beam search with this many beams' },
  repetition_penalty: { type: 'number', help: 'penalty on tokens already generated (1 = none)' },
  seed: { type: 'number', help: 'seed of the sampling' },
};

const command: Command = {
  name: 'generate',
  summary: 'generate text from a model folder (optionally with a LoRA adapter)',
  help: `usage: tunekit generate <model dir> --prompt TEXT [--adapter DIR] [--max_new_tokens N] [--do_sample ...]

Prints the generated text: the prompt and its continuation for a causal LM, the output text for an
encoder-decoder (T5).  A folder holding only a LoRA adapter works too: its base model is the one
adapter_config.json names.

flags:
${flagsHelp(FLAGS)}

example:
  tunekit generate ../shared/data/models/stories260K --prompt "Once upon a time" --max_new_tokens 30`,
  async run(argv) {
    const { positionals, flags } = parseArgs('generate', argv, FLAGS);
    const [dir] = expectPositionals('generate', positionals, ['<model dir>']);
    if (typeof flags.prompt !== 'string') throw new UsageError('tunekit generate: --prompt TEXT is required');
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const b = await import('../build/pretrained.js');
    const torch = await import('../../torch/index.js');
    const { generate } = await import('../../generation/index.js');
    b.requireDir(dir!, 'model');
    let base = dir!;
    let adapter = flags.adapter as string | undefined;
    if (existsSync(join(dir!, 'adapter_config.json')) && !existsSync(join(dir!, 'config.json'))) {
      if (adapter !== undefined) throw new UsageError(`${dir} is an adapter folder; give its base model as <model dir> with --adapter ${dir}`);
      adapter = dir!;
      base = await b.adapterBase(dir!);
    }
    const model = (adapter !== undefined
      ? (await b.loadWithAdapter(base, adapter)).mergeAndUnload()
      : await (await b.factoryOf(base)).fromPretrained(base)) as unknown as import('../../models/index.js').PreTrainedModel;
    const tok = await b.loadTokenizerFrom(...(adapter ? [adapter] : []), base);
    if (flags.seed !== undefined) torch.manualSeed(flags.seed as number);
    model.eval();
    const enc = await tok.call([flags.prompt]);
    const pick = (k: string) => (flags[k] === undefined ? {} : { [k]: flags[k] });
    const ids = torch.noGrad(() => torch.tidy(() => {
      const out = generate(model, {
        input_ids: torch.tensor(enc.data.input_ids as number[][], { dtype: 'int64' }),
        attention_mask: torch.tensor(enc.data.attention_mask as number[][], { dtype: 'int64' }),
        max_new_tokens: flags.max_new_tokens as number, do_sample: flags.do_sample === true,
        ...pick('temperature'), ...pick('top_k'), ...pick('top_p'), ...pick('num_beams'), ...pick('repetition_penalty'),
      });
      return (out.toArray() as number[][])[0]!;
    }));
    console.log(tok.decode(ids, { skipSpecialTokens: true }));
    return EXIT.OK;
  },
};
export default command;
