/**
 * AES-256-GCM through node:crypto, with the parameter checks Node leaves to the caller.
 *
 * - The key is a `KeyObject` made once with `createSecretKey`: OpenSSL 3 re-imports a `Buffer` key on every
 *   `createCipheriv` call, which costs about four times the encryption itself for short values.
 * - The IV is exactly 12 bytes (GCM's native size; other sizes go through GHASH and have a weaker bound).
 * - The tag is exactly 16 bytes, and `authTagLength: 16` is passed to `createDecipheriv`: without it Node
 *   accepts a tag cut to as little as 4 bytes, which an attacker can forge by trial.
 *
 * These functions are the primitive under the envelope; they are internal and not exported from the package.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'

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
