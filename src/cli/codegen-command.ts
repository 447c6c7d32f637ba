import { relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load-config.js'
import { databaseOptionsFromEnv } from '../database/database-options-from-env.js'
import { MigrationFailedError } from '../error/migration-failed-error.js'
import type { Command } from './command.js'

/** `kysely-toolkit codegen`: migrate, then write (or `--check`) the types, metadata and zod modules. */
export const codegenCommand: Command = {
  name: 'codegen',
  summary:
    'Run pending migrations, then generate DB types, runtime metadata and zod schemas (--check for CI)',
  usage: `Usage: kysely-toolkit codegen [--check] [--no-migrate] [--out-dir <dir>] [--camel-case] [--config <file>]

Runs pending migrations, introspects the database and writes, in the codegen outDir (default ./src/generated):
  db.ts         the DB interface (kysely-codegen), with types matching what createDatabase returns
  metadata.ts   columns, keys and indexes of every table, as an \`as const\` object
  zod.ts        row, insert and update zod schemas per table

Options:
  --check              generate in memory and compare with the files on disk; exit 1 when they are stale
  --no-migrate         do not run migrations first
  --out-dir <dir>      folder of the generated files (default: config codegen.outDir)
  --camel-case         camel-case names (Kysely's CamelCasePlugin); --no-camel-case turns it off
  --folder <dir>       migration folder (default: config migrations.folder, else ./migrations; skipped when absent)
  --config <file>      config file (default: ./kysely-toolkit.config.ts if present)
  -h, --help           show this help

Needs the kysely-codegen and typescript packages. The connection comes from DATABASE_URL, or DB_HOST, DB_PORT,
DB_USER, DB_PASSWORD, DB_NAME.`,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        check: { type: 'boolean', default: false },
        migrate: { type: 'boolean' },
        'out-dir': { type: 'string' },
        'camel-case': { type: 'boolean' },
        folder: { type: 'string' },
        config: { type: 'string' },
      },
      allowNegative: true,
      strict: true,
    })
    const { config, path, resolvePath } = await loadConfig(io.cwd, values.config)
    const { resolveCodegenConfig, runCodegen } = await import('../../codegen/index.js')
    const subject = path === undefined ? 'codegen options' : `config file ${path}`
    const codegen = resolveCodegenConfig(config.codegen ?? {}, subject, 'codegen')
    const overrides = {
      ...codegen,
      ...(values['out-dir'] === undefined ? {} : { outDir: resolve(io.cwd, values['out-dir']) }),
      ...(values['camel-case'] === undefined ? {} : { camelCase: values['camel-case'] }),
      ...(values.migrate === undefined ? {} : { migrate: values.migrate }),
    }
    const migrationsFolder = values.folder
      ? resolve(io.cwd, values.folder)
      : resolvePath(config.migrations?.folder ?? './migrations')
    const baseDir = resolvePath('.')
    try {
      const result = await runCodegen({
        database: databaseOptionsFromEnv(io.env),
        config: overrides,
        baseDir,
        migrationsFolder,
        check: values.check,
        onProgress: (message) => io.stdout.write(`${message}\n`),
        onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
      })
      if (result.check === undefined) {
        io.stdout.write(`generated ${result.files.length} files for ${result.tables} tables\n`)
        return 0
      }
      for (const file of result.check.files) {
        const where = relative(io.cwd, file.path)
        if (file.status === 'fresh') io.stdout.write(`fresh    ${where}\n`)
        else if (file.status === 'missing') io.stdout.write(`missing  ${where}\n`)
        else io.stdout.write(`stale    ${where}: ${file.summary}\n`)
      }
      if (result.check.fresh) {
        io.stdout.write(
          `generated files are up to date (as codegen generates them on ${result.server.label})\n`,
        )
        return 0
      }
      io.stderr.write(
        `generated files are stale: they differ from what codegen generates on ${result.server.label}; run ` +
          '`kysely-toolkit codegen` and commit the result (generate and check on the server family you deploy to: ' +
          'see "Servers" in docs/codegen.md for what MySQL and MariaDB report differently)\n',
      )
      return 1
    } catch (error) {
      if (MigrationFailedError.is(error)) {
        io.stderr.write(
          `kysely-toolkit codegen: ${error.message}\n` +
            (error.completed.length > 0 ? `  applied before it: ${error.completed.join(', ')}\n` : '') +
            '  No files were written. MySQL and MariaDB cannot roll back DDL: statements of the failing migration\n' +
            '  that ran before the error stay applied, and the migration is not recorded as applied. Fix it (or undo\n' +
            '  its partial changes by hand) and run codegen again.\n',
        )
        return 1
      }
      throw error
    }
  },
}
