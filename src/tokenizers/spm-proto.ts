// A minimal reader for sentencepiece's ModelProto (sentencepiece_model.proto), enough for what
// transformers' convert_slow_tokenizer.py reads from a `spiece.model` / `tokenizer.model`:
// the pieces (piece, score, type), the trainer spec and the normalizer spec. proto2 wire format:
// only varint, fixed32, fixed64 and length-delimited fields occur; unknown fields are skipped.

/** sentencepiece's piece types (ModelProto.SentencePiece.Type). */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** One vocabulary entry: the piece, its log-probability (unigram) or rank score (BPE) and type. */
export interface SpmPiece {
  piece: string;
  score: number;
  type: number;
}

/** The TrainerSpec fields the converters use, with sentencepiece's defaults. */
export interface SpmTrainerSpec {
  /** 1 = UNIGRAM, 2 = BPE, 3 = WORD, 4 = CHAR. */
  modelType: number;
  vocabSize: number;
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
}

/** The NormalizerSpec fields, with sentencepiece's defaults. */
export interface SpmNormalizerSpec {
  name: string;
  /** The compiled normalization rules (`Precompiled` normalizer in HF tokenizers); empty when none. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** A parsed sentencepiece model. */
export interface SpmModel {
  pieces: SpmPiece[];
  trainerSpec: SpmTrainerSpec;
  normalizerSpec: SpmNormalizerSpec;
}

const WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Walks the fields of one message, calling `onField(field, wire, reader)` for each. */
class Reader {
  pos: number;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  varint(): number {
    // Values here fit in 53 bits (ids, enums, lengths); negative int32s are 10-byte varints.
    let result = 0, mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('sentencepiece model: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return result;
  }
  /** An int32 field: negative values are 10-byte varints, so keep the low 32 bits exactly. */
  int32(): number {
    let low = 0, shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('sentencepiece model: truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 32) low |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    return low | 0;
  }
  float(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error('sentencepiece model: truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  string(): string {
    return utf8.decode(this.bytes());
  }
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new Error(`sentencepiece model: unsupported wire type ${wire}`);
  }
  fields(onField: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8), wire = key & 7;
      if (!onField(field, wire)) this.skip(wire);
    }
  }
  sub(): Reader {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error('sentencepiece model: truncated message');
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

function readPiece(r: Reader): SpmPiece {
  const p: SpmPiece = { piece: '', score: 0, type: PieceType.NORMAL };
  r.fields((f, w) => {
    if (f === 1 && w === WIRE_LEN) p.piece = r.string();
    else if (f === 2 && w === WIRE_FIXED32) p.score = r.float();
    else if (f === 3 && w === WIRE_VARINT) p.type = r.varint();
    else return false;
    return true;
  });
  return p;
}

function readTrainerSpec(r: Reader): SpmTrainerSpec {
  const t: SpmTrainerSpec = {
    modelType: 1, vocabSize: 8000, byteFallback: false, unkId: 0, bosId: 1, eosId: 2, padId: -1,
    unkPiece: '<unk>', bosPiece: '<s>', eosPiece: '</s>', padPiece: '<pad>',
  };
  r.fields((f, w) => {
    if (w === WIRE_VARINT) {
      if (f === 3) t.modelType = r.varint();
      else if (f === 4) t.vocabSize = r.int32();
      else if (f === 35) t.byteFallback = r.varint() !== 0;
      else if (f === 40) t.unkId = r.int32();
      else if (f === 41) t.bosId = r.int32();
      else if (f === 42) t.eosId = r.int32();
      else if (f === 43) t.padId = r.int32();
      else return false;
      return true;
    }
    if (w === WIRE_LEN) {
      if (f === 45) t.unkPiece = r.string();
      else if (f === 46) t.bosPiece = r.string();
      else if (f === 47) t.eosPiece = r.string();
      else if (f === 48) t.padPiece = r.string();
      else return false;
      return true;
    }
    return false;
  });
  return t;
}

function readNormalizerSpec(r: Reader): SpmNormalizerSpec {
  const n: SpmNormalizerSpec = {
    name: '', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true,
  };
  r.fields((f, w) => {
    if (f === 1 && w === WIRE_LEN) n.name = r.string();
    else if (f === 2 && w === WIRE_LEN) n.precompiledCharsmap = r.bytes().slice();
    else if (f === 3 && w === WIRE_VARINT) n.addDummyPrefix = r.varint() !== 0;
    else if (f === 4 && w === WIRE_VARINT) n.removeExtraWhitespaces = r.varint() !== 0;
    else if (f === 5 && w === WIRE_VARINT) n.escapeWhitespaces = r.varint() !== 0;
    else return false;
    return true;
  });
  return n;
}

/**
 * Parses a serialized sentencepiece ModelProto (the bytes of `spiece.model` / `tokenizer.model`).
 * @throws Error when the bytes are not a well-formed model or hold no pieces.
 */
export function parseSpmModel(bytes: Uint8Array): SpmModel {
  const r = new Reader(bytes);
  const pieces: SpmPiece[] = [];
  let trainerSpec: SpmTrainerSpec | undefined;
  let normalizerSpec: SpmNormalizerSpec | undefined;
  r.fields((f, w) => {
    if (w !== WIRE_LEN) return false;
    if (f === 1) pieces.push(readPiece(r.sub()));
    else if (f === 2) trainerSpec = readTrainerSpec(r.sub());
    else if (f === 3) normalizerSpec = readNormalizerSpec(r.sub());
    else return false;
    return true;
  });
  if (pieces.length === 0) throw new Error('sentencepiece model: no pieces found (not a sentencepiece ModelProto?)');
  return {
    pieces,
    trainerSpec: trainerSpec ?? readTrainerSpec(new Reader(new Uint8Array(0))),
    normalizerSpec: normalizerSpec ?? readNormalizerSpec(new Reader(new Uint8Array(0))),
  };
}
