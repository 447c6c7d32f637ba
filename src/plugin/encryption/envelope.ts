/**
 * The stored form of an encrypted value: a versioned, text-safe envelope.
 *
 * ```text
 * kt1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
 * ```
 *
 * - `kt1` is the format version: XAES-256-GCM, a 24-byte nonce, a 16-byte tag, unpadded base64url.
 * - The key id (1–32 characters from `A-Z a-z 0-9 _ -`) names the keyring key; it is in the clear so that
 *   rotation can find rows on old keys with `NOT LIKE 'kt1:<current>:%'`, without decrypting.
 * - The plaintext under the ciphertext is one type-tag byte followed by the value's bytes, so every supported
 *   type comes back as itself: `s` string (UTF-8), `n` number (float64), `i` bigint (decimal), `t`/`f`
 *   boolean, `d` Date (float64 milliseconds), `j` JSON array or object (UTF-8 JSON), `b` bytes.
 * - The additional authenticated data is the UTF-8 text `<table>.<column>`: a value copied into another
 *   column or table fails authentication.
 *
 * NULL is not encrypted: it is stored as NULL (so `IS NULL` keeps working, and whether a value is present is
 * visible). The empty string is encrypted like any other string.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto'
import { DecryptionError, type DecryptionFailureReason } from '../../error/decryption-error.js'
import { UnsupportedEncryptedOperationError } from '../../error/unsupported-encrypted-operation-error.js'
import { aesGcmDecrypt, aesGcmEncrypt, GCM_IV_BYTES, GCM_TAG_BYTES, XAES_NONCE_BYTES } from './aes-gcm.js'
import { KEY_ID, type KeyEntry, type KeyringState, MAX_KEY_ID_LENGTH, XAES_PREFIX_CHARS } from './keyring.js'

/**
 * The envelope's version prefix. Every stored value starts with it.
 *
 * @example
 * ```ts
 * import { ENVELOPE_PREFIX } from 'kysely-toolkit/encryption'
 *
 * // Rows a plugin-less writer filled with plaintext:
 * await db.withoutPlugins().selectFrom('users').select('id').where('ssn', 'not like', `${ENVELOPE_PREFIX}%`).execute()
 * ```
 */
export const ENVELOPE_PREFIX = 'kt1:'

/** A JSON value as the envelope stores it (`JSON.stringify` / `JSON.parse`). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

/**
 * A value the plugin can encrypt. It decrypts to the same type, except that a `Uint8Array` comes back as a
 * `Buffer` (a `Uint8Array` subclass), as mysql2 returns binary columns.
 *
 * @example
 * ```ts
 * import type { EncryptableValue } from 'kysely-toolkit/encryption'
 *
 * const values: EncryptableValue[] = ['', 42, 10n ** 30n, true, new Date(), Buffer.from([1]), { a: [1, 'b'] }]
 * ```
 */
export type EncryptableValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Uint8Array
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

/** Bytes the envelope adds to the value's own bytes before encoding: type tag, nonce, tag. */
const OVERHEAD_BYTES = 1 + XAES_NONCE_BYTES + GCM_TAG_BYTES

const TAG_STRING = 0x73 // s
const TAG_NUMBER = 0x6e // n
const TAG_BIGINT = 0x69 // i
const TAG_TRUE = 0x74 // t
const TAG_FALSE = 0x66 // f
const TAG_DATE = 0x64 // d
const TAG_JSON = 0x6a // j
const TAG_BYTES = 0x62 // b

/** Where a value lives: the names in errors and the additional authenticated data. @internal */
export interface ColumnContext {
  readonly table: string
  readonly column: string
  /** UTF-8 of `<table>.<column>`. */
  readonly aad: Buffer
}

/** Builds the {@link ColumnContext} of a column. @internal */
export function createColumnContext(table: string, column: string): ColumnContext {
  return { table, column, aad: Buffer.from(`${table}.${column}`, 'utf8') }
}

