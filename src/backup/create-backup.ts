import { isUtf8 } from 'node:buffer'
import { mkdir, stat, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import type { ResolvedDatabaseOptions } from '../database/database-options.js'
import { BackupFailedError, type BackupStage } from '../error/backup-failed-error.js'
import { parseOptions } from '../util/parse-options.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION } from './archive-format.js'
import { ArchiveWriter, syncDirectory, writeFileAtomically } from './archive-writer.js'
import { dumpWithDumpProgram } from './dump-backend.js'
import type { DumpOutcome } from './dump-outcome.js'
import {
  BACKUP_ENGINES,
  type BackupManifest,
  backupBaseName,
  type ConsistencyMode,
  sanitizePrefix,
} from './manifest.js'
import { type Progress, ProgressTracker } from './progress.js'
import { insertHead, rowTupleExpression } from './row-expression.js'
import { listBaseTables, readSchema, type SchemaInfo, type TableInfo } from './schema-reader.js'
import { quoteIdentifier, ServerConnection } from './server-connection.js'

/**
 * How the connections reading rows share one point in time (see {@link BackupOptions.snapshot}).
 *
 * @example
 * ```ts
 * await createBackup(database, { directory: './backups', snapshot: 'single' }) // no LOCK TABLES moment
 * ```
 */
export const SNAPSHOT_MODES = ['lock-tables', 'single'] as const
/** A mode from {@link SNAPSHOT_MODES}. */
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number]

/**
 * What {@link BackupOptions.engine} takes: an engine of {@link BACKUP_ENGINES}, or `'dump'`, the server's own dump
 * program (`mysqldump` on Oracle MySQL, `mariadb-dump` on MariaDB), which the manifest then names.
 *
 * @example
 * ```ts
 * const { manifest } = await createBackup(database, { directory: './backups', engine: 'dump' })
 * console.log(manifest.engine) // 'mysqldump' on MySQL
 * ```
 */
export const BACKUP_ENGINE_CHOICES = [...BACKUP_ENGINES, 'dump'] as const
/** A choice from {@link BACKUP_ENGINE_CHOICES}. */
export type BackupEngineChoice = (typeof BACKUP_ENGINE_CHOICES)[number]

const positiveInteger = (what: string) =>
  z
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .positive({ error: `must be ${what}` })

const BackupOptionsSchema = z.strictObject({
  directory: z.string({ error: 'must be a directory path' }).min(1, { error: 'must be a directory path' }),
  database: z
    .string({ error: 'must be a database name' })
    .min(1, { error: 'must be a database name' })
    .max(64, { error: 'must be a database name of at most 64 characters' })
    .optional(),
  prefix: z
    .string({ error: 'must be letters, digits, _ . or -' })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/, { error: 'must be 1 to 100 letters, digits, _ . or -' })
    .optional(),
  engine: z
    .enum(BACKUP_ENGINE_CHOICES, { error: `must be one of ${BACKUP_ENGINE_CHOICES.join(', ')}` })
    .default('builtin'),
  parallel: positiveInteger('a positive integer').max(32, { error: 'must be at most 32' }).default(2),
  snapshot: z
    .enum(SNAPSHOT_MODES, { error: `must be one of ${SNAPSHOT_MODES.join(', ')}` })
    .default('lock-tables'),
  lockWaitTimeoutSeconds: positiveInteger('a positive number of seconds').default(10),
  statementBytes: positiveInteger('a positive number of bytes')
    .min(4096, { error: 'must be at least 4096' })
    .default(1 << 20),
  compressionLevel: z
    .number({ error: 'must be a gzip level from 1 to 9' })
    .int({ error: 'must be a gzip level from 1 to 9' })
    .min(1, { error: 'must be a gzip level from 1 to 9' })
    .max(9, { error: 'must be a gzip level from 1 to 9' })
    .default(1),
  events: z.boolean({ error: 'must be true or false' }).default(false),
  definers: z.enum(['strip', 'keep'], { error: "must be 'strip' or 'keep'" }).default('strip'),
  dumpCommand: z.string({ error: 'must be a program name or path' }).min(1).optional(),
  onProgress: z
    .custom<(progress: Progress) => void>((value) => typeof value === 'function', {
      error: 'must be a function',
    })
    .optional(),
  onWarning: z
    .custom<(message: string) => void>((value) => typeof value === 'function', {
      error: 'must be a function',
    })
    .optional(),
})

