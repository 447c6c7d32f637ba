/**
 * Keys for column encryption: several by id, one current key for writes, older keys kept for reading.
 *
 * Keys are 32 random bytes, given as base64 (or bytes) directly, read from environment variables
 * ({@link readKeysFromEnv}) or fetched by an async provider (a KMS). They are imported once as `KeyObject`s
 * and the decoded bytes are overwritten; no key appears in an error message, `toString`, `JSON.stringify` or
 * `util.inspect` output. Passphrases are not accepted: a key that decodes to printable text is refused.
 *
 * @module
 */
import { createHmac, type KeyObject, randomBytes, randomFillSync } from 'node:crypto'
import { inspect } from 'node:util'
import { EncryptionSetupError } from '../../error/encryption-setup-error.js'
import { InvalidOptionsError, type OptionsProblem } from '../../error/invalid-options-error.js'
import {
  AES_256_KEY_BYTES,
  createAesKey,
  GCM_IV_BYTES,
  XAES_VALUES_PER_SUBKEY,
  XaesKeyDeriver,
} from './aes-gcm.js'

/**
 * The longest key id allowed. Key ids are stored in every envelope, so keep them short.
 *
 * @example
 * ```ts
 * import { encryptedColumnLength, MAX_KEY_ID_LENGTH } from 'kysely-toolkit/encryption'
 *
 * encryptedColumnLength(11, { keyIdLength: MAX_KEY_ID_LENGTH }) // 107: room for any key id
 * ```
 */
export const MAX_KEY_ID_LENGTH = 32
/** What a key id may look like. @internal */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/
const SUBKEY_CACHE_SIZE = 4096
/** Base64url characters of a 12-byte subkey prefix. @internal */
export const XAES_PREFIX_CHARS = 16

/**
 * Key material: the keys by id, which one encrypts new values, and the blind-index key.
 *
 * @example
 * ```ts
 * import type { EncryptionKeyMaterial } from 'kysely-toolkit/encryption'
 *
 * const material: EncryptionKeyMaterial = {
 *   currentKeyId: '2025-06',
 *   keys: { '2025-06': process.env.KEY_2025_06!, '2024-11': process.env.KEY_2024_11! },
 *   blindIndexKey: process.env.BLIND_INDEX_KEY!,
 * }
 * ```
 */
export interface EncryptionKeyMaterial {
  /** The id of the key that encrypts new values; it must be in `keys`. */
  readonly currentKeyId: string
  /**
   * Every key that may have encrypted a stored value, by id (1–32 characters from `A-Z a-z 0-9 _ -`, unique
   * ignoring case). Each is 32 random bytes: base64 or base64url text, or the bytes themselves.
   */
  readonly keys: Readonly<Record<string, string | Uint8Array>>
  /**
   * The key for blind indexes (HMAC-SHA256), 32 random bytes, different from every encryption key.
   * Required when a column has a blind index. Changing it changes every index value.
   */
  readonly blindIndexKey?: string | Uint8Array | undefined
}

/**
 * Fetches key material, e.g. from a KMS or a secrets manager. Called by {@link EncryptionKeyring.load}.
 *
 * @example
 * ```ts
 * import type { EncryptionKeyProvider } from 'kysely-toolkit/encryption'
 *
 * const fromSecretsManager: EncryptionKeyProvider = async () => {
 *   const secret = JSON.parse(await fetchSecret('app/encryption')) // your KMS client
 *   return { currentKeyId: secret.current, keys: secret.keys, blindIndexKey: secret.blindIndexKey }
 * }
 * ```
 */
export type EncryptionKeyProvider = () => EncryptionKeyMaterial | Promise<EncryptionKeyMaterial>

/** Options for {@link createKeyring}. */
export interface EncryptionKeyringOptions {
  /**
   * The key material, used at once, or a provider, called by `load()` (and again by each later `load()`, to
   * pick up a new current key without a restart).
   */
  readonly keys: EncryptionKeyMaterial | EncryptionKeyProvider
}