/**
 * The length, in characters, of the envelope of a value of `plaintextBytes` bytes: what a `VARCHAR` column
 * must hold. For a string count its UTF-8 bytes (up to 4 per character); a number or a Date takes 8 bytes,
 * a boolean 0, a bigint its decimal digits (and sign), JSON its `JSON.stringify` bytes.
 *
 * `length = 4 + keyIdLength + 1 + ceil(4 * (plaintextBytes + 41) / 3)`
 *
 * @param options.keyIdLength the longest key id you will use. Defaults to 32, the longest allowed.
 *
 * @example
 * ```ts
 * import { encryptedColumnLength } from 'kysely-toolkit/encryption'
 *
 * // An SSN like '123-45-6789' (11 bytes) under key ids of up to 8 characters:
 * encryptedColumnLength(11, { keyIdLength: 8 }) // 83 → ssn VARCHAR(83) CHARACTER SET ascii
 * ```
 */
export function encryptedColumnLength(
  plaintextBytes: number,
  options: { readonly keyIdLength?: number } = {},
): number {
  const keyIdLength = options.keyIdLength ?? MAX_KEY_ID_LENGTH
  if (!Number.isInteger(plaintextBytes) || plaintextBytes < 0) {
    throw new RangeError(`plaintextBytes must be a non-negative integer (got ${plaintextBytes})`)
  }
  if (!Number.isInteger(keyIdLength) || keyIdLength < 1 || keyIdLength > MAX_KEY_ID_LENGTH) {
    throw new RangeError(`keyIdLength must be an integer from 1 to ${MAX_KEY_ID_LENGTH} (got ${keyIdLength})`)
  }
  return ENVELOPE_PREFIX.length + keyIdLength + 1 + Math.ceil((4 * (plaintextBytes + OVERHEAD_BYTES)) / 3)
}

/**
 * The most plaintext bytes a column of `columnLength` characters can hold under a key id of `keyIdLength`
 * characters (the inverse of {@link encryptedColumnLength}); negative when not even an empty value fits.
 * @internal
 */
export function plaintextCapacity(columnLength: number, keyIdLength: number): number {
  return Math.floor((3 * (columnLength - ENVELOPE_PREFIX.length - keyIdLength - 1)) / 4) - OVERHEAD_BYTES
}

function unsupported(context: ColumnContext, what: string): UnsupportedEncryptedOperationError {
  return new UnsupportedEncryptedOperationError(
    context.table,
    context.column,
    `writing ${what}`,
    'Encrypted columns take strings, numbers, bigints, booleans, Dates, Buffers/Uint8Arrays and JSON arrays or ' +
      'plain objects; NULL is stored as NULL.',
  )
}

function withTag(tag: number, body: Uint8Array | undefined): Buffer {
  const payload = Buffer.allocUnsafe(1 + (body?.byteLength ?? 0))
  payload[0] = tag
  if (body !== undefined) payload.set(body, 1)
  return payload
}

function float64(tag: number, value: number): Buffer {
  const payload = Buffer.allocUnsafe(9)
  payload[0] = tag
  payload.writeDoubleBE(value, 1)
  return payload
}

/**
 * The plaintext bytes for a value: a type tag, then the value. Throws {@link UnsupportedEncryptedOperationError}
 * for values that have no faithful encoding (functions, symbols, Maps, class instances, invalid Dates).
 * @internal
 */