/** Options of {@link createBackup}. Every field but `directory` is optional. */
export interface BackupOptions {
  /** Where the archive and its manifest are written (created if missing). */
  readonly directory: string
  /** The database to back up. Defaults to the connection's database. */
  readonly database?: string
  /** Start of the file names (`<prefix>-<UTC time>.ktb.gz`). Defaults to the database name. */
  readonly prefix?: string
  /**
   * `'builtin'` (streaming, parallel, exact); `'dump'`, the server's own dump program (`mysqldump` on Oracle MySQL,
   * `mariadb-dump` on MariaDB); or one of those two by name (run against the other flavor only with a warning).
   * A dump program runs with `--single-transaction`; the password goes through a 0600 defaults file, never argv or
   * the environment. Defaults to `'builtin'`.
   */
  readonly engine?: BackupEngineChoice
  /** Connections reading rows at once, sharing one snapshot. Defaults to `2`. */
  readonly parallel?: number
  /**
   * How several connections share one point in time (ignored when `parallel` is 1):
   * `'lock-tables'` holds `LOCK TABLES ... READ` on every table for the moment the connections start their
   * snapshots (writers wait that long; needs the LOCK TABLES privilege, falls back to `'single'` with a warning
   * without it); `'single'` reads everything through one connection, with no lock. Defaults to `'lock-tables'`.
   */
  readonly snapshot?: SnapshotMode
  /** How long `LOCK TABLES` may wait for running transactions before falling back to `'single'`. Defaults to `10`. */
  readonly lockWaitTimeoutSeconds?: number
  /** Target size of one INSERT statement in the archive (keep it under the target's max_allowed_packet). Defaults to 1 MiB. */
  readonly statementBytes?: number
  /** gzip level, 1 (fastest) to 9 (smallest). Defaults to `1`. */
  readonly compressionLevel?: number
  /** Include events (they are created DISABLED-as-they-were on restore). Defaults to `false`. */
  readonly events?: boolean
  /**
   * `'strip'` removes `DEFINER=` from views, triggers, routines and events, so they restore as the restoring user
   * (recreating another definer needs SUPER or SET USER); `'keep'` keeps them. Defaults to `'strip'`.
   */
  readonly definers?: 'strip' | 'keep'
  /**
   * The dump program (a name on PATH or a path) the dump engines run. Defaults to the engine's own name:
   * `'mysqldump'` or `'mariadb-dump'` (beware: Debian's `mysqldump` may be a link to MariaDB's).
   */
  readonly dumpCommand?: string
  /** Called with progress after every block and at each phase. */
  readonly onProgress?: (progress: Progress) => void
  /** Called with each warning (non-transactional tables, lock fallback...); they are also in the manifest. */
  readonly onWarning?: (message: string) => void
}

/** What {@link createBackup} did. */
export interface BackupResult {
  /** The manifest, as written. */
  readonly manifest: BackupManifest
  readonly manifestPath: string
  readonly archivePath: string
  readonly durationMs: number
  /** Rows per second over the whole backup (`0` for the dump engines, which do not count rows). */
  readonly rowsPerSecond: number
}

/** The part of a toolkit `Database` a backup needs: its resolved connection options. */
export interface BackupSource {
  readonly options: ResolvedDatabaseOptions
}

/**
 * Backs up one database into `directory`: a gzip archive of SQL blocks and a JSON manifest (both mode 0600).
 *
 * The rows are read from one consistent snapshot (InnoDB `START TRANSACTION WITH CONSISTENT SNAPSHOT`) by
 * `parallel` connections, streamed in statements of about `statementBytes`, with memory bounded whatever the
 * database size. The server formats every value as an exact SQL literal. The archive is written under a
 * temporary name, and renamed, and then the manifest is written, only when everything succeeded: a failed backup
 * leaves nothing that looks like a backup. The backup opens its own connections; the database's pool is not used.
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 * @throws {BackupFailedError} when the backup fails; `stage` tells where and `cause` why.
 *
 * @example
 * ```ts
 * import { createDatabase, databaseOptionsFromEnv } from 'kysely-toolkit'
 * import { createBackup } from 'kysely-toolkit/backup'
 *
 * const database = createDatabase({ ...databaseOptionsFromEnv() })
 * const { manifestPath, manifest } = await createBackup(database, { directory: './backups' })
 * console.log(`${manifest.rows} rows in ${manifest.archive.file}`)
 * ```
 */