/**
 * A set of encryption keys: one current key encrypts, every key decrypts what it encrypted. The keys
 * themselves are not reachable from this object's properties and never printed.
 *
 * @example
 * ```ts
 * import { createKeyring, readKeysFromEnv } from 'kysely-toolkit/encryption'
 *
 * const keyring = createKeyring({ keys: readKeysFromEnv() })
 * console.log(`${keyring}`) // EncryptionKeyring(current: 2025-06; keys: 2025-06, 2024-11; blind index key: yes)
 * ```
 */
export interface EncryptionKeyring {
  /** Whether keys are loaded. A keyring made from a provider is not, until `load()` resolves. */
  readonly loaded: boolean
  /** The id of the key new values are encrypted with. Throws {@link EncryptionSetupError} before loading. */
  readonly currentKeyId: string
  /** Every key id, the current one first. Empty before loading. */
  readonly keyIds: readonly string[]
  /** Whether a blind-index key is loaded. */
  readonly hasBlindIndexKey: boolean
  /**
   * Calls the provider (or re-validates the material) and swaps the keys in at once; resolves to the keyring.
   * Rejects with {@link InvalidOptionsError} on invalid keys, leaving the previous keys in place.
   */
  load(): Promise<EncryptionKeyring>
  /** Key ids only: `{ currentKeyId, keyIds, hasBlindIndexKey }`. */
  toJSON(): { currentKeyId: string | undefined; keyIds: readonly string[]; hasBlindIndexKey: boolean }
  /** Key ids only. */
  toString(): string
}

/**
 * One key: the XAES subkey deriver, the subkey now used for writes, and a cache of subkeys for reads.
 * @internal
 */
export class KeyEntry {
  readonly id: string
  readonly #deriver: XaesKeyDeriver
  readonly #readCache = new Map<string, KeyObject>()
  /** The write prefix as base64url text: 12 bytes are exactly the first 16 characters of an envelope body. */
  #writePrefixText: string | undefined
  #writeSubkey: KeyObject | undefined
  #writesLeft = 0
  /** The prefix text and subkey of the last value read: rows read together mostly share a subkey. */
  #lastReadText: string | undefined
  #lastReadSubkey: KeyObject | undefined

  constructor(id: string, key: KeyObject) {
    this.id = id
    this.#deriver = new XaesKeyDeriver(key)
  }

  /**
   * Prepares one write: draws a fresh random 12-byte GCM IV into `iv` and returns the subkey. The nonce is
   * the subkey's 12-byte prefix followed by the IV; the prefix's base64url text is then
   * {@link KeyEntry.writePrefixText}.
   */
  nextWrite(iv: Uint8Array): KeyObject {
    if (this.#writesLeft === 0 || this.#writeSubkey === undefined) {
      const prefix = randomBytes(12)
      this.#writePrefixText = prefix.toString('base64url')
      this.#writeSubkey = this.#deriver.derive(prefix)
      this.#writesLeft = XAES_VALUES_PER_SUBKEY
    }
    this.#writesLeft--
    fillRandom(iv, GCM_IV_BYTES)
    return this.#writeSubkey
  }

  /**
   * The base64url text of the nonce prefix of the last {@link KeyEntry.nextWrite}: 12 bytes are exactly 16
   * characters, so it starts the envelope body as it is.
   */
  get writePrefixText(): string {
    return this.#writePrefixText ?? ''
  }

