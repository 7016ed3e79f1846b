// pii-data.test.ts — the synthetic PII-masking data builder of examples/pii (data.ts, generators.ts):
// deterministic from a seed, every span masked with its ai4privacy label and no PII value left in
// a target, every value well-formed (Luhn card numbers, mod-97 IBANs, SSA-valid SSNs, phone numbers
// in their national format, real calendar dates), train / test on disjoint captions, and every row
// representable in the T5 sentencepiece vocabulary (no <unk>). The check functions themselves are
// pinned on published examples (Wikipedia's Luhn and IBAN examples, the SSA's "Woolworth" SSN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Rng } from '../../src/data/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { PII_LABELS, TEMPLATES, buildPiiRows, buildPiiSplits, loadCaptions, maskSpans } from '../../examples/pii/data.js';
import {
  PHONE_FORMATS, PHONE_FORMAT_NAMES, creditCardNumber, iban, ibanValid, luhnCheckDigit, luhnValid, parseDate, phoneFormatOf, ssn, ssnValid,
} from '../../examples/pii/generators.js';
import { SHARED_DATA } from '../../examples/qa/cli.js';

const CAPTIONS = `${SHARED_DATA}/multi30k_en_de/train.en.gz`;
const T5 = `${SHARED_DATA}/tokenizers/t5`;
const captions = loadCaptions(CAPTIONS); // throws (the test file fails) when the shared data is missing
const rows = buildPiiRows(captions, 3000, 0);

test('the validators agree with published examples', () => {
  // Wikipedia "Luhn algorithm": 7992739871 has check digit 3
  assert.equal(luhnCheckDigit('7992739871'), 3);
  assert.ok(luhnValid('79927398713'));
  assert.ok(!luhnValid('79927398710'));
  assert.ok(luhnValid('4111 1111 1111 1111')); // the well-known Visa test number
  assert.ok(!luhnValid('4111-1111-1111-1112'));
  // Wikipedia "International Bank Account Number" examples
  assert.ok(ibanValid('GB82 WEST 1234 5698 7654 32'));
  assert.ok(ibanValid('DE89370400440532013000'));
  assert.ok(!ibanValid('GB82 WEST 1234 5698 7654 33'), 'one digit changed breaks mod 97');
  assert.ok(!ibanValid('DE8937040044053201300'), 'a German IBAN has 22 characters');
  assert.ok(ssnValid('078-05-1120')); // the Woolworth wallet SSN: well-formed, famously misused
  for (const bad of ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000', '123456789']) assert.ok(!ssnValid(bad), bad);
  assert.deepEqual(parseDate('February 29, 2024'), [2024, 2, 29]);
  assert.equal(parseDate('29.02.2023'), null, '2023 is not a leap year');
  assert.equal(phoneFormatOf('(415) 555-0132'), 'us');
  assert.equal(phoneFormatOf('+44 20 7946 0958'), 'uk_intl');
  assert.equal(phoneFormatOf('555-0132'), null);
});

test('the generators only make valid values, in every format', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 2000; i++) {
    const c = creditCardNumber(rng), b = iban(rng), s = ssn(rng);
    assert.ok(luhnValid(c), `card ${c}`);
    assert.ok(ibanValid(b), `IBAN ${b}`);
    assert.ok(ssnValid(s), `SSN ${s}`);
  }
  for (const f of PHONE_FORMAT_NAMES) {
    const v = PHONE_FORMATS[f].make(rng);
    assert.equal(phoneFormatOf(v), f, `${f}: ${v}`);
  }
});

test('captions: Multi30K English train sentences without proper nouns, deduplicated', () => {
  // 29,000 captions; 25,348 pass the filter (ASCII, 4-18 words, no capital after the first character)
  assert.equal(captions.length, 25348);
  assert.equal(new Set(captions).size, captions.length);
  for (const c of captions) assert.match(c, /^[A-Z][a-z0-9 ,'-]*[a-z0-9']$/);
  assert.equal(captions[0], 'Several men in hard hats are operating a giant pulley system'); // line 1 has 'White' mid-sentence
  assert.ok(captions.includes('A man in a blue shirt is standing on a ladder cleaning a window'));
  assert.ok(!captions.some((c) => c.startsWith('Two young, White males')), 'a capital mid-sentence is dropped');
});

test('deterministic from the seed; another seed gives other rows', () => {
  assert.deepEqual(buildPiiRows(captions, 3000, 0), rows);
  const other = buildPiiRows(captions, 50, 1);
  assert.notDeepEqual(other, rows.slice(0, 50));
  // pinned: the first PII-bearing row of seed 0 (a change to the generator shows up here)
  const first = rows.find((r) => r.privacy_mask.length > 0)!;
  assert.equal(first.source_text, 'Payment from Lucia Suzuki, IBAN ES2429749843437054008821, for the photo "Bronwen holding a drink poses with a woman".');
  assert.equal(first.target_text, 'Payment from [FIRSTNAME] [LASTNAME], IBAN [IBAN], for the photo "[FIRSTNAME] holding a drink poses with a woman".');
  assert.equal(first.caption, 'A man holding a drink poses with a woman');
  assert.deepEqual(first.privacy_mask.map((s) => [s.label, s.start, s.end, s.value]), [
    ['FIRSTNAME', 13, 18, 'Lucia'], ['LASTNAME', 19, 25, 'Suzuki'], ['IBAN', 32, 56, 'ES2429749843437054008821'], ['FIRSTNAME', 73, 80, 'Bronwen'],
  ]);
});

