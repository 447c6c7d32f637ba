import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { ArchiveCorruptError } from '../error/archive-corrupt-error.js'
import { RestoreFailedError } from '../error/restore-failed-error.js'
import { RestoreTargetExistsError } from '../error/restore-target-exists-error.js'
import { ToolkitError } from '../error/toolkit-error.js'
import { parseOptions } from '../util/parse-options.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, type Block } from './archive-format.js'
import { checkArchiveBlocks, readArchiveBlocks } from './archive-reader.js'
import { withClientTool } from './client-tools.js'
import type { BackupSource } from './create-backup.js'
import { DUMP_PROGRAMS } from './dump-backend.js'
import type { BackupManifest } from './manifest.js'
import { createObject, moveDatabase } from './move-database.js'
import { checkObjectCreation } from './object-privileges.js'
import { type Progress, ProgressTracker } from './progress.js'
import { objectStatement, RestoreStatementCheck } from './restore-statements.js'
import { quoteIdentifier, ServerConnection } from './server-connection.js'

const RestoreOptionsSchema = z.strictObject({
  manifest: z.string({ error: 'must be the path of a .ktb.json manifest' }).min(1, {
    error: 'must be the path of a .ktb.json manifest',
  }),
  target: z
    .string({ error: 'must be a database name' })
    .min(1, { error: 'must be a database name of 1 to 64 characters' })
    .max(64, { error: 'must be a database name of 1 to 64 characters' })
    .regex(/^[^/\\.]+$/, { error: 'must be a database name without / \\ or .' })
    .refine((name) => !/\s$/.test(name), { error: 'must not end with a space' }),
  replace: z.boolean({ error: 'must be true or false' }).default(false),
  parallel: z
    .number({ error: 'must be a positive integer' })
    .int({ error: 'must be a positive integer' })
    .min(1, { error: 'must be a positive integer' })
    .max(32, { error: 'must be at most 32' })
    .default(2),
  clientCommand: z.string({ error: 'must be a program name or path' }).min(1).optional(),
  onProgress: z
    .custom<(progress: Progress) => void>((value) => typeof value === 'function', {
      error: 'must be a function',
    })
    .optional(),
})

/** Options of {@link restoreBackup}. */
export interface RestoreOptions {
  /** The backup: the path of its manifest (`.ktb.json`) or of its archive (`.ktb.gz`). */
  readonly manifest: string
  /** The database to restore into. It must not exist unless `replace` is set. */
  readonly target: string
  /** Replace `target` if it exists (its tables, views, triggers, routines and events). Defaults to `false`. */
  readonly replace?: boolean
  /** Connections inserting rows at once. Defaults to `2`. */
  readonly parallel?: number
  /**
   * The client program (a name on PATH or a path) that loads archives of the dump engines. Defaults to the one
   * matching the archive's engine: `'mariadb'` for mariadb-dump archives, `'mysql'` for mysqldump archives.
   */
  readonly clientCommand?: string
  /** Called with progress after every block and at each phase. */
  readonly onProgress?: (progress: Progress) => void
}

/** What {@link restoreBackup} did. */
export interface RestoreResult {
  readonly target: string
  /** Whether an existing database was replaced. */
  readonly replaced: boolean
  /** Rows inserted (`null` for the dump engines' archives, whose rows the client inserts). */
  readonly rows: number | null
  readonly tables: number
  readonly durationMs: number
  readonly rowsPerSecond: number
  readonly manifest: BackupManifest
}

/** Prefix of the temporary databases a restore loads into. */
const TEMPORARY_PREFIX = 'ktr_'