  /**
   * The subkey for a stored nonce when it is at hand without decoding: `text` holds the canonical base64url
   * form (16 characters) of the nonce's first 12 bytes at `at`. It is compared in place with the last prefix
   * read and the current write prefix, and sliced out as the key of a bounded cache only when neither
   * matches. `undefined` when the subkey was never derived (or was evicted): decode the prefix and call
   * {@link KeyEntry.deriveSubkey}.
   */
  cachedSubkey(text: string, at: number): KeyObject | undefined {
    if (this.#lastReadText !== undefined && text.startsWith(this.#lastReadText, at)) {
      return this.#lastReadSubkey
    }
    let subkey: KeyObject | undefined
    let cacheKey: string
    if (this.#writePrefixText !== undefined && text.startsWith(this.#writePrefixText, at)) {
      cacheKey = this.#writePrefixText
      subkey = this.#writeSubkey
    } else {
      cacheKey = text.slice(at, at + XAES_PREFIX_CHARS)
      subkey = this.#readCache.get(cacheKey)
    }
    if (subkey !== undefined) {
      this.#lastReadText = cacheKey
      this.#lastReadSubkey = subkey
    }
    return subkey
  }

  /** Derives the subkey for a nonce's first 12 bytes, `prefix`, and caches it under `prefixText`. */
  deriveSubkey(prefix: Uint8Array, prefixText: string): KeyObject {
    const subkey = this.#deriver.derive(prefix)
    if (this.#readCache.size >= SUBKEY_CACHE_SIZE) {
      const oldest = this.#readCache.keys().next().value
      if (oldest !== undefined) this.#readCache.delete(oldest)
    }
    this.#readCache.set(prefixText, subkey)
    this.#lastReadText = prefixText
    this.#lastReadSubkey = subkey
    return subkey
  }
}

// IVs come from a pool refilled from the CSPRNG, which costs a fraction of a call to randomBytes per value.
const randomPool = Buffer.allocUnsafe(4096)
let randomPoolOffset = randomPool.length

/** Fills `target[0, length)` with random bytes from the pool (a loop: cheaper than a native copy this short). */
function fillRandom(target: Uint8Array, length: number): void {
  if (randomPoolOffset + length > randomPool.length) {
    randomFillSync(randomPool)
    randomPoolOffset = 0
  }
  const pool = randomPool
  const from = randomPoolOffset
  for (let i = 0; i < length; i++) target[i] = pool[from + i]!
  randomPoolOffset = from + length
}

/**
 * The loaded keys, as the envelope and blind index use them. Not exported from the package.
 * @internal
 */
export class KeyringState {
  readonly currentKeyId: string
  readonly keyIds: readonly string[]
  /** The key that encrypts new values. */
  readonly current: KeyEntry
  /**
   * What opened the last value read: the envelope's text up to the end of its nonce prefix (key id and
   * prefix), the key and the subkey. The envelope reader compares the next value's start with `head` in place:
   * rows read together mostly share it, and then need no key id or subkey lookup.
   */
  lastRead: { readonly head: string; readonly entry: KeyEntry; readonly subkey: KeyObject } | undefined
  readonly #entries: ReadonlyMap<string, KeyEntry>
  readonly #blindIndexRoot: KeyObject | undefined
  readonly #blindIndexKeys = new Map<string, KeyObject>()

  constructor(
    current: KeyEntry,
    entries: ReadonlyMap<string, KeyEntry>,
    blindIndexRoot: KeyObject | undefined,
  ) {
    this.current = current
    this.lastRead = undefined
    this.#entries = entries
    this.#blindIndexRoot = blindIndexRoot
    this.currentKeyId = current.id
    this.keyIds = Object.freeze([current.id, ...[...entries.keys()].filter((id) => id !== current.id)])
  }

  get hasBlindIndexKey(): boolean {
    return this.#blindIndexRoot !== undefined
  }

  /** The key with this id, if the keyring holds it. */
  entry(keyId: string): KeyEntry | undefined {
    return this.#entries.get(keyId)
  }

