/**
 * AES-256-GCM through node:crypto, with the parameter checks Node leaves to the caller.
 *
 * - The key is a `KeyObject` made once with `createSecretKey`: OpenSSL 3 re-imports a `Buffer` key on every
 *   `createCipheriv` call, which costs about four times the encryption itself for short values.
 * - The IV is exactly 12 bytes (GCM's native size; other sizes go through GHASH and have a weaker bound).
 * - The tag is exactly 16 bytes, and `authTagLength: 16` is passed to `createDecipheriv`: without it Node
 *   accepts a tag cut to as little as 4 bytes, which an attacker can forge by trial.
 *
 * Nonce budget. NIST SP 800-38D allows at most 2^32 encryptions under one key with random 96-bit IVs; a busy
 * table reaches that. We do not count: every value is encrypted under a subkey derived as XAES-256-GCM
 * (C2SP, <https://c2sp.org/XAES-256-GCM>) derives it, from the key and the first 12 bytes of a 24-byte nonce.
 * The keyring draws those 12 bytes at random and keeps them for at most {@link XAES_VALUES_PER_SUBKEY}
 * values (so the subkey's `KeyObject` is made once, not per value), drawing the last 12 bytes (the GCM IV) at
 * random for every value. Each subkey then sees at most 2^20 random IVs, and the chance of any IV collision
 * after M values in total is about M * 2^20 / 2^97: below 2^-37 at M = 2^40, where plain random-IV GCM passes
 * 2^-33 already at M = 2^32. Stored values are standard XAES-256-GCM and decrypt with any implementation.
 *
 * These functions are the primitive under the envelope; they are internal and not exported from the package.
 *
 * @module
 */