test('every span is masked with its label, and no PII value remains in any target', () => {
  for (const [i, r] of rows.entries()) {
    assert.equal(maskSpans(r.source_text, r.privacy_mask), r.target_text, `row ${i}`);
    assert.equal((r.target_text.match(/\[[A-Z]+\]/g) ?? []).length, r.privacy_mask.length, `row ${i}: one [LABEL] per span`);
    for (const s of r.privacy_mask) {
      assert.ok((PII_LABELS as readonly string[]).includes(s.label), `row ${i}: label ${s.label}`);
      assert.equal(r.source_text.slice(s.start, s.end), s.value, `row ${i}: span offsets`);
      assert.ok(!r.target_text.includes(s.value), `row ${i}: ${s.label} ${JSON.stringify(s.value)} left in ${JSON.stringify(r.target_text)}`);
    }
    if (r.privacy_mask.length === 0) assert.equal(r.target_text, r.source_text);
  }
});

test('every value in the rows has its format', () => {
  const checks: Record<string, (v: string) => boolean> = {
    FIRSTNAME: (v) => /^[A-Z][a-z]+(-[a-z]+)?$/.test(v),
    LASTNAME: (v) => /^([a-z]+ )?[A-Z][A-Za-z']+$/.test(v),
    EMAIL: (v) => /^[a-z0-9._]+@[a-z]+(\.[a-z]+)+$/.test(v),
    PHONENUMBER: (v) => phoneFormatOf(v) !== null,
    BUILDINGNUMBER: (v) => /^[1-9]\d{0,3}[ABC]?$/.test(v),
    STREET: (v) => /^[A-Z][a-z]+ [A-Z][a-z]+$/.test(v),
    CITY: (v) => /^[A-Z][a-z]+$/.test(v),
    ZIPCODE: (v) => /^([1-9]\d{4}(-\d{4})?|[A-Z]{2}\d{1,2} \d[A-Z]{2})$/.test(v),
    DATE: (v) => parseDate(v) !== null || /^\d{1,2} [A-Z][a-z]{2} \d{4}$/.test(v),
    SSN: ssnValid,
    IBAN: ibanValid,
    CREDITCARDNUMBER: luhnValid,
  };
  const seen = new Map<string, number>();
  const phoneFormats = new Set<string>();
  for (const r of rows) for (const s of r.privacy_mask) {
    assert.ok(checks[s.label]!(s.value), `${s.label} ${JSON.stringify(s.value)}`);
    seen.set(s.label, (seen.get(s.label) ?? 0) + 1);
    if (s.label === 'PHONENUMBER') phoneFormats.add(phoneFormatOf(s.value)!);
  }
  assert.deepEqual([...seen.keys()].sort(), [...PII_LABELS].sort(), 'every label occurs in 3,000 rows');
  assert.deepEqual([...phoneFormats].sort(), [...PHONE_FORMAT_NAMES].sort(), 'every national phone format occurs');
  const templates = new Set(rows.map((r) => r.template));
  assert.equal(templates.size, TEMPLATES.length + 1, 'every template and the caption alone');
  // measured on seed 0: 10% caption-only rows, ~15% with the caption's subject replaced by a name
  const plain = rows.filter((r) => r.template === -1).length, subst = rows.filter((r) => r.substituted).length;
  assert.ok(plain > 240 && plain < 360, `caption-only rows ${plain}`);
  assert.ok(subst > 250 && subst < 700, `substituted subjects ${subst}`);
});

test('train and test are built on disjoint captions', () => {
  const { train, test: held } = buildPiiSplits(captions, { train: 2000, test: 300 }, 0);
  assert.equal(train.length, 2000);
  assert.equal(held.length, 300);
  const trainCaptions = new Set(train.map((r) => r.caption));
  assert.equal(trainCaptions.size, 2000, 'one caption a row');
  assert.deepEqual(held.filter((r) => trainCaptions.has(r.caption)), [], 'no test caption is a train caption');
  // and the row was built on its caption: unchanged, or its subject replaced by a name
  for (const r of [...train, ...held]) assert.ok(r.substituted || r.source_text.toLowerCase().includes(r.caption.toLowerCase()), r.source_text);
  assert.throws(() => buildPiiSplits(captions, { train: 25000, test: 1000 }, 0), /exceed the 25348 captions/);
  assert.throws(() => buildPiiRows(captions, 10, 0, { noPiiFraction: 2 }), /noPiiFraction must be in \[0, 1\]/);
});

test('every row is representable by the T5 sentencepiece vocabulary (no <unk>, decode(encode(x)) = x)', async () => {
  assert.ok(existsSync(`${T5}/spiece.model`), `${T5}/spiece.model is missing`);
  const tok = await AutoTokenizer.fromPretrained(T5);
  const sample = rows.slice(0, 400);
  const texts = sample.flatMap((r) => [r.source_text, r.target_text]);
  const ids = (await tok.call(texts)).data.input_ids as number[][];
  for (const [i, row] of ids.entries()) {
    assert.ok(!row.includes(tok.unkTokenId!), `<unk> in ${JSON.stringify(texts[i])}`);
    assert.equal(tok.decode(row, { skipSpecialTokens: true }), texts[i]);
  }
});
