import { type CreationContext, readCreationContext } from './creation-context.js'
import { withTrueDefaults, withTrueMembers } from './enum-members.js'
import { quoteIdentifier, type ServerConnection } from './server-connection.js'

/** A column as the dump needs it. @internal */
export interface ColumnInfo {
  readonly name: string
  readonly dataType: string
  readonly charset: string | null
  readonly generated: boolean
}

/** A base table: its CREATE statement and what the row reader needs. @internal */
export interface TableInfo {
  readonly name: string
  readonly engine: string | null
  readonly createStatement: string
  /** Columns that are inserted (generated columns are left out and recomputed on restore). */
  readonly columns: readonly ColumnInfo[]
  /** The single integer primary key column, when there is one: rows are then read in key ranges. */
  readonly integerKey: string | undefined
  /** `AUTO_INCREMENT` of the table when it was read, or `null`. */
  readonly autoIncrement: string | null
  /** Estimated size (data only) in bytes, to read big tables first. */
  readonly estimatedBytes: number
  /** The server's estimate of the row count. */
  readonly estimatedRows: number
}

/** A view, trigger, routine or event: a CREATE statement with the session settings it needs. @internal */
export interface ObjectInfo {
  readonly kind: 'view' | 'trigger' | 'procedure' | 'function' | 'event'
  readonly name: string
  /** The table a trigger belongs to. */
  readonly table?: string
  readonly createStatement: string
  /** The `sql_mode` the object was created with (it changes how the body is parsed and run). */
  readonly sqlMode: string | null
  /** The `time_zone` an event was created in (its schedule's times are in it). */
  readonly timeZone?: string
  /** The character sets and collations it was created with (absent in archives written before they were kept). */
  readonly context?: CreationContext
}

/** Everything of one database but its rows. @internal */
export interface SchemaInfo {
  readonly charset: string
  readonly collation: string
  readonly tables: readonly TableInfo[]
  /** Views in an order that creates (a view after the views it reads). */
  readonly views: readonly ObjectInfo[]
  readonly routines: readonly ObjectInfo[]
  readonly triggers: readonly ObjectInfo[]
  readonly events: readonly ObjectInfo[]
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'])
const GENERATED = /\b(?:VIRTUAL|STORED|PERSISTENT) GENERATED\b/i

/** The base table names of a database, sorted. @internal */
export async function listBaseTables(connection: ServerConnection, database: string): Promise<string[]> {
  const rows = await connection.query<{ name: string }>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  )
  return rows.map((row) => row.name)
}

/**
 * Reads the schema of `database` through `connection` (which must have `database` as its default database, so
 * SHOW CREATE output is unqualified where the server writes it). Statements the server keeps as written (triggers'
 * and the bodies of routines and events) may still name `database` (`CREATE TRIGGER shop.t ... ON shop.orders`): a
 * restore rewrites those references to the database it restores into. Each object keeps its creation context
 * (character set and collations).
 *
 * @internal
 */
