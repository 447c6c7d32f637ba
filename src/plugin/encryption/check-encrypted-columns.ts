import type { SchemaMetadata, TableMetadata } from '../../schema/schema-metadata.js'
import { type ColumnShape, checkBlindIndexShape, checkEncryptedColumnShape } from './column-shape.js'
import {
  type EncryptedColumnRegistry,
  type EncryptedTables,
  resolveEncryptedTables,
  type UnknownDatabase,
} from './encrypted-columns.js'
import { encryptedColumnLength } from './envelope.js'
import { MAX_KEY_ID_LENGTH } from './keyring.js'

/**
 * Options of {@link checkEncryptedColumns}.
 *
 * @example
 * ```ts
 * import type { CheckEncryptedColumnsOptions } from 'kysely-toolkit/encryption'
 *
 * const options: CheckEncryptedColumnsOptions = { tables: { users: { ssn: { maxPlaintextBytes: 11 } } }, keyIdLength: 7 }
 * ```
 */
export interface CheckEncryptedColumnsOptions<DB = UnknownDatabase> {
  /** The encrypted columns, as given to the plugin (the database's names). */
  readonly tables: EncryptedTables<DB>
  /** The longest key id values are encrypted under. Defaults to 32, the longest allowed. */
  readonly keyIdLength?: number | undefined
}

/**
 * What {@link checkEncryptedColumns} found.
 *
 * @example
 * ```ts
 * import type { EncryptedColumnsCheck } from 'kysely-toolkit/encryption'
 *
 * const report = (check: EncryptedColumnsCheck) => [...check.problems, ...check.warnings].join('\n')
 * ```
 */
export interface EncryptedColumnsCheck {
  /**
   * Mismatches that make the configuration unusable, one sentence each: a table or column that is not in the
   * schema, a column that is not a text or binary type, one too short for the envelope of its
   * `maxPlaintextBytes`, a blind-index column that is missing, not an integer, or too narrow.
   */
  readonly problems: readonly string[]
  /**
   * Columns that are probably too small: without `maxPlaintextBytes` to check against, a column whose envelope
   * capacity is below its declared length (it was sized for plaintext, and an envelope is ~4/3 of its
   * plaintext plus 41 bytes and the key id).
   */
  readonly warnings: readonly string[]
}

function findTable(schema: SchemaMetadata, name: string): TableMetadata | undefined {
  return Object.values(schema.tables).find((table) => table.tableName === name)
}

function shapeOf(table: TableMetadata, columnName: string): ColumnShape | undefined {
  const column = Object.values(table.columns).find((candidate) => candidate.columnName === columnName)
  return column === undefined
    ? undefined
    : { dataType: column.dataType, columnType: column.columnType, maxLength: column.maxLength }
}

/** The check behind {@link checkEncryptedColumns}, on resolved options. @internal */
export function checkRegistryAgainstSchema(
  schema: SchemaMetadata,
  registry: EncryptedColumnRegistry,
  keyIdLength: number,
): EncryptedColumnsCheck {
  const problems: string[] = []
  const warnings: string[] = []
  const where = 'the schema metadata'
  for (const configured of registry.tables()) {
    const table = findTable(schema, configured.name)
    if (table === undefined) {
      const byKey = schema.tables[configured.name]
      problems.push(
        byKey === undefined
          ? `${configured.name} is not a table in ${where}`
          : `${configured.name} is the camelCase name of table ${byKey.tableName}: configure encrypted columns by the database's names`,
      )
      continue
    }
    for (const column of configured.columns.values()) {
      const name = `${column.table}.${column.column}`
      const shape = shapeOf(table, column.column)
      if (shape === undefined) {
        const byKey = table.columns[column.column]
        problems.push(
          byKey === undefined
            ? `${name} is not a column in ${where}`
            : `${name} is the camelCase name of column ${table.tableName}.${byKey.columnName}: configure encrypted columns by the database's names`,
        )
        continue
      }
      const check = checkEncryptedColumnShape(column, shape, keyIdLength)
      problems.push(...check.problems)
      if (
        check.problems.length === 0 &&
        column.maxPlaintextBytes === 0 &&
        check.capacityBytes !== null &&
        shape.maxLength !== null &&
        check.capacityBytes < shape.maxLength
      ) {
        const wanted = encryptedColumnLength(shape.maxLength, { keyIdLength })
        warnings.push(
          `${name} is ${shape.columnType}: encrypted, it holds values of at most ${check.capacityBytes} bytes, ` +
            `not ${shape.maxLength}; make it ${wanted} characters long to hold ${shape.maxLength} bytes, or set ` +
            'maxPlaintextBytes to have the size checked',
        )
      }
      problems.push(
        ...checkBlindIndexShape(column, column.blindIndex && shapeOf(table, column.blindIndex.column), where),
      )
    }
  }
  return { problems, warnings }
}

/**
 * Checks encrypted-column options against the schema metadata that `kysely-toolkit codegen` generates
 * (`metadata.ts`), without a database: every table and column exists (by its database name), is a text or
 * binary type, and is long enough for the envelope of its `maxPlaintextBytes`; every blind-index column exists
 * and is an integer wide enough for its bits. Columns that look sized for plaintext are warned about.
 *
 * `EncryptionPlugin` runs this check at construction when given `schema`, throwing `EncryptionSetupError` for
 * problems; run it yourself in a test or a CI step to see the warnings too.
 *
 * @example
 * ```ts
 * import { checkEncryptedColumns } from 'kysely-toolkit/encryption'
 * import { metadata } from './generated/metadata.js'
 *
 * const check = checkEncryptedColumns(metadata, { tables: { users: { ssn: { maxPlaintextBytes: 11 } } } })
 * for (const line of [...check.problems, ...check.warnings]) console.warn(line)
 * ```
 */
export function checkEncryptedColumns<DB = UnknownDatabase>(
  schema: SchemaMetadata,
  options: CheckEncryptedColumnsOptions<NoInfer<DB>>,
): EncryptedColumnsCheck {
  const keyIdLength = options.keyIdLength ?? MAX_KEY_ID_LENGTH
  if (!Number.isInteger(keyIdLength) || keyIdLength < 1 || keyIdLength > MAX_KEY_ID_LENGTH) {
    throw new RangeError(`keyIdLength must be an integer from 1 to ${MAX_KEY_ID_LENGTH} (got ${keyIdLength})`)
  }
  return checkRegistryAgainstSchema(schema, resolveEncryptedTables(options.tables), keyIdLength)
}
