/**
 * Whether a column can hold what the encryption plugin writes: the checks shared by the schema check against
 * codegen's metadata and by `verifyEncryptionSetup` against `information_schema`.
 *
 * @module
 */
import type { EncryptedColumn } from './encrypted-columns.js'
import { encryptedColumnLength, plaintextCapacity } from './envelope.js'

/** What the checks need to know of a column. @internal */
export interface ColumnShape {
  /** `DATA_TYPE`, any case. */
  readonly dataType: string
  /** `COLUMN_TYPE`, for messages. */
  readonly columnType: string
  /** Most characters (text) or bytes (binary), `null` when not a string type. */
  readonly maxLength: number | null
}

const TEXT_TYPES = new Set([
  'char',
  'varchar',
  'binary',
  'varbinary',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
])
const BLOB_TYPES = new Set(['tinyblob', 'blob', 'mediumblob', 'longblob'])
const INTEGER_BITS: Readonly<Record<string, number>> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  bigint: 64,
}
/**
 * `COLUMN_TYPE` as MySQL 8.0.19 and later write it, whichever server reported it: integer display widths left
 * out (MariaDB's `int(10) unsigned` is `int unsigned`), except `tinyint(1)` and `zerofill` columns, where MySQL
 * keeps them too. So reports and messages read the same on MariaDB and MySQL.
 * @internal
 */
export function normalizeColumnType(dataType: string, columnType: string): string {
  const type = dataType.toLowerCase()
  if (INTEGER_BITS[type] === undefined || /zerofill/i.test(columnType)) return columnType
  const width = new RegExp(`^(${type})\\((\\d+)\\)`, 'i').exec(columnType)
  if (width === null || (type === 'tinyint' && width[2] === '1')) return columnType
  return `${width[1]}${columnType.slice(width[0].length)}`
}

/** Lengths from here on (TEXT and longer) hold any envelope a column value could need. */
const UNBOUNDED_LENGTH = 65_535

/** The outcome of {@link checkEncryptedColumnShape}. @internal */
export interface ColumnShapeCheck {
  readonly problems: readonly string[]
  /** The most plaintext bytes whose envelope fits; `null` when unbounded or not a string type. */
  readonly capacityBytes: number | null
}

/**
 * Checks that `shape` is a text or binary type long enough for the envelope of the column's
 * `maxPlaintextBytes` under key ids of `keyIdLength` characters.
 * @internal
 */
export function checkEncryptedColumnShape(
  column: EncryptedColumn,
  shape: ColumnShape,
  keyIdLength: number,
): ColumnShapeCheck {
  const name = `${column.table}.${column.column}`
  const dataType = shape.dataType.toLowerCase()
  if (!TEXT_TYPES.has(dataType) && !BLOB_TYPES.has(dataType)) {
    return {
      problems: [
        `${name} is ${shape.columnType}; an encrypted column must be a text or binary type (e.g. varchar)`,
      ],
      capacityBytes: null,
    }
  }
  if (shape.maxLength === null || shape.maxLength >= UNBOUNDED_LENGTH)
    return { problems: [], capacityBytes: null }
  const capacityBytes = plaintextCapacity(shape.maxLength, keyIdLength)
  if (capacityBytes >= column.maxPlaintextBytes) return { problems: [], capacityBytes }
  const needed = encryptedColumnLength(column.maxPlaintextBytes, { keyIdLength })
  return {
    problems: [
      `${name} is ${shape.columnType}, but an envelope of ${column.maxPlaintextBytes} plaintext bytes ` +
        `under a ${keyIdLength}-character key id needs ${needed} characters`,
    ],
    capacityBytes,
  }
}

/**
 * Checks that the blind-index column of `column` exists (`shape` given) and is an integer wide enough for its
 * bits. `[]` when the column has no blind index.
 * @internal
 */
export function checkBlindIndexShape(
  column: EncryptedColumn,
  shape: ColumnShape | undefined,
  where: string,
): string[] {
  const index = column.blindIndex
  if (index === undefined) return []
  const indexName = `${column.table}.${index.column}`
  if (shape === undefined) {
    return [`${indexName} (the blind index of ${column.table}.${column.column}) does not exist in ${where}`]
  }
  const width = INTEGER_BITS[shape.dataType.toLowerCase()]
  if (width === undefined) {
    return [`${indexName} is ${shape.columnType}; a blind index column must be an integer type`]
  }
  const usable = /unsigned/i.test(shape.columnType) ? width : width - 1
  if (usable < index.bits) {
    return [`${indexName} is ${shape.columnType}, too narrow for a ${index.bits}-bit blind index`]
  }
  return []
}
