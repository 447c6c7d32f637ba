import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load-config.js'
import { MIGRATION_TARGETS, type MigrationTarget, migrate, migrationStatus } from '../migration/migrate.js'
import { type Command, UsageError } from './command.js'
import { connectFromEnv } from './connect.js'

const ACTIONS = ['latest', 'up', 'down', 'status'] as const

/** `kysely-toolkit migrate latest|up|down|status`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Run, revert or list migrations (Kysely Migrator over a folder of .ts/.js files)',
  usage: `Usage: kysely-toolkit migrate <latest|up|down|status> [--folder <dir>] [--config <file>]

  latest   apply every pending migration
  up       apply the next pending migration
  down     revert the last applied migration
  status   list migrations with when each was applied

Options:
  --folder <dir>    migration folder (default: config migrations.folder, else ./migrations)
  --config <file>   config file (default: ./kysely-toolkit.config.ts if present)
  -h, --help        show this help

The connection comes from DATABASE_URL, or DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { folder: { type: 'string' }, config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const action = positionals[0] ?? 'latest'
    if (!(ACTIONS as readonly string[]).includes(action) || positionals.length > 1) {
      throw new UsageError(
        `unknown migrate action ${JSON.stringify(positionals.join(' '))}; expected one of ${ACTIONS.join(', ')}`,
      )
    }
    const { config, resolvePath } = await loadConfig(io.cwd, values.config)
    const folder = values.folder
      ? resolvePath(values.folder)
      : resolvePath(config.migrations?.folder ?? './migrations')
    const database = connectFromEnv(io)
    try {
      if (action === 'status') {
        const states = await migrationStatus(database.db, { folder })
        for (const state of states) {
          io.stdout.write(
            `${state.executedAt ? `applied ${state.executedAt.toISOString()}` : 'pending                          '}  ${state.name}\n`,
          )
        }
        io.stdout.write(
          `${states.filter((state) => state.executedAt).length} applied, ${states.filter((state) => !state.executedAt).length} pending\n`,
        )
        return 0
      }
      const target: MigrationTarget = MIGRATION_TARGETS.includes(action as MigrationTarget)
        ? (action as MigrationTarget)
        : 'latest'
      const result = await migrate(database.db, { folder, target })
      for (const name of result.applied)
        io.stdout.write(`${result.direction === 'up' ? 'applied ' : 'reverted'}  ${name}\n`)
      io.stdout.write(
        result.applied.length === 0
          ? 'nothing to do\n'
          : `${result.applied.length} migration(s) ${result.direction === 'up' ? 'applied' : 'reverted'}\n`,
      )
      return 0
    } finally {
      await database.close()
    }
  },
}
