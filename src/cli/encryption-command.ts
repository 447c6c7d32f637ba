import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { loadConfig } from '../config/load-config.js'
import type { UnknownDatabase } from '../plugin/encryption/encrypted-columns.js'
import type { EncryptableValue } from '../plugin/encryption/envelope.js'
import {
  countRowsOnOldKeys,
  createKeyring,
  EncryptionPlugin,
  type OldKeyCount,
  readKeysFromEnv,
  rotateEncryptionKeys,
} from '../plugin/encryption/index.js'
import { parseOptions } from '../util/parse-options.js'
import { positiveIntegerFlag } from './backup-cli-support.js'
import { type Command, type CommandIo, UsageError } from './command.js'
import { connectFromEnv } from './connect.js'

const transformSchema = z.custom<(value: EncryptableValue) => EncryptableValue>(
  (value) => typeof value === 'function',
  { error: 'must be a function' },
)

const columnSchema = z.union(
  [
    z.literal(true),
    z.strictObject({
      maxPlaintextBytes: z.number({ error: 'must be a whole number of bytes' }).int().min(0).optional(),
      blindIndex: z
        .strictObject({
          column: z.string({ error: 'must be a column name' }).min(1, { error: 'must be a column name' }),
          bits: z.number({ error: 'must be a whole number from 1 to 32' }).int().min(1).max(32),
          transform: transformSchema.optional(),
        })
        .optional(),
    }),
  ],
  { error: 'must be true or column options ({ maxPlaintextBytes?, blindIndex? })' },
)

/**
 * The `encryption` section of kysely-toolkit.config.ts: the plugin's table configuration (the same object the
 * application gives `EncryptionPlugin`), and where the keys are in the environment. Keys themselves are never
 * in the config file nor on the command line.
 */
const EncryptionConfigSchema = z.strictObject({
  tables: z.record(
    z.string(),
    z.record(z.string(), columnSchema, { error: 'must map column names to column options' }),
    { error: 'must map table names to their encrypted columns' },
  ),
  readLegacyPlaintext: z.boolean({ error: 'must be true or false' }).optional(),
  env: z
    .strictObject({
      keys: z.string().min(1).optional(),
      currentKeyId: z.string().min(1).optional(),
      blindIndexKey: z.string().min(1).optional(),
    })
    .optional(),
})

const ENVIRONMENT = `Keys come from the environment: ENCRYPTION_KEYS="<id>:<base64 key>,..." (the first is current unless
ENCRYPTION_CURRENT_KEY_ID names another) and BLIND_INDEX_KEY (for blind indexes); encryption.env in the config
renames these variables. Never pass keys as arguments. The encrypted columns come from the encryption section of
kysely-toolkit.config.ts ({ tables: { <table>: { <column>: true | { maxPlaintextBytes?, blindIndex? } } },
readLegacyPlaintext? }). The connection comes from DATABASE_URL, or DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
DB_NAME.`

interface EncryptionSetup {
  readonly plugin: EncryptionPlugin<UnknownDatabase>
  readonly db: Kysely<UnknownDatabase>
  close(): Promise<void>
}

/** The plugin from the config file and the environment's keys, and a connection. */
async function openEncryption(io: CommandIo, configPath: string | undefined): Promise<EncryptionSetup> {
  const { config, path } = await loadConfig(io.cwd, configPath)
  const where = path ?? 'kysely-toolkit.config.ts'
  if (config.encryption === undefined) {
    throw new UsageError(`${where} has no encryption section: it must name the encrypted tables and columns`)
  }
  const section = parseOptions(EncryptionConfigSchema, config.encryption, `encryption section of ${where}`)
  const keyring = createKeyring({
    keys: readKeysFromEnv({
      env: io.env,
      ...(section.env?.keys ? { keysVariable: section.env.keys } : {}),
      ...(section.env?.currentKeyId ? { currentKeyIdVariable: section.env.currentKeyId } : {}),
      ...(section.env?.blindIndexKey ? { blindIndexKeyVariable: section.env.blindIndexKey } : {}),
    }),
  })
  const plugin = new EncryptionPlugin<UnknownDatabase>({
    keyring,
    tables: section.tables,
    readLegacyPlaintext: section.readLegacyPlaintext ?? false,
  })
  const database = connectFromEnv(io)
  return {
    plugin,
    db: database.db.withPlugin(plugin) as Kysely<UnknownDatabase>,
    close: () => database.close({ timeoutMs: 1_000 }),
  }
}

function columnsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const columns = value
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column.length > 0)
  if (columns.length === 0) throw new UsageError('--columns must list column names separated by commas')
  return columns
}

function tableFlag(value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError('--table is required')
  return value.trim()
}

