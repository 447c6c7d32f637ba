import type { ResolvedTypeCastOptions } from '../database/type-cast.js'

/**
 * The JavaScript type a column's value has at run time (what `createDatabase` returns for it, before `null`):
 * `'json'` is a parsed JSON value (only with `types.json: 'parsed'`).
 */
export const COLUMN_JS_TYPES = [
  'number',
  'bigint',
  'string',
  'boolean',
  'Date',
  'Buffer',
  'json',
  'unknown',
] as const
/** A value of {@link COLUMN_JS_TYPES}. */
export type ColumnJsType = (typeof COLUMN_JS_TYPES)[number]

/** Whether a column must, may or cannot be given on insert. */
export const COLUMN_INSERT_MODES = ['required', 'optional', 'never'] as const
/** A value of {@link COLUMN_INSERT_MODES}. */
export type ColumnInsertMode = (typeof COLUMN_INSERT_MODES)[number]

/**
 * A column's default: `null` as a whole when it has none; `{ kind: 'null' }` for DEFAULT NULL (every nullable
 * column without another default); a literal `value` (unquoted, as text); or an `expression` such as
 * `current_timestamp(3)` (normalised to lower case for CURRENT_TIMESTAMP, as MariaDB reports it).
 */
export type ColumnDefault =
  | { readonly kind: 'null' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'expression'; readonly sql: string }

/** One column of a table, as `kysely-toolkit codegen` writes it into the generated `metadata.ts`. */
export interface ColumnMetadata {
  /** The property name in the generated `DB` (camel-cased in camel-case mode). */
  readonly name: string
  /** The column's name in SQL. */
  readonly columnName: string
  /** `DATA_TYPE`, lower case; `'json'` for MariaDB's JSON alias (a LONGTEXT with a `json_valid` check). */
  readonly dataType: string
  /**
   * `COLUMN_TYPE`, lower case and normalised across servers: integer display widths dropped (except
   * `tinyint(1)`), as MySQL 8.0.19+ reports them; `year(4)` is `year`; MariaDB's JSON is `json`; a spatial column
   * restricted to one SRID (MySQL's `SRID n`, MariaDB's `REF_SYSTEM_ID=n`) ends `srid n` (`point srid 4326`).
   */
  readonly columnType: string
  /** What the value is at run time (see {@link ColumnJsType}). */
  readonly jsType: ColumnJsType
  readonly nullable: boolean
  readonly default: ColumnDefault | null
  readonly autoIncrement: boolean
  /** `'virtual'` or `'stored'` (MariaDB's PERSISTENT) for a generated column, else `null`. */
  readonly generated: 'virtual' | 'stored' | null
  /** `ON UPDATE` expression (e.g. `current_timestamp(3)`), else `null`. */
  readonly onUpdate: string | null
  /** Whether the column must, may or cannot be given on insert. */
  readonly insert: ColumnInsertMode
  /** ENUM values in order, else `null`. */
  readonly enumValues: readonly string[] | null
  /** SET members in order, else `null`. */
  readonly setValues: readonly string[] | null
  /** Most characters (text types) or bytes (binary types), else `null`. */
  readonly maxLength: number | null
  /** Most bytes (`CHARACTER_OCTET_LENGTH`), else `null`. */
  readonly maxBytes: number | null
  /** Digits of DECIMAL, integer and floating-point types; bits of BIT; else `null`. */
  readonly precision: number | null
  /** Digits after the point of DECIMAL (0 for integers), else `null`. */
  readonly scale: number | null
  /** Fractional-seconds precision of DATETIME, TIMESTAMP and TIME (0 to 6), else `null`. */
  readonly fsp: number | null
  readonly unsigned: boolean
  /** Character set of text columns, else `null`. */
  readonly charset: string | null
  /** The column comment, else `null`. */
  readonly comment: string | null
}

/** A unique key (the primary key is listed apart). Column lists hold property names. */
export interface UniqueKeyMetadata {
  readonly name: string
  readonly columns: readonly string[]
}

/** A foreign key: `columns` of this table reference `referencedColumns` of `referencedTable` (property names). */
export interface ForeignKeyMetadata {
  readonly name: string
  readonly columns: readonly string[]
  readonly referencedTable: string
  readonly referencedColumns: readonly string[]
  /** `'RESTRICT'`, `'CASCADE'`, `'SET NULL'`, `'NO ACTION'` or `'SET DEFAULT'`. */
  readonly onUpdate: string
  readonly onDelete: string
}

/** An index other than the primary key (unique ones included). */
export interface IndexMetadata {
  readonly name: string
  /** Indexed columns in order (property names); expression parts of functional indexes are left out. */
  readonly columns: readonly string[]
  readonly unique: boolean
  /** `'BTREE'`, `'HASH'`, `'FULLTEXT'` or `'SPATIAL'`. */
  readonly type: string
}

/** One table or view. */
export interface TableMetadata {
  /** The key in the generated `DB` (camel-cased in camel-case mode). */
  readonly name: string
  /** The table's name in SQL. */
  readonly tableName: string
  readonly kind: 'table' | 'view'
  /** Columns by property name, in table order. */
  readonly columns: { readonly [name: string]: ColumnMetadata }
  /** Primary key columns in order; empty when there is none. */
  readonly primaryKey: readonly string[]
  readonly uniqueKeys: readonly UniqueKeyMetadata[]
  readonly foreignKeys: readonly ForeignKeyMetadata[]
  readonly indexes: readonly IndexMetadata[]
  readonly comment: string | null
}

/**
 * The runtime description of a database schema that `kysely-toolkit codegen` writes as `metadata.ts`
 * (`export const metadata = { ... } as const satisfies SchemaMetadata`-compatible), so repositories, sort whitelists
 * and encryption config can be checked against the schema with types and at run time.
 *
 * @example
 * ```ts
 * import { metadata } from './generated/metadata.js'
 *
 * type UserColumn = keyof typeof metadata.tables.users.columns // 'id' | 'email' | ...
 * const sortable = Object.keys(metadata.tables.users.columns) as UserColumn[]
 * metadata.tables.users.primaryKey // readonly ['id']
 * ```
 */
export interface SchemaMetadata {
  /** Whether names are camel-cased (Kysely's `CamelCasePlugin` must then be installed). */
  readonly camelCase: boolean
  /** The `types` the code was generated for; give `createDatabase` the same. */
  readonly types: ResolvedTypeCastOptions
  /** Tables and views by their `DB` key. */
  readonly tables: { readonly [name: string]: TableMetadata }
}
