import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { parseOptions } from '../util/parse-options.js'
import type { BackupSource } from './create-backup.js'
import type { Progress } from './progress.js'
import { restoreBackup } from './restore-backup.js'
import { quoteIdentifier, ServerConnection } from './server-connection.js'

const VerifyOptionsSchema = z.strictObject({
  manifest: z.string({ error: 'must be the path of a .ktb.json manifest' }).min(1, {
    error: 'must be the path of a .ktb.json manifest',
  }),
  against: z.string({ error: 'must be a database name' }).min(1).max(64).optional(),
  parallel: z.number().int().min(1).max(32).default(2),
  onProgress: z
    .custom<(progress: Progress) => void>((value) => typeof value === 'function', {
      error: 'must be a function',
    })
    .optional(),
})

/** Options of {@link verifyBackup}. */
export interface VerifyOptions {
  /** The backup: the path of its manifest (`.ktb.json`) or of its archive (`.ktb.gz`). */
  readonly manifest: string
  /** The database to compare the restored copy with. Defaults to the database the backup was taken of. */
  readonly against?: string
  /** Connections inserting rows at once while restoring the copy. Defaults to `2`. */
  readonly parallel?: number
  /** Progress of the restore of the copy. */
  readonly onProgress?: (progress: Progress) => void
}

/** One table in a {@link VerifyReport}. */
export interface VerifiedTable {
  readonly name: string
  /** Rows the manifest lists (`null` for the dump engines' archives). */
  readonly backupRows: number | null
  readonly restoredRows: number
  /** Rows in the compared database now, or `null` when it has no such table. */
  readonly sourceRows: number | null
  readonly restoredChecksum: string | null
  readonly sourceChecksum: string | null
  /** Counts agree and the checksums are equal. */
  readonly match: boolean
}

/** What {@link verifyBackup} found. */
export interface VerifyReport {
  /** Every table matches, and no view, trigger or routine is missing on either side or created differently. */
  readonly ok: boolean
  readonly against: string
  readonly tables: readonly VerifiedTable[]
  /** Views, triggers and routines (`view v`, `trigger t`, `function f`...) present on one side only. */
  readonly missing: readonly string[]
  /**
   * Views, triggers and routines present on both sides but created differently: another table (a trigger), another
   * `sql_mode`, or another creation context (`character_set_client`, `collation_connection`, database collation),
   * each as `trigger t: collation_connection utf8mb4_general_ci (latin1_bin in shop)`.
   */
  readonly mismatched: readonly string[]
  readonly durationMs: number
}

/**
 * Restores a backup into a throw-away database and compares it with a live one (by default the database it was
 * taken of): row counts against the manifest and the source, `CHECKSUM TABLE` of every table, and the views,
 * triggers and routines: their names, a trigger's table, their `sql_mode` and their creation context. The copy is dropped afterwards. On a source that was written to since the
 * backup, tables written to differ: verify against a quiet source or a known copy.
 *
 * @throws {ArchiveCorruptError} when the archive is damaged (found before anything is restored).
 * @throws {RestoreFailedError} when the copy cannot be restored.
 *
 * @example
 * ```ts
 * import { verifyBackup } from 'kysely-toolkit/backup'
 *
 * const report = await verifyBackup(database, { manifest: './backups/shop-20250101T000000000Z.ktb.json' })
 * if (!report.ok) console.error(report.tables.filter((table) => !table.match))
 * ```
 */
