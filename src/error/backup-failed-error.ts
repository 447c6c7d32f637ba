import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * Where a backup was when it failed ({@link BackupFailedError.stage}).
 *
 * @example
 * ```ts
 * if (BackupFailedError.is(error) && error.stage === 'write') alertDiskFull()
 * ```
 */
export const BACKUP_STAGES = ['connect', 'snapshot', 'schema', 'data', 'write', 'finish'] as const

/** A stage from {@link BACKUP_STAGES}. */
export type BackupStage = (typeof BACKUP_STAGES)[number]

/**
 * A backup could not be completed. Nothing that looks like a backup was left behind: the partial archive was
 * deleted and no manifest was written. `cause` holds the underlying error (a driver error, `ENOSPC` from the
 * file system, a `mariadb-dump` exit status...).
 *
 * @example
 * ```ts
 * import { BackupFailedError, createBackup } from 'kysely-toolkit/backup'
 *
 * try {
 *   await createBackup(database, { directory: './backups' })
 * } catch (error) {
 *   if (BackupFailedError.is(error) && error.stage === 'write') console.error('disk full?', error.cause)
 * }
 * ```
 */
export class BackupFailedError extends ToolkitError {
  override readonly name = 'BackupFailedError' as const
  override readonly code = 'BACKUP_FAILED' as const
  /** The database being backed up. */
  readonly database: string
  /** Where the backup was when it failed. */
  readonly stage: BackupStage

  constructor(database: string, stage: BackupStage, cause: unknown) {
    super(
      'BACKUP_FAILED',
      `Backup of database ${database} failed while ${describeStage(stage)}: ${reasonOf(cause)}`,
      {
        cause,
      },
    )
    this.database = database
    this.stage = stage
  }

  /** Whether `value` is a {@link BackupFailedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<BackupFailedError>('BACKUP_FAILED')
}

function describeStage(stage: BackupStage): string {
  switch (stage) {
    case 'connect':
      return 'connecting'
    case 'snapshot':
      return 'taking the consistent snapshot'
    case 'schema':
      return 'reading the schema'
    case 'data':
      return 'reading rows'
    case 'write':
      return 'writing the archive'
    case 'finish':
      return 'finishing the archive'
  }
}

/** @internal */
export function reasonOf(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code}: ${cause.message}`
      : cause.message
  }
  return String(cause)
}
