import type { Kysely, SelectQueryBuilder } from 'kysely'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import type { ForeignKeyMetadata, TableMetadata } from '../schema/schema-metadata.js'
import { applySort } from './sort.js'
import { asCondition, bindComparable, SHARED_BUILDER, whereExpression } from './where.js'

/** The kinds of relation a repository loads. */
export const RELATION_KINDS = ['hasMany', 'hasOne', 'belongsTo', 'manyToMany'] as const

/** A value of {@link RELATION_KINDS}. */
export type RelationKind = (typeof RELATION_KINDS)[number]

/**
 * A relation from one table to `target`, declared once in `defineRepositorySchema`. The key columns default to
 * the foreign key the generated metadata records between the two tables; name them when there are several.
 */
export interface RelationDefinition<K extends RelationKind = RelationKind, T extends string = string> {
  readonly kind: K
  readonly target: T
  /** hasMany/hasOne: the target's column pointing at this table; belongsTo: this table's column pointing at the target. */
  readonly foreignKey?: string | undefined
  /** hasMany/hasOne: the column of this table the foreign key references. Defaults to the foreign key's. */
  readonly localKey?: string | undefined
  /** belongsTo: the column of the target the foreign key references. Defaults to the foreign key's. */
  readonly ownerKey?: string | undefined
  /** manyToMany: the join table. */
  readonly through?: string | undefined
  /** manyToMany: the join table's column pointing at this table. */
  readonly sourceKey?: string | undefined
  /** manyToMany: the join table's column pointing at the target. */
  readonly targetKey?: string | undefined
}

/** Key columns of a hasMany or hasOne relation. */
export interface HasKeys {
  /** The target's column that points at this table. Defaults to the only foreign key from the target to this table. */
  readonly foreignKey?: string
  /** The column of this table it references. Defaults to the foreign key's referenced column. */
  readonly localKey?: string
}

/**
 * This table's rows each have any number of `target` rows pointing at them (users → orders). Loaded as an array,
 * ordered by the target's primary key unless the load gives a `sort`.
 *
 * @example
 * ```ts
 * import { defineRepositorySchema, hasMany } from 'kysely-toolkit'
 *
 * const shop = defineRepositorySchema({
 *   metadata,
 *   schemas,
 *   relations: { users: { orders: hasMany('orders'), accounts: hasMany('accounts', { foreignKey: 'owner_id' }) } },
 * })
 * ```
 */
export function hasMany<const T extends string>(
  target: T,
  keys: HasKeys = {},
): RelationDefinition<'hasMany', T> {
  return Object.freeze({ kind: 'hasMany', target, foreignKey: keys.foreignKey, localKey: keys.localKey })
}

/**
 * Like {@link hasMany}, for at most one target row per row (the first by primary key when there are more).
 * Loaded as the row or `null`.
 *
 * @example
 * ```ts
 * import { hasOne } from 'kysely-toolkit'
 *
 * const relations = { users: { account: hasOne('accounts', { foreignKey: 'owner_id' }) } }
 * ```
 */
export function hasOne<const T extends string>(
  target: T,
  keys: HasKeys = {},
): RelationDefinition<'hasOne', T> {
  return Object.freeze({ kind: 'hasOne', target, foreignKey: keys.foreignKey, localKey: keys.localKey })
}

/** Key columns of a belongsTo relation. */
export interface BelongsToKeys {
  /** This table's column that points at the target. Defaults to the only foreign key from this table to the target. */
  readonly foreignKey?: string
  /** The target's column it references. Defaults to the foreign key's referenced column. */
  readonly ownerKey?: string
}

/**
 * Each row of this table points at one `target` row (orders → users). Loaded as the row or `null`.
 *
 * @example
 * ```ts
 * import { belongsTo } from 'kysely-toolkit'
 *
 * const relations = { orders: { user: belongsTo('users') }, account_transactions: {
 *   from: belongsTo('accounts', { foreignKey: 'from_account_id' }),
 * } }
 * ```
 */
export function belongsTo<const T extends string>(
  target: T,
  keys: BelongsToKeys = {},
): RelationDefinition<'belongsTo', T> {
  return Object.freeze({ kind: 'belongsTo', target, foreignKey: keys.foreignKey, ownerKey: keys.ownerKey })
}

