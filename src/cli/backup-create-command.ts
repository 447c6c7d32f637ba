import { parseArgs } from 'node:util'
import { BACKUP_ENGINE_CHOICES, type BackupEngineChoice, createBackup } from '../backup/create-backup.js'
import {
  backupSourceFromEnv,
  formatBytes,
  loadBackupConfig,
  positiveIntegerFlag,
  terminalProgress,
} from './backup-cli-support.js'
import { type Command, UsageError } from './command.js'

/** `kysely-toolkit backup create`. */
export const backupCreateCommand: Command = {
  name: 'create',
  summary: 'Take a consistent, compressed backup of the database',
  usage: `Usage: kysely-toolkit backup create [--dir <dir>] [options]

Options:
  --dir <dir>          where to write <prefix>-<UTC time>.ktb.gz and .ktb.json (default: config backup.directory, else ./backups)
  --database <name>    database to back up (default: the connection's database)
  --prefix <name>      file name prefix (default: the database name)
  --parallel <n>       connections reading rows on one snapshot (default 2)
  --single             one connection, no LOCK TABLES moment (slower; needs no LOCK TABLES privilege)
  --engine <name>      builtin (default); dump (the server's own: mysqldump on MySQL, mariadb-dump on
                       MariaDB); or mysqldump / mariadb-dump by name
  --level <1-9>        gzip level (default 1)
  --events             include events
  --keep-definers      keep DEFINER clauses (restoring them needs SUPER or SET USER)
  --json               print the manifest as JSON on stdout
  --config <file>      config file (default: ./kysely-toolkit.config.ts if present)`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        dir: { type: 'string' },
        database: { type: 'string' },
        prefix: { type: 'string' },
        parallel: { type: 'string' },
        single: { type: 'boolean', default: false },
        engine: { type: 'string' },
        level: { type: 'string' },
        events: { type: 'boolean', default: false },
        'keep-definers': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    if (
      values.engine !== undefined &&
      !(BACKUP_ENGINE_CHOICES as readonly string[]).includes(values.engine)
    ) {
      throw new UsageError(
        `--engine must be one of ${BACKUP_ENGINE_CHOICES.join(', ')} (got ${JSON.stringify(values.engine)})`,
      )
    }
    const level = positiveIntegerFlag('level', values.level)
    if (level !== undefined && level > 9) throw new UsageError(`--level must be 1 to 9 (got ${level})`)
    const config = await loadBackupConfig(io, values.config)
    const source = backupSourceFromEnv(io)
    const progress = terminalProgress(io, !values.json)
    try {
      const parallel = positiveIntegerFlag('parallel', values.parallel) ?? config.parallel
      const prefix = values.prefix ?? config.prefix
      const result = await createBackup(source, {
        directory: values.dir ?? config.directory,
        ...(values.database === undefined ? {} : { database: values.database }),
        ...(prefix === undefined ? {} : { prefix }),
        ...(parallel === undefined ? {} : { parallel }),
        ...(values.single ? { snapshot: 'single' as const } : {}),
        ...(values.engine === undefined ? {} : { engine: values.engine as BackupEngineChoice }),
        ...(level === undefined ? {} : { compressionLevel: level }),
        events: values.events,
        definers: values['keep-definers'] ? 'keep' : 'strip',
        ...(progress.onProgress === undefined ? {} : { onProgress: progress.onProgress }),
        onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
      })
      progress.finish()
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify({ manifestPath: result.manifestPath, archivePath: result.archivePath, durationMs: Math.round(result.durationMs), rowsPerSecond: Math.round(result.rowsPerSecond), manifest: result.manifest }, null, 2)}\n`,
        )
      } else {
        const { manifest } = result
        io.stdout.write(
          `backed up ${manifest.database}: ${manifest.tables.length} tables, ${manifest.rows ?? '?'} rows, ${formatBytes(manifest.archive.bytes)} in ${(result.durationMs / 1000).toFixed(1)} s (${manifest.consistency.mode}, ${manifest.consistency.connections} connection(s))\n${result.manifestPath}\n`,
        )
      }
      return 0
    } catch (error) {
      progress.finish()
      throw error
    }
  },
}