export async function verifyBackup(source: BackupSource, options: VerifyOptions): Promise<VerifyReport> {
  const resolved = parseOptions(VerifyOptionsSchema, options, 'verify options')
  const started = performance.now()
  const copy = `ktv_${randomBytes(5).toString('hex')}`
  const restored = await restoreBackup(source, {
    manifest: resolved.manifest,
    target: copy,
    parallel: resolved.parallel,
    ...(resolved.onProgress === undefined ? {} : { onProgress: resolved.onProgress }),
  })
  const against = resolved.against ?? restored.manifest.database
  const connection = await ServerConnection.open(source.options, undefined)
  try {
    const copyState = await describeDatabase(connection, copy)
    const sourceState = await describeDatabase(connection, against)
    const backupRows = new Map(restored.manifest.tables.map((table) => [table.name, table.rows]))
    const tables: VerifiedTable[] = [...copyState.tables.entries()].map(([name, copied]) => {
      const original = sourceState.tables.get(name)
      const expected = backupRows.get(name) ?? null
      return {
        name,
        backupRows: expected,
        restoredRows: copied.rows,
        sourceRows: original?.rows ?? null,
        restoredChecksum: copied.checksum,
        sourceChecksum: original?.checksum ?? null,
        match:
          original !== undefined &&
          original.rows === copied.rows &&
          original.checksum === copied.checksum &&
          (expected === null || expected === copied.rows),
      }
    })
    for (const name of sourceState.tables.keys()) {
      if (!copyState.tables.has(name)) {
        tables.push({
          name,
          backupRows: backupRows.get(name) ?? null,
          restoredRows: 0,
          sourceRows: sourceState.tables.get(name)!.rows,
          restoredChecksum: null,
          sourceChecksum: sourceState.tables.get(name)!.checksum,
          match: false,
        })
      }
    }
    const missing = [
      ...[...sourceState.objects.keys()]
        .filter((name) => !copyState.objects.has(name))
        .map((name) => `${name} (not restored)`),
      ...[...copyState.objects.keys()]
        .filter((name) => !sourceState.objects.has(name))
        .map((name) => `${name} (not in ${against})`),
    ]
    const mismatched: string[] = []
    for (const [name, copied] of copyState.objects) {
      const original = sourceState.objects.get(name)
      if (original === undefined) continue
      for (const [field, value] of Object.entries(copied)) {
        const expected = original[field as keyof ObjectState]
        if (value !== expected) mismatched.push(`${name}: ${field} ${value} (${expected} in ${against})`)
      }
    }
    return Object.freeze({
      ok: tables.every((table) => table.match) && missing.length === 0 && mismatched.length === 0,
      against,
      tables,
      missing,
      mismatched,
      durationMs: performance.now() - started,
    })
  } finally {
    await connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(copy)}`).catch(() => {})
    await connection.close()
  }
}

/** What verify compares of a view, trigger or routine besides its name (`null` where the server has none). */
interface ObjectState {
  readonly table: string | null
  readonly sql_mode: string | null
  readonly character_set_client: string
  readonly collation_connection: string
  readonly database_collation: string | null
}

async function describeDatabase(
  connection: ServerConnection,
  database: string,
): Promise<{
  tables: Map<string, { rows: number; checksum: string | null }>
  objects: Map<string, ObjectState>
}> {
  const names = await connection.query<{ name: string }>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  )
  const tables = new Map<string, { rows: number; checksum: string | null }>()
  for (const { name } of names) {
    const qualified = `${quoteIdentifier(database)}.${quoteIdentifier(name)}`
    const [count] = await connection.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${qualified}`)
    const [checksum] = await connection.query<{ Checksum: number | string | null }>(
      `CHECKSUM TABLE ${qualified}`,
    )
    tables.set(name, {
      rows: Number(count?.n ?? 0),
      checksum: checksum?.Checksum === null || checksum === undefined ? null : String(checksum.Checksum),
    })
  }
  type Row = ObjectState & { readonly name: string }
  const objects = new Map<string, ObjectState>()
  const add = (kind: string, rows: readonly Row[]): void => {
    for (const { name, ...state } of rows) objects.set(`${kind} ${name}`, state)
  }
  const context = 'CHARACTER_SET_CLIENT AS character_set_client, COLLATION_CONNECTION AS collation_connection'
  add(
    'view',
    await connection.query<Row>(
      `SELECT TABLE_NAME AS name, NULL AS \`table\`, NULL AS sql_mode, ${context}, NULL AS database_collation FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`,
      [database],
    ),
  )
  add(
    'trigger',
    await connection.query<Row>(
      `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS \`table\`, SQL_MODE AS sql_mode, ${context}, DATABASE_COLLATION AS database_collation FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
      [database],
    ),
  )
  for (const row of await connection.query<Row & { type: string }>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type, NULL AS \`table\`, SQL_MODE AS sql_mode, ${context}, DATABASE_COLLATION AS database_collation FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?`,
    [database],
  )) {
    const { name, type, ...state } = row
    objects.set(`${type.toLowerCase()} ${name}`, state)
  }
  return { tables, objects }
}
