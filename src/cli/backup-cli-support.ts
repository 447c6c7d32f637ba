import { z } from 'zod'
import { formatProgress, type Progress } from '../backup/progress.js'
import { loadConfig } from '../config/load-config.js'
import { type ResolvedDatabaseOptions, resolveDatabaseOptions } from '../database/database-options.js'
import { databaseOptionsFromEnv } from '../database/database-options-from-env.js'
import { parseOptions } from '../util/parse-options.js'
import { type CommandIo, UsageError } from './command.js'

const BackupConfigSchema = z.strictObject({
  directory: z.string({ error: 'must be a directory path' }).min(1).optional(),
  prefix: z.string({ error: 'must be a file name prefix' }).min(1).optional(),
  parallel: z.number({ error: 'must be a positive integer' }).int().positive().optional(),
  retention: z
    .strictObject({
      keepLast: z.number({ error: 'must be a whole number, 1 or more' }).int().min(1).optional(),
      keepDays: z.number({ error: 'must be a positive number of days' }).positive().optional(),
    })
    .optional(),
})

/** The `backup` section of kysely-toolkit.config.ts, resolved, with paths made absolute. @internal */
export interface BackupCliConfig {
  readonly directory: string
  readonly prefix: string | undefined
  readonly parallel: number | undefined
  readonly retention: { readonly keepLast?: number | undefined; readonly keepDays?: number | undefined }
}

/** @internal */
export async function loadBackupConfig(
  io: CommandIo,
  configPath: string | undefined,
): Promise<BackupCliConfig> {
  const { config, path, resolvePath } = await loadConfig(io.cwd, configPath)
  const section = parseOptions(
    BackupConfigSchema,
    config.backup ?? {},
    `backup section of ${path ?? 'the config'}`,
  )
  return {
    directory: resolvePath(section.directory ?? './backups'),
    prefix: section.prefix,
    parallel: section.parallel,
    retention: section.retention ?? {},
  }
}

/** The connection from DATABASE_URL or DB_* (never argv), validated; no pool is opened. @internal */
export function backupSourceFromEnv(io: CommandIo): { readonly options: ResolvedDatabaseOptions } {
  return { options: resolveDatabaseOptions(databaseOptionsFromEnv(io.env)) }
}

/** Parses a positive integer flag. @internal */
export function positiveIntegerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new UsageError(`--${name} must be a positive integer (got ${JSON.stringify(value)})`)
  }
  return parsed
}

/** Parses a positive number flag. @internal */
export function positiveNumberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN
  if (!(parsed > 0))
    throw new UsageError(`--${name} must be a positive number (got ${JSON.stringify(value)})`)
  return parsed
}

/**
 * A progress line on stderr when it is a terminal (redrawn at most ten times a second), nothing otherwise.
 *
 * @internal
 */
export function terminalProgress(
  io: CommandIo,
  enabled: boolean,
): {
  onProgress: ((progress: Progress) => void) | undefined
  finish: () => void
} {
  const terminal = enabled && (io.stderr as { isTTY?: boolean }).isTTY === true
  if (!terminal) return { onProgress: undefined, finish: () => {} }
  let last = 0
  let drawn = false
  let latest: Progress | undefined
  return {
    onProgress: (progress) => {
      latest = progress
      const now = performance.now()
      if (now - last < 100) return
      last = now
      drawn = true
      io.stderr.write(`\r\u001b[2K${formatProgress(progress)}`)
    },
    finish: () => {
      if (latest !== undefined) io.stderr.write(`\r\u001b[2K${formatProgress(latest)}\n`)
      else if (drawn) io.stderr.write('\n')
    },
  }
}

/** Bytes as `12.3 MB`. @internal */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e9).toFixed(2)} GB`
}