  /**
   * The blind-index key of one column: HMAC-SHA256(root, "kysely-toolkit blind index v1" ‖ 0 ‖ table.column),
   * so equal values in two columns get unrelated index values.
   */
  blindIndexKey(table: string, column: string): KeyObject | undefined {
    if (this.#blindIndexRoot === undefined) return undefined
    const name = `${table}.${column}`
    let key = this.#blindIndexKeys.get(name)
    if (key === undefined) {
      const derived = createHmac('sha256', this.#blindIndexRoot)
        .update('kysely-toolkit blind index v1\0')
        .update(name, 'utf8')
        .digest()
      key = createAesKey(derived)
      derived.fill(0)
      this.#blindIndexKeys.set(name, key)
    }
    return key
  }
}

function decodeKey(value: string | Uint8Array, path: string, problems: OptionsProblem[]): Buffer | undefined {
  let bytes: Buffer
  if (typeof value === 'string') {
    const text = value.trim()
    if (!BASE64.test(text)) {
      problems.push({
        path,
        message: `${path} is not base64 text (a key is 32 random bytes, base64-encoded)`,
      })
      return undefined
    }
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
  } else if (value instanceof Uint8Array) {
    bytes = Buffer.from(value)
  } else {
    problems.push({ path, message: `${path} must be base64 text or a Uint8Array (got ${typeof value})` })
    return undefined
  }
  if (bytes.length !== AES_256_KEY_BYTES) {
    problems.push({
      path,
      message: `${path} decodes to ${bytes.length} bytes; a key is exactly ${AES_256_KEY_BYTES} random bytes`,
    })
    bytes.fill(0)
    return undefined
  }
  const printable = bytes.every((byte) => byte >= 0x20 && byte < 0x7f)
  const distinct = new Set(bytes).size
  if (printable || distinct < 16) {
    problems.push({
      path,
      message:
        `${path} does not look random (${printable ? 'it is printable text' : `only ${distinct} distinct bytes`}); ` +
        'use 32 random bytes, e.g. from generateEncryptionKey() or `openssl rand -base64 32`, not a passphrase',
    })
    bytes.fill(0)
    return undefined
  }
  return bytes
}

function buildState(material: EncryptionKeyMaterial): KeyringState {
  const problems: OptionsProblem[] = []
  if (typeof material !== 'object' || material === null) {
    throw new InvalidOptionsError('encryption keys', [{ path: 'keys', message: 'keys must be an object' }])
  }
  const ids = Object.keys(material.keys ?? {})
  if (ids.length === 0) problems.push({ path: 'keys', message: 'keys must hold at least one key' })
  const seen = new Map<string, string>()
  for (const id of ids) {
    if (!KEY_ID.test(id)) {
      problems.push({
        path: `keys.${id}`,
        message: `key id '${id}' must be 1-${MAX_KEY_ID_LENGTH} characters from A-Z a-z 0-9 _ -`,
      })
    }
    const folded = id.toLowerCase()
    const other = seen.get(folded)
    if (other !== undefined) {
      problems.push({ path: `keys.${id}`, message: `key ids '${other}' and '${id}' differ only in case` })
    }
    seen.set(folded, id)
  }
  if (typeof material.currentKeyId !== 'string' || !ids.includes(material.currentKeyId)) {
    problems.push({
      path: 'currentKeyId',
      message: `currentKeyId '${String(material.currentKeyId)}' is not one of the key ids (${ids.join(', ') || 'none'})`,
    })
  }
  const decoded = new Map<string, Buffer>()
  for (const id of ids) {
    const value = material.keys[id]
    if (value === undefined) continue
    const bytes = decodeKey(value, `keys.${id}`, problems)
    if (bytes !== undefined) decoded.set(id, bytes)
  }
  let blindIndexBytes: Buffer | undefined
  if (material.blindIndexKey !== undefined) {
    blindIndexBytes = decodeKey(material.blindIndexKey, 'blindIndexKey', problems)
    if (
      blindIndexBytes !== undefined &&
      [...decoded.values()].some((bytes) => bytes.equals(blindIndexBytes!))
    ) {
      problems.push({ path: 'blindIndexKey', message: 'blindIndexKey must differ from every encryption key' })
    }
  }
  for (const [id, bytes] of decoded) {
    for (const [otherId, other] of decoded) {
      if (id < otherId && bytes.equals(other)) {
        problems.push({ path: `keys.${otherId}`, message: `keys '${id}' and '${otherId}' are the same key` })
      }
    }
  }
  try {
    if (problems.length > 0) throw new InvalidOptionsError('encryption keys', problems)
    const entries = new Map<string, KeyEntry>()
    for (const [id, bytes] of decoded) entries.set(id, new KeyEntry(id, createAesKey(bytes)))
    const current = entries.get(material.currentKeyId)!
    return new KeyringState(current, entries, blindIndexBytes && createAesKey(blindIndexBytes))
  } finally {
    for (const bytes of decoded.values()) bytes.fill(0)
    blindIndexBytes?.fill(0)
  }
}

let readState: (keyring: Keyring) => KeyringState | undefined

class Keyring implements EncryptionKeyring {
  readonly #source: EncryptionKeyMaterial | EncryptionKeyProvider
  #state: KeyringState | undefined

  static {
    readState = (keyring) => keyring.#state
  }

  constructor(source: EncryptionKeyMaterial | EncryptionKeyProvider) {
    this.#source = source
    if (typeof source !== 'function') this.#state = buildState(source)
  }

  get loaded(): boolean {
    return this.#state !== undefined
  }

  get currentKeyId(): string {
    if (this.#state === undefined) throw notLoaded()
    return this.#state.currentKeyId
  }

  get keyIds(): readonly string[] {
    return this.#state?.keyIds ?? []
  }

  get hasBlindIndexKey(): boolean {
    return this.#state?.hasBlindIndexKey ?? false
  }

  async load(): Promise<EncryptionKeyring> {
    const material = typeof this.#source === 'function' ? await this.#source() : this.#source
    this.#state = buildState(material)
    return this
  }

  toJSON(): { currentKeyId: string | undefined; keyIds: readonly string[]; hasBlindIndexKey: boolean } {
    return {
      currentKeyId: this.#state?.currentKeyId,
      keyIds: this.keyIds,
      hasBlindIndexKey: this.hasBlindIndexKey,
    }
  }

  toString(): string {
    if (this.#state === undefined) return 'EncryptionKeyring(not loaded)'
    return (
      `EncryptionKeyring(current: ${this.#state.currentKeyId}; keys: ${this.keyIds.join(', ')}; ` +
      `blind index key: ${this.hasBlindIndexKey ? 'yes' : 'no'})`
    )
  }

  [inspect.custom](): string {
    return this.toString()
  }
}

function notLoaded(): EncryptionSetupError {
  return new EncryptionSetupError([
    'the encryption keyring is not loaded: await keyring.load() before the first query (its keys come from a provider)',
  ])
}

/**
 * The loaded state of a keyring made by {@link createKeyring}; throws {@link EncryptionSetupError} when it is
 * not loaded yet. Not exported from the package.
 * @internal
 */
export function getKeyringState(keyring: EncryptionKeyring): KeyringState {
  if (!(keyring instanceof Keyring)) {
    throw new EncryptionSetupError([
      'the keyring was not made by createKeyring() from this copy of kysely-toolkit',
    ])
  }
  const state = readState(keyring)
  if (state === undefined) throw notLoaded()
  return state
}

/**
 * Makes a keyring. Given key material it validates and imports the keys at once (throwing
 * {@link InvalidOptionsError} listing every problem, without key bytes); given a provider it waits for
 * `load()`.
 *
 * Each key must be 32 random bytes. Key ids must be unique ignoring case, and the blind-index key must differ
 * from the encryption keys. Keys that decode to printable text (a passphrase) or have fewer than 16 distinct
 * bytes are refused.
 *
 * @example
 * ```ts
 * import { createKeyring, readKeysFromEnv } from 'kysely-toolkit/encryption'
 *
 * // Keys at hand: ready at once.
 * const keyring = createKeyring({ keys: readKeysFromEnv() })
 *
 * // Keys from a KMS: load before the first query.
 * const fromKms = await createKeyring({ keys: () => fetchKeysFromKms() }).load()
 * ```
 */
export function createKeyring(options: EncryptionKeyringOptions): EncryptionKeyring {
  return new Keyring(options.keys)
}

/** Options for {@link readKeysFromEnv}. */
export interface ReadKeysFromEnvOptions {
  /** Where to read variables from. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * The variable listing the keys as `id:base64` pairs separated by commas, current key first.
   * Defaults to `ENCRYPTION_KEYS`.
   */
  readonly keysVariable?: string
  /**
   * The variable naming the current key id, when it is not the first listed. Defaults to
   * `ENCRYPTION_CURRENT_KEY_ID`; optional.
   */
  readonly currentKeyIdVariable?: string
  /** The variable holding the blind-index key (base64). Defaults to `BLIND_INDEX_KEY`; optional. */
  readonly blindIndexKeyVariable?: string
}

/**
 * Reads key material from environment variables: `ENCRYPTION_KEYS="2025-06:<base64>,2024-11:<base64>"`
 * (the first is current unless `ENCRYPTION_CURRENT_KEY_ID` names another) and `BLIND_INDEX_KEY=<base64>`.
 * Throws {@link InvalidOptionsError} naming the variable when it is missing or not `id:base64` pairs; the
 * keys themselves are checked by {@link createKeyring}.
 *
 * @example
 * ```ts
 * import { createKeyring, readKeysFromEnv } from 'kysely-toolkit/encryption'
 *
 * const keyring = createKeyring({ keys: readKeysFromEnv() })
 * const custom = createKeyring({ keys: readKeysFromEnv({ keysVariable: 'APP_KEYS', env: process.env }) })
 * ```
 */
export function readKeysFromEnv(options: ReadKeysFromEnvOptions = {}): EncryptionKeyMaterial {
  const env = options.env ?? process.env
  const keysVariable = options.keysVariable ?? 'ENCRYPTION_KEYS'
  const currentVariable = options.currentKeyIdVariable ?? 'ENCRYPTION_CURRENT_KEY_ID'
  const blindVariable = options.blindIndexKeyVariable ?? 'BLIND_INDEX_KEY'
  const list = env[keysVariable]?.trim()
  if (!list) {
    throw new InvalidOptionsError('encryption keys', [
      { path: keysVariable, message: `${keysVariable} is not set (expected "id:base64key,id:base64key")` },
    ])
  }
  const keys: Record<string, string> = {}
  const ids: string[] = []
  const problems: OptionsProblem[] = []
  for (const [index, entry] of list.split(',').entries()) {
    const separator = entry.indexOf(':')
    const id = entry.slice(0, separator).trim()
    if (separator <= 0 || id.length === 0) {
      problems.push({
        path: `${keysVariable}[${index}]`,
        message: `${keysVariable} entry ${index + 1} is not id:base64`,
      })
      continue
    }
    if (id in keys)
      problems.push({ path: `${keysVariable}.${id}`, message: `${keysVariable} lists '${id}' twice` })
    keys[id] = entry.slice(separator + 1).trim()
    ids.push(id)
  }
  if (problems.length > 0) throw new InvalidOptionsError('encryption keys', problems)
  const blindIndexKey = env[blindVariable]?.trim()
  return {
    currentKeyId: env[currentVariable]?.trim() || (ids[0] ?? ''),
    keys,
    ...(blindIndexKey ? { blindIndexKey } : {}),
  }
}

/**
 * A new random key: 32 bytes from the CSPRNG, base64-encoded, for `ENCRYPTION_KEYS` or a key provider.
 *
 * @example
 * ```ts
 * import { generateEncryptionKey } from 'kysely-toolkit/encryption'
 *
 * console.log(`ENCRYPTION_KEYS=2025-06:${generateEncryptionKey()}`)
 * ```
 */
export function generateEncryptionKey(): string {
  return randomBytes(AES_256_KEY_BYTES).toString('base64')
}
