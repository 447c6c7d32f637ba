import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The encryption setup is unusable: a keyring that was not loaded, invalid keys, a configured column that
 * does not exist or is too short, or a Kysely instance that does not run the encryption plugin (it would
 * write plaintext). `problems` lists every problem found; none contains a key or a plaintext.
 *
 * @example
 * ```ts
 * import { EncryptionSetupError, verifyEncryptionSetup } from 'kysely-toolkit/encryption'
 *
 * try {
 *   await verifyEncryptionSetup(db, { plugin: encryption })
 * } catch (error) {
 *   if (EncryptionSetupError.is(error)) for (const problem of error.problems) console.error(problem)
 *   process.exitCode = 1
 * }
 * ```
 */
export class EncryptionSetupError extends ToolkitError {
  override readonly name = 'EncryptionSetupError' as const
  override readonly code = 'ENCRYPTION_SETUP_INVALID' as const
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[]

  constructor(problems: readonly string[], options: { cause?: unknown } = {}) {
    super('ENCRYPTION_SETUP_INVALID', `Invalid encryption setup: ${problems.join('; ')}`, options)
    this.problems = Object.freeze([...problems])
  }

  /** Whether `value` is an {@link EncryptionSetupError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<EncryptionSetupError>('ENCRYPTION_SETUP_INVALID')
}
