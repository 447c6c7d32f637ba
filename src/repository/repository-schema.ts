import type { z } from 'zod'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import type { SchemaMetadata, TableMetadata } from '../schema/schema-metadata.js'
import { type FastCheck, writeCheckOf } from './fast-check.js'
import {
  type LoaderTable,
  type RelationDefinition,
  type RelationKind,
  type ResolvedRelation,
  resolveRelation,
} from './relations.js'
import { createSortParser, type SortParser } from './sort.js'

/** The generated zod schemas of one table (`schemas.users` in the generated `zod.ts`). */
export interface TableSchemas {
  /** A row as read. */
  readonly row: z.ZodType
  /** An insert: required and optional columns, nothing else. */
  readonly insert: z.ZodType
  /** An update: every writable column optional, nothing else. */
  readonly update: z.ZodType
}

/** The table names of a metadata object. */
export type TableName<M extends SchemaMetadata> = keyof M['tables'] & string

/** The column names of a table of a metadata object. */
export type ColumnName<M extends SchemaMetadata, T extends TableName<M>> = keyof M['tables'][T]['columns'] &
  string

/** Relations per table: `{ users: { orders: hasMany('orders') } }`. */
export type RelationMap<M extends SchemaMetadata> = {
  readonly [T in TableName<M>]?: Readonly<Record<string, RelationDefinition<RelationKind, TableName<M>>>>
}

/** Columns per table that no read returns unless a call selects them: `{ users: ['password_hash'] }`. */
export type HiddenColumns<M extends SchemaMetadata> = {
  readonly [T in TableName<M>]?: readonly ColumnName<M, T>[]
}

/** Options of {@link defineRepositorySchema}. */
export interface RepositorySchemaOptions<M extends SchemaMetadata, R, H> {
  /** The generated `metadata` (columns, keys and foreign keys of every table). */
  readonly metadata: M
  /** The generated zod `schemas`, used to validate every write. */
  readonly schemas: { readonly [T in TableName<M>]?: TableSchemas }
  /** The relations of each table, loaded with `with`. Defaults to none. */
  readonly relations?: R
  /**
   * Columns never read unless a call names them in `select`, in repositories and in loaded relations alike
   * (password hashes, secrets). They cannot be sorted or filtered by from input either. Defaults to none.
   */
  readonly hidden?: H
}

/**
 * The schema repositories are made from: the generated metadata and zod schemas, the relations, the hidden
 * columns. Made once by {@link defineRepositorySchema}; checked when made.
 */
export interface RepositorySchema<
  M extends SchemaMetadata = SchemaMetadata,
  R = Record<never, never>,
  H = Record<never, never>,
> {
  readonly metadata: M
  readonly relations: R
  readonly hidden: H
}

/** @internal */
export interface ResolvedTable extends LoaderTable {
  readonly name: string
  readonly columns: readonly string[]
  readonly primaryKey: readonly string[]
  readonly hidden: ReadonlySet<string>
  /** The auto-increment column, when the table has one. */
  readonly autoIncrement: string | undefined
  /** Visible columns that lead an index (or the primary key): what clients may sort by by default. */
  readonly indexed: readonly string[]
  readonly schemas: TableSchemas | undefined
  /** Plain tests that let a typical insert or update skip zod (see {@link writeCheckOf}). */
  readonly writeChecks: { readonly insert: FastCheck | undefined; readonly update: FastCheck | undefined }
  readonly sortParser: SortParser
}

/** @internal */
export interface ResolvedSchema {
  readonly camelCase: boolean
  readonly tables: Readonly<Record<string, ResolvedTable>>
}

const RESOLVED = new WeakMap<object, ResolvedSchema>()

/**
 * Declares, once, what repositories are made from: the generated metadata and zod schemas, the relations between
 * tables and the columns no read returns unless asked (a password hash). Relations name only the target table
 * when the metadata has exactly one foreign key between the two; name the key columns otherwise.
 *
 * @throws {InvalidOptionsError} when a relation's table or key columns do not exist or are ambiguous, or a
 *   hidden column does not exist.
 *
 * @example
 * ```ts
 * import { belongsTo, defineRepositorySchema, hasMany } from 'kysely-toolkit'
 * import { metadata } from './generated/metadata.js'
 * import { schemas } from './generated/zod.js'
 *
 * export const shop = defineRepositorySchema({
 *   metadata,
 *   schemas,
 *   hidden: { users: ['password_hash', 'ssn'] },
 *   relations: {
 *     users: { orders: hasMany('orders'), accounts: hasMany('accounts', { foreignKey: 'owner_id' }) },
 *     orders: { user: belongsTo('users'), items: hasMany('order_items') },
 *     order_items: { order: belongsTo('orders') },
 *   },
 * })
 * ```
 */