/** The join table and key columns of a many-to-many relation. */
export interface ManyToManyKeys {
  /** The join table. */
  readonly through: string
  /** The join table's column pointing at this table. Defaults to its only foreign key to this table. */
  readonly sourceKey?: string
  /** The join table's column pointing at the target. Defaults to its only foreign key to the target. */
  readonly targetKey?: string
}

/**
 * Rows of this table and of `target` are linked through a join table (products ↔ tags through product_tags).
 * Loaded as an array with two queries per level (the links, then the targets).
 *
 * @example
 * ```ts
 * import { manyToMany } from 'kysely-toolkit'
 *
 * const relations = { products: { tags: manyToMany('tags', { through: 'product_tags' }) } }
 * ```
 */
export function manyToMany<const T extends string>(
  target: T,
  keys: ManyToManyKeys,
): RelationDefinition<'manyToMany', T> {
  return Object.freeze({
    kind: 'manyToMany',
    target,
    through: keys.through,
    sourceKey: keys.sourceKey,
    targetKey: keys.targetKey,
  })
}

/**
 * A relation with every key column known.
 * - hasMany/hasOne: `parent[parentColumn] = target[targetColumn]`;
 * - belongsTo: the same, the parent column being the foreign key;
 * - manyToMany: `parent[parentColumn] = through[through.parentColumn]` and
 *   `through[through.targetColumn] = target[targetColumn]`.
 *
 * @internal
 */
export interface ResolvedRelation {
  readonly name: string
  readonly kind: RelationKind
  readonly target: string
  readonly parentColumn: string
  readonly targetColumn: string
  readonly through?: { readonly table: string; readonly parentColumn: string; readonly targetColumn: string }
}

/**
 * Works out the key columns of a declared relation from the metadata's foreign keys.
 *
 * @throws {InvalidOptionsError} when a table or column does not exist, or the foreign key is missing or ambiguous.
 * @internal
 */
