import { type Kysely, sql } from 'kysely'
import { readTrueMembers } from '../src/schema/enum-members.js'
import type { ColumnDefault } from '../src/schema/schema-metadata.js'
import { INTEGER_BITS } from './type-mapping.js'

/** The server family, which decides how some of `information_schema` is read. */
export type ServerFlavor = 'mysql' | 'mariadb'

/** One column as read from `information_schema.COLUMNS` (SQL names), normalised across servers. */
export interface IntrospectedColumn {
  readonly name: string
  readonly ordinal: number
  /** Lower case; `'json'` for MariaDB's JSON alias. */
  readonly dataType: string
  /** Lower case, normalised (see `ColumnMetadata.columnType`); ends `srid n` for a spatial column restricted to SRID n. */
  readonly columnType: string
  readonly nullable: boolean
  readonly default: ColumnDefault | null
  readonly autoIncrement: boolean
  readonly generated: 'virtual' | 'stored' | null
  readonly onUpdate: string | null
  readonly enumValues: readonly string[] | null
  readonly setValues: readonly string[] | null
  readonly maxLength: number | null
  readonly maxBytes: number | null
  readonly precision: number | null
  readonly scale: number | null
  readonly fsp: number | null
  readonly unsigned: boolean
  readonly charset: string | null
  readonly comment: string | null
}

/** One table or view as read from `information_schema` (SQL names). */
export interface IntrospectedTable {
  readonly name: string
  readonly kind: 'table' | 'view'
  readonly comment: string | null
  readonly columns: readonly IntrospectedColumn[]
  readonly primaryKey: readonly string[]
  readonly uniqueKeys: readonly { readonly name: string; readonly columns: readonly string[] }[]
  readonly foreignKeys: readonly {
    readonly name: string
    readonly columns: readonly string[]
    readonly referencedTable: string
    readonly referencedColumns: readonly string[]
    readonly onUpdate: string
    readonly onDelete: string
  }[]
  readonly indexes: readonly {
    readonly name: string
    readonly columns: readonly string[]
    readonly unique: boolean
    readonly type: string
  }[]
}

/** The current database's schema. */
export interface IntrospectedSchema {
  readonly flavor: ServerFlavor
  /** `VERSION()`, e.g. `10.11.6-MariaDB`. */
  readonly serverVersion: string
  readonly database: string
  readonly tables: readonly IntrospectedTable[]
}

/** Options of {@link introspectSchema}. */
export interface IntrospectSchemaOptions {
  /** Keeps a table when this returns `true` (SQL name). Defaults to keeping every table. */
  readonly filter?: (tableName: string) => boolean
}

interface ColumnRow {
  table_name: string
  column_name: string
  ordinal: unknown
  column_default: string | null
  is_nullable: string
  data_type: string
  max_length: unknown
  max_bytes: unknown
  numeric_precision: unknown
  numeric_scale: unknown
  datetime_precision: unknown
  charset: string | null
  column_type: string
  extra: string | null
  column_comment: string | null
  generation_expression: string | null
  /** MySQL's SRS_ID: the SRID a spatial column is restricted to (`SRID n`), `null` when it takes any. */
  srid: unknown
}

/**
 * Reads the current database's tables, columns (with `COLUMN_TYPE`, so UNSIGNED, display widths, TINYINT(1) and
 * fractional-seconds precision are kept), keys and indexes from `information_schema`, one query per view, and
 * normalises what MySQL 8 and MariaDB report differently.
 *
 * @example
 * ```ts
 * const schema = await introspectSchema(db)
 * schema.tables.map((table) => table.name) // ['accounts', 'orders', ...]
 * ```
 */
