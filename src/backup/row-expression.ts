import type { ColumnInfo } from './schema-reader.js'
import { quoteIdentifier } from './server-connection.js'

const NUMERIC = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'year',
  'double',
  'real',
])
const FLOAT = new Set(['float'])
const BINARY = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
])
/** Character sets whose bytes are valid utf8mb4 as they are. */
const UTF8_COMPATIBLE = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii'])

/**
 * The SQL expression, evaluated by the server, that turns one column of a row into its SQL literal, as a binary
 * string (so no collation mix and no character set conversion can occur):
 * - integers, DECIMAL, YEAR and DOUBLE as their text (the server prints DOUBLE with the shortest exact form);
 * - FLOAT widened to DOUBLE first (FLOAT's own text keeps only 6 digits; the widening is exact);
 * - BIT as its unsigned integer value;
 * - BINARY, VARBINARY, BLOBs and spatial columns as `X'<hex>'` (spatial columns in the server's internal form,
 *   SRID included, as mysqldump --hex-blob writes them);
 * - utf8mb4/utf8mb3/ascii text, ENUM, SET, JSON, dates and times through `QUOTE()`; text in other character sets
 *   as `X'<hex>'` of its bytes, which the server stores unchanged in the column's character set;
 * - NULL as `NULL`.
 *
 * @internal
 */
export function columnLiteralExpression(column: ColumnInfo): string {
  const ref = quoteIdentifier(column.name)
  const type = column.dataType
  if (NUMERIC.has(type)) return `IFNULL(${ref}, _binary'NULL')`
  if (FLOAT.has(type)) return `IFNULL(${ref} + 0e0, _binary'NULL')`
  if (type === 'bit') return `IFNULL(${ref} + 0, _binary'NULL')`
  if (BINARY.has(type) || (column.charset !== null && !UTF8_COMPATIBLE.has(column.charset.toLowerCase()))) {
    return `IFNULL(CONCAT(_binary'X''', HEX(${ref}), _binary''''), _binary'NULL')`
  }
  return `CAST(QUOTE(${ref}) AS BINARY)`
}

/** `CONCAT('(', <literal>, ',', <literal>, ..., ')')`: one row as an SQL tuple, computed by the server. @internal */
export function rowTupleExpression(columns: readonly ColumnInfo[]): string {
  const parts: string[] = ["_binary'('"]
  columns.forEach((column, index) => {
    if (index > 0) parts.push("_binary','")
    parts.push(columnLiteralExpression(column))
  })
  parts.push("_binary')'")
  return `CONCAT(${parts.join(', ')})`
}

/** `INSERT INTO `t` (`a`, `b`) VALUES `: the head of every rows statement of a table. @internal */
export function insertHead(table: string, columns: readonly ColumnInfo[]): string {
  return `INSERT INTO ${quoteIdentifier(table)} (${columns.map((column) => quoteIdentifier(column.name)).join(', ')}) VALUES `
}