export async function createBackup(source: BackupSource, options: BackupOptions): Promise<BackupResult> {
  const resolved = parseOptions(BackupOptionsSchema, options, 'backup options')
  const database = resolved.database ?? source.options.connection.database
  if (database === undefined) {
    throw new BackupFailedError(
      '(none)',
      'connect',
      new Error('no database given: set options.database or connect to one'),
    )
  }
  const directory = resolve(resolved.directory)
  const startedAt = new Date()
  const baseName = backupBaseName(sanitizePrefix(resolved.prefix ?? database), startedAt)
  const archiveFile = `${baseName}.ktb.gz`
  const archivePath = join(directory, archiveFile)
  const manifestPath = join(directory, `${baseName}.ktb.json`)
  const warnings: string[] = []
  const warn = (message: string): void => {
    warnings.push(message)
    resolved.onWarning?.(message)
  }
  const progress = new ProgressTracker(resolved.onProgress)
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new BackupFailedError(database, 'write', error)
  }
  let writer: ArchiveWriter
  try {
    writer = await ArchiveWriter.create(directory, archiveFile, resolved.compressionLevel)
  } catch (error) {
    throw new BackupFailedError(database, 'write', error)
  }
  let manifest: BackupManifest
  try {
    const taken =
      resolved.engine === 'builtin'
        ? await dumpBuiltin(source.options, database, writer, resolved, progress, warn)
        : await dumpWithDumpProgram(source.options, database, writer, {
            engine: resolved.engine,
            command: resolved.dumpCommand,
            events: resolved.events,
            progress,
            warn,
          })
    progress.phase = 'finishing'
    progress.emit()
    let archive: { bytes: number; sha256: string }
    try {
      archive = await writer.finish()
    } catch (error) {
      throw new StageError('write', error)
    }
    manifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      engine: taken.engine,
      database,
      server: { version: taken.serverVersion },
      createdAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      consistency: taken.consistency,
      archive: {
        file: archiveFile,
        bytes: archive.bytes,
        uncompressedBytes: taken.engine === 'builtin' ? writer.uncompressedBytes : null,
        sha256: archive.sha256,
        compression: 'gzip',
      },
      rows: taken.rows,
      tables: taken.tables,
      views: taken.views,
      routines: taken.routines,
      triggers: taken.triggers,
      events: taken.events,
      warnings,
    }
    let committed = false
    try {
      await writer.commit(archivePath)
      committed = true
      // The manifest last: only a complete archive ever gets one.
      await writeFileAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
      await syncDirectory(directory)
    } catch (error) {
      // Only remove what this backup wrote (a name clash must not delete the other backup).
      if (committed) await unlink(archivePath).catch(() => {})
      throw new StageError('write', error)
    }
  } catch (error) {
    await writer.abort()
    if (error instanceof StageError) throw new BackupFailedError(database, error.stage, error.cause)
    throw new BackupFailedError(database, 'data', error)
  }
  const durationMs = progress.elapsedMs
  const rows = manifest.rows ?? 0
  // The archive size is what was hashed; a different size on disk now means someone else touched it.
  const onDisk = await stat(archivePath)
  if (onDisk.size !== manifest.archive.bytes) {
    throw new BackupFailedError(
      database,
      'finish',
      new Error(`archive size changed after writing (${onDisk.size})`),
    )
  }
  return Object.freeze({
    manifest,
    manifestPath,
    archivePath,
    durationMs,
    rowsPerSecond: durationMs > 0 ? (rows * 1000) / durationMs : 0,
  })
}

/** An error tagged with the backup stage it happened in. @internal */
export class StageError extends Error {
  readonly stage: BackupStage
  constructor(stage: BackupStage, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.stage = stage
  }
}

