import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A backup archive holds statements that would create or change something in another database than the restore
 * target (say a trigger written `CREATE TRIGGER other.t ... ON other.orders`). References to the backed-up
 * database itself are rewritten to the target; anything still naming another database is refused, by restore and
 * verify alike, before anything is written to the server.
 *
 * @example
 * ```ts
 * import { CrossDatabaseStatementError, restoreBackup } from 'kysely-toolkit/backup'
 *
 * try {
 *   await restoreBackup(database, { manifest: './backups/shop-20250101T000000000Z.ktb.json', target: 'shop_copy' })
 * } catch (error) {
 *   if (CrossDatabaseStatementError.is(error)) console.error(error.statements.join('\n'))
 * }
 * ```
 */
export class CrossDatabaseStatementError extends ToolkitError {
  override readonly name = 'CrossDatabaseStatementError' as const
  override readonly code = 'CROSS_DATABASE_STATEMENT' as const
  /** The refused statements, each described as `trigger t: created in database other`. */
  readonly statements: readonly string[]
  /** The database the restore was going to write. */
  readonly target: string

  constructor(target: string, statements: readonly string[]) {
    super(
      'CROSS_DATABASE_STATEMENT',
      `Restore into ${target} refused, nothing was written: the backup has statements that would write to another database (${statements.join('; ')})`,
    )
    this.target = target
    this.statements = Object.freeze([...statements])
  }

  /** Whether `value` is a {@link CrossDatabaseStatementError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<CrossDatabaseStatementError>('CROSS_DATABASE_STATEMENT')
}
