import { type Kysely, sql } from 'kysely'
import { EncryptionSetupError } from '../../error/encryption-setup-error.js'
import {
  type ColumnShape,
  checkBlindIndexShape,
  checkEncryptedColumnShape,
  normalizeColumnType,
} from './column-shape.js'
import type { EncryptedColumn, SnakeCaseDatabase, UnknownDatabase } from './encrypted-columns.js'
import { type EncryptionPlugin, getPluginInternals } from './encryption-plugin.js'
import { isEnvelope, openValue } from './envelope.js'
import { getKeyringState } from './keyring.js'

/** Options for {@link verifyEncryptionSetup}. */
export interface VerifyEncryptionSetupOptions<DB> {
  /** The plugin whose configuration to check; `db` must run it. */
  /**
   * The plugin of the Kysely instance: typed with `DB`, or with `SnakeCaseDatabase<DB>` when `DB` has
   * CamelCasePlugin's names.
   */
  readonly plugin: EncryptionPlugin<DB> | EncryptionPlugin<SnakeCaseDatabase<DB>>
}

/** What {@link verifyEncryptionSetup} found for one encrypted column. */
export interface EncryptedColumnReport {
  readonly table: string
  readonly column: string
  /**
   * The column's SQL type as `information_schema.COLUMNS.COLUMN_TYPE` gives it, e.g. `varchar(120)`, with integer
   * display widths left out as MySQL 8 does (`int unsigned` on MariaDB too).
   */
  readonly columnType: string
  /**
   * The most plaintext bytes the column holds under the keyring's longest key id; `null` for TEXT/BLOB types
   * (65,535 bytes and up).
   */
  readonly capacityBytes: number | null
  /** The blind-index column and its SQL type (e.g. `int unsigned`), when the column has one. */
  readonly blindIndex?: { readonly column: string; readonly columnType: string } | undefined
}

/** The result of {@link verifyEncryptionSetup}: one report per configured column. */
export interface EncryptionSetupResult {
  readonly columns: readonly EncryptedColumnReport[]
}

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string
  readonly data_type: string
  readonly column_type: string
  readonly max_length: number | string | null
}

function shapeOf(row: ColumnRow): ColumnShape {
  return {
    dataType: row.data_type,
    columnType: normalizeColumnType(row.data_type, row.column_type),
    maxLength: row.max_length === null ? null : Number(row.max_length),
  }
}

function canaryProblem(
  db: Kysely<UnknownDatabase>,
  column: EncryptedColumn,
  plugin: object,
): string | undefined {
  const canary = `kysely-toolkit canary ${column.table}.${column.column}`
  const compiled = db
    .insertInto(column.table)
    .values({ [column.column]: canary })
    .compile()
  const stored = compiled.parameters[0]
  if (stored === canary) {
    return `this Kysely instance does not run the encryption plugin: ${column.table}.${column.column} would be written in plaintext`
  }
  if (!isEnvelope(stored))
    return `${column.table}.${column.column} is written neither as plaintext nor as an envelope`
  const { keyring } = getPluginInternals(plugin)
  let opened: unknown
  try {
    opened = openValue(getKeyringState(keyring), column, stored)
  } catch {
    return `${column.table}.${column.column} is encrypted by another plugin or keyring than the one given`
  }
  if (opened !== canary) {
    return `${column.table}.${column.column} is encrypted twice (is the plugin installed twice?)`
  }
  return undefined
}

/**
 * Checks at start-up that encryption is wired as configured, failing closed before any plaintext is written:
 * - the keyring is loaded;
 * - `db` runs the plugin (a canary value for each configured column is encrypted by `db`'s own plugins,
 *   compiled only, never sent, and decrypted with the plugin's keyring): an instance without the plugin, with
 *   another keyring, or with the plugin twice is reported;
 * - each configured column exists in the current database, is a text or binary type, and is long enough for
 *   an envelope of `maxPlaintextBytes` under the keyring's longest key id (`information_schema.COLUMNS`);
 * - each blind-index column exists and is an integer wide enough for its bits.
 *
 * Throws {@link EncryptionSetupError} listing every problem; resolves to a report per column otherwise.
 *
 * @example
 * ```ts
 * import { verifyEncryptionSetup } from 'kysely-toolkit/encryption'
 *
 * const report = await verifyEncryptionSetup(db, { plugin: encryption })
 * for (const column of report.columns) console.log(column.table, column.column, column.capacityBytes)
 * ```
 */
export async function verifyEncryptionSetup<DB>(
  db: Kysely<DB>,
  options: VerifyEncryptionSetupOptions<DB>,
): Promise<EncryptionSetupResult> {
  const { registry, keyring } = getPluginInternals(options.plugin)
  const columns = [...registry.columns()]
  const problems: string[] = []
  const loose = db as unknown as Kysely<UnknownDatabase>

  if (!keyring.loaded) {
    throw new EncryptionSetupError(['the keyring is not loaded: await keyring.load() before verifying'])
  }
  for (const column of columns) {
    const problem = canaryProblem(loose, column, options.plugin)
    if (problem !== undefined) problems.push(problem)
  }

  const tables = [...new Set(columns.map((column) => column.table))]
  const { rows } = await sql<ColumnRow>`
    select table_name as table_name, column_name as column_name, data_type as data_type,
      column_type as column_type, character_maximum_length as max_length
    from information_schema.columns
    where table_schema = database() and table_name in (${sql.join(tables)})
  `.execute(db.withoutPlugins())
  const found = new Map(rows.map((row) => [`${row.table_name}.${row.column_name}`, row]))
  const keyIdLength = Math.max(...keyring.keyIds.map((id) => id.length))

  const reports: EncryptedColumnReport[] = []
  for (const column of columns) {
    const name = `${column.table}.${column.column}`
    const row = found.get(name)
    if (row === undefined) {
      problems.push(`${name} does not exist in the current database`)
      continue
    }
    const columnShape = shapeOf(row)
    const shape = checkEncryptedColumnShape(column, columnShape, keyIdLength)
    problems.push(...shape.problems)
    let blindIndex: EncryptedColumnReport['blindIndex']
    if (column.blindIndex !== undefined) {
      const indexRow = found.get(`${column.table}.${column.blindIndex.column}`)
      const indexShape = indexRow === undefined ? undefined : shapeOf(indexRow)
      const indexProblems = checkBlindIndexShape(column, indexShape, 'the current database')
      problems.push(...indexProblems)
      if (indexShape !== undefined && indexProblems.length === 0) {
        blindIndex = { column: column.blindIndex.column, columnType: indexShape.columnType }
      }
    }
    reports.push({
      table: column.table,
      column: column.column,
      columnType: columnShape.columnType,
      capacityBytes: shape.capacityBytes,
      blindIndex,
    })
  }
  if (problems.length > 0) throw new EncryptionSetupError(problems)
  return { columns: reports }
}
