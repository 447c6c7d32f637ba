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
import { DecryptionError, type DecryptionFailureReason } from '../../error/decryption-error.js'
import { UnsupportedEncryptedOperationError } from '../../error/unsupported-encrypted-operation-error.js'
import { GCM_TAG_BYTES, XAES_NONCE_BYTES } from './aes-gcm.js'
import { type KeyringState, MAX_KEY_ID_LENGTH } from './keyring.js'

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
const BASE64URL = /^[A-Za-z0-9_-]*$/

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

/**
 * Encrypts a value for a column under the keyring's current key. `null` and `undefined` are not for this
 * function: callers store NULL as NULL.
 * @internal
 */
export function sealValue(keys: KeyringState, context: ColumnContext, value: unknown): string {
  const payload = encodePayload(value, context)
  const { keyId, sealed } = keys.seal(payload, context.aad)
  payload.fill(0)
  return `${ENVELOPE_PREFIX}${keyId}:${sealed.toString('base64url')}`
}

/** The parts of a stored envelope, or why it is not one. @internal */
export type ParsedEnvelope =
  | { readonly keyId: string; readonly sealed: Buffer; readonly prefixText: string }
  | { readonly failure: DecryptionFailureReason; readonly keyId?: string }

/** Whether a stored value is text (or bytes) starting with the envelope prefix. @internal */
export function isEnvelope(stored: unknown): boolean {
  if (typeof stored === 'string') return stored.startsWith(ENVELOPE_PREFIX)
  if (stored instanceof Uint8Array) return Buffer.from(stored).toString('latin1', 0, 4) === ENVELOPE_PREFIX
  return false
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Whether the unused low bits of the last character are zero. Decoders ignore them, so without this check
 * four spellings of every envelope would decrypt: the stored text would be malleable though the bytes are not.
 */
function canonicalEnd(body: string): boolean {
  const unusedBits = body.length % 4 === 2 ? 4 : body.length % 4 === 3 ? 2 : 0
  if (unusedBits === 0) return true
  const value = BASE64URL_ALPHABET.indexOf(body[body.length - 1] ?? 'A')
  return (value & ((1 << unusedBits) - 1)) === 0
}

/** Splits a stored value into key id and sealed bytes, checking only its shape. @internal */
export function parseEnvelope(stored: unknown): ParsedEnvelope {
  const text =
    typeof stored === 'string'
      ? stored
      : stored instanceof Uint8Array
        ? Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString('latin1')
        : undefined
  if (text === undefined || !text.startsWith(ENVELOPE_PREFIX)) return { failure: 'not-ciphertext' }
  const separator = text.indexOf(':', ENVELOPE_PREFIX.length)
  if (separator < 0 || separator - ENVELOPE_PREFIX.length > MAX_KEY_ID_LENGTH) return { failure: 'malformed' }
  const keyId = text.slice(ENVELOPE_PREFIX.length, separator)
  const body = text.slice(separator + 1)
  if (keyId.length === 0 || body.length % 4 === 1 || !BASE64URL.test(body) || !canonicalEnd(body)) {
    return { failure: 'malformed', keyId }
  }
  const sealed = Buffer.from(body, 'base64url')
  if (sealed.length < OVERHEAD_BYTES) return { failure: 'malformed', keyId }
  return { keyId, sealed, prefixText: body.slice(0, 16) }
}

function openEnvelope(keys: KeyringState, context: ColumnContext, stored: unknown): [Buffer, string] {
  const parsed = parseEnvelope(stored)
  if ('failure' in parsed)
    throw new DecryptionError(context.table, context.column, parsed.failure, parsed.keyId)
  const payload = keys.open(parsed.keyId, parsed.sealed, context.aad, parsed.prefixText)
  if (payload === 'unknown-key') {
    throw new DecryptionError(context.table, context.column, 'unknown-key', parsed.keyId)
  }
  if (payload === undefined) {
    throw new DecryptionError(context.table, context.column, 'authentication-failed', parsed.keyId)
  }
  return [payload, parsed.keyId]
}

/**
 * Decrypts a stored value of a column. Throws {@link DecryptionError} (naming table, column and key id, never
 * the value) when it is not an envelope, is damaged, names an unknown key, or fails authentication.
 * @internal
 */
export function openValue(keys: KeyringState, context: ColumnContext, stored: unknown): EncryptableValue {
  const [payload, keyId] = openEnvelope(keys, context, stored)
  const value = decodePayload(payload)
  if (value === undefined) throw new DecryptionError(context.table, context.column, 'malformed', keyId)
  return value
}

/**
 * Decrypts to the raw payload bytes (type tag and value), for exact comparisons. Same errors as
 * {@link openValue}.
 * @internal
 */
export function openPayload(keys: KeyringState, context: ColumnContext, stored: unknown): Buffer {
  return openEnvelope(keys, context, stored)[0]
}