export function resolveRelation(
  tables: Readonly<Record<string, TableMetadata>>,
  source: string,
  name: string,
  definition: RelationDefinition,
): ResolvedRelation {
  const path = `relations.${source}.${name}`
  const problem = (message: string): InvalidOptionsError =>
    new InvalidOptionsError('repository schema', [{ path, message: `${path}: ${message}` }])
  const table = (key: string): TableMetadata => {
    const found = Object.hasOwn(tables, key) ? tables[key] : undefined
    if (found === undefined) throw problem(`there is no table ${JSON.stringify(key)} in the metadata`)
    return found
  }
  const column = (owner: TableMetadata, key: string | undefined, role: string): string | undefined => {
    if (key !== undefined && !Object.hasOwn(owner.columns, key)) {
      throw problem(`${role} ${JSON.stringify(key)} is not a column of ${owner.name}`)
    }
    return key
  }
  const single = (owner: TableMetadata, referenced: string, key: string | undefined, role: string) => {
    const candidates = owner.foreignKeys.filter(
      (fk) => fk.referencedTable === referenced && (key === undefined || fk.columns[0] === key),
    )
    // Two constraints over the same columns (a duplicate foreign key) are one relation.
    const usable = [
      ...new Map(
        candidates
          .filter((fk) => fk.columns.length === 1)
          .map((fk) => [`${fk.columns[0]}\u0000${fk.referencedColumns[0]}`, fk] as const),
      ).values(),
    ]
    if (usable.length === 1) return usable[0]!
    if (usable.length === 0 && candidates.length > 0) {
      throw problem(
        `the foreign key from ${owner.name} to ${referenced} has several columns, which relations do not support`,
      )
    }
    if (usable.length === 0) {
      if (key !== undefined) return undefined
      throw problem(`${owner.name} has no foreign key to ${referenced}: name the ${role}`)
    }
    throw problem(
      `${owner.name} has several foreign keys to ${referenced} (${describe(usable)}): name the ${role}`,
    )
  }
  const sourceTable = table(source)
  const targetTable = table(definition.target)
  const singlePrimaryKey = (owner: TableMetadata, role: string): string => {
    if (owner.primaryKey.length !== 1)
      throw problem(`${owner.name} has no single-column primary key: name the ${role}`)
    return owner.primaryKey[0]!
  }
  switch (definition.kind) {
    case 'hasMany':
    case 'hasOne': {
      const foreignKey = column(targetTable, definition.foreignKey, 'foreignKey')
      const localKey = column(sourceTable, definition.localKey, 'localKey')
      const fk = single(targetTable, source, foreignKey, 'foreignKey')
      return Object.freeze({
        name,
        kind: definition.kind,
        target: definition.target,
        parentColumn: localKey ?? fk?.referencedColumns[0] ?? singlePrimaryKey(sourceTable, 'localKey'),
        targetColumn: fk?.columns[0] ?? foreignKey!,
      })
    }
    case 'belongsTo': {
      const foreignKey = column(sourceTable, definition.foreignKey, 'foreignKey')
      const ownerKey = column(targetTable, definition.ownerKey, 'ownerKey')
      const fk = single(sourceTable, definition.target, foreignKey, 'foreignKey')
      return Object.freeze({
        name,
        kind: 'belongsTo',
        target: definition.target,
        parentColumn: fk?.columns[0] ?? foreignKey!,
        targetColumn: ownerKey ?? fk?.referencedColumns[0] ?? singlePrimaryKey(targetTable, 'ownerKey'),
      })
    }
    case 'manyToMany': {
      if (definition.through === undefined) throw problem('a manyToMany relation needs `through`')
      const through = table(definition.through)
      const sourceKey = column(through, definition.sourceKey, 'sourceKey')
      const targetKey = column(through, definition.targetKey, 'targetKey')
      if (source === definition.target && (sourceKey === undefined || targetKey === undefined)) {
        throw problem('a manyToMany relation of a table to itself needs sourceKey and targetKey')
      }
      const toSource = single(through, source, sourceKey, 'sourceKey')
      const toTarget = single(through, definition.target, targetKey, 'targetKey')
      return Object.freeze({
        name,
        kind: 'manyToMany',
        target: definition.target,
        parentColumn: toSource?.referencedColumns[0] ?? singlePrimaryKey(sourceTable, 'sourceKey'),
        targetColumn: toTarget?.referencedColumns[0] ?? singlePrimaryKey(targetTable, 'targetKey'),
        through: Object.freeze({
          table: definition.through,
          parentColumn: toSource?.columns[0] ?? sourceKey!,
          targetColumn: toTarget?.columns[0] ?? targetKey!,
        }),
      })
    }
    default:
      throw problem(`unknown relation kind ${JSON.stringify((definition as { kind: unknown }).kind)}`)
  }
}

function describe(fks: readonly ForeignKeyMetadata[]): string {
  return fks.map((fk) => fk.columns.join('+')).join(', ')
}

/** What the relation loader needs to know about each table. @internal */
export interface LoaderTable {
  readonly meta: TableMetadata
  readonly relations: Readonly<Record<string, ResolvedRelation>>
  /** The columns selected when a load names none. */
  readonly visible: readonly string[]
  /** Columns a sort of related rows may use, and its primary key. */
  readonly sortParser: { parse(input: unknown): readonly { column: string; direction: 'asc' | 'desc' }[] }
}

/** How one relation is loaded: `true`, or options. @internal */
export interface RelationLoadOptions {
  readonly where?: unknown
  readonly select?: readonly string[]
  readonly omit?: readonly string[]
  readonly sort?: unknown
  readonly with?: Readonly<Record<string, unknown>>
}

type Row = Record<string, unknown>
type AnyDB = Record<string, Record<string, unknown>>

const NO_RELATIONS: Readonly<Record<string, unknown>> = Object.freeze({})
const NO_COLUMNS: readonly string[] = Object.freeze([])

/** Parent keys per IN query. */
const KEYS_PER_QUERY = 5_000

/**
 * Checks a whole `with` tree before any SQL is sent: every relation name at every level, and each load's `select`,
 * `omit`, `sort` and `where` against its table. Throws the same typed errors the load would (InvalidOptionsError,
 * InvalidSortError, InvalidFilterError...), so that a bad `with` is refused whether or not any row matches.
 *
 * @internal
 */
