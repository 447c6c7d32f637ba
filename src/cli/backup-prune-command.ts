import { parseArgs } from 'node:util'
import { pruneBackups } from '../backup/prune-backups.js'
import { loadBackupConfig, positiveIntegerFlag, positiveNumberFlag } from './backup-cli-support.js'
import { type Command, UsageError } from './command.js'

/** `kysely-toolkit backup prune`. */
export const backupPruneCommand: Command = {
  name: 'prune',
  summary: 'Delete old backups by a retention policy (never the newest good one)',
  usage: `Usage: kysely-toolkit backup prune [--dir <dir>] [--keep-last <n>] [--keep-days <d>] [options]

Keeps the newest <n> and/or those younger than <d> days, per file name prefix; the newest good backup is always
kept. Only files identified as kysely-toolkit backups (name pattern and a valid manifest) are deleted.

Options:
  --dir <dir>          backup directory (default: config backup.directory, else ./backups)
  --keep-last <n>      keep the newest n backups (default: config backup.retention.keepLast)
  --keep-days <d>      keep backups younger than d days (default: config backup.retention.keepDays)
  --prefix <name>      only backups with this prefix
  --delete-damaged     also delete damaged backups the policy does not keep
  --dry-run            show what would be deleted
  --json               print JSON on stdout
  --config <file>      config file`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        dir: { type: 'string' },
        'keep-last': { type: 'string' },
        'keep-days': { type: 'string' },
        prefix: { type: 'string' },
        'delete-damaged': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    const config = await loadBackupConfig(io, values.config)
    const keepLast = positiveIntegerFlag('keep-last', values['keep-last']) ?? config.retention.keepLast
    const keepDays = positiveNumberFlag('keep-days', values['keep-days']) ?? config.retention.keepDays
    if (keepLast === undefined && keepDays === undefined) {
      throw new UsageError('give --keep-last and/or --keep-days (or backup.retention in the config)')
    }
    const directory = values.dir ?? config.directory
    const result = await pruneBackups(directory, {
      ...(keepLast === undefined ? {} : { keepLast }),
      ...(keepDays === undefined ? {} : { keepDays }),
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
      deleteDamaged: values['delete-damaged'],
      dryRun: values['dry-run'],
    })
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            dryRun: values['dry-run'],
            kept: result.kept.map((entry) => entry.manifestPath),
            deleted: result.deleted.map((entry) => entry.manifestPath),
          },
          null,
          2,
        )}\n`,
      )
      return 0
    }
    const verb = values['dry-run'] ? 'would delete' : 'deleted'
    for (const entry of result.deleted) io.stdout.write(`${verb}  ${entry.manifestPath}\n`)
    io.stdout.write(`${result.deleted.length} ${verb}, ${result.kept.length} kept in ${directory}\n`)
    return 0
  },
}