type ResolvedBackupOptions = z.output<typeof BackupOptionsSchema>

const TRANSACTIONAL_ENGINES = new Set(['innodb', 'xtradb', 'rocksdb', 'tokudb', 'ndbcluster'])
const ACCESS_DENIED = new Set([1044, 1045, 1142, 1227])
const LOCK_WAIT_TIMEOUT = 1205

interface Snapshot {
  readonly workers: ServerConnection[]
  readonly mode: ConsistencyMode
  readonly lockMs: number | null
  readonly schema: SchemaInfo
}

async function dumpBuiltin(
  options: ResolvedDatabaseOptions,
  database: string,
  writer: ArchiveWriter,
  resolved: ResolvedBackupOptions,
  progress: ProgressTracker,
  warn: (message: string) => void,
): Promise<DumpOutcome> {
  const connections: ServerConnection[] = []
  const open = async (statements: readonly string[] = []): Promise<ServerConnection> => {
    const connection = await ServerConnection.open(options, database, statements)
    connections.push(connection)
    return connection
  }
  try {
    progress.emit()
    let probe: ServerConnection
    try {
      probe = await open()
    } catch (error) {
      throw new StageError('connect', error)
    }
    const [info] = await probe.query<{ version: string; packet: number | string }>(
      'SELECT VERSION() AS version, @@max_allowed_packet AS packet',
    )
    const serverVersion = info?.version ?? 'unknown'
    const maxPacket = Number(info?.packet ?? 16 << 20)
    const groupConcatLimit = Math.max(maxPacket - 1024, resolved.statementBytes * 2)
    const sessionStatements = [
      'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      `SET SESSION group_concat_max_len = ${groupConcatLimit}`,
    ]
    let snapshot: Snapshot
    try {
      snapshot = await takeSnapshot(probe, open, sessionStatements, database, resolved, warn)
    } catch (error) {
      throw error instanceof StageError ? error : new StageError('snapshot', error)
    }
    const { schema } = snapshot
    const nonTransactional = schema.tables.filter(
      (table) => table.engine !== null && !TRANSACTIONAL_ENGINES.has(table.engine.toLowerCase()),
    )
    if (nonTransactional.length > 0) {
      warn(
        `tables not covered by the consistent snapshot (non-transactional engines): ${nonTransactional
          .map((table) => `${table.name} (${table.engine})`)
          .join(', ')}; their rows are read as they are at that moment`,
      )
    }
    const others = await probe
      .query<{ name: string; type: string }>(
        "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE NOT IN ('BASE TABLE', 'VIEW', 'SYSTEM VIEW')",
        [database],
      )
      .catch(() => [])
    if (others.length > 0) {
      warn(`not backed up: ${others.map((row) => `${row.name} (${row.type})`).join(', ')}`)
    }
    await probe.close()

    progress.phase = 'schema'
    progress.tablesTotal = schema.tables.length
    progress.emit()
    await writer.write({
      kind: 'header',
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      database,
      charset: schema.charset,
      collation: schema.collation,
      serverVersion,
      createdAt: new Date().toISOString(),
    })
    for (const table of schema.tables) {
      await writer.write({ kind: 'table', name: table.name }, Buffer.from(table.createStatement, 'utf8'))
    }

    progress.phase = 'rows'
    const estimates = await snapshot.workers[0]!.query<{ rows: number | string | null }>(
      "SELECT SUM(TABLE_ROWS) AS `rows` FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      [database],
    )
    progress.rowsTotal =
      estimates[0]?.rows === null || estimates[0] === undefined ? null : Number(estimates[0].rows)
    progress.emit()
    const rowCounts = await readRows(snapshot, schema, writer, resolved, progress, groupConcatLimit)

    progress.phase = 'objects'
    progress.emit()
    for (const object of [...schema.routines, ...schema.views, ...schema.triggers, ...schema.events]) {
      await writer.write(
        {
          kind: object.kind,
          name: object.name,
          ...(object.table === undefined ? {} : { table: object.table }),
          sqlMode: object.sqlMode,
          ...(object.timeZone === undefined ? {} : { timeZone: object.timeZone }),
          ...(object.context === undefined ? {} : { context: object.context }),
        },
        Buffer.from(object.createStatement, 'utf8'),
      )
    }
    const rows = Object.fromEntries(
      schema.tables.map((table) => [table.name, rowCounts.get(table.name) ?? 0]),
    )
    await writer.write({ kind: 'end', blocks: writer.blocks + 1, rows })
    for (const worker of snapshot.workers) await worker.query('COMMIT').catch(() => {})
    return {
      engine: 'builtin',
      serverVersion,
      consistency: { mode: snapshot.mode, connections: snapshot.workers.length, lockMs: snapshot.lockMs },
      rows: [...rowCounts.values()].reduce((sum, count) => sum + count, 0),
      tables: schema.tables.map((table) => ({
        name: table.name,
        rows: rowCounts.get(table.name) ?? 0,
        engine: table.engine,
        autoIncrement: /\bAUTO_INCREMENT=(\d+)/.exec(table.createStatement)?.[1] ?? null,
      })),
      views: schema.views.map((view) => view.name),
      routines: schema.routines.map((routine) => `${routine.kind} ${routine.name}`),
      triggers: schema.triggers.map((trigger) => trigger.name),
      events: schema.events.map((event) => event.name),
    }
  } catch (error) {
    for (const connection of connections) connection.destroy()
    throw error
  } finally {
    for (const connection of connections) await connection.close()
  }
}

