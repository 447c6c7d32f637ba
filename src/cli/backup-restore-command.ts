import { parseArgs } from 'node:util'
import { restoreBackup } from '../backup/restore-backup.js'
import { backupSourceFromEnv, positiveIntegerFlag, terminalProgress } from './backup-cli-support.js'
import { type Command, UsageError } from './command.js'

/** `kysely-toolkit backup restore`. */
export const backupRestoreCommand: Command = {
  name: 'restore',
  summary: 'Restore a backup into a new (or, with --replace, an existing) database',
  usage: `Usage: kysely-toolkit backup restore <manifest.ktb.json> --target <database> [options]

The archive is checked against its manifest (size, SHA-256) before anything is written; rows are loaded into a
temporary database and moved into the target only when complete, so a failed restore leaves the target as it was.

Options:
  --target <name>      database to restore into (must not exist, unless --replace)
  --replace            replace the target if it exists
  --parallel <n>       connections inserting rows (default 2)
  --json               print a JSON summary on stdout`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        target: { type: 'string' },
        replace: { type: 'boolean', default: false },
        parallel: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    })
    const [manifest, ...rest] = positionals
    if (manifest === undefined || rest.length > 0)
      throw new UsageError('give exactly one backup manifest (.ktb.json)')
    if (values.target === undefined) throw new UsageError('--target <database> is required')
    const parallel = positiveIntegerFlag('parallel', values.parallel)
    const progress = terminalProgress(io, !values.json)
    try {
      const result = await restoreBackup(backupSourceFromEnv(io), {
        manifest,
        target: values.target,
        replace: values.replace,
        ...(parallel === undefined ? {} : { parallel }),
        ...(progress.onProgress === undefined ? {} : { onProgress: progress.onProgress }),
      })
      progress.finish()
      const summary = {
        target: result.target,
        replaced: result.replaced,
        tables: result.tables,
        rows: result.rows,
        durationMs: Math.round(result.durationMs),
        rowsPerSecond: Math.round(result.rowsPerSecond),
        source: { database: result.manifest.database, createdAt: result.manifest.createdAt },
      }
      io.stdout.write(
        values.json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : `restored ${result.manifest.database} (${result.manifest.createdAt}) into ${result.target}: ${result.tables} tables, ${result.rows ?? '?'} rows in ${(result.durationMs / 1000).toFixed(1)} s${result.replaced ? ' (replaced)' : ''}\n`,
      )
      return 0
    } catch (error) {
      progress.finish()
      throw error
    }
  },
}
