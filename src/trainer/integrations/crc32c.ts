// crc32c.ts — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord
// framing (tensorflow/core/lib/hash/crc32c.h), and its "masked" form: TFRecord stores
// rotr15(crc) + 0xa282ead8 so that a CRC of data that itself holds CRCs stays well-mixed.

/** The byte-at-a-time table of the reflected Castagnoli polynomial. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C of `data` as an unsigned 32-bit number.
 * @example crc32c(Buffer.from('123456789')) === 0xe3069283
 */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** TFRecord's masked CRC-32C: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, mod 2^32. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