export function encodePayload(value: unknown, context: ColumnContext): Buffer {
  switch (typeof value) {
    case 'string': {
      const payload = Buffer.allocUnsafe(1 + Buffer.byteLength(value, 'utf8'))
      payload[0] = TAG_STRING
      payload.write(value, 1, 'utf8')
      return payload
    }
    case 'number':
      return float64(TAG_NUMBER, value)
    case 'bigint':
      return withTag(TAG_BIGINT, Buffer.from(value.toString(10), 'latin1'))
    case 'boolean':
      return withTag(value ? TAG_TRUE : TAG_FALSE, undefined)
    case 'object': {
      if (value === null) throw unsupported(context, 'NULL through the encoder') // callers keep NULL as NULL
      if (value instanceof Date) {
        const time = value.getTime()
        if (Number.isNaN(time)) throw unsupported(context, 'an invalid Date')
        return float64(TAG_DATE, time)
      }
      if (value instanceof Uint8Array) return withTag(TAG_BYTES, value)
      const prototype: unknown = Object.getPrototypeOf(value)
      if (Array.isArray(value) || prototype === Object.prototype || prototype === null) {
        let json: string
        try {
          json = JSON.stringify(value)
        } catch {
          throw unsupported(context, 'an object that JSON.stringify cannot encode')
        }
        return withTag(TAG_JSON, Buffer.from(json, 'utf8'))
      }
      throw unsupported(
        context,
        `an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`,
      )
    }
    default:
      throw unsupported(context, `a value of type ${typeof value}`)
  }
}

/**
 * The value for plaintext bytes made by {@link encodePayload}; `undefined` for an unknown type tag (which
 * authentication makes impossible short of a bug or a newer format).
 * @internal
 */
export function decodePayload(payload: Buffer): EncryptableValue | undefined {
  switch (payload[0]) {
    case TAG_STRING:
      return payload.toString('utf8', 1)
    case TAG_NUMBER:
      return payload.length === 9 ? payload.readDoubleBE(1) : undefined
    case TAG_BIGINT:
      return BigInt(payload.toString('latin1', 1))
    case TAG_TRUE:
      return true
    case TAG_FALSE:
      return false
    case TAG_DATE:
      return payload.length === 9 ? new Date(payload.readDoubleBE(1)) : undefined
    case TAG_JSON:
      return JSON.parse(payload.toString('utf8', 1)) as EncryptableValue
    case TAG_BYTES:
      return Buffer.from(payload.subarray(1))
    default:
      return undefined
  }
}

// ---- the envelope body: base64url(nonce ‖ ciphertext ‖ tag) ----------------------------------------------

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Character code → 6-bit value, -1 outside the base64url alphabet (codes above 127 are checked apart). */
const BASE64URL_VALUES = Int8Array.from({ length: 128 }, (_, code) =>
  BASE64URL_ALPHABET.indexOf(String.fromCharCode(code)),
)
/** Base64url characters of the 24-byte nonce: exactly 32, so the ciphertext starts on a 4-character group. */
const NONCE_CHARS = (XAES_NONCE_BYTES / 3) * 4
/** Bytes of ciphertext and tag at least: a one-byte payload (its type tag) and the tag. */
const MIN_REST_BYTES = 1 + GCM_TAG_BYTES
/** Sealed values up to this size decode into one reused buffer; longer ones (rare, large JSON) get their own. */
const SCRATCH_BYTES = 16 * 1024
/** Views into the scratch buffers are kept for lengths up to this (the values of typical columns). */
const CACHED_VIEW_LENGTHS = 1024

// Scratch buffers for the hot path. They hold nonces and ciphertext, and the plaintext of a string only while
// it is encrypted (then wiped); never keys. Every use is synchronous, so one set serves all calls.
//
// A body is decoded so that its last byte lands on the last byte of `readScratch`: the tag's view is then
// fixed, and the IV's and ciphertext's views depend only on the length, so they are made once per length.
const readScratch = Buffer.alloc(SCRATCH_BYTES)
const readTag = readScratch.subarray(SCRATCH_BYTES - GCM_TAG_BYTES)
const readViews: Array<SealedViews | undefined> = []
/** The payload of a string being sealed (wiped after use), and its views by length. */
const payloadScratch = Buffer.alloc(SCRATCH_BYTES)
const payloadViews: Array<Buffer | undefined> = []
/** `IV ‖ ciphertext ‖ tag` of a value being sealed (the nonce prefix is written as text). */
const writeScratch = Buffer.alloc(SCRATCH_BYTES)
const writeIv = writeScratch.subarray(0, GCM_IV_BYTES)