export async function readSchema(
  connection: ServerConnection,
  database: string,
  options: {
    readonly events: boolean
    readonly stripDefiners: boolean
    /**
     * Where ENUM and SET members outside the BMP are read (a temporary table is made there): a connection outside
     * `connection`'s read-only transaction, which refuses it. Defaults to `connection`.
     */
    readonly membersConnection?: ServerConnection
  },
): Promise<SchemaInfo> {
  const [schemaRow] = await connection.query<{ charset: string; collation: string }>(
    'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  )
  if (!schemaRow) throw new Error(`database ${database} does not exist`)
  const [server] = await connection.query<{ version: string }>('SELECT VERSION() AS version')
  const onMysql = !/mariadb/i.test(server?.version ?? '')
  const tableRows = await connection.query<{
    name: string
    engine: string | null
    autoIncrement: string | number | null
    bytes: string | number | null
    estimatedRows: string | number | null
  }>(
    `SELECT TABLE_NAME AS name, ENGINE AS engine, AUTO_INCREMENT AS autoIncrement,
            COALESCE(DATA_LENGTH, 0) AS bytes, COALESCE(TABLE_ROWS, 0) AS estimatedRows
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
    [database],
  )
  const columnRows = await connection.query<{
    tableName: string
    name: string
    dataType: string
    charset: string | null
    extra: string | null
    isGenerated?: string | null
  }>(
    `SELECT * FROM (SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, LOWER(DATA_TYPE) AS dataType,
            CHARACTER_SET_NAME AS charset, EXTRA AS extra, ORDINAL_POSITION AS position
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?) c ORDER BY tableName, position`,
    [database],
  )
  const generatedRows = await connection
    .query<{ tableName: string; name: string }>(
      "SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND IS_GENERATED = 'ALWAYS'",
      [database],
    )
    // MySQL 8 has no IS_GENERATED column: EXTRA says it there.
    .catch(() => [] as { tableName: string; name: string }[])
  const generatedSet = new Set(generatedRows.map((row) => `${row.tableName}\u0000${row.name}`))
  const keyRows = await connection.query<{ tableName: string; name: string; count: number | string }>(
    `SELECT k.TABLE_NAME AS tableName, MIN(k.COLUMN_NAME) AS name, COUNT(*) AS count
       FROM information_schema.KEY_COLUMN_USAGE k
      WHERE k.TABLE_SCHEMA = ? AND k.CONSTRAINT_NAME = 'PRIMARY'
      GROUP BY k.TABLE_NAME`,
    [database],
  )
  const keyByTable = new Map(
    keyRows.filter((row) => Number(row.count) === 1).map((row) => [row.tableName, row.name]),
  )
  const columnsByTable = new Map<string, ColumnInfo[]>()
  for (const row of columnRows) {
    const list = columnsByTable.get(row.tableName) ?? []
    list.push({
      name: row.name,
      dataType: row.dataType,
      charset: row.charset,
      generated: GENERATED.test(row.extra ?? '') || generatedSet.has(`${row.tableName}\u0000${row.name}`),
    })
    columnsByTable.set(row.tableName, list)
  }
  const tables: TableInfo[] = []
  for (const row of tableRows) {
    const [created] = await connection.query<Record<string, string>>(
      `SHOW CREATE TABLE ${quoteIdentifier(row.name)}`,
    )
    const shown = created?.['Create Table']
    if (shown === undefined) throw new Error(`SHOW CREATE TABLE ${row.name} returned nothing`)
    const metadataConnection = options.membersConnection ?? connection
    const createStatement = await withTrueDefaults(
      metadataConnection,
      row.name,
      await withTrueMembers(metadataConnection, row.name, onMysql ? withInheritedCollations(shown) : shown),
    )
    const allColumns = columnsByTable.get(row.name) ?? []
    const key = keyByTable.get(row.name)
    const keyColumn = key === undefined ? undefined : allColumns.find((column) => column.name === key)
    tables.push({
      name: row.name,
      engine: row.engine,
      createStatement,
      columns: allColumns.filter((column) => !column.generated),
      integerKey: keyColumn && INTEGER_TYPES.has(keyColumn.dataType) ? keyColumn.name : undefined,
      autoIncrement: row.autoIncrement === null ? null : String(row.autoIncrement),
      estimatedBytes: Number(row.bytes ?? 0),
      estimatedRows: Number(row.estimatedRows ?? 0),
    })
  }
  const strip = options.stripDefiners ? stripDefiner : (statement: string) => statement

  const viewRows = await connection.query<{ name: string; definition: string }>(
    'SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  )
  const views: ObjectInfo[] = []
  for (const row of viewRows) {
    const [created] = await connection.query<Record<string, string>>(
      `SHOW CREATE VIEW ${quoteIdentifier(row.name)}`,
    )
    const statement = created?.['Create View']
    if (statement === undefined) throw new Error(`SHOW CREATE VIEW ${row.name} returned nothing`)
    const context = readCreationContext(created ?? {})
    views.push({
      kind: 'view',
      name: row.name,
      createStatement: strip(statement),
      sqlMode: null,
      ...(context === undefined ? {} : { context }),
    })
  }

  const routineRows = await connection.query<{ name: string; type: string }>(
    "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
    [database],
  )
  const routines: ObjectInfo[] = []
  for (const row of routineRows) {
    const kind = row.type === 'FUNCTION' ? 'function' : 'procedure'
    const [created] = await connection.query<Record<string, string | null>>(
      `SHOW CREATE ${row.type} ${quoteIdentifier(row.name)}`,
    )
    const statement = created?.[kind === 'function' ? 'Create Function' : 'Create Procedure']
    if (statement === undefined || statement === null) {
      throw new Error(
        `SHOW CREATE ${row.type} ${row.name} returned no body: the backup user needs the privilege to read routine bodies (MariaDB: SELECT on mysql.proc or SHOW CREATE ROUTINE; MySQL 8: SHOW_ROUTINE)`,
      )
    }
    const sqlMode = created?.sql_mode ?? null
    const context = readCreationContext(created ?? {})
    routines.push({
      kind,
      name: row.name,
      createStatement: strip(statement),
      sqlMode,
      ...(context === undefined ? {} : { context }),
    })
  }

  const triggerRows = await connection.query<{ name: string; table: string }>(
    'SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS `table` FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER',
    [database],
  )
  const triggers: ObjectInfo[] = []
  for (const row of triggerRows) {
    const [created] = await connection.query<Record<string, string | null>>(
      `SHOW CREATE TRIGGER ${quoteIdentifier(row.name)}`,
    )
    const statement = created?.['SQL Original Statement']
    if (statement === undefined || statement === null)
      throw new Error(`SHOW CREATE TRIGGER ${row.name} returned nothing`)
    const sqlMode = created?.sql_mode ?? null
    const context = readCreationContext(created ?? {})
    triggers.push({
      kind: 'trigger',
      name: row.name,
      table: row.table,
      createStatement: strip(statement),
      sqlMode,
      ...(context === undefined ? {} : { context }),
    })
  }

  const events: ObjectInfo[] = []
  if (options.events) {
    const eventRows = await connection.query<{ name: string }>(
      'SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME',
      [database],
    )
    for (const row of eventRows) {
      const [created] = await connection.query<Record<string, string | null>>(
        `SHOW CREATE EVENT ${quoteIdentifier(row.name)}`,
      )
      const statement = created?.['Create Event']
      if (statement === undefined || statement === null)
        throw new Error(`SHOW CREATE EVENT ${row.name} returned nothing`)
      const sqlMode = created?.sql_mode ?? null
      const context = readCreationContext(created ?? {})
      events.push({
        kind: 'event',
        name: row.name,
        createStatement: strip(statement),
        sqlMode,
        ...(typeof created?.time_zone === 'string' ? { timeZone: created.time_zone } : {}),
        ...(context === undefined ? {} : { context }),
      })
    }
  }

  return {
    charset: schemaRow.charset,
    collation: schemaRow.collation,
    tables,
    views: orderViews(views),
    routines,
    triggers,
    events,
  }
}

const TABLE_COLLATION = /\n\)[^\n]*\bCOLLATE=(\w+)/
const STRING_COLUMN_COLLATION =
  /^( +`(?:[^`]|``)+` (?:char|varchar|tinytext|text|mediumtext|longtext|enum|set)(?:\((?:'(?:[^'\\]|''|\\.)*'|[^')])*\))?) COLLATE (\w+)(?=[ ,]|$)/gm

