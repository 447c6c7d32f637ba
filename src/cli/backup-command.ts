import { backupCreateCommand } from './backup-create-command.js'
import { backupListCommand } from './backup-list-command.js'
import { backupPruneCommand } from './backup-prune-command.js'
import { backupRestoreCommand } from './backup-restore-command.js'
import { backupVerifyCommand } from './backup-verify-command.js'
import { type Command, UsageError } from './command.js'

const SUBCOMMANDS: readonly Command[] = [
  backupCreateCommand,
  backupRestoreCommand,
  backupVerifyCommand,
  backupListCommand,
  backupPruneCommand,
]

/** `kysely-toolkit backup create|restore|verify|list|prune`. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'Consistent compressed backups: create, restore, verify, list, prune',
  usage: `Usage: kysely-toolkit backup <create|restore|verify|list|prune> [options]

${SUBCOMMANDS.map((command) => `  ${command.name.padEnd(8)} ${command.summary}`).join('\n')}

The connection comes from DATABASE_URL, or DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME (never from
arguments). Progress is drawn on stderr when it is a terminal; --json prints a summary for scripts.

${SUBCOMMANDS.map((command) => command.usage).join('\n\n')}`,
  async run(args, io) {
    const [name, ...rest] = args
    const command = SUBCOMMANDS.find((candidate) => candidate.name === name)
    if (command === undefined) {
      throw new UsageError(
        `unknown backup action ${JSON.stringify(name ?? '')}; expected one of ${SUBCOMMANDS.map((candidate) => candidate.name).join(', ')}`,
      )
    }
    return command.run(rest, io)
  },
}
