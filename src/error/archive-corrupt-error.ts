import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A backup archive or its manifest is damaged, truncated, or not a kysely-toolkit backup. Found before anything
 * is written to the server: the archive's SHA-256 and size are checked against the manifest first.
 *
 * @example
 * ```ts
 * import { ArchiveCorruptError, restoreBackup } from 'kysely-toolkit/backup'
 *
 * try {
 *   await restoreBackup(database, { manifest: './backups/shop-20250101T000000000Z.ktb.json', target: 'shop_copy' })
 * } catch (error) {
 *   if (ArchiveCorruptError.is(error)) console.error(`${error.file}: ${error.reason}`)
 * }
 * ```
 */
export class ArchiveCorruptError extends ToolkitError {
  override readonly name = 'ArchiveCorruptError' as const
  override readonly code = 'ARCHIVE_CORRUPT' as const
  /** The file that failed the check (the archive or its manifest). */
  readonly file: string
  /** What was wrong, e.g. `SHA-256 mismatch (expected 3f2a..., got 9b1c...)`. */
  readonly reason: string

  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super('ARCHIVE_CORRUPT', `Backup ${file} is unusable: ${reason}`, options)
    this.file = file
    this.reason = reason
  }

  /** Whether `value` is an {@link ArchiveCorruptError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<ArchiveCorruptError>('ARCHIVE_CORRUPT')
}