/**
 * MySQL's SHOW CREATE TABLE writes ` COLLATE x` (without CHARACTER SET) on a column whose collation came from the
 * table's default, when that is not its character set's primary collation (say utf8mb4_unicode_ci): running that
 * text makes the collation explicit, and SHOW CREATE TABLE of the copy then says `CHARACTER SET utf8mb4 COLLATE x`,
 * a different DDL for the same column (schema diff tools see it, and a later change of the table's default treats
 * it differently). A column whose written collation is the table's own default is therefore written without it, so
 * it inherits it again, exactly as before. A column with an explicit collation keeps `CHARACTER SET ... COLLATE`
 * (the pattern only matches `COLLATE` right after the type), and one whose collation differs from the table's keeps
 * it. MariaDB writes a column's collation only where it differs from the table's: its text is left alone.
 *
 * @internal
 */
export function withInheritedCollations(createStatement: string): string {
  const tableCollation = TABLE_COLLATION.exec(createStatement)?.[1]
  if (tableCollation === undefined) return createStatement
  const end = createStatement.lastIndexOf('\n)')
  const columns = createStatement.slice(0, end)
  return (
    columns.replace(STRING_COLUMN_COLLATION, (match, head: string, collation: string) =>
      collation === tableCollation ? head : match,
    ) + createStatement.slice(end)
  )
}

/** Views ordered so that each comes after the views its definition names. */
function orderViews(views: readonly ObjectInfo[]): ObjectInfo[] {
  const byName = new Map(views.map((view) => [view.name, view]))
  const ordered: ObjectInfo[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (view: ObjectInfo): void => {
    if (state.get(view.name) !== undefined) return
    state.set(view.name, 'visiting')
    const body = view.createStatement.slice(view.createStatement.search(/\sAS\s/i))
    for (const other of byName.values()) {
      if (other !== view && body.includes(quoteIdentifier(other.name))) visit(other)
    }
    state.set(view.name, 'done')
    ordered.push(view)
  }
  for (const view of views) visit(view)
  return ordered
}

const QUOTED_PART = "(?:`(?:[^`]|``)*`|'(?:[^'\\\\]|\\\\.|'')*'|[^\\s@`']+)"
const DEFINER = new RegExp(
  `\\s+DEFINER\\s*=\\s*(?:CURRENT_USER(?:\\(\\))?|${QUOTED_PART}(?:@${QUOTED_PART})?)`,
  'i',
)
const OBJECT_WORD = /\s(?:VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\s/i

/**
 * Removes the `DEFINER=user@host` clause from the head of a CREATE statement (never from the body), so the
 * object is created with the restoring user as definer: recreating another definer needs SUPER or SET USER.
 *
 * @internal
 */
export function stripDefiner(statement: string): string {
  const headEnd = statement.search(OBJECT_WORD)
  if (headEnd < 0) return statement
  const head = statement.slice(0, headEnd)
  return head.replace(DEFINER, '') + statement.slice(headEnd)
}
