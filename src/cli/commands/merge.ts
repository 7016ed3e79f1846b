// merge.ts — `tunekit merge <base> <adapter> <out>`: peft's merge_and_unload, saved as a full
// checkpoint (config.json + model.safetensors, plus the base's tokenizer) that transformers'
// from_pretrained loads without peft.
import { expectPositionals, flagsHelp, parseArgs, type FlagSpecs } from '../argv.js';
import { EXIT, type Command } from '../command.js';

const FLAGS: FlagSpecs = {
  safe_merge: { type: 'boolean', help: 'check the merged weights for NaN / inf before keeping them (peft safe_merge)' },
};

const command: Command = {
  name: 'merge',
  summary: 'merge a LoRA adapter into its base model and save a full checkpoint',
  help: `usage: tunekit merge <base model dir> <adapter dir> <output dir> [--safe_merge]

Loads the base model (its Auto class from the adapter's task_type), applies the LoRA adapter,
folds W + (lora_alpha / r) B A into the weights (peft's merge_and_unload) and saves the plain
model, with the base's tokenizer, to the output folder: a checkpoint transformers loads without peft.

flags:
${flagsHelp(FLAGS)}

example:
  tunekit merge ../shared/data/models/stories260K runs/sft-lora runs/sft-merged`,
  async run(argv) {
    const { positionals, flags } = parseArgs('merge', argv, FLAGS);
    const [base, adapter, out] = expectPositionals('merge', positionals, ['<base>', '<adapter>', '<out>']);
    const { loadWithAdapter, loadTokenizerFrom, requireDir } = await import('../build/pretrained.js');
    requireDir(base!, 'base model');
    const peft = await loadWithAdapter(base!, adapter!);
    const merged = peft.mergeAndUnload({ safeMerge: flags.safe_merge === true }) as unknown as { savePretrained(dir: string): Promise<void> };
    await merged.savePretrained(out!);
    const tok = await loadTokenizerFrom(adapter!, base!).catch(() => null);
    if (tok) await tok.savePretrained(out!);
    console.log(`merged ${adapter} into ${base}: saved to ${out}${tok ? ' (with the tokenizer)' : ''}`);
    return EXIT.OK;
  },
};
export default command;
