// args-repr.ts — how TrainingArguments prints: transformers 4.47 TrainingArguments.__str__
// (= __repr__): `ClassName(\n` then `field=value,\n` for every dataclass field (`_n_gpu`
// included) sorted by name, then `)`.  Values are Python's str(): True / False / None, floats
// with Python's repr (`5e-05`, `3.0`), strings unquoted, enums as `IntervalStrategy.NO`, fields
// ending in `_token` masked as `<HUB_TOKEN>`, lists and dicts in Python's repr.

/** Fields whose value is one of HF's str enums, printed `EnumClass.MEMBER` (Python >= 3.11 str()). */
const ENUMS: Readonly<Record<string, string>> = {
  eval_strategy: 'IntervalStrategy', logging_strategy: 'IntervalStrategy', save_strategy: 'SaveStrategy',
  lr_scheduler_type: 'SchedulerType', optim: 'OptimizerNames', hub_strategy: 'HubStrategy',
};
/** float fields HF users give as whole numbers (HF's defaults there are ints: logging_steps=500). */
const INT_LIKE = new Set(['logging_steps', 'save_steps', 'eval_steps', 'eval_delay']);
/** HF-only (default-only) fields that are floats in HF. */
const FLOAT_DEFAULT_ONLY = new Set(['label_smoothing_factor']);
/** HF's __post_init__ turns these strings into lists of options ('' -> []). */
const LIST_FROM_STRING = new Set(['debug', 'fsdp']);

/** Python's repr of a float: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const e = Number(expStr);
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = digits.slice(e + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** Python's repr of a str: single quotes unless the text holds ' and no ". */
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** Python's repr of a JSON-like value (numbers: int when whole, else float). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    const json = typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
    if (json !== v) return pyRepr(json);
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return String(v);
}

/** Python's str() of one field's value, as __str__'s f-string writes it. */
function fieldStr(name: string, v: unknown, floatFields: ReadonlySet<string>): string {
  if (name.endsWith('_token')) return `<${name.toUpperCase()}>`;
  if (typeof v === 'string' && Object.hasOwn(ENUMS, name)) return `${ENUMS[name]}.${v.toUpperCase()}`;
  if (typeof v === 'string' && LIST_FROM_STRING.has(name)) return pyRepr(v === '' ? [] : v.split(/\s+/));
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && floatFields.has(name) && !(INT_LIKE.has(name) && Number.isInteger(v))) return pyFloatRepr(v);
  return pyRepr(v);
}

/**
 * HF's __str__ of a TrainingArguments: `className(\n`, `k=v,\n` for every field of `dict` and
 * `_n_gpu`, sorted by name, then `)`.  `floatFields` are the fields whose values print as floats.
 */
export function argsRepr(className: string, dict: Record<string, unknown>, nGpu: number, floatFields: Iterable<string>): string {
  const floats = new Set([...floatFields, ...FLOAT_DEFAULT_ONLY]);
  const all: Record<string, unknown> = { ...dict, _n_gpu: nGpu };
  const keys = Object.keys(all).sort(); // code-point order, as Python sorts str keys
  return `${className}(\n${keys.map((k) => `${k}=${fieldStr(k, all[k], floats)},\n`).join('')})`;
}