export async function introspectSchema<DB>(
  db: Kysely<DB>,
  options: IntrospectSchemaOptions = {},
): Promise<IntrospectedSchema> {
  const raw = (db as unknown as Kysely<unknown>).withoutPlugins()
  const info = await sql<{ version: string; database: string | null }>`
    select version() as version, database() as \`database\``.execute(raw)
  const { version, database } = info.rows[0] ?? { version: '', database: null }
  if (!database) throw new Error('no database is selected: give the connection a database name')
  const flavor: ServerFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql'
  const keep = options.filter ?? (() => true)

  const tables = await sql<{ table_name: string; table_type: string; table_comment: string | null }>`
    select TABLE_NAME as table_name, TABLE_TYPE as table_type, TABLE_COMMENT as table_comment
    from information_schema.TABLES where TABLE_SCHEMA = database()`.execute(raw)
  const columns = await sql<ColumnRow>`
    select TABLE_NAME as table_name, COLUMN_NAME as column_name, ORDINAL_POSITION as ordinal,
      COLUMN_DEFAULT as column_default, IS_NULLABLE as is_nullable, DATA_TYPE as data_type,
      CHARACTER_MAXIMUM_LENGTH as max_length, CHARACTER_OCTET_LENGTH as max_bytes,
      NUMERIC_PRECISION as numeric_precision, NUMERIC_SCALE as numeric_scale,
      DATETIME_PRECISION as datetime_precision, CHARACTER_SET_NAME as charset, COLUMN_TYPE as column_type,
      EXTRA as extra, COLUMN_COMMENT as column_comment, GENERATION_EXPRESSION as generation_expression,
      ${flavor === 'mysql' ? sql`SRS_ID` : sql`null`} as srid
    from information_schema.COLUMNS where TABLE_SCHEMA = database()
    order by ORDINAL_POSITION`.execute(raw)
  const statistics = await sql<{
    table_name: string
    index_name: string
    non_unique: unknown
    column_name: string | null
    index_type: string
  }>`
    select TABLE_NAME as table_name, INDEX_NAME as index_name, NON_UNIQUE as non_unique,
      COLUMN_NAME as column_name, INDEX_TYPE as index_type
    from information_schema.STATISTICS where TABLE_SCHEMA = database()
    order by SEQ_IN_INDEX`.execute(raw)
  const references = await sql<{
    table_name: string
    constraint_name: string
    column_name: string
    referenced_table: string
    referenced_column: string
    update_rule: string
    delete_rule: string
  }>`
    select k.TABLE_NAME as table_name, k.CONSTRAINT_NAME as constraint_name, k.COLUMN_NAME as column_name,
      k.REFERENCED_TABLE_NAME as referenced_table, k.REFERENCED_COLUMN_NAME as referenced_column,
      r.UPDATE_RULE as update_rule, r.DELETE_RULE as delete_rule
    from information_schema.KEY_COLUMN_USAGE k
    join information_schema.REFERENTIAL_CONSTRAINTS r
      on r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA and r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        and r.TABLE_NAME = k.TABLE_NAME
    where k.TABLE_SCHEMA = database() and k.REFERENCED_TABLE_NAME is not null
    order by k.ORDINAL_POSITION`.execute(raw)
  // MariaDB's JSON is LONGTEXT with a column-level CHECK (json_valid(`column`)) named after the column.
  const jsonColumns = new Set<string>()
  if (flavor === 'mariadb') {
    const checks = await sql<{ table_name: string; constraint_name: string; check_clause: string }>`
      select TABLE_NAME as table_name, CONSTRAINT_NAME as constraint_name, CHECK_CLAUSE as check_clause
      from information_schema.CHECK_CONSTRAINTS where CONSTRAINT_SCHEMA = database()`.execute(raw)
    for (const check of checks.rows) {
      const match = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(check.check_clause.trim())
      if (match?.[1] !== undefined) jsonColumns.add(`${check.table_name}.${match[1].replaceAll('``', '`')}`)
    }
  }

  // Names are ordered here, not by `order by`: the servers compare information_schema names under different
  // collations (MariaDB's utf8mb3_general_ci puts `accounts` before `account_transactions`, MySQL's the reverse).
  const byName =
    <T>(name: (item: T) => string) =>
    (a: T, b: T) =>
      compareNames(name(a), name(b))
  // MariaDB's REF_SYSTEM_ID (0 when not given, which restricts nothing) is in GEOMETRY_COLUMNS.
  const mariadbSrids = new Map<string, number>()
  if (flavor === 'mariadb') {
    const geometries = await sql<{ table_name: string; column_name: string; srid: unknown }>`
      select G_TABLE_NAME as table_name, G_GEOMETRY_COLUMN as column_name, SRID as srid
      from information_schema.GEOMETRY_COLUMNS where G_TABLE_SCHEMA = database()`.execute(raw)
    for (const row of geometries.rows) {
      const srid = toNumber(row.srid)
      if (srid !== null && srid !== 0) mariadbSrids.set(`${row.table_name}.${row.column_name}`, srid)
    }
  }

  // ENUM and SET members outside the Basic Multilingual Plane read as '?' in information_schema (utf8mb3 on both
  // servers): ask the server for the members themselves where one could be such a character.
  const trueMembers = new Map<string, string[]>()
  for (const row of columns.rows) {
    const kind = row.data_type.toLowerCase()
    if ((kind === 'enum' || kind === 'set') && row.column_type.includes('?') && keep(row.table_name)) {
      trueMembers.set(
        `${row.table_name}.${row.column_name}`,
        await readMembers(
          raw,
          row.table_name,
          row.column_name,
          kind,
          parseQuotedList(row.column_type).length,
        ),
      )
    }
  }

  const result: IntrospectedTable[] = []
  for (const table of [...tables.rows].sort(byName((row) => row.table_name))) {
    if (!keep(table.table_name)) continue
    const tableColumns = columns.rows
      .filter((row) => row.table_name === table.table_name)
      .map((row) => {
        const key = `${row.table_name}.${row.column_name}`
        const srid = flavor === 'mariadb' ? (mariadbSrids.get(key) ?? null) : toNumber(row.srid)
        const column = readColumn(row, flavor, jsonColumns.has(key), srid)
        const members = trueMembers.get(key)
        if (members === undefined) return column
        const columnType = `${column.dataType}(${members.map((member) => `'${member.replaceAll("'", "''")}'`).join(',')})`
        return column.enumValues === null
          ? { ...column, columnType, setValues: members }
          : { ...column, columnType, enumValues: members }
      })
    const tableStats = statistics.rows.filter((row) => row.table_name === table.table_name)
    const indexNames = [...new Set(tableStats.map((row) => row.index_name))].sort(compareNames)
    const indexes = indexNames.map((name) => {
      const parts = tableStats.filter((row) => row.index_name === name)
      return {
        name,
        columns: parts.flatMap((row) => (row.column_name === null ? [] : [row.column_name])),
        unique: Number(parts[0]?.non_unique) === 0,
        type: parts[0]?.index_type ?? 'BTREE',
      }
    })
    const foreignKeyNames = [
      ...new Set(
        references.rows
          .filter((row) => row.table_name === table.table_name)
          .map((row) => row.constraint_name),
      ),
    ].sort(compareNames)
    result.push({
      name: table.table_name,
      kind: /view/i.test(table.table_type) ? 'view' : 'table',
      comment: table.table_comment || null,
      columns: tableColumns,
      primaryKey: indexes.find((index) => index.name === 'PRIMARY')?.columns ?? [],
      uniqueKeys: indexes
        .filter((index) => index.unique && index.name !== 'PRIMARY')
        .map((index) => ({ name: index.name, columns: index.columns })),
      foreignKeys: foreignKeyNames.map((name) => {
        const parts = references.rows.filter(
          (row) => row.table_name === table.table_name && row.constraint_name === name,
        )
        return {
          name,
          columns: parts.map((row) => row.column_name),
          referencedTable: parts[0]?.referenced_table ?? '',
          referencedColumns: parts.map((row) => row.referenced_column),
          onUpdate: normaliseReferentialAction(parts[0]?.update_rule ?? 'RESTRICT'),
          onDelete: normaliseReferentialAction(parts[0]?.delete_rule ?? 'RESTRICT'),
        }
      }),
      indexes: indexes.filter((index) => index.name !== 'PRIMARY'),
    })
  }
  return { flavor, serverVersion: version, database, tables: result }
}

/** {@link readTrueMembers} on one connection of `db`. */
async function readMembers(
  db: Kysely<unknown>,
  table: string,
  column: string,
  kind: 'enum' | 'set',
  count: number,
): Promise<string[]> {
  return db
    .connection()
    .execute((connection) =>
      readTrueMembers(
        async (statement) => (await sql<{ m: unknown }>`${sql.raw(statement)}`.execute(connection)).rows,
        table,
        column,
        kind,
        count,
      ),
    )
}

function readColumn(
  row: ColumnRow,
  flavor: ServerFlavor,
  isMariadbJson: boolean,
  srid: number | null,
): IntrospectedColumn {
  const dataType = isMariadbJson ? 'json' : row.data_type.toLowerCase()
  const rawType = row.column_type.toLowerCase()
  const normalised = isMariadbJson ? 'json' : normaliseColumnType(rawType)
  // A spatial column restricted to one SRID takes only geometries of it: say so (COLUMN_TYPE does not).
  const columnType = srid === null ? normalised : `${normalised} srid ${srid}`
  const extra = (row.extra ?? '').toLowerCase()
  const nullable = row.is_nullable.toUpperCase() === 'YES'
  const generated = /\bvirtual\b/.test(extra)
    ? 'virtual'
    : /\b(stored|persistent)\b/.test(extra)
      ? 'stored'
      : row.generation_expression
        ? 'stored'
        : null
  const onUpdate = /on update (.+)$/.exec(extra)?.[1]
  const isTime = dataType === 'datetime' || dataType === 'timestamp' || dataType === 'time'
  const isText = row.charset !== null && dataType !== 'json'
  const unsigned = /\b(unsigned|zerofill)\b/.test(rawType)
  return {
    name: row.column_name,
    ordinal: Number(row.ordinal),
    dataType,
    columnType,
    nullable,
    default: generated ? null : parseColumnDefault(row.column_default, { nullable, extra, flavor }),
    autoIncrement: /\bauto_increment\b/.test(extra),
    generated,
    onUpdate: onUpdate === undefined ? null : normaliseExpression(onUpdate),
    enumValues: dataType === 'enum' ? parseQuotedList(row.column_type) : null,
    setValues: dataType === 'set' ? parseQuotedList(row.column_type) : null,
    maxLength: dataType === 'json' ? null : toNumber(row.max_length),
    maxBytes: dataType === 'json' ? null : toNumber(row.max_bytes),
    precision: integerPrecision(dataType, unsigned) ?? toNumber(row.numeric_precision),
    scale: toNumber(row.numeric_scale),
    fsp: isTime ? (toNumber(row.datetime_precision) ?? 0) : null,
    unsigned,
    charset: isText ? row.charset : null,
    comment: row.column_comment || null,
  }
}

/**
 * Orders names by UTF-16 code unit, as kysely-codegen orders the `DB` interface, so that every server gives the same
 * order whatever the collation of its information_schema.
 *
 * @internal
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * A foreign key's ON UPDATE / ON DELETE rule with `NO ACTION` read as `RESTRICT`. InnoDB checks both immediately,
 * so they are the same rule; MySQL reports a rule left unspecified as `NO ACTION`, MariaDB as `RESTRICT`.
 *
 * @internal
 */
export function normaliseReferentialAction(rule: string): string {
  const upper = rule.trim().toUpperCase()
  return upper === 'NO ACTION' ? 'RESTRICT' : upper
}

/**
 * The number of decimal digits of an integer type's largest value, as MariaDB reports `NUMERIC_PRECISION` (MySQL
 * reports 7 for MEDIUMINT UNSIGNED, whose largest value 16777215 has 8 digits).
 *
 * @internal
 */
export function integerPrecision(dataType: string, unsigned: boolean): number | null {
  const bits = INTEGER_BITS[dataType]
  if (bits === undefined) return null
  const max = unsigned ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n
  return String(max).length
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  const number = Number(value)
  return Number.isFinite(number) ? number : null
}

/**
 * `COLUMN_TYPE` as MySQL 8.0.19+ reports it on both servers: integer display widths dropped except `tinyint(1)`,
 * `year(4)` as `year`.
 *
 * @internal
 */
export function normaliseColumnType(columnType: string): string {
  const lower = columnType.toLowerCase().trim()
  if (/^tinyint\(1\)/.test(lower)) return lower
  return lower.replace(/^(tinyint|smallint|mediumint|int|integer|bigint|year)\(\d+\)/, '$1')
}

/**
 * A CURRENT_TIMESTAMP expression in MariaDB's spelling (`current_timestamp()`, `current_timestamp(3)`), a hex
 * literal as `x'00ff'` (MySQL writes `0x00ff`, MariaDB `X'00ff'`); other expressions unchanged.
 *
 * @internal
 */
export function normaliseExpression(expression: string): string {
  const match = /^(?:current_timestamp|now|localtimestamp|localtime)(?:\(\s*(\d*)\s*\))?$/i.exec(
    expression.trim(),
  )
  if (match) return `current_timestamp(${match[1] ?? ''})`
  // A hex literal: MySQL writes 0x00ff, MariaDB X'00ff'.
  const hex = /^(?:0x([0-9a-f]+)|x'([0-9a-f]*)')$/i.exec(expression.trim())
  if (hex) return `x'${(hex[1] ?? hex[2] ?? '').toLowerCase()}'`
  return expression.trim()
}

/**
 * Reads `COLUMN_DEFAULT`. MariaDB (10.2.7+) quotes string literals (`'active'`), spells a NULL default as the text
 * `NULL` and writes expressions bare (`current_timestamp(3)`); MySQL 8 writes literals unquoted, reports no
 * default and DEFAULT NULL both as SQL NULL, and marks expression defaults with `DEFAULT_GENERATED` in EXTRA,
 * writing them escaped and with charset introducers (`_utf8mb4\\'abc\\'`). Both servers' spellings of the same
 * default read the same: MySQL's `DEFAULT ('abc')` (its only way to give TEXT, BLOB or JSON a default) is the value
 * `abc`, as MariaDB's `DEFAULT 'abc'` is.
 *
 * @internal
 */
export function parseColumnDefault(
  raw: string | null,
  column: { readonly nullable: boolean; readonly extra: string; readonly flavor: ServerFlavor },
): ColumnDefault | null {
  if (raw === null) return column.nullable ? { kind: 'null' } : null
  if (column.flavor === 'mariadb') {
    if (raw === 'NULL') return { kind: 'null' }
    const quoted = /^'(.*)'$/s.exec(raw)
    if (quoted?.[1] !== undefined) return { kind: 'value', value: unquoteMariadb(quoted[1]) }
    if (/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(raw) || /^b'[01]*'$/i.test(raw)) {
      return { kind: 'value', value: raw }
    }
    return { kind: 'expression', sql: normaliseExpression(raw) }
  }
  if (/\bdefault_generated\b/i.test(column.extra)) {
    // MySQL keeps an expression default escaped (`_utf8mb4\'abc\'`), with charset introducers on its strings.
    const expression = stripCharsetIntroducers(raw.replace(/\\(.)/gs, '$1'))
    // DEFAULT ('abc'), the only way MySQL gives TEXT, BLOB and JSON a default, is the constant 'abc'.
    const quoted = /^'((?:[^'\\]|''|\\.)*)'$/s.exec(expression)
    if (quoted?.[1] !== undefined) return { kind: 'value', value: unquoteMariadb(quoted[1]) }
    return { kind: 'expression', sql: normaliseExpression(expression) }
  }
  if (/^current_timestamp(\(\d*\))?$/i.test(raw)) return { kind: 'expression', sql: normaliseExpression(raw) }
  return { kind: 'value', value: raw }
}

