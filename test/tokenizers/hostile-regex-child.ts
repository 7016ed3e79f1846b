// Child process of hostile-regex.test.ts: loads a tokenizer folder and encodes a text, so that a
// regex that aborts the process inside HF tokenizers (Oniguruma's retry limit, then a Rust panic
// that cannot unwind) only takes this process down.
//   node --import tsx hostile-regex-child.ts load <dir> <text>  -> AutoTokenizer.fromPretrained, then encode
//   node --import tsx hostile-regex-child.ts raw <dir> <text>   -> the tokenizers binding directly (no check)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { AutoTokenizer } from '../../src/tokenizers/index.js';

const [mode, dir, text] = process.argv.slice(2) as [string, string, string];
if (mode === 'raw') {
  const tok = Tokenizer.fromString(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const enc = await tok.encode(text);
  console.log(`ENCODED ${enc.getIds().length}`);
} else {
  try {
    const tok = await AutoTokenizer.fromPretrained(dir);
    const enc = await tok.call(text);
    console.log(`ENCODED ${enc.input_ids.length}`);
  } catch (e) {
    console.log(`REFUSED ${(e as Error).message}`);
  }
}