export function checkRelationSpec(
  tables: Readonly<Record<string, LoaderTable>>,
  table: string,
  spec: Readonly<Record<string, unknown>>,
): void {
  const owner = tables[table]!
  for (const name of Object.keys(spec)) {
    const value = spec[name]
    if (value === undefined || value === false) continue
    if (!Object.hasOwn(owner.relations, name)) throw unknownRelation(owner, table, name)
    if (value === true) continue
    const options = value as RelationLoadOptions
    const relation = owner.relations[name]!
    const target = tables[relation.target]!
    if (options.select !== undefined || options.omit !== undefined) {
      projection(target, options.select, options.omit)
    }
    target.sortParser.parse(options.sort)
    if (options.where !== undefined) whereExpression(SHARED_BUILDER, target.meta, options.where)
    if (options.with !== undefined) checkRelationSpec(tables, relation.target, options.with)
  }
}

function unknownRelation(owner: LoaderTable, table: string, name: string): InvalidOptionsError {
  const known = Object.keys(owner.relations)
  return new InvalidOptionsError('relation load', [
    {
      path: `with.${name}`,
      message: `with.${name} is not a relation of ${table} (relations: ${known.join(', ') || 'none'})`,
    },
  ])
}

/**
 * Loads the relations named in `spec` onto `rows` (in place), one batched `IN` query per relation and level
 * (two for manyToMany, more only past 5,000 parent keys), whatever the number of rows. Throws synchronously for an
 * unknown relation name (callers are async functions that await it).
 *
 * @internal
 */
export function loadRelations(
  executor: Kysely<AnyDB>,
  tables: Readonly<Record<string, LoaderTable>>,
  table: string,
  rows: Row[],
  spec: Readonly<Record<string, unknown>>,
): Promise<void> {
  const owner = tables[table]!
  const names = Object.keys(spec).filter((name) => spec[name] !== undefined && spec[name] !== false)
  for (const name of names) {
    if (!Object.hasOwn(owner.relations, name)) throw unknownRelation(owner, table, name)
  }
  // Relations of one level are independent: their queries run concurrently (serially inside a transaction).
  const load = (name: string): Promise<void> => {
    const value = spec[name]
    const options: RelationLoadOptions = value === true ? NO_OPTIONS : (value as RelationLoadOptions)
    const relation = owner.relations[name]!
    // Values of a one-column primary key are distinct in rows read from its table.
    const unique = owner.meta.primaryKey.length === 1 && owner.meta.primaryKey[0] === relation.parentColumn
    return loadRelation(executor, tables, relation, rows, options, unique)
  }
  // Not an async function (one promise less per load): its callers await it, so a throw above is their rejection.
  if (names.length === 1) return load(names[0]!)
  return names.length === 0 ? Promise.resolve() : Promise.all(names.map(load)).then(ignore)
}

function ignore(): void {}

const NO_OPTIONS: RelationLoadOptions = Object.freeze({})