/**
 * Restores a backup into the database `target`.
 *
 * First the archive's size and SHA-256 are checked against its manifest, and every statement in it is looked at:
 * a truncated or damaged archive, or one with a statement that would write to another database than `target`
 * (references to the backed-up database itself are rewritten to `target`), is refused before anything is
 * written. Views, triggers, routines and events are created in their own creation context (character set and
 * collations), as they were on the source. Then the rows are loaded, by `parallel` connections with foreign key and
 * unique checks off, into a temporary database (`ktr_<random>_<target>`), and the views, routines and triggers are
 * created there (after the rows, so triggers do not fire on them). Row counts are checked against the archive.
 * Only then are the tables moved into `target` with one atomic `RENAME TABLE` and the other objects recreated
 * there; if any of that fails, the target is put back as it was. A restore that fails or is killed half-way leaves
 * `target` untouched; the temporary database it leaves when killed is dropped by the next restore.
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 * @throws {ArchiveCorruptError} when the archive or manifest is damaged (nothing was written).
 * @throws {CrossDatabaseStatementError} when a statement would write to another database (nothing was written).
 * @throws {RestoreTargetExistsError} when `target` exists and `replace` is not set (nothing was written).
 * @throws {RestoreFailedError} when the restore fails; `target` is as it was.
 *
 * @example
 * ```ts
 * import { restoreBackup } from 'kysely-toolkit/backup'
 *
 * const result = await restoreBackup(database, {
 *   manifest: './backups/shop-20250101T000000000Z.ktb.json',
 *   target: 'shop_restored',
 * })
 * console.log(`${result.rows} rows in ${result.durationMs} ms`)
 * ```
 */
export async function restoreBackup(source: BackupSource, options: RestoreOptions): Promise<RestoreResult> {
  const resolved = parseOptions(RestoreOptionsSchema, options, 'restore options')
  const { target } = resolved
  const temporary = `${TEMPORARY_PREFIX}${randomBytes(5).toString('hex')}_${target}`.slice(0, 64)
  // One read of the archive checks its checksum and every statement it would run, before anything is written.
  const statements = new RestoreStatementCheck(target, temporary)
  const { manifest, archivePath } = await checkArchiveBlocks(resolved.manifest, (block) =>
    statements.inspect(block),
  )
  statements.finish()
  const progress = new ProgressTracker(resolved.onProgress)
  progress.rowsTotal = manifest.rows
  progress.tablesTotal = manifest.tables.length
  progress.emit()

  let admin: ServerConnection
  try {
    admin = await ServerConnection.open(source.options, undefined, ['SET SESSION foreign_key_checks = 0'])
  } catch (error) {
    throw new RestoreFailedError(target, error)
  }
  const trash = `${TEMPORARY_PREFIX}${randomBytes(5).toString('hex')}_old`
  let temporaryCreated = false
  try {
    const exists = await databaseExists(admin, target)
    if (exists && !resolved.replace) throw new RestoreTargetExistsError(target)
    await sweepAbandonedRestores(admin)
    // Held for the whole restore: tells other restores this temporary database is in use.
    await admin.query('SELECT GET_LOCK(?, 0), GET_LOCK(?, 0)', [temporary, trash])

    let loaded: LoadOutcome
    try {
      loaded = await loadArchive(source, archivePath, manifest, temporary, resolved, progress, () => {
        temporaryCreated = true
      })
    } catch (error) {
      if (ToolkitError.is(error)) throw error
      throw new RestoreFailedError(target, error)
    }
    progress.phase = 'finishing'
    progress.emit()
    try {
      await moveDatabase(
        source.options,
        admin,
        { source: temporary, target, trash },
        await databaseExists(admin, target),
      )
    } catch (error) {
      throw new RestoreFailedError(target, error)
    }
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(temporary)}`)
    temporaryCreated = false
    const durationMs = progress.elapsedMs
    return Object.freeze({
      target,
      replaced: exists,
      rows: loaded.rows,
      tables: manifest.tables.length,
      durationMs,
      rowsPerSecond: loaded.rows === null || durationMs === 0 ? 0 : (loaded.rows * 1000) / durationMs,
      manifest,
    })
  } finally {
    if (temporaryCreated)
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(temporary)}`).catch(() => {})
    await admin.close()
  }
}

interface LoadOutcome {
  readonly rows: number | null
}

type ResolvedRestoreOptions = z.output<typeof RestoreOptionsSchema>

/** Row and schema statements run with these session settings (mysqldump's, plus UTC). */
const LOAD_SESSION = ['SET SESSION foreign_key_checks = 0', 'SET SESSION unique_checks = 0']