/** Views of a decoded `nonce ‖ ciphertext ‖ tag`. */
interface SealedViews {
  readonly buffer: Buffer
  /** Where the nonce starts in `buffer`. */
  readonly start: number
  readonly iv: Buffer
  readonly ciphertext: Buffer
  readonly tag: Buffer
}

/** The views for a sealed value whose ciphertext and tag take `restBytes` bytes. */
function sealedViews(restBytes: number): SealedViews {
  let views = readViews[restBytes]
  if (views === undefined) {
    const buffer =
      restBytes + XAES_NONCE_BYTES <= SCRATCH_BYTES
        ? readScratch
        : Buffer.allocUnsafe(restBytes + XAES_NONCE_BYTES)
    const start = buffer.length - restBytes - XAES_NONCE_BYTES
    views = {
      buffer,
      start,
      iv: buffer.subarray(start + 12, start + XAES_NONCE_BYTES),
      ciphertext: buffer.subarray(start + XAES_NONCE_BYTES, buffer.length - GCM_TAG_BYTES),
      tag: buffer === readScratch ? readTag : buffer.subarray(buffer.length - GCM_TAG_BYTES),
    }
    if (buffer === readScratch && restBytes <= CACHED_VIEW_LENGTHS) readViews[restBytes] = views
  }
  return views
}

/** Bytes that `chars` base64url characters decode to; -1 for a length no canonical encoding has. */
function decodedLength(chars: number): number {
  const rest = chars & 3
  if (chars < 0 || rest === 1) return -1
  return (chars >>> 2) * 3 + (rest === 0 ? 0 : rest - 1)
}

/**
 * Decodes `text[from, to)` as unpadded base64url into `out` from `offset`, checking every character against
 * the alphabet (Node's decoder skips unknown characters and also takes `+`, `/` and `=`) and that the unused
 * low bits of the last character are zero (decoders ignore them, so without this check four spellings of an
 * envelope would decrypt: the stored text would be malleable though the bytes are not). One pass, no
 * intermediate string. Returns whether the text was canonical.
 */
function decodeBase64url(text: string, from: number, to: number, out: Buffer, offset: number): boolean {
  const values = BASE64URL_VALUES
  const whole = to - ((to - from) & 3)
  let o = offset
  let i = from
  for (; i < whole; i += 4) {
    const a = text.charCodeAt(i)
    const b = text.charCodeAt(i + 1)
    const c = text.charCodeAt(i + 2)
    const d = text.charCodeAt(i + 3)
    if ((a | b | c | d) > 127) return false
    const v = (values[a]! << 18) | (values[b]! << 12) | (values[c]! << 6) | values[d]!
    if (v < 0) return false
    out[o] = v >>> 16
    out[o + 1] = (v >>> 8) & 0xff
    out[o + 2] = v & 0xff
    o += 3
  }
  const rest = to - i
  if (rest === 0) return true
  if (rest === 1) return false
  const a = text.charCodeAt(i)
  const b = text.charCodeAt(i + 1)
  const c = rest === 3 ? text.charCodeAt(i + 2) : 0x41 // 'A' is 0
  if ((a | b | c) > 127) return false
  const v = (values[a]! << 18) | (values[b]! << 12) | (values[c]! << 6)
  if (v < 0) return false
  out[o] = v >>> 16
  if (rest === 2) return (v & 0xffff) === 0
  out[o + 1] = (v >>> 8) & 0xff
  return (v & 0xff) === 0
}

/** The text of a stored value: a string, or the bytes of a binary column read as latin1. */
function storedText(stored: unknown): string | undefined {
  if (typeof stored === 'string') return stored
  if (stored instanceof Uint8Array) {
    return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString('latin1')
  }
  return undefined
}

/**
 * Encrypts a value for a column under the keyring's current key. `null` and `undefined` are not for this
 * function: callers store NULL as NULL.
 *
 * The envelope body is the nonce prefix's text (constant per subkey) followed by `base64url(IV ‖ ciphertext ‖
 * tag)`, assembled in a scratch buffer. A string's payload is written into a scratch buffer too (through a view
 * made once per length) and wiped after use.
 * @internal
 */
