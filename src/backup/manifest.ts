import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { z } from 'zod'
import { ArchiveCorruptError } from '../error/archive-corrupt-error.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION } from './archive-format.js'

/**
 * How a backup was taken, as its manifest records it: `builtin`, or the dump program that wrote the archive's
 * script (`mariadb-dump`, MariaDB's; `mysqldump`, Oracle MySQL's), which also chooses the client a restore loads
 * it with (`mariadb`, `mysql`). See {@link BackupOptions.engine}, which also takes `'dump'` for the server's own.
 *
 * @example
 * ```ts
 * const { engine } = await readManifest(path)
 * if (engine !== 'builtin') console.log(`restoring needs the ${engine === 'mysqldump' ? 'mysql' : 'mariadb'} client`)
 * ```
 */
export const BACKUP_ENGINES = ['builtin', 'mariadb-dump', 'mysqldump'] as const
/** An engine from {@link BACKUP_ENGINES}. */
export type BackupEngine = (typeof BACKUP_ENGINES)[number]

/** The engines of {@link BACKUP_ENGINES} that run a dump program. @internal */
export type DumpEngine = Exclude<BackupEngine, 'builtin'>

/**
 * How the rows of a backup were made consistent:
 * - `lock-tables`: several connections started their snapshots while one connection held `LOCK TABLES ... READ`
 *   on every table for a moment (`lockMs`);
 * - `single`: one connection, one `START TRANSACTION WITH CONSISTENT SNAPSHOT`, no lock at all;
 * - `single-transaction`: `mariadb-dump --single-transaction` or `mysqldump --single-transaction`.
 *
 * @example
 * ```ts
 * const { consistency } = await readManifest(path)
 * console.log(consistency.mode, consistency.lockMs) // 'lock-tables' 12.4
 * ```
 */
export const CONSISTENCY_MODES = ['lock-tables', 'single', 'single-transaction'] as const
/** A mode from {@link CONSISTENCY_MODES}. */
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number]

const ManifestTableSchema = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative().nullable(),
  engine: z.string().nullable(),
  autoIncrement: z.string().nullable(),
})

const ManifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  engine: z.enum(BACKUP_ENGINES),
  database: z.string().min(1),
  server: z.object({ version: z.string() }),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  consistency: z.object({
    mode: z.enum(CONSISTENCY_MODES),
    connections: z.number().int().positive(),
    lockMs: z.number().nonnegative().nullable(),
  }),
  archive: z.object({
    file: z.string().min(1),
    bytes: z.number().int().nonnegative(),
    uncompressedBytes: z.number().int().nonnegative().nullable(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    compression: z.literal('gzip'),
  }),
  rows: z.number().int().nonnegative().nullable(),
  tables: z.array(ManifestTableSchema),
  views: z.array(z.string()),
  routines: z.array(z.string()),
  triggers: z.array(z.string()),
  events: z.array(z.string()),
  warnings: z.array(z.string()),
})

/**
 * The manifest written beside every archive (`<name>.ktb.json`, mode 0600), last, once the archive is complete:
 * a backup without a valid manifest is not a backup. `archive.sha256` and `archive.bytes` are checked before any
 * restore.
 */
export type BackupManifest = z.infer<typeof ManifestSchema>

/** One table in a {@link BackupManifest}. `rows` is `null` for the dump engines. */
export type BackupManifestTable = z.infer<typeof ManifestTableSchema>

/**
 * The name pattern of backup files: `<prefix>-<yyyymmddThhmmssSSSZ>.ktb.gz` and `.ktb.json`.
 *
 * @example
 * ```ts
 * BACKUP_FILE_PATTERN.exec('shop-20250101T030000123Z.ktb.json')?.[1] // 'shop'
 * ```
 */
export const BACKUP_FILE_PATTERN = /^([A-Za-z0-9_.-]{1,100})-(\d{8}T\d{9}Z)\.ktb\.(gz|json)$/

/** The base name (without `.ktb.gz`/`.ktb.json`) of a backup taken at `date`. @internal */
export function backupBaseName(prefix: string, date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('.', '')
  return `${prefix}-${stamp}`
}

/** Replaces characters a file name prefix must not have. @internal */
export function sanitizePrefix(prefix: string): string {
  const cleaned = prefix.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]+/, '')
  return (cleaned || 'backup').slice(0, 100)
}

/**
 * Reads and validates a manifest file.
 *
 * @throws {ArchiveCorruptError} when the file is not a kysely-toolkit manifest of a version this code reads.
 *
 * @example
 * ```ts
 * import { readManifest } from 'kysely-toolkit/backup'
 *
 * const manifest = await readManifest('./backups/shop-20250101T000000000Z.ktb.json')
 * console.log(manifest.rows, manifest.archive.sha256)
 * ```
 */
export async function readManifest(path: string): Promise<BackupManifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ArchiveCorruptError(path, `the manifest cannot be read (${(error as Error).message})`, {
      cause: error,
    })
  }
  return parseManifest(path, text)
}

/** @internal */
export function parseManifest(path: string, text: string): BackupManifest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ArchiveCorruptError(path, 'the manifest is not JSON', { cause: error })
  }
  const parsed = ManifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ArchiveCorruptError(
      path,
      `not a kysely-toolkit backup manifest of version ${ARCHIVE_VERSION} (${issue?.path.join('.') || 'manifest'}: ${issue?.message})`,
      { cause: parsed.error },
    )
  }
  const match = BACKUP_FILE_PATTERN.exec(parsed.data.archive.file)
  if (basename(parsed.data.archive.file) !== parsed.data.archive.file || !match || match[3] !== 'gz') {
    throw new ArchiveCorruptError(
      path,
      `the manifest names an unexpected archive file ${JSON.stringify(parsed.data.archive.file)}`,
    )
  }
  return parsed.data
}