import { type Cipheriv, createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'

/** Bytes in an AES-256 key. */
export const AES_256_KEY_BYTES = 32
/** Bytes in a GCM IV: 96 bits, the size GCM uses without hashing. */
export const GCM_IV_BYTES = 12
/** Bytes in a GCM authentication tag: 128 bits, never fewer. */
export const GCM_TAG_BYTES = 16

const ALGORITHM = 'aes-256-gcm'
const GCM_OPTIONS = { authTagLength: GCM_TAG_BYTES } as const

/** The output of {@link aesGcmEncrypt}. */
export interface AesGcmSealed {
  /** Ciphertext, as long as the plaintext. */
  readonly ciphertext: Buffer
  /** The 16-byte authentication tag. */
  readonly tag: Buffer
}

/**
 * Imports 32 raw key bytes as a `KeyObject`. The caller should overwrite its copy of the bytes afterwards.
 *
 * @throws RangeError when `bytes` is not exactly 32 bytes long (the message gives the length only).
 */
export function createAesKey(bytes: Uint8Array): KeyObject {
  if (bytes.byteLength !== AES_256_KEY_BYTES) {
    throw new RangeError(`An AES-256 key is ${AES_256_KEY_BYTES} bytes, got ${bytes.byteLength}`)
  }
  return createSecretKey(bytes)
}

/** Keys are checked once by {@link createAesKey}; the IV is checked on every call (it is cheap). */
function assertIv(iv: Uint8Array): void {
  if (iv.byteLength !== GCM_IV_BYTES) {
    throw new RangeError(`AES-256-GCM needs a ${GCM_IV_BYTES}-byte IV, got ${iv.byteLength}`)
  }
}

/**
 * Encrypts `plaintext` under `key` with `iv`, authenticating `aad` too.
 * The IV must never repeat under one key; the caller draws it (see the keyring's nonce budget).
 */
export function aesGcmEncrypt(
  key: KeyObject,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): AesGcmSealed {
  assertIv(iv)
  const cipher = createCipheriv(ALGORITHM, key, iv, GCM_OPTIONS)
  cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  cipher.final()
  return { ciphertext, tag: cipher.getAuthTag() }
}

/**
 * Decrypts and authenticates. Returns the plaintext, or `undefined` when the tag does not verify (wrong key,
 * wrong AAD, a changed bit) or is not exactly 16 bytes long. It never returns unauthenticated bytes.
 */
export function aesGcmDecrypt(
  key: KeyObject,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  assertIv(iv)
  if (tag.byteLength !== GCM_TAG_BYTES) return undefined
  const decipher = createDecipheriv(ALGORITHM, key, iv, GCM_OPTIONS)
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  const plaintext = decipher.update(ciphertext)
  try {
    decipher.final()
  } catch {
    plaintext.fill(0)
    return undefined
  }
  return plaintext
}

/** Bytes in an XAES-256-GCM nonce: 12 select the derived subkey, 12 are the GCM IV under it. */
export const XAES_NONCE_BYTES = 24
/** How many values the keyring encrypts under one derived subkey before it derives the next: 2^20. */
export const XAES_VALUES_PER_SUBKEY = 2 ** 20

/**
 * Derives XAES-256-GCM subkeys from one AES-256 key: `Kx = AES(K, M1 ^ K1) || AES(K, M2 ^ K1)`, where
 * `K1` is the CMAC subkey of `K` and `M1`/`M2` are `0x00 0x01 'X' 0x00` / `0x00 0x02 'X' 0x00` followed by the
 * nonce's first 12 bytes. One ECB cipher object is kept for the key's lifetime (two block encryptions per
 * derivation); no raw key bytes are kept.
 */
export class XaesKeyDeriver {
  readonly #ecb: Cipheriv
  readonly #k1: Buffer

  constructor(key: KeyObject) {
    this.#ecb = createCipheriv('aes-256-ecb', key, null)
    this.#ecb.setAutoPadding(false)
    const l = this.#ecb.update(Buffer.alloc(16))
    const k1 = Buffer.alloc(16)
    for (let i = 0; i < 15; i++) k1[i] = (((l[i] ?? 0) << 1) | ((l[i + 1] ?? 0) >>> 7)) & 0xff
    k1[15] = ((l[15] ?? 0) << 1) & 0xff
    if ((l[0] ?? 0) & 0x80) k1[15] = (k1[15] ?? 0) ^ 0x87
    l.fill(0)
    this.#k1 = k1
  }

  /** The subkey for a nonce whose first 12 bytes are `prefix`. */
  derive(prefix: Uint8Array): KeyObject {
    if (prefix.byteLength !== 12)
      throw new RangeError(`An XAES subkey prefix is 12 bytes, got ${prefix.byteLength}`)
    const blocks = Buffer.alloc(32)
    blocks[1] = 1
    blocks[2] = 0x58
    blocks[17] = 2
    blocks[18] = 0x58
    blocks.set(prefix, 4)
    blocks.set(prefix, 20)
    for (let i = 0; i < 16; i++) {
      const k = this.#k1[i] ?? 0
      blocks[i] = (blocks[i] ?? 0) ^ k
      blocks[16 + i] = (blocks[16 + i] ?? 0) ^ k
    }
    const derived = this.#ecb.update(blocks)
    const subkey = createSecretKey(derived)
    derived.fill(0)
    return subkey
  }
}

/**
 * XAES-256-GCM encryption with a 24-byte nonce; the subkey is derived on every call. The keyring uses
 * {@link XaesKeyDeriver} with a cached subkey instead; this form exists for the C2SP test vectors.
 */
export function xaesEncrypt(
  deriver: XaesKeyDeriver,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): AesGcmSealed {
  if (nonce.byteLength !== XAES_NONCE_BYTES)
    throw new RangeError(`An XAES nonce is 24 bytes, got ${nonce.byteLength}`)
  return aesGcmEncrypt(deriver.derive(nonce.subarray(0, 12)), nonce.subarray(12), plaintext, aad)
}

/** XAES-256-GCM decryption; `undefined` when authentication fails. */
export function xaesDecrypt(
  deriver: XaesKeyDeriver,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  if (nonce.byteLength !== XAES_NONCE_BYTES)
    throw new RangeError(`An XAES nonce is 24 bytes, got ${nonce.byteLength}`)
  return aesGcmDecrypt(deriver.derive(nonce.subarray(0, 12)), nonce.subarray(12), ciphertext, tag, aad)
}
