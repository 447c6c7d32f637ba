import { parseArgs } from 'node:util'
import { verifyBackup } from '../backup/verify-backup.js'
import { backupSourceFromEnv, terminalProgress } from './backup-cli-support.js'
import { type Command, UsageError } from './command.js'

/** `kysely-toolkit backup verify`. */
export const backupVerifyCommand: Command = {
  name: 'verify',
  summary: 'Restore a backup into a throw-away database and compare it with the source',
  usage: `Usage: kysely-toolkit backup verify <manifest.ktb.json> [--against <database>] [--json]

Restores the backup into a temporary database, compares row counts and CHECKSUM TABLE of every table and the
views, triggers and routines with --against (default: the database the backup was taken of), then drops the copy.
Exit code 0 when everything matches, 1 when not. Tables written since the backup differ, of course.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { against: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    })
    const [manifest, ...rest] = positionals
    if (manifest === undefined || rest.length > 0)
      throw new UsageError('give exactly one backup manifest (.ktb.json)')
    const progress = terminalProgress(io, !values.json)
    try {
      const report = await verifyBackup(backupSourceFromEnv(io), {
        manifest,
        ...(values.against === undefined ? {} : { against: values.against }),
        ...(progress.onProgress === undefined ? {} : { onProgress: progress.onProgress }),
      })
      progress.finish()
      if (values.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      } else {
        for (const table of report.tables) {
          io.stdout.write(
            `${table.match ? 'ok      ' : 'MISMATCH'}  ${table.name}  rows ${table.restoredRows}/${table.sourceRows ?? '-'}  checksum ${table.restoredChecksum ?? '-'}/${table.sourceChecksum ?? '-'}\n`,
          )
        }
        for (const missing of report.missing) io.stdout.write(`MISSING   ${missing}\n`)
        for (const mismatch of report.mismatched) io.stdout.write(`DIFFERS   ${mismatch}\n`)
        io.stdout.write(`${report.ok ? 'verified' : 'NOT verified'} against ${report.against}\n`)
      }
      return report.ok ? 0 : 1
    } catch (error) {
      progress.finish()
      throw error
    }
  },
}
