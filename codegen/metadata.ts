import { CamelCasePlugin } from 'kysely'
import type { ResolvedTypeCastOptions } from '../src/database/type-cast.js'
import type {
  ColumnInsertMode,
  ColumnMetadata,
  SchemaMetadata,
  TableMetadata,
} from '../src/schema/schema-metadata.js'
import type { IntrospectedColumn, IntrospectedSchema } from './introspect-schema.js'
import { jsTypeOf, mapColumnType, type ValueType } from './type-mapping.js'

/** Options of {@link buildSchemaMetadata}. */
export interface BuildSchemaMetadataOptions {
  /** Camel-case names as Kysely's `CamelCasePlugin` does. Defaults to `false`. */
  readonly camelCase?: boolean
  /** The `types` the database reads values with. */
  readonly types: ResolvedTypeCastOptions
  /** Called once per column whose type is not known (it is typed `unknown`), with `table.column`. */
  readonly onUnknownType?: (column: string, columnType: string) => void
}

/** {@link SchemaMetadata} with each column's {@link ValueType}, which the type and zod generators read. */
export interface MappedSchema {
  readonly metadata: SchemaMetadata
  /** Value types by `DB` table key, then property name. */
  readonly valueTypes: ReadonlyMap<string, ReadonlyMap<string, ValueType>>
}

class NameConverter extends CamelCasePlugin {
  convert(name: string): string {
    return this.camelCase(name)
  }
}

/**
 * Turns an introspected schema into the runtime {@link SchemaMetadata} (names camel-cased in camel-case mode,
 * exactly as Kysely's `CamelCasePlugin` maps them) and each column's {@link ValueType}.
 *
 * @example
 * ```ts
 * const { metadata } = buildSchemaMetadata(await introspectSchema(db), { types: TYPE_CAST_DEFAULTS })
 * metadata.tables.users?.primaryKey // ['id']
 * ```
 */
export function buildSchemaMetadata(
  schema: IntrospectedSchema,
  options: BuildSchemaMetadataOptions,
): MappedSchema {
  const converter = new NameConverter()
  const name = options.camelCase ? (raw: string) => converter.convert(raw) : (raw: string) => raw
  const tables: Record<string, TableMetadata> = {}
  const valueTypes = new Map<string, Map<string, ValueType>>()
  for (const table of schema.tables) {
    const tableKey = name(table.name)
    const columns: Record<string, ColumnMetadata> = {}
    const types = new Map<string, ValueType>()
    for (const column of table.columns) {
      const value = mapColumnType(column, options.types)
      if (value.kind === 'unknown') options.onUnknownType?.(`${table.name}.${column.name}`, column.columnType)
      const key = name(column.name)
      types.set(key, value)
      columns[key] = {
        name: key,
        columnName: column.name,
        dataType: column.dataType,
        columnType: column.columnType,
        jsType: jsTypeOf(value),
        nullable: column.nullable,
        default: column.default,
        autoIncrement: column.autoIncrement,
        generated: column.generated,
        onUpdate: column.onUpdate,
        insert: insertModeOf(column),
        enumValues: column.enumValues,
        setValues: column.setValues,
        maxLength: column.maxLength,
        maxBytes: column.maxBytes,
        precision: column.precision,
        scale: column.scale,
        fsp: column.fsp,
        unsigned: column.unsigned,
        charset: column.charset,
        comment: column.comment,
      }
    }
    valueTypes.set(tableKey, types)
    tables[tableKey] = {
      name: tableKey,
      tableName: table.name,
      kind: table.kind,
      columns,
      primaryKey: table.primaryKey.map(name),
      uniqueKeys: table.uniqueKeys.map((key) => ({ name: key.name, columns: key.columns.map(name) })),
      foreignKeys: table.foreignKeys.map((key) => ({
        name: key.name,
        columns: key.columns.map(name),
        referencedTable: name(key.referencedTable),
        referencedColumns: key.referencedColumns.map(name),
        onUpdate: key.onUpdate,
        onDelete: key.onDelete,
      })),
      indexes: table.indexes.map((index) => ({ ...index, columns: index.columns.map(name) })),
      comment: table.comment,
    }
  }
  return {
    metadata: { camelCase: options.camelCase ?? false, types: options.types, tables },
    valueTypes,
  }
}

/**
 * Generated columns cannot be written; auto-increment, defaulted and nullable columns may be left out; the rest
 * are required.
 *
 * @internal
 */
export function insertModeOf(column: IntrospectedColumn): ColumnInsertMode {
  if (column.generated !== null) return 'never'
  if (column.autoIncrement || column.default !== null || column.nullable) return 'optional'
  return 'required'
}

/**
 * The source of the generated `metadata.ts`: `export const metadata = { ... } as const`, the `types` it was made
 * for as `TYPES`, and `TableName` / `ColumnName<T>` unions.
 *
 * @example
 * ```ts
 * await writeFile('src/generated/metadata.ts', serializeMetadataModule(metadata, '// generated\n'))
 * ```
 */
export function serializeMetadataModule(metadata: SchemaMetadata, header: string): string {
  return `${header}
/** The database schema as data: columns, keys and indexes of every table. */
export const metadata = ${toSource(metadata, 0)} as const;

/** The \`types\` option this schema was generated for: pass it to \`createDatabase\`. */
export const TYPES = metadata.types;

/** The name of a table (its key in \`DB\`). */
export type TableName = keyof typeof metadata.tables;

/** The name of a column of table \`T\` (its property name in \`DB\`). */
export type ColumnName<T extends TableName> = keyof (typeof metadata.tables)[T]["columns"] & string;
`
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

function toSource(value: unknown, depth: number): string {
  const indent = '  '.repeat(depth + 1)
  const closing = '  '.repeat(depth)
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (value.every((item) => typeof item !== 'object' || item === null)) {
      return `[${value.map((item) => toSource(item, depth + 1)).join(', ')}]`
    }
    return `[\n${value.map((item) => `${indent}${toSource(item, depth + 1)},`).join('\n')}\n${closing}]`
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return '{}'
    const lines = entries.map(
      ([key, inner]) =>
        `${indent}${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${toSource(inner, depth + 1)},`,
    )
    return `{\n${lines.join('\n')}\n${closing}}`
  }
  throw new TypeError(`cannot serialise ${typeof value}`)
}