/**
 * Opens the reading connections on one consistent point in time.
 *
 * With several connections (`lock-tables`): one more connection takes `LOCK TABLES ... READ` on every base table,
 * which waits for transactions that have written to them and then holds off writers; while it is held each reading
 * connection runs `START TRANSACTION WITH CONSISTENT SNAPSHOT`, so all of them see the same committed state; the
 * schema is read and the lock released. Without the privilege, or when the lock cannot be had within
 * `lockWaitTimeoutSeconds`, one connection is used instead (a warning says so).
 */
async function takeSnapshot(
  probe: ServerConnection,
  open: (statements?: readonly string[]) => Promise<ServerConnection>,
  sessionStatements: readonly string[],
  database: string,
  resolved: ResolvedBackupOptions,
  warn: (message: string) => void,
): Promise<Snapshot> {
  // The probe is outside the read-only snapshot, which refuses the temporary table ENUM members are read through.
  const schemaOptions = {
    events: resolved.events,
    stripDefiners: resolved.definers === 'strip',
    membersConnection: probe,
  }
  const single = async (): Promise<Snapshot> => {
    const worker = await open(sessionStatements)
    await worker.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
    const schema = await readSchemaStage(worker, database, schemaOptions)
    return { workers: [worker], mode: 'single', lockMs: null, schema }
  }
  if (resolved.parallel === 1 || resolved.snapshot === 'single') return single()

  const workers = await Promise.all(Array.from({ length: resolved.parallel }, () => open(sessionStatements)))
  await probe.query(`SET SESSION lock_wait_timeout = ${resolved.lockWaitTimeoutSeconds}`)
  for (let attempt = 0; attempt < 3; attempt++) {
    const tables = await listBaseTables(probe, database)
    let lockedAt: number
    try {
      if (tables.length > 0) {
        await probe.query(`LOCK TABLES ${tables.map((table) => `${quoteIdentifier(table)} READ`).join(', ')}`)
      }
      lockedAt = performance.now()
    } catch (error) {
      const errno = (error as { errno?: number }).errno
      if (errno !== undefined && (ACCESS_DENIED.has(errno) || errno === LOCK_WAIT_TIMEOUT)) {
        warn(
          errno === LOCK_WAIT_TIMEOUT
            ? `LOCK TABLES waited more than ${resolved.lockWaitTimeoutSeconds} s (a long transaction holds a table): rows are read through one connection instead`
            : 'LOCK TABLES is not permitted for this user: rows are read through one connection instead (grant LOCK TABLES for parallel backups)',
        )
        for (const worker of workers) await worker.close()
        workers.length = 0
        return single()
      }
      throw error
    }
    try {
      const now = await listBaseTables(probe, database)
      if (now.join('\u0000') !== tables.join('\u0000')) continue
      await Promise.all(
        workers.map((worker) => worker.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')),
      )
      const schema = await readSchemaStage(workers[0]!, database, schemaOptions)
      return { workers, mode: 'lock-tables', lockMs: performance.now() - lockedAt, schema }
    } finally {
      await probe.query('UNLOCK TABLES')
    }
  }
  throw new Error('tables kept being created or dropped while the snapshot was taken')
}

async function readSchemaStage(
  connection: ServerConnection,
  database: string,
  options: { events: boolean; stripDefiners: boolean; membersConnection: ServerConnection },
): Promise<SchemaInfo> {
  try {
    return await readSchema(connection, database, options)
  } catch (error) {
    throw new StageError('schema', error)
  }
}

/** One piece of reading work: a key range of a table, or a whole table without an integer key. */
type Task =
  | { readonly kind: 'range'; readonly table: RangeTable; readonly low: bigint; readonly high: bigint }
  | { readonly kind: 'scan'; readonly table: TableInfo }

interface RangeTable {
  readonly info: TableInfo
  readonly head: string
  readonly tuple: string
  /** Next key not yet handed out. */
  cursor: bigint
  readonly max: bigint
  /** Keys per range; adapted so a range fills about one statement. */
  width: bigint
  /** Ranges handed out and not finished, and ranges to redo. */
  pending: number
  readonly redo: { low: bigint; high: bigint }[]
}

async function readRows(
  snapshot: Snapshot,
  schema: SchemaInfo,
  writer: ArchiveWriter,
  resolved: ResolvedBackupOptions,
  progress: ProgressTracker,
  groupConcatLimit: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(schema.tables.map((table) => [table.name, 0]))
  const unstarted = [...schema.tables].sort((a, b) => b.estimatedBytes - a.estimatedBytes)
  const open: RangeTable[] = []
  const target = BigInt(resolved.statementBytes)
  let failed = false

  const finishTable = (): void => {
    progress.tablesDone++
  }

  const nextTask = async (worker: ServerConnection): Promise<Task | undefined> => {
    for (;;) {
      for (const table of open) {
        const redo = table.redo.pop()
        if (redo !== undefined) {
          table.pending++
          return { kind: 'range', table, low: redo.low, high: redo.high }
        }
        if (table.cursor <= table.max) {
          const low = table.cursor
          const high = low + table.width
          table.cursor = high
          table.pending++
          return { kind: 'range', table, low, high }
        }
      }
      const info = unstarted.shift()
      if (info === undefined) return undefined
      if (info.columns.length === 0) {
        finishTable()
        continue
      }
      if (info.integerKey === undefined) return { kind: 'scan', table: info }
      const key = quoteIdentifier(info.integerKey)
      const [bounds] = await worker.queryRaw(
        `SELECT MIN(${key}), MAX(${key}) FROM ${quoteIdentifier(info.name)}`,
      )
      if (bounds?.[0] === null || bounds?.[0] === undefined) {
        finishTable()
        continue
      }
      const min = BigInt(bounds[0].toString())
      const max = BigInt(bounds[1]!.toString())
      const count = BigInt(Math.max(1, info.estimatedRows))
      const averageRow = BigInt(Math.max(16, Math.round(info.estimatedBytes / Number(count))))
      const rowsPerStatement = target / averageRow + 1n
      const width = ((max - min + 1n) * rowsPerStatement) / (count > 0n ? count : 1n) + 1n
      open.push({
        info,
        head: insertHead(info.name, info.columns),
        tuple: rowTupleExpression(info.columns),
        cursor: min,
        max,
        width,
        pending: 0,
        redo: [],
      })
    }
  }

  const runRange = async (
    worker: ServerConnection,
    task: Extract<Task, { kind: 'range' }>,
  ): Promise<void> => {
    const { table } = task
    const key = quoteIdentifier(table.info.integerKey!)
    const [row] = await worker.queryRaw(
      `SELECT COUNT(*), GROUP_CONCAT(${table.tuple} SEPARATOR ',') FROM ${quoteIdentifier(table.info.name)} WHERE ${key} >= ${task.low} AND ${key} < ${task.high}`,
    )
    const count = Number(row?.[0]?.toString() ?? 0)
    const values = row?.[1] ?? null
    if (count === 0 || values === null) {
      table.width *= 4n
      if (table.cursor === task.high && task.high <= table.max) {
        // Skip a gap in the keys at once rather than range by range.
        const [next] = await worker.queryRaw(
          `SELECT MIN(${key}) FROM ${quoteIdentifier(table.info.name)} WHERE ${key} >= ${task.high}`,
        )
        const found = next?.[0]
        if (table.cursor === task.high)
          table.cursor = found === null || found === undefined ? table.max + 1n : BigInt(found.toString())
      }
      return
    }
    if (values.length >= groupConcatLimit - 64) {
      // GROUP_CONCAT may have cut the list: read the range again in halves.
      if (task.high - task.low <= 1n) {
        throw new Error(
          `a row of ${table.info.name} is larger than max_allowed_packet (${groupConcatLimit} bytes)`,
        )
      }
      const middle = task.low + (task.high - task.low) / 2n
      table.redo.push({ low: task.low, high: middle }, { low: middle, high: task.high })
      table.width = table.width / 2n > 0n ? table.width / 2n : 1n
      return
    }
    const observed = BigInt(values.length)
    const span = task.high - task.low
    const ideal = (span * target) / (observed > 0n ? observed : 1n)
    table.width = ideal < 1n ? 1n : ideal > span * 8n ? span * 8n : ideal
    await emitRows(table.info.name, table.head, [values], values.length, count)
  }

  const emitRows = async (
    tableName: string,
    head: string,
    parts: Buffer[],
    size: number,
    count: number,
  ): Promise<void> => {
    const headBytes = Buffer.from(head, 'utf8')
    const payload = Buffer.concat([headBytes, ...parts], headBytes.length + size)
    if (!isUtf8(payload)) {
      throw new Error(`rows of ${tableName} contain text that is not valid UTF-8`)
    }
    try {
      await writer.write({ kind: 'rows', table: tableName, rows: count }, payload)
    } catch (error) {
      throw new StageError('write', error)
    }
    counts.set(tableName, (counts.get(tableName) ?? 0) + count)
    progress.rows += count
    progress.bytes = writer.bytes
    progress.emit()
  }

  const runScan = async (worker: ServerConnection, table: TableInfo): Promise<void> => {
    const head = insertHead(table.name, table.columns)
    const stream = worker.raw
      .query({
        sql: `SELECT ${rowTupleExpression(table.columns)} FROM ${quoteIdentifier(table.name)}`,
        rowsAsArray: true,
        typeCast: false,
      })
      .stream({ highWaterMark: 256 })
    let parts: Buffer[] = []
    let size = 0
    let count = 0
    const comma = Buffer.from(',')
    for await (const row of stream as AsyncIterable<[Buffer]>) {
      if (failed) {
        stream.destroy()
        return
      }
      const tuple = row[0]
      if (count > 0) {
        parts.push(comma)
        size += 1
      }
      parts.push(tuple)
      size += tuple.length
      count++
      if (size >= resolved.statementBytes) {
        await emitRows(table.name, head, parts, size, count)
        parts = []
        size = 0
        count = 0
      }
    }
    if (count > 0) await emitRows(table.name, head, parts, size, count)
    finishTable()
  }

  const work = async (worker: ServerConnection): Promise<void> => {
    for (;;) {
      if (failed) return
      const task = await nextTask(worker)
      if (task === undefined) return
      if (task.kind === 'scan') {
        await runScan(worker, task.table)
        continue
      }
      try {
        await runRange(worker, task)
      } finally {
        task.table.pending--
      }
      const { table } = task
      if (table.cursor > table.max && table.pending === 0 && table.redo.length === 0) {
        const index = open.indexOf(table)
        if (index >= 0) {
          open.splice(index, 1)
          finishTable()
        }
      }
    }
  }

  await Promise.all(
    snapshot.workers.map((worker) =>
      work(worker).catch((error: unknown) => {
        failed = true
        throw error instanceof StageError ? error : new StageError('data', error)
      }),
    ),
  )
  return counts
}