async function loadArchive(
  source: BackupSource,
  archivePath: string,
  manifest: BackupManifest,
  database: string,
  resolved: ResolvedRestoreOptions,
  progress: ProgressTracker,
  onCreated: () => void,
): Promise<LoadOutcome> {
  const connections: ServerConnection[] = []
  const idle: ServerConnection[] = []
  const waiters: (() => void)[] = []
  let failure: unknown
  const inFlight = new Set<Promise<void>>()
  const rowsByTable = new Map<string, number>()
  const expected = new Map(manifest.tables.map((table) => [table.name, table.rows]))
  let main: ServerConnection | undefined
  let creator: ServerConnection | undefined
  let archivedDatabase = ''
  let sawHeader = false
  let sawEnd = false
  let blocks = 0
  let script: { write: (payload: Buffer) => Promise<void>; end: () => Promise<void> } | undefined
  let scriptRun: Promise<void> | undefined

  const fail = (error: unknown): void => {
    failure ??= error
  }
  const acquire = async (): Promise<ServerConnection> => {
    while (idle.length === 0) await new Promise<void>((resolve) => waiters.push(resolve))
    return idle.pop()!
  }
  const release = (connection: ServerConnection): void => {
    idle.push(connection)
    waiters.shift()?.()
  }
  const drain = async (): Promise<void> => {
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
  }
  const corrupt = (reason: string): ArchiveCorruptError => new ArchiveCorruptError(archivePath, reason)

  try {
    for await (const block of readArchiveBlocks(archivePath, (bytes) => {
      progress.bytes = bytes
    })) {
      if (failure !== undefined) throw failure
      blocks++
      const { header } = block
      if (!sawHeader) {
        if (
          header.kind !== 'header' ||
          header.format !== ARCHIVE_FORMAT ||
          header.version !== ARCHIVE_VERSION
        ) {
          throw corrupt('it does not start with a kysely-toolkit header block')
        }
        sawHeader = true
        archivedDatabase = header.database
        await createDatabaseFor(source, database, header.charset, header.collation)
        onCreated()
        main = await ServerConnection.open(source.options, database, LOAD_SESSION)
        connections.push(main)
        // Before any row: a refusal to create functions or triggers would otherwise come after all of them.
        await checkObjectCreation(main, manifest)
        creator = await ServerConnection.open(source.options, database, LOAD_SESSION, 'binary')
        connections.push(creator)
        for (let index = 0; index < resolved.parallel; index++) {
          const connection = await ServerConnection.open(source.options, database, LOAD_SESSION)
          connections.push(connection)
          idle.push(connection)
        }
        progress.phase = 'rows'
        continue
      }
      switch (header.kind) {
        case 'header':
          throw corrupt('it has a second header block')
        case 'table':
          await main!.execute(block.payload.toString('utf8'))
          break
        case 'rows':
          await runRows(block)
          break
        case 'script':
          if (script === undefined) {
            if (manifest.engine === 'builtin') throw corrupt('a builtin archive has a script block')
            const started = startScript(
              source,
              database,
              resolved.clientCommand ?? DUMP_PROGRAMS[manifest.engine].client,
            )
            script = started.script
            scriptRun = started.run
          }
          await script.write(block.payload)
          break
        case 'end': {
          await drain()
          if (script !== undefined) {
            await script.end()
            await scriptRun
          }
          sawEnd = true
          progress.tablesDone = progress.tablesTotal
          if (header.blocks !== blocks)
            throw corrupt(`it has ${blocks} blocks, its end block says ${header.blocks}`)
          for (const [table, count] of Object.entries(header.rows)) {
            const restored = rowsByTable.get(table) ?? 0
            if (restored !== count || (expected.get(table) ?? count) !== count) {
              throw new Error(`table ${table}: ${restored} rows inserted, the backup has ${count}`)
            }
          }
          break
        }
        default:
          await drain()
          progress.phase = 'objects'
          await createObject(creator!, {
            kind: header.kind,
            name: header.name,
            ...(header.table === undefined ? {} : { table: header.table }),
            createStatement: objectStatement(header, block.payload, archivedDatabase, database),
            sqlMode: header.sqlMode,
            ...(header.timeZone === undefined ? {} : { timeZone: header.timeZone }),
            ...(header.context === undefined ? {} : { context: header.context }),
          })
      }
      progress.emit()
    }
    if (!sawEnd) throw corrupt('it ends without its end block (truncated)')
    return { rows: manifest.engine === 'builtin' ? progress.rows : null }
  } catch (error) {
    for (const connection of connections) connection.destroy()
    throw error
  } finally {
    await Promise.allSettled(inFlight)
    for (const connection of connections) await connection.close()
  }

  async function runRows(block: Block): Promise<void> {
    if (block.header.kind !== 'rows') return
    const { table, rows } = block.header
    const statement = block.payload.toString('utf8')
    const connection = await acquire()
    if (failure !== undefined) throw failure
    const task = executeWithRetry(connection, statement)
      .then((affected) => {
        if (affected !== rows)
          throw new Error(`table ${table}: a statement of ${rows} rows inserted ${affected}`)
        const total = (rowsByTable.get(table) ?? 0) + affected
        rowsByTable.set(table, total)
        progress.rows += affected
        if (total === expected.get(table)) progress.tablesDone++
      })
      .catch(fail)
      .finally(() => {
        release(connection)
        inFlight.delete(task)
      })
    inFlight.add(task)
  }
}

