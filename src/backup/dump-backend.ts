import type { ResolvedDatabaseOptions } from '../database/database-options.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION } from './archive-format.js'
import type { ArchiveWriter } from './archive-writer.js'
import { withClientTool } from './client-tools.js'
import type { DumpOutcome } from './dump-outcome.js'
import type { ProgressTracker } from './progress.js'
import { readSchema } from './schema-reader.js'
import { ServerConnection } from './server-connection.js'

const PIECE_BYTES = 1 << 20

/**
 * The mariadb-dump engine: `mariadb-dump --single-transaction` of one database, its output cut into `script`
 * blocks. Restoring such an archive pipes the script into the `mariadb` client.
 *
 * @internal
 */
export async function dumpWithMariadbDump(
  options: ResolvedDatabaseOptions,
  database: string,
  writer: ArchiveWriter,
  settings: { readonly command: string; readonly events: boolean; readonly progress: ProgressTracker },
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
  const args = [
    '--single-transaction',
    '--routines',
    '--triggers',
    ...(settings.events ? ['--events'] : []),
    '--hex-blob',
    '--tz-utc',
    '--skip-dump-date',
    '--default-character-set=utf8mb4',
    database,
  ]
  settings.progress.phase = 'rows'
  settings.progress.emit()
  await withClientTool(options, settings.command, args, async (child, done) => {
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
    serverVersion,
    consistency: { mode: 'single-transaction', connections: 1, lockMs: null },
    rows: null,
    ...names,
  }
}