function describeCount(count: OldKeyCount): string {
  // The current key first, plaintext last.
  const rank = (keyId: string) => (keyId === count.currentKeyId ? 0 : keyId === '' ? 2 : 1)
  const lines = [
    `${count.table}: ${count.rows} row(s) with values on old keys (current key ${count.currentKeyId})`,
  ]
  for (const [column, byKey] of Object.entries(count.columns)) {
    const parts = Object.entries(byKey)
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([keyId, n]) => `${keyId === '' ? 'plaintext' : keyId} ${n}`)
    lines.push(`  ${column}: ${parts.join(', ') || 'no values'}`)
  }
  return `${lines.join('\n')}\n`
}

const rotateCommand: Command = {
  name: 'rotate',
  summary: "Re-encrypt a table's encrypted columns to the current key, in batches, resumably",
  usage: `Usage: kysely-toolkit encryption rotate --table <table> [--columns <a,b>] [--batch-size <n>] [--json]

Options:
  --table <table>      the table to re-encrypt (its name in the database)
  --columns <a,b>      encrypted columns to re-encrypt (default: every configured one of the table)
  --batch-size <n>     rows per batch, each in one short transaction (default 500)
  --json               print a JSON summary on stdout (progress lines then go to stderr)
  --config <file>      config file (default: kysely-toolkit.config.ts in the working directory)

Rows are found by their key id, so a rotation stopped half-way continues where it left off when run again.
Exit code 0 when no row is left on an old key, 1 otherwise (rows changed meanwhile: run it again).`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        table: { type: 'string' },
        columns: { type: 'string' },
        'batch-size': { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    const table = tableFlag(values.table)
    const columns = columnsFlag(values.columns)
    const batchSize = positiveIntegerFlag('batch-size', values['batch-size'])
    const progressOut = values.json ? io.stderr : io.stdout
    const setup = await openEncryption(io, values.config)
    try {
      const started = Date.now()
      const result = await rotateEncryptionKeys(setup.db, {
        plugin: setup.plugin,
        table,
        ...(columns ? { columns } : {}),
        ...(batchSize ? { batchSize } : {}),
        onProgress: (progress) => {
          progressOut.write(
            `${progress.table}: batch ${progress.batches}, ${progress.scanned} row(s) read, ${progress.rotated} re-encrypted, ${progress.skipped} skipped\n`,
          )
        },
      })
      const remaining = await countRowsOnOldKeys(setup.db, {
        plugin: setup.plugin,
        table,
        ...(columns ? { columns } : {}),
      })
      const seconds = (Date.now() - started) / 1000
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify({ ...result, remainingOnOldKeys: remaining.rows, seconds }, null, 2)}\n`,
        )
      } else {
        io.stdout.write(
          `${result.table}: ${result.rotated} row(s) re-encrypted to key ${result.currentKeyId} in ${result.batches} batch(es), ${seconds.toFixed(1)} s; ${result.skipped} skipped (changed meanwhile); ${remaining.rows} row(s) left on old keys\n`,
        )
      }
      return remaining.rows === 0 ? 0 : 1
    } finally {
      await setup.close()
    }
  },
}

const statusCommand: Command = {
  name: 'status',
  summary: 'Count the rows of a table with values on old keys (or in plaintext), per column and key',
  usage: `Usage: kysely-toolkit encryption status --table <table> [--columns <a,b>] [--json]

Options:
  --table <table>      the table to count (its name in the database)
  --columns <a,b>      encrypted columns to count (default: every configured one of the table)
  --json               print the counts as JSON
  --config <file>      config file (default: kysely-toolkit.config.ts in the working directory)

Exit code 0 whether or not rows are on old keys; read the count (or "rows" in the JSON).`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        table: { type: 'string' },
        columns: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
    const table = tableFlag(values.table)
    const columns = columnsFlag(values.columns)
    const setup = await openEncryption(io, values.config)
    try {
      const count = await countRowsOnOldKeys(setup.db, {
        plugin: setup.plugin,
        table,
        ...(columns ? { columns } : {}),
      })
      io.stdout.write(values.json ? `${JSON.stringify(count, null, 2)}\n` : describeCount(count))
      return 0
    } finally {
      await setup.close()
    }
  },
}

const SUBCOMMANDS: readonly Command[] = [rotateCommand, statusCommand]

/** `kysely-toolkit encryption rotate|status`. */
export const encryptionCommand: Command = {
  name: 'encryption',
  summary: 'Column encryption: rotate a table to the current key, count rows on old keys',
  usage: `Usage: kysely-toolkit encryption <rotate|status> [options]

${SUBCOMMANDS.map((command) => `  ${command.name.padEnd(8)} ${command.summary}`).join('\n')}

${ENVIRONMENT}

${SUBCOMMANDS.map((command) => command.usage).join('\n\n')}`,
  async run(args, io) {
    const [name, ...rest] = args
    const command = SUBCOMMANDS.find((candidate) => candidate.name === name)
    if (command === undefined) {
      throw new UsageError(
        `unknown encryption action ${JSON.stringify(name ?? '')}; expected one of ${SUBCOMMANDS.map((candidate) => candidate.name).join(', ')}`,
      )
    }
    return command.run(rest, io)
  },
}