/**
 * An SQL expression without the charset introducers MySQL writes before its string literals
 * (`concat(_utf8mb4'a',_utf8mb4'b')` becomes `concat('a','b')`, as MariaDB reports it); string contents untouched.
 *
 * @internal
 */
export function stripCharsetIntroducers(expression: string): string {
  let result = ''
  let index = 0
  while (index < expression.length) {
    const char = expression[index]!
    if (char === "'" || char === '"' || char === '`') {
      // Copy the quoted text as it is, with doubled or backslash-escaped quotes inside.
      let end = index + 1
      while (end < expression.length) {
        if (expression[end] === '\\' && char !== '`') end += 2
        else if (expression[end] === char && expression[end + 1] === char) end += 2
        else if (expression[end] === char) break
        else end++
      }
      result += expression.slice(index, end + 1)
      index = end + 1
      continue
    }
    const introducer = /^_[a-z0-9]+(?=')/i.exec(expression.slice(index))
    if (introducer && !/[\w$]/.test(expression[index - 1] ?? '')) {
      index += introducer[0].length
      continue
    }
    result += char
    index++
  }
  return result
}

function unquoteMariadb(text: string): string {
  return text.replace(/''|\\(.)/g, (match, escaped: string | undefined) => {
    if (match === "''") return "'"
    switch (escaped) {
      case 'n':
        return '\n'
      case 'r':
        return '\r'
      case 't':
        return '\t'
      case '0':
        return '\0'
      case 'Z':
        return '\x1a'
      default:
        return escaped ?? ''
    }
  })
}

/**
 * The quoted values of `enum('a','b''c')` or `set(...)`, unescaped.
 *
 * @internal
 */
export function parseQuotedList(columnType: string): string[] {
  const open = columnType.indexOf('(')
  const values: string[] = []
  let index = open + 1
  while (index < columnType.length) {
    const char = columnType[index]
    if (char === "'") {
      let value = ''
      index++
      while (index < columnType.length) {
        const inner = columnType[index]
        if (inner === "'" && columnType[index + 1] === "'") {
          value += "'"
          index += 2
        } else if (inner === '\\' && index + 1 < columnType.length) {
          value += columnType[index + 1]
          index += 2
        } else if (inner === "'") {
          index++
          break
        } else {
          value += inner
          index++
        }
      }
      values.push(value)
    } else if (char === ')') {
      break
    } else {
      index++
    }
  }
  return values
}
