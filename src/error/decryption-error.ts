import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * Why a stored value could not be decrypted. Each reason is a kind of damage or mis-wiring:
 * - `not-ciphertext`: the column holds something that is not an envelope (plaintext written around the
 *   plugin, or legacy data; see the plugin's `readLegacyPlaintext` option).
 * - `malformed`: it looks like an envelope but cannot be parsed (truncated, bad encoding, unknown version).
 * - `unknown-key`: the envelope names a key id the keyring does not hold.
 * - `authentication-failed`: AES-GCM rejected the value: a changed bit, a cut value, or a value copied
 *   from another table or column.
 *
 * @example
 * ```ts
 * import { DECRYPTION_FAILURE_REASONS, type DecryptionFailureReason } from 'kysely-toolkit/encryption'
 *
 * const isReason = (value: string): value is DecryptionFailureReason =>
 *   (DECRYPTION_FAILURE_REASONS as readonly string[]).includes(value)
 * ```
 */
export const DECRYPTION_FAILURE_REASONS = [
  'not-ciphertext',
  'malformed',
  'unknown-key',
  'authentication-failed',
] as const

/** A reason from {@link DECRYPTION_FAILURE_REASONS}. */
export type DecryptionFailureReason = (typeof DECRYPTION_FAILURE_REASONS)[number]

const REASON_TEXT: Readonly<Record<DecryptionFailureReason, string>> = {
  'not-ciphertext':
    'the stored value is not ciphertext (plaintext written without the encryption plugin, or legacy data)',
  malformed: 'the stored envelope is malformed (truncated or damaged)',
  'unknown-key': 'the keyring holds no key with this id',
  'authentication-failed':
    'the value failed authentication (tampered with, truncated, or copied from another column)',
}

/**
 * A value read from an encrypted column could not be decrypted. The message names the table, the column,
 * the key id when the envelope carried one, and the reason; never the stored value, the plaintext or a key.
 *
 * @example
 * ```ts
 * import { DecryptionError } from 'kysely-toolkit/encryption'
 *
 * try {
 *   await db.selectFrom('users').select(['id', 'ssn']).execute()
 * } catch (error) {
 *   if (DecryptionError.is(error)) {
 *     console.error(error.table, error.column, error.keyId, error.reason)
 *   }
 *   throw error
 * }
 * ```
 */
export class DecryptionError extends ToolkitError {
  override readonly name = 'DecryptionError' as const
  override readonly code = 'DECRYPTION_FAILED' as const
  /** The table the value was read from, as configured in the plugin. */
  readonly table: string
  /** The encrypted column the value was read from. */
  readonly column: string
  /** The key id named by the envelope, when the value was an envelope. */
  readonly keyId: string | undefined
  /** What was wrong with the value. */
  readonly reason: DecryptionFailureReason

  constructor(table: string, column: string, reason: DecryptionFailureReason, keyId?: string) {
    super(
      'DECRYPTION_FAILED',
      `Cannot decrypt ${table}.${column}${keyId === undefined ? '' : ` (key '${keyId}')`}: ${REASON_TEXT[reason]}`,
    )
    this.table = table
    this.column = column
    this.keyId = keyId
    this.reason = reason
  }

  /** Whether `value` is a {@link DecryptionError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<DecryptionError>('DECRYPTION_FAILED')
}