export function defineRepositorySchema<
  const M extends SchemaMetadata,
  const R extends RelationMap<M> = Record<never, never>,
  const H extends HiddenColumns<M> = Record<never, never>,
>(options: RepositorySchemaOptions<M, R, H>): RepositorySchema<M, R, H> {
  const { metadata } = options
  const tables = metadata.tables as Readonly<Record<string, TableMetadata>>
  const hiddenInput = (options.hidden ?? {}) as Readonly<Record<string, readonly string[]>>
  const relationInput = (options.relations ?? {}) as Readonly<
    Record<string, Readonly<Record<string, RelationDefinition>>>
  >
  const schemasInput = options.schemas as Readonly<Record<string, TableSchemas | undefined>>
  const problems: { path: string; message: string }[] = []
  for (const [table, columns] of Object.entries(hiddenInput)) {
    const meta = Object.hasOwn(tables, table) ? tables[table] : undefined
    if (meta === undefined) {
      problems.push({ path: `hidden.${table}`, message: `hidden.${table}: there is no table ${table}` })
      continue
    }
    for (const column of columns) {
      if (!Object.hasOwn(meta.columns, column)) {
        problems.push({
          path: `hidden.${table}`,
          message: `hidden.${table}: ${table} has no column ${column}`,
        })
      }
    }
  }
  for (const table of Object.keys(relationInput)) {
    if (!Object.hasOwn(tables, table)) {
      problems.push({ path: `relations.${table}`, message: `relations.${table}: there is no table ${table}` })
    }
  }
  if (problems.length > 0) throw new InvalidOptionsError('repository schema', problems)

  const resolved: Record<string, ResolvedTable> = {}
  for (const [name, meta] of Object.entries(tables)) {
    const columns = Object.keys(meta.columns)
    const hidden = new Set(hiddenInput[name] ?? [])
    const visible = columns.filter((column) => !hidden.has(column))
    const relations: Record<string, ResolvedRelation> = {}
    for (const [relationName, definition] of Object.entries(relationInput[name] ?? {})) {
      relations[relationName] = resolveRelation(tables, name, relationName, definition)
    }
    const leading = new Set<string>([
      ...meta.primaryKey.slice(0, 1),
      ...meta.indexes.map((index) => index.columns[0]!),
    ])
    const indexed = visible.filter((column) => leading.has(column))
    const tieBreaker = meta.primaryKey.length > 0 ? meta.primaryKey : columns.slice(0, 1)
    resolved[name] = Object.freeze({
      name,
      meta,
      columns,
      primaryKey: meta.primaryKey,
      hidden,
      visible,
      autoIncrement: columns.find((column) => meta.columns[column]!.autoIncrement),
      indexed,
      schemas: schemasInput[name],
      writeChecks: {
        insert: writeCheckOf(schemasInput[name]?.insert),
        update: writeCheckOf(schemasInput[name]?.update),
      },
      relations: Object.freeze(relations),
      sortParser: createSortParser({
        allowed: visible.length > 0 ? visible : columns,
        primaryKey: [...tieBreaker],
        maxKeys: 8,
      }),
    })
  }
  const schema = Object.freeze({
    metadata,
    relations: (options.relations ?? {}) as R,
    hidden: (options.hidden ?? {}) as H,
  })
  RESOLVED.set(schema, Object.freeze({ camelCase: metadata.camelCase, tables: Object.freeze(resolved) }))
  return schema
}

/**
 * The checked form of a schema made by {@link defineRepositorySchema}.
 *
 * @internal
 */
export function resolvedSchemaOf(schema: RepositorySchema): ResolvedSchema {
  const resolved = RESOLVED.get(schema)
  if (resolved === undefined) {
    throw new InvalidOptionsError('repository', [
      { path: 'schema', message: 'schema must be made by defineRepositorySchema' },
    ])
  }
  return resolved
}