export function sealValue(keys: KeyringState, context: ColumnContext, value: unknown): string {
  let payload: Buffer
  if (typeof value === 'string' && 1 + value.length * 3 <= SCRATCH_BYTES) {
    // At most 3 UTF-8 bytes per UTF-16 unit: the string fits the scratch buffer.
    payloadScratch[0] = TAG_STRING
    const length = 1 + payloadScratch.write(value, 1, 'utf8')
    let view = payloadViews[length]
    if (view === undefined) {
      view = payloadScratch.subarray(0, length)
      if (length <= CACHED_VIEW_LENGTHS) payloadViews[length] = view
    }
    payload = view
  } else {
    payload = encodePayload(value, context)
  }
  const sealedLength = GCM_IV_BYTES + payload.length + GCM_TAG_BYTES
  const sealed = sealedLength <= SCRATCH_BYTES ? writeScratch : Buffer.allocUnsafe(sealedLength)
  const iv = sealed === writeScratch ? writeIv : sealed.subarray(0, GCM_IV_BYTES)
  const entry = keys.current
  const subkey = entry.nextWrite(iv)
  const { ciphertext, tag } = aesGcmEncrypt(subkey, iv, payload, context.aad)
  payload.fill(0)
  sealed.set(ciphertext, GCM_IV_BYTES)
  sealed.set(tag, GCM_IV_BYTES + ciphertext.length)
  return `${ENVELOPE_PREFIX}${entry.id}:${entry.writePrefixText}${sealed.toString('base64url', 0, sealedLength)}`
}

/** The parts of a stored envelope, or why it is not one. @internal */
export type ParsedEnvelope =
  | { readonly keyId: string; readonly sealed: Buffer }
  | { readonly failure: DecryptionFailureReason; readonly keyId?: string }

/** Whether a stored value is text (or bytes) starting with the envelope prefix. @internal */
export function isEnvelope(stored: unknown): boolean {
  if (typeof stored === 'string') return stored.startsWith(ENVELOPE_PREFIX)
  if (stored instanceof Uint8Array) {
    return (
      stored.byteLength >= ENVELOPE_PREFIX.length &&
      Buffer.from(stored.buffer, stored.byteOffset, ENVELOPE_PREFIX.length).toString('latin1') ===
        ENVELOPE_PREFIX
    )
  }
  return false
}

/**
 * Where the body of an envelope starts, with its key id, or why it is not an envelope. Checks the prefix and
 * the key id's syntax, not the body.
 */
function locateBody(
  text: string | undefined,
): { keyId: string; bodyStart: number } | { failure: DecryptionFailureReason } {
  if (text === undefined || !text.startsWith(ENVELOPE_PREFIX)) return { failure: 'not-ciphertext' }
  const separator = text.indexOf(':', ENVELOPE_PREFIX.length)
  if (separator < 0 || separator - ENVELOPE_PREFIX.length > MAX_KEY_ID_LENGTH) return { failure: 'malformed' }
  const keyId = text.slice(ENVELOPE_PREFIX.length, separator)
  // An id the keyring could never hold is damage, and stays out of error messages.
  if (!KEY_ID.test(keyId)) return { failure: 'malformed' }
  return { keyId, bodyStart: separator + 1 }
}

/** Splits a stored value into key id and (a copy of) the sealed bytes, checking only its shape. @internal */
export function parseEnvelope(stored: unknown): ParsedEnvelope {
  const text = storedText(stored)
  const located = locateBody(text)
  if ('failure' in located) return located
  const { keyId, bodyStart } = located
  const restBytes = decodedLength(text!.length - bodyStart - NONCE_CHARS)
  if (restBytes < MIN_REST_BYTES) return { failure: 'malformed', keyId }
  const views = sealedViews(restBytes)
  if (!decodeBase64url(text!, bodyStart, text!.length, views.buffer, views.start)) {
    return { failure: 'malformed', keyId }
  }
  return { keyId, sealed: Buffer.from(views.buffer.subarray(views.start)) }
}