async function loadRelation(
  executor: Kysely<AnyDB>,
  tables: Readonly<Record<string, LoaderTable>>,
  relation: ResolvedRelation,
  parents: Row[],
  options: RelationLoadOptions,
  uniqueParentKeys: boolean,
): Promise<void> {
  const target = tables[relation.target]!
  const keys = uniqueParentKeys
    ? presentKeys(parents, relation.parentColumn)
    : uniqueKeys(parents, relation.parentColumn)
  let links: Row[] | undefined
  let targetKeys = keys
  if (relation.through !== undefined && keys.length > 0) {
    const through = relation.through
    const throughMeta = tables[through.table]!.meta
    links = []
    for (const chunk of chunks(keys)) {
      const found = await executor
        .selectFrom(through.table)
        .select([through.parentColumn, through.targetColumn])
        .where(
          through.parentColumn,
          'in',
          (needsBinding(throughMeta.columns[through.parentColumn])
            ? chunk.map((key) => bindComparable(throughMeta.columns[through.parentColumn], key))
            : chunk) as never,
        )
        .execute()
      links.push(...found)
    }
    targetKeys = uniqueKeys(links, through.targetColumn)
  }
  const nested = options.with ?? NO_RELATIONS
  const nestedColumns =
    nested === NO_RELATIONS
      ? NO_COLUMNS
      : Object.keys(nested)
          .filter(
            (name) =>
              nested[name] !== undefined && nested[name] !== false && Object.hasOwn(target.relations, name),
          )
          .map((name) => target.relations[name]!.parentColumn)
  // The target's visible columns as they are (no copy) when the load chooses none.
  const wanted =
    options.select === undefined && options.omit === undefined
      ? target.visible
      : projection(target, options.select, options.omit)
  const extra: string[] = []
  if (!wanted.includes(relation.targetColumn)) extra.push(relation.targetColumn)
  for (const column of nestedColumns)
    if (!wanted.includes(column) && !extra.includes(column)) extra.push(column)
  const columns = extra.length === 0 ? wanted : [...wanted, ...extra]
  const sort = target.sortParser.parse(options.sort)
  const keyColumn = target.meta.columns[relation.targetColumn]
  const bind = needsBinding(keyColumn) ? (key: unknown) => bindComparable(keyColumn, key) : undefined
  let found: Row[] = []
  for (const chunk of chunks(targetKeys)) {
    let query = executor
      .selectFrom(relation.target)
      .select(columns)
      .where(
        relation.targetColumn,
        'in',
        (bind === undefined ? chunk : chunk.map(bind)) as never,
      ) as SelectQueryBuilder<AnyDB, string, Row>
    if (options.where !== undefined) {
      const eb = SHARED_BUILDER
      query = query.where(asCondition(whereExpression(eb, target.meta, options.where) ?? eb.lit(true)))
    }
    const rows = await applySort(query, sort as never).execute()
    if (found.length === 0) found = rows
    else for (const row of rows) found.push(row)
  }
  if (nestedColumns.length > 0 && found.length > 0) {
    await loadRelations(executor, tables, relation.target, found, nested)
  }
  attach(relation, parents, found, links, keys.length === parents.length, extra)
}

/**
 * Whether parent and child keys can be matched as they are: they usually have the same JavaScript type (both INT:
 * numbers; both BIGINT: strings). When they differ (an INT key referenced by a BIGINT column), or for dates and
 * buffers, both sides are matched by their text form ({@link keyOf}).
 */
function sameKeyType(parentKey: unknown, childKey: unknown): boolean {
  const type = typeof parentKey
  return (type === 'number' || type === 'string' || type === 'bigint') && type === typeof childKey
}

function attach(
  relation: ResolvedRelation,
  parents: Row[],
  found: readonly Row[],
  links: Row[] | undefined,
  uniqueParents: boolean,
  drop: readonly string[],
): void {
  const { name, parentColumn, targetColumn } = relation
  const through = relation.through
  let sample: unknown
  for (const parent of parents) {
    sample = parent[parentColumn]
    if (sample !== null && sample !== undefined) break
  }
  const firstLink = links?.[0]
  const raw = sameKeyType(
    sample,
    through === undefined ? found[0]?.[targetColumn] : firstLink?.[through.parentColumn],
  )
  const rawTarget =
    through === undefined ? raw : sameKeyType(firstLink?.[through.targetColumn], found[0]?.[targetColumn])
  const groups = new Map<unknown, Row[]>()
  for (const row of found) {
    const value = rawTarget ? row[targetColumn] : keyOf(row[targetColumn])
    // Columns selected only for the load are left out of the rows attached.
    const kept = drop.length === 0 ? row : withoutColumns(row, drop)
    const group = groups.get(value)
    if (group === undefined) groups.set(value, [kept])
    else group.push(kept)
  }
  switch (relation.kind) {
    case 'hasMany':
      for (const parent of parents) {
        const value = parent[parentColumn]
        const group = groups.get(raw ? value : keyOf(value))
        // Parents that share a key get their own arrays.
        parent[name] = group === undefined ? [] : uniqueParents ? group : [...group]
      }
      return
    case 'hasOne':
    case 'belongsTo':
      for (const parent of parents) {
        const value = parent[parentColumn]
        parent[name] = groups.get(raw ? value : keyOf(value))?.[0] ?? null
      }
      return
    case 'manyToMany': {
      const order = new Map<unknown, number>()
      found.forEach((row, index) => {
        const value = rawTarget ? row[targetColumn] : keyOf(row[targetColumn])
        if (!order.has(value)) order.set(value, index)
      })
      const linked = new Map<unknown, Set<unknown>>()
      for (const link of links ?? []) {
        const parentValue = link[through!.parentColumn]
        const parentKey = raw ? parentValue : keyOf(parentValue)
        let targets = linked.get(parentKey)
        if (targets === undefined) {
          targets = new Set()
          linked.set(parentKey, targets)
        }
        const targetValue = link[through!.targetColumn]
        targets.add(rawTarget ? targetValue : keyOf(targetValue))
      }
      for (const parent of parents) {
        const value = parent[parentColumn]
        const targetKeys = [...(linked.get(raw ? value : keyOf(value)) ?? [])]
          .filter((key) => order.has(key))
          .sort((a, b) => order.get(a)! - order.get(b)!)
        parent[name] = targetKeys.map((key) => groups.get(key)![0]!)
      }
      return
    }
  }
}

