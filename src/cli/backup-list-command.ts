import { parseArgs } from 'node:util'
import { listBackups } from '../backup/list-backups.js'
import { formatBytes, loadBackupConfig } from './backup-cli-support.js'
import { type Command, UsageError } from './command.js'

/** `kysely-toolkit backup list`. */
export const backupListCommand: Command = {
  name: 'list',
  summary: 'List the backups in a directory, newest first',
  usage: `Usage: kysely-toolkit backup list [--dir <dir>] [--checksums] [--json]

Options:
  --dir <dir>       backup directory (default: config backup.directory, else ./backups)
  --checksums       also check each archive's SHA-256 (reads every archive)

Exit code 0 when every backup listed is intact, 1 when one is damaged (so a cron job or a probe notices).
  --json            print JSON on stdout
  --config <file>   config file`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        dir: { type: 'string' },
        checksums: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    const directory = values.dir ?? (await loadBackupConfig(io, values.config)).directory
    const entries = await listBackups(directory, { checksums: values.checksums })
    const status = entries.some((entry) => entry.status !== 'ok') ? 1 : 0
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          entries.map((entry) => ({
            manifestPath: entry.manifestPath,
            archivePath: entry.archivePath,
            createdAt: entry.createdAt.toISOString(),
            database: entry.manifest.database,
            rows: entry.manifest.rows,
            bytes: entry.manifest.archive.bytes,
            status: entry.status,
            problem: entry.problem,
          })),
          null,
          2,
        )}\n`,
      )
      return status
    }
    for (const entry of entries) {
      io.stdout.write(
        `${entry.createdAt.toISOString()}  ${entry.status === 'ok' ? 'ok     ' : 'DAMAGED'}  ${entry.manifest.database}  ${entry.manifest.rows ?? '?'} rows  ${formatBytes(entry.manifest.archive.bytes)}  ${entry.manifestPath}${entry.problem ? `  (${entry.problem})` : ''}\n`,
      )
    }
    const damaged = entries.filter((entry) => entry.status !== 'ok').length
    io.stdout.write(
      `${entries.length} backup(s) in ${directory}${damaged === 0 ? '' : `, ${damaged} damaged`}\n`,
    )
    return status
  },
}
