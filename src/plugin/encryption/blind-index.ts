/**
 * Blind indexes: equality lookup on an encrypted column without decrypting it in the database.
 *
 * The index value of a plaintext is HMAC-SHA256 under a per-column key (derived from the keyring's blind-index
 * key and `table.column`) over the value's typed payload, cut to its first `bits` bits and stored as an unsigned
 * integer in a companion column. Few bits are the point: with `bits` chosen so that many rows share each index
 * value (CipherSweet's guidance: a coincidence count of at least 2), the index says "this row is one of the
 * ~N rows that might hold the value", never "these two rows hold the same value". The plugin reads those
 * candidate rows and keeps the ones whose decrypted value really matches.
 *
 * @module
 */
import { createHmac, type KeyObject } from 'node:crypto'

/**
 * The most bits an index value can have: it is stored as an `INT UNSIGNED`.
 *
 * @example
 * ```ts
 * import { chooseBlindIndexBits, MAX_BLIND_INDEX_BITS } from 'kysely-toolkit/encryption'
 *
 * chooseBlindIndexBits(2 ** 40) === MAX_BLIND_INDEX_BITS // true: 32
 * ```
 */
export const MAX_BLIND_INDEX_BITS = 32

/** Options for {@link chooseBlindIndexBits}. */
export interface ChooseBlindIndexBitsOptions {
  /**
   * How many rows should share each index value on average. More means less leaked and more candidate rows
   * read per lookup. Defaults to 2 (CipherSweet's minimum coincidence count); raise it for low-entropy
   * values such as birth dates or postcodes.
   */
  readonly minRowsPerValue?: number
}

/**
 * How many bits a blind index on a table of `expectedRows` rows should keep so that, on average, at least
 * `minRowsPerValue` rows share each index value: `floor(log2(expectedRows / minRowsPerValue))`, from 1 to 32.
 * Plan for the size the table will reach: the bit length is fixed once rows are indexed.
 *
 * @example
 * ```ts
 * import { chooseBlindIndexBits } from 'kysely-toolkit/encryption'
 *
 * chooseBlindIndexBits(1_000_000) // 18: each index value is shared by about 3.8 of a million rows
 * chooseBlindIndexBits(50_000, { minRowsPerValue: 8 }) // 12
 * ```
 */
export function chooseBlindIndexBits(
  expectedRows: number,
  options: ChooseBlindIndexBitsOptions = {},
): number {
  const minRowsPerValue = options.minRowsPerValue ?? 2
  if (!Number.isFinite(expectedRows) || expectedRows < 1) {
    throw new RangeError(`expectedRows must be a positive number (got ${expectedRows})`)
  }
  if (!Number.isFinite(minRowsPerValue) || minRowsPerValue < 1) {
    throw new RangeError(`minRowsPerValue must be at least 1 (got ${minRowsPerValue})`)
  }
  const bits = Math.floor(Math.log2(expectedRows / minRowsPerValue))
  return Math.min(MAX_BLIND_INDEX_BITS, Math.max(1, bits))
}

/**
 * The index value of a payload: the first `bits` bits of HMAC-SHA256(key, payload), as an unsigned integer.
 * @internal
 */
export function computeBlindIndex(key: KeyObject, bits: number, payload: Uint8Array): number {
  const digest = createHmac('sha256', key).update(payload).digest()
  return digest.readUInt32BE(0) >>> (MAX_BLIND_INDEX_BITS - bits)
}