/** The columns to select: those named, else the visible ones minus those omitted. @internal */
export function projection(
  table: LoaderTable,
  select: readonly string[] | undefined,
  omit: readonly string[] | undefined,
): string[] {
  const known = (columns: readonly string[], option: string): void => {
    for (const column of columns) {
      if (!Object.hasOwn(table.meta.columns, column)) {
        throw new InvalidOptionsError('column choice', [
          {
            path: option,
            message: `${option} names ${JSON.stringify(column)}, which is not a column of ${table.meta.name}`,
          },
        ])
      }
    }
  }
  if (select !== undefined) {
    known(select, 'select')
    return [...new Set(select)]
  }
  if (omit === undefined || omit.length === 0) return [...table.visible]
  known(omit, 'omit')
  return table.visible.filter((column) => !omit.includes(column))
}

/** A map key for a column value, equal for equal values whatever their JS type (number 5, string '5', 5n). */
export function keyOf(value: unknown): string {
  if (value instanceof Date) return `d${value.getTime()}`
  if (ArrayBuffer.isView(value))
    return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
  return String(value)
}

/**
 * Removes `columns` from each of `rows`, replacing each row by a copy without them: a `delete` would turn every
 * row into a slow dictionary-mode object. The copy keeps the other properties in their order.
 *
 * @internal
 */
export function dropColumns(rows: Row[], columns: readonly string[]): void {
  for (let index = 0; index < rows.length; index++) rows[index] = withoutColumns(rows[index]!, columns)
}

function withoutColumns(row: Row, columns: readonly string[]): Row {
  const copy: Row = {}
  for (const key of Object.keys(row)) if (!columns.includes(key)) copy[key] = row[key]
  return copy
}

/** The non-null values of `column` in `rows` known to hold distinct values (a primary key), in order. */
function presentKeys(rows: readonly Row[], column: string): unknown[] {
  const keys: unknown[] = []
  for (const row of rows) {
    const value = row[column]
    if (value !== null && value !== undefined) keys.push(value)
  }
  return keys
}

/** The distinct non-null values of `column` in `rows`, in order of first appearance. */
function uniqueKeys(rows: readonly Row[], column: string): unknown[] {
  const seen = new Set<unknown>()
  const unique: unknown[] = []
  for (const row of rows) {
    const value = row[column]
    if (value === null || value === undefined) continue
    const key = typeof value === 'object' ? keyOf(value) : value
    if (seen.has(key)) continue
    seen.add(key)
    unique.push(value)
  }
  return unique
}

function chunks<T>(items: readonly T[]): readonly (readonly T[])[] {
  if (items.length <= KEYS_PER_QUERY) return items.length === 0 ? [] : [items]
  const parts: T[][] = []
  for (let start = 0; start < items.length; start += KEYS_PER_QUERY)
    parts.push(items.slice(start, start + KEYS_PER_QUERY))
  return parts
}

/** Whether a key column's values are bound converted (BIGINT and DECIMAL; see `bindComparable`). */
function needsBinding(column: { readonly dataType: string } | undefined): boolean {
  return column !== undefined && (column.dataType === 'bigint' || column.dataType === 'decimal')
}
