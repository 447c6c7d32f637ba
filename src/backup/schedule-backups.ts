import { type BackupOptions, type BackupResult, type BackupSource, createBackup } from './create-backup.js'
import { type PruneResult, pruneBackups, type RetentionOptions } from './prune-backups.js'

/** Options of {@link scheduleBackups}. */
export interface ScheduleBackupsOptions {
  /** A cron expression (5 or 6 fields, croner syntax), e.g. `'0 3 * * *'` for 03:00 every day. */
  readonly cron: string
  /** The backup to take each time. */
  readonly backup: BackupOptions
  /** Prune `backup.directory` after each successful backup. Defaults to no pruning. */
  readonly retention?: Omit<RetentionOptions, 'dryRun' | 'now'>
  /** IANA time zone of the cron expression, e.g. `'Europe/Berlin'`. Defaults to the process's zone. */
  readonly timezone?: string
  /** Called after each successful backup (and prune). */
  readonly onBackup?: (result: BackupResult, pruned: PruneResult | undefined) => void
  /** Called when a run fails; the schedule goes on. Defaults to writing the error to stderr. */
  readonly onError?: (error: unknown) => void
}

/** A running backup schedule. */
export interface BackupSchedule {
  /** When the next backup starts, or `null` when stopped. */
  nextRun(): Date | null
  /** Whether a backup is running now. */
  isRunning(): boolean
  /** Stops the schedule; a running backup finishes. */
  stop(): void
}

/**
 * Takes backups on a cron schedule inside your app (with the croner library, an optional peer dependency:
 * `npm install croner`). A run never overlaps the previous one; a failed run is reported to `onError` and the
 * schedule goes on. For a system cron or a Kubernetes CronJob, run `kysely-toolkit backup create` instead
 * (see docs/backup.md).
 *
 * @example
 * ```ts
 * import { scheduleBackups } from 'kysely-toolkit/backup'
 *
 * const schedule = await scheduleBackups(database, {
 *   cron: '0 3 * * *',
 *   backup: { directory: '/var/backups/shop' },
 *   retention: { keepLast: 7, keepDays: 30 },
 *   onError: (error) => logger.error({ error }, 'backup failed'),
 * })
 * process.on('SIGTERM', () => schedule.stop())
 * ```
 */
export async function scheduleBackups(
  source: BackupSource,
  options: ScheduleBackupsOptions,
): Promise<BackupSchedule> {
  const { Cron } = await import('croner').catch((error: unknown) => {
    throw new Error('scheduleBackups needs the croner package: npm install croner', { cause: error })
  })
  const onError =
    options.onError ?? ((error: unknown) => console.error('kysely-toolkit: scheduled backup failed:', error))
  const job = new Cron(
    options.cron,
    {
      protect: true,
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    },
    async () => {
      try {
        const result = await createBackup(source, options.backup)
        const pruned =
          options.retention === undefined
            ? undefined
            : await pruneBackups(options.backup.directory, options.retention)
        options.onBackup?.(result, pruned)
      } catch (error) {
        onError(error)
      }
    },
  )
  return {
    nextRun: () => job.nextRun(),
    isRunning: () => job.isBusy(),
    stop: () => job.stop(),
  }
}
