import { unlink } from 'node:fs/promises'
import { z } from 'zod'
import { parseOptions } from '../util/parse-options.js'
import { type BackupEntry, listBackups } from './list-backups.js'

const RetentionSchema = z
  .strictObject({
    keepLast: z
      .number({ error: 'must be a whole number, 1 or more' })
      .int({ error: 'must be a whole number, 1 or more' })
      .min(1, { error: 'must be a whole number, 1 or more' })
      .optional(),
    keepDays: z
      .number({ error: 'must be a positive number of days' })
      .positive({ error: 'must be a positive number of days' })
      .optional(),
    prefix: z.string({ error: 'must be a file name prefix' }).min(1).optional(),
    deleteDamaged: z.boolean({ error: 'must be true or false' }).default(false),
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    checksums: z.boolean({ error: 'must be true or false' }).default(false),
    now: z.date({ error: 'must be a Date' }).optional(),
  })
  .refine((options) => options.keepLast !== undefined || options.keepDays !== undefined, {
    path: ['keepLast'],
    message: 'or keepDays must be given (a retention policy that keeps nothing is refused)',
  })

/** A retention policy: a backup is kept when either rule keeps it. */
export interface RetentionOptions {
  /** Keep the newest N good backups of each prefix. */
  readonly keepLast?: number
  /** Keep good backups younger than this many days. */
  readonly keepDays?: number
  /** Only consider backups with this file name prefix. Defaults to every prefix, each counted on its own. */
  readonly prefix?: string
  /** Also delete damaged backups (archive missing or of the wrong size) that the policy would not keep. Defaults to `false`. */
  readonly deleteDamaged?: boolean
  /** Report what would be deleted without deleting. Defaults to `false`. */
  readonly dryRun?: boolean
  /** Check each archive's SHA-256 to decide which backups are good (slower). Defaults to `false`. */
  readonly checksums?: boolean
  /** The current time, for tests. Defaults to now. */
  readonly now?: Date
}

/** What {@link pruneBackups} kept and deleted (or would delete, with `dryRun`). */
export interface PruneResult {
  readonly kept: readonly BackupEntry[]
  readonly deleted: readonly BackupEntry[]
}

/**
 * Deletes old backups from a directory by a retention policy: keeps the newest `keepLast` and/or those younger
 * than `keepDays` days, counted per file name prefix. The newest good backup of each prefix is never deleted,
 * whatever the policy; damaged backups never count as good. Only files that {@link listBackups} identifies as
 * kysely-toolkit backups (name pattern and a valid manifest naming its archive) are touched: the manifest is
 * deleted first, then its archive.
 *
 * @throws {InvalidOptionsError} when neither `keepLast` nor `keepDays` is given, or one is not a positive number.
 *
 * @example
 * ```ts
 * import { pruneBackups } from 'kysely-toolkit/backup'
 *
 * const { deleted } = await pruneBackups('./backups', { keepLast: 7, keepDays: 30 })
 * ```
 */
export async function pruneBackups(directory: string, options: RetentionOptions): Promise<PruneResult> {
  const resolved = parseOptions(RetentionSchema, options, 'retention options')
  const now = (resolved.now ?? new Date()).getTime()
  const entries = (await listBackups(directory, { checksums: resolved.checksums })).filter(
    (entry) => resolved.prefix === undefined || entry.prefix === resolved.prefix,
  )
  const kept: BackupEntry[] = []
  const deleted: BackupEntry[] = []
  const goodSeen = new Map<string, number>()
  for (const entry of entries) {
    if (entry.status !== 'ok') {
      if (resolved.deleteDamaged && !isYoung(entry, now, resolved.keepDays)) deleted.push(entry)
      else kept.push(entry)
      continue
    }
    const rank = goodSeen.get(entry.prefix) ?? 0
    goodSeen.set(entry.prefix, rank + 1)
    const keep =
      rank === 0 ||
      (resolved.keepLast !== undefined && rank < resolved.keepLast) ||
      isYoung(entry, now, resolved.keepDays)
    ;(keep ? kept : deleted).push(entry)
  }
  if (!resolved.dryRun) {
    for (const entry of deleted) {
      await unlink(entry.manifestPath).catch(ignoreMissing)
      await unlink(entry.archivePath).catch(ignoreMissing)
    }
  }
  return Object.freeze({ kept, deleted })
}

function isYoung(entry: BackupEntry, now: number, keepDays: number | undefined): boolean {
  return keepDays !== undefined && now - entry.createdAt.getTime() < keepDays * 86_400_000
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error
}