/** Deadlock, lock wait timeout: an autocommit INSERT was rolled back whole and can simply run again. */
const RETRYABLE = new Set([1213, 1205])

/**
 * Runs one INSERT, again after a deadlock: connections inserting into the same table at once can deadlock on
 * index gap locks, and InnoDB then rolls the whole statement back.
 */
async function executeWithRetry(connection: ServerConnection, statement: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.execute(statement)
    } catch (error) {
      const errno = (error as { errno?: number }).errno
      if (errno === undefined || !RETRYABLE.has(errno) || attempt >= 8) throw error
      await new Promise((resolve) => setTimeout(resolve, attempt * 20 * Math.random()))
    }
  }
}

async function createDatabaseFor(source: BackupSource, database: string, charset: string, collation: string) {
  const admin = await ServerConnection.open(source.options, undefined)
  try {
    await admin.query(
      `CREATE DATABASE ${quoteIdentifier(database)} CHARACTER SET ${safeName(charset)} COLLATE ${safeName(collation)}`,
    )
  } finally {
    await admin.close()
  }
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`unexpected character set or collation ${JSON.stringify(name)}`)
  return name
}

/** Pipes `script` blocks into the client (`mariadb`, `mysql`), connected to `database`. */
function startScript(
  source: BackupSource,
  database: string,
  command: string,
): { script: { write: (payload: Buffer) => Promise<void>; end: () => Promise<void> }; run: Promise<void> } {
  let feed: ((payload: Buffer | null) => Promise<void>) | undefined
  let ready: () => void = () => {}
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  const run = withClientTool(
    source.options,
    command,
    ['--default-character-set=utf8mb4', '--binary-mode', `--database=${database}`],
    async (child, done) => {
      const stdin = child.stdin!
      child.stdout?.resume()
      feed = async (payload) => {
        if (payload === null) {
          stdin.end()
          return
        }
        if (!stdin.write(payload)) {
          await Promise.race([new Promise((resolve) => stdin.once('drain', resolve)), done])
        }
      }
      ready()
      await done
    },
  )
  run.catch(() => {})
  const script = {
    write: async (payload: Buffer) => {
      await Promise.race([started, run])
      await feed!(payload)
    },
    end: async () => {
      await Promise.race([started, run])
      await feed!(null)
    },
  }
  return { script, run }
}

async function databaseExists(connection: ServerConnection, name: string): Promise<boolean> {
  const rows = await connection.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
    name,
  ])
  return rows.length > 0
}

/**
 * Drops temporary restore databases (`ktr_...`) whose restore is gone: a running restore holds a user lock named
 * after its database (GET_LOCK), which the server frees when that connection ends, however it ends.
 */
async function sweepAbandonedRestores(admin: ServerConnection): Promise<void> {
  const rows = await admin.query<{ name: string }>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ktr\\_%'",
  )
  for (const { name } of rows) {
    // A BIGINT on MySQL, which this connection reads as a string ("1"); an INT on MariaDB.
    const [free] = await admin.query<{ free: number | string | null }>('SELECT IS_FREE_LOCK(?) AS free', [
      name,
    ])
    if (Number(free?.free) === 1) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`)
  }
}
