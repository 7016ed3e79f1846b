// pyjson.test.ts — torch's Python-JSON writer and reader against text Python wrote: the
// expected strings below are `json.dumps(...)` outputs of CPython 3 (the calls are in each test's
// comment), pasted verbatim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyDumps, parsePyJson, markFloat, isFloatKey, pyFloat, JsonError } from '../../src/torch/index.js';

// doc = {"f": [1.0, 1e-05, 1e16, 1.5e-07, 0.0001, 123456.789, 1e21, -0.0, 5e-324, 1.7976931348623157e308, 0.1+0.2,
//         2.5e-5, 100.0, 1e15, 123456789012345678.0], "i": [0, -5, 2**53, 10**21, 12345678901234567890],
//        "s": ["é😀", "\x7f", "\x00\x1f\n\t\"\\/", "\u2028", "ascii ~"], "n": [nan, inf, -inf],
//        "10": 1, "2": {}, "B": [], "a": {"z": None, "y": True, "x": False}}
// json.dumps(doc, indent=2, sort_keys=True)
const PY_DOC = "{\n  \"10\": 1,\n  \"2\": {},\n  \"B\": [],\n  \"a\": {\n    \"x\": false,\n    \"y\": true,\n    \"z\": null\n  },\n  \"f\": [\n    1.0,\n    1e-05,\n    1e+16,\n    1.5e-07,\n    0.0001,\n    123456.789,\n    1e+21,\n    -0.0,\n    5e-324,\n    1.7976931348623157e+308,\n    0.30000000000000004,\n    2.5e-05,\n    100.0,\n    1000000000000000.0,\n    1.2345678901234568e+17\n  ],\n  \"i\": [\n    0,\n    -5,\n    9007199254740992,\n    1000000000000000000000,\n    12345678901234567890\n  ],\n  \"n\": [\n    NaN,\n    Infinity,\n    -Infinity\n  ],\n  \"s\": [\n    \"\\u00e9\\ud83d\\ude00\",\n    \"\\u007f\",\n    \"\\u0000\\u001f\\n\\t\\\"\\\\/\",\n    \"\\u2028\",\n    \"ascii ~\"\n  ]\n}";

test('pyDumps writes what json.dumps(indent=2, sort_keys=True) writes; a parsed file round-trips byte for byte', () => {
  // the same document built in JS: floats that are integral are marked, big ints are bigints
  const f = [1.0, 1e-05, 1e16, 1.5e-07, 0.0001, 123456.789, 1e21, -0.0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 2.5e-5, 100.0, 1e15, 123456789012345678.0];
  [0, 2, 6, 9, 12, 13, 14].forEach((k) => markFloat(f, k)); // 1e16, 1e21, 1.79e308, ... are integral in JS
  const doc = {
    f, i: [0, -5, 2 ** 53, 10n ** 21n, 12345678901234567890n], s: ['é😀', '\x7f', '\x00\x1f\n\t"\\/', '\u2028', 'ascii ~'],
    n: [NaN, Infinity, -Infinity], 10: 1, 2: {}, B: [], a: { z: null, y: true, x: false },
  };
  assert.equal(pyDumps(doc), PY_DOC);
  // parsed numbers are JS numbers: an int beyond 2^53 that a double cannot hold reads as the
  // nearest double (12345678901234567890 -> ...168); 2^60 is exact and round-trips
  const exact = PY_DOC.replace('12345678901234567890', String(2 ** 60));
  assert.equal(pyDumps(parsePyJson(exact)), exact);
  assert.equal(pyDumps(parsePyJson(exact, { nullPrototype: false })), exact);
  assert.equal((parsePyJson(PY_DOC) as { i: number[] }).i[4], 12345678901234567168);
});

test('pyDumps options: ensureAscii false, indent null, sortKeys false, floatKey', () => {
  // json.dumps(doc["s"], ensure_ascii=False)
  assert.equal(pyDumps(['é😀', '\x7f', '\x00\x1f\n\t"\\/', '\u2028', 'ascii ~'], { ensureAscii: false, indent: null }), "[\"\u00e9\ud83d\ude00\", \"\u007f\", \"\\u0000\\u001f\\n\\t\\\"\\\\/\", \"\u2028\", \"ascii ~\"]");
  // json.dumps({"b": [1, 2.0, {"c": "é"}], "a": None}, sort_keys=True)
  const b = [1, 2, { c: 'é' }];
  markFloat(b, 1);
  assert.equal(pyDumps({ b, a: null }, { indent: null }), "{\"a\": null, \"b\": [1, 2.0, {\"c\": \"\\u00e9\"}]}");
  // json.dumps({"b": [1, 2.0], "a": None}, indent=2): insertion order kept
  assert.equal(pyDumps({ b: b.slice(0, 2), a: null }, { sortKeys: false }), "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": null\n}");
  // floatKey: integral numbers under a key are floats (array items take their array's key)
  assert.equal(pyDumps({ step: 3, loss: [1, 0.5], epoch: 2 }, { indent: null, floatKey: (k) => k !== 'step' }), '{"epoch": 2.0, "loss": [1.0, 0.5], "step": 3}');
  // undefined properties are left out, undefined array items are null (as JSON.stringify)
  assert.equal(pyDumps({ a: undefined, b: [undefined] }, { indent: null }), '{"b": [null]}');
  assert.throws(() => pyDumps({ f: () => 1 }), /cannot serialise a function/);
});

test('pyFloat is Python repr(float)', () => {
  // [repr(x) for x in (0.1, 1e-05, 1e16, 1e15, -0.0, 2.0, 1.5e300, 0.0001, 123.456e-10)]
  assert.deepEqual([0.1, 1e-05, 1e16, 1e15, -0, 2, 1.5e300, 0.0001, 123.456e-10].map(pyFloat),
    ['0.1', '1e-05', '1e+16', '1000000000000000.0', '-0.0', '2.0', '1.5e+300', '0.0001', '1.23456e-08']);
});

test('parsePyJson keeps the float literals, reads NaN/Infinity, refuses bad JSON with the file and line', () => {
  const v = parsePyJson('{"a": 1, "b": 1.0, "c": [2, 2e0, NaN], "a": 1.5, "__proto__": 3}', 'x.json') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), null);
  assert.equal(v['__proto__'], 3);
  assert.deepEqual([isFloatKey(v, 'a'), isFloatKey(v, 'b')], [true, true]); // the repeated key's last value decides
  const c = v.c as number[];
  assert.deepEqual([isFloatKey(c, 0), isFloatKey(c, 1), isFloatKey(c, 2)], [false, true, true]);
  assert.ok(Number.isNaN(c[2]));
  const again = parsePyJson('{"a": 1.5, "a": 1}') as object;
  assert.equal(isFloatKey(again, 'a'), false);
  const plain = parsePyJson('{"__proto__": {"x": 1}}', { nullPrototype: false }) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
  assert.deepEqual(Object.keys(plain), ['__proto__']); // an own key, never the prototype
  assert.throws(() => parsePyJson('{"a": 1,}', 'x.json'), (e: Error) => e instanceof JsonError && /x\.json: invalid JSON at line 1/.test(e.message));
  assert.throws(() => parsePyJson('[1]\n]', { file: 'y.json' }), /y\.json: invalid JSON at line 2 \(offset 4\): trailing characters/);
});
