// jsonkeys.ts — finds a duplicated key in JSON text.  JSON.parse silently keeps the last of two
// equal keys, so a header could name one tensor twice with different offsets; HF's Rust crate
// rejects that (serde's duplicate field / map key).  One linear pass, no allocation per char.

const QUOTE = 0x22, BACKSLASH = 0x5c, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d, COMMA = 0x2c;

/**
 * Returns the first key that appears twice in the same JSON object of `text`, or null.
 * `text` must already be valid JSON (the caller ran JSON.parse on it): the scanner only
 * tracks strings and nesting.  Keys are compared after unescaping (`"a"` equals `"\u0061"`).
 */
export function findDuplicateKey(text: string): string | null {
  // One frame per open container: a Set of keys for objects, null for arrays.
  const frames: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) { escaped = true; i++; continue; }
        if (d === QUOTE) break;
      }
      const top = frames[frames.length - 1];
      if (top && expectKey) {
        const raw = text.slice(start + 1, i);
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
    } else if (c === LBRACE) {
      frames.push(new Set());
      expectKey = true;
    } else if (c === LBRACKET) {
      frames.push(null);
      expectKey = false;
    } else if (c === RBRACE || c === RBRACKET) {
      frames.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = frames[frames.length - 1] != null;
    }
  }
  return null;
}