function decryptionError(
  context: ColumnContext,
  reason: DecryptionFailureReason,
  keyId?: string,
): DecryptionError {
  return new DecryptionError(context.table, context.column, reason, keyId)
}

/**
 * Authenticates and decrypts a stored value to its payload bytes (type tag and value).
 *
 * The hot path makes no intermediate strings or buffers besides the plaintext: one in-place comparison of the
 * value's start with that of the last value read finds key and subkey (rows read together mostly share
 * them; otherwise the key id is parsed and the subkey looked up by the prefix's text); the rest of the body
 * is checked and decoded in one pass into a scratch buffer whose views are made once per length.
 * Everything is still checked: prefix, key id, alphabet, canonical ending, length, tag.
 */
function openEnvelope(keys: KeyringState, context: ColumnContext, stored: unknown): Buffer {
  const text = storedText(stored)
  if (text === undefined) throw decryptionError(context, 'not-ciphertext')
  const last = keys.lastRead
  let entry: KeyEntry | undefined
  let subkey: KeyObject | undefined
  let keyId: string
  let bodyStart: number
  if (last !== undefined && text.startsWith(last.head)) {
    // Same key and nonce prefix as the last value: those 16 characters were checked and decoded before.
    entry = last.entry
    subkey = last.subkey
    keyId = entry.id
    bodyStart = last.head.length - XAES_PREFIX_CHARS
  } else {
    const located = locateBody(text)
    if ('failure' in located) throw decryptionError(context, located.failure)
    keyId = located.keyId
    bodyStart = located.bodyStart
    entry = keys.entry(keyId)
    subkey = entry?.cachedSubkey(text, bodyStart)
  }
  const restBytes = decodedLength(text.length - bodyStart - NONCE_CHARS)
  if (restBytes < MIN_REST_BYTES) throw decryptionError(context, 'malformed', keyId)
  const views = sealedViews(restBytes)
  const skipped = subkey === undefined ? 0 : XAES_PREFIX_CHARS
  if (
    !decodeBase64url(text, bodyStart + skipped, text.length, views.buffer, views.start + (skipped / 4) * 3)
  ) {
    throw decryptionError(context, 'malformed', keyId)
  }
  if (entry === undefined) throw decryptionError(context, 'unknown-key', keyId)
  if (subkey === undefined) {
    subkey = entry.deriveSubkey(
      views.buffer.subarray(views.start, views.start + 12),
      text.slice(bodyStart, bodyStart + XAES_PREFIX_CHARS),
    )
  }
  if (last === undefined || last.subkey !== subkey) {
    keys.lastRead = { head: text.slice(0, bodyStart + XAES_PREFIX_CHARS), entry, subkey }
  }
  const payload = aesGcmDecrypt(subkey, views.iv, views.ciphertext, views.tag, context.aad)
  if (payload === undefined) throw decryptionError(context, 'authentication-failed', keyId)
  return payload
}

/**
 * Decrypts a stored value of a column. Throws {@link DecryptionError} (naming table, column and key id, never
 * the value) when it is not an envelope, is damaged, names an unknown key, or fails authentication.
 * @internal
 */
export function openValue(keys: KeyringState, context: ColumnContext, stored: unknown): EncryptableValue {
  const value = decodePayload(openEnvelope(keys, context, stored))
  if (value === undefined) {
    // Authentic, but an unknown type tag (a newer format): name the key, found again off the hot path.
    const located = locateBody(storedText(stored))
    throw decryptionError(context, 'malformed', 'keyId' in located ? located.keyId : undefined)
  }
  return value
}

/**
 * Decrypts to the raw payload bytes (type tag and value), for exact comparisons. Same errors as
 * {@link openValue}.
 * @internal
 */
export function openPayload(keys: KeyringState, context: ColumnContext, stored: unknown): Buffer {
  return openEnvelope(keys, context, stored)
}
