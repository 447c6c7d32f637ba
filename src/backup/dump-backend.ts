import type { ResolvedDatabaseOptions } from '../database/database-options.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION } from './archive-format.js'
import type { ArchiveWriter } from './archive-writer.js'
import { withClientTool } from './client-tools.js'
import type { DumpOutcome } from './dump-outcome.js'
import type { DumpEngine } from './manifest.js'
import type { ProgressTracker } from './progress.js'
import { readSchema } from './schema-reader.js'
import { ServerConnection } from './server-connection.js'

const PIECE_BYTES = 1 << 20

/** The dump engines' programs, and the client that loads each one's scripts. @internal */
export const DUMP_PROGRAMS = {
  'mariadb-dump': { dump: 'mariadb-dump', client: 'mariadb' },
  mysqldump: { dump: 'mysqldump', client: 'mysql' },
} as const satisfies Record<DumpEngine, { dump: string; client: string }>

/**
 * The dump engine of a server (`SELECT VERSION()`): `mysqldump` for Oracle MySQL, `mariadb-dump` for MariaDB,
 * whose version always says so. @internal
 */
export function dumpEngineOf(serverVersion: string): DumpEngine {
  return /mariadb/i.test(serverVersion) ? 'mariadb-dump' : 'mysqldump'
}

/**
 * The dump program's arguments. Both programs: one `--single-transaction` snapshot, routines, triggers (and
 * events), binary columns in hex, TIMESTAMPs in UTC. mysqldump also: `--set-gtid-purged=OFF`, since on a server
 * with GTIDs it would otherwise write `SET @@GLOBAL.GTID_PURGED`, which a restore into any server that has GTIDs
 * of its own refuses (and which needs more privileges to dump); `--no-tablespaces`, since dumping tablespaces
 * needs the PROCESS privilege and a one-database backup has none to dump.
 *
 * @internal
 */
export function dumpArguments(engine: DumpEngine, database: string, events: boolean): string[] {
  return [
    '--single-transaction',
    '--routines',
    '--triggers',
    ...(events ? ['--events'] : []),
    '--hex-blob',
    '--tz-utc',
    '--skip-dump-date',
    '--default-character-set=utf8mb4',
    ...(engine === 'mysqldump' ? ['--set-gtid-purged=OFF', '--no-tablespaces'] : []),
    database,
  ]
}

/**
 * The dump engines: `mariadb-dump` or `mysqldump --single-transaction` of one database, its output cut into
 * `script` blocks. Restoring such an archive pipes the script into the matching client (`mariadb`, `mysql`).
 * `engine: 'dump'` picks the server's own program. A program of the other flavor is run as asked, with a warning.
 *
 * @internal
 */
export async function dumpWithDumpProgram(
  options: ResolvedDatabaseOptions,
  database: string,
  writer: ArchiveWriter,
  settings: {
    readonly engine: DumpEngine | 'dump'
    readonly command: string | undefined
    readonly events: boolean
    readonly progress: ProgressTracker
    readonly warn: (message: string) => void
  },
): Promise<DumpOutcome> {
  const connection = await ServerConnection.open(options, database)
  let serverVersion: string
  let names: {
    tables: DumpOutcome['tables']
    views: string[]
    routines: string[]
    triggers: string[]
    events: string[]
  }
  let charset: string
  let collation: string
  try {
    const [info] = await connection.query<{ version: string }>('SELECT VERSION() AS version')
    serverVersion = info?.version ?? 'unknown'
    const schema = await readSchema(connection, database, { events: settings.events, stripDefiners: false })
    charset = schema.charset
    collation = schema.collation
    names = {
      tables: schema.tables.map((table) => ({
        name: table.name,
        rows: null,
        engine: table.engine,
        autoIncrement: /\bAUTO_INCREMENT=(\d+)/.exec(table.createStatement)?.[1] ?? null,
      })),
      views: schema.views.map((view) => view.name),
      routines: schema.routines.map((routine) => `${routine.kind} ${routine.name}`),
      triggers: schema.triggers.map((trigger) => trigger.name),
      events: schema.events.map((event) => event.name),
    }
  } finally {
    await connection.close()
  }
  const own = dumpEngineOf(serverVersion)
  const engine = settings.engine === 'dump' ? own : settings.engine
  if (engine !== own) {
    settings.warn(
      `${engine} is ${engine === 'mysqldump' ? "MySQL's" : "MariaDB's"} dump program and the server is ${serverVersion}: the server's own is ${own} (engine 'dump' picks it); the archive loads with the ${DUMP_PROGRAMS[engine].client} client`,
    )
  }
  const command = settings.command ?? DUMP_PROGRAMS[engine].dump
  await writer.write({
    kind: 'header',
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    database,
    charset,
    collation,
    serverVersion,
    createdAt: new Date().toISOString(),
  })
  const args = dumpArguments(engine, database, settings.events)
  settings.progress.phase = 'rows'
  settings.progress.emit()
  await withClientTool(options, command, args, async (child, done) => {
    child.stdin?.end()
    let pending: Buffer[] = []
    let size = 0
    const flush = async (): Promise<void> => {
      if (size === 0) return
      const payload = Buffer.concat(pending, size)
      pending = []
      size = 0
      await writer.write({ kind: 'script' }, payload)
      settings.progress.bytes = writer.bytes
      settings.progress.emit()
    }
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk)
      size += chunk.length
      if (size >= PIECE_BYTES) await flush()
    }
    await flush()
    await done
  })
  await writer.write({ kind: 'end', blocks: writer.blocks + 1, rows: {} })
  return {
    engine,
    serverVersion,
    consistency: { mode: 'single-transaction', connections: 1, lockMs: null },
    rows: null,
    ...names,
  }
}
