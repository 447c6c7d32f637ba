import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely'
import { z } from 'zod'
import { InvalidFilterError } from '../error/invalid-filter-error.js'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { InvalidSortError } from '../error/invalid-sort-error.js'
import { NotFoundError } from '../error/not-found-error.js'
import { ValidationError, type ValidationIssue } from '../error/validation-error.js'
import type { ColumnMetadata } from '../schema/schema-metadata.js'
import { parseOptions } from '../util/parse-options.js'
import { createFilterParser, type Filter, type FilterParser } from './filter.js'
import { knownInsertReturning, supportsInsertReturning } from './insert-returning.js'
import {
  type CursorCodec,
  type CursorValue,
  createCursorCodec,
  type KeysetKey,
  type KeysetPage,
  keysetExpression,
  type PageResult,
  parseCount,
  parsePageRequest,
} from './pagination.js'
import { checkRelationSpec, dropColumns, keyOf, loadRelations, projection } from './relations.js'
import {
  type RepositorySchema,
  type ResolvedTable,
  resolvedSchemaOf,
  type TableName,
} from './repository-schema.js'
import type {
  ColumnOf,
  CreateManyResult,
  CreateOptions,
  FindManyOptions,
  FindManyQuery,
  FindOneQuery,
  IdOf,
  InsertOf,
  Loaded,
  PageOptions,
  PageQuery,
  PaginateOptions,
  PaginateQuery,
  ReadOptions,
  RepositoryOptions,
  UpdateOf,
  UpsertOptions,
  UpsertQuery,
  WhereOf,
} from './repository-types.js'
import {
  applySort,
  createSortParser,
  isParsedSort,
  type Sort,
  type SortParser,
  sortSignature,
} from './sort.js'
import {
  asCondition,
  bindComparable,
  isEmptyWhere,
  isSingleValue,
  SHARED_BUILDER,
  whereExpression,
  whereWithSharedBuilder,
} from './where.js'

type NoOptions = Record<never, never>

/**
 * Data access for one table, typed from the generated `DB` and checked against the generated metadata and zod
 * schemas. Every method runs on the executor the repository was made with (a `Kysely` or a transaction; see
 * `withExecutor`). Reads return the visible columns unless `select`/`omit` say otherwise, with the result type
 * narrowed to match; writes are validated before any SQL is sent.
 */
export interface Repository<DB, TB extends keyof DB & string, S, O extends string> {
  /** The table. */
  readonly table: TB
  /**
   * The same repository on another executor, typically a transaction.
   *
   * @example
   * ```ts
   * await db.transaction().execute(async (trx) => {
   *   const user = await users.withExecutor(trx).create({ email, first_name, last_name })
   *   await orders.withExecutor(trx).create({ user_id: user.id })
   * })
   * ```
   */
  withExecutor(executor: Kysely<DB>): Repository<DB, TB, S, O>
  /** Parses a sort from untrusted input against `sortable` (see `parseSort`). */
  parseSort(input: unknown): Sort<ColumnOf<DB, TB>>
  /** Parses a filter from untrusted input against `filterable` (see `parseFilter`). */
  parseFilter(input: unknown): Filter<ColumnOf<DB, TB>>
  /**
   * The row with this primary key, or `null`. The key is checked before any SQL: a value already valid for the key
   * column (an integer in the column's range, a string no longer than a CHAR/VARCHAR column) is used as is, from the
   * metadata alone; anything else goes through the column's zod schema, which converts a key from a URL (`'42'`)
   * and refuses the rest ({@link InvalidFilterError}).
   *
   * @example
   * ```ts
   * const user = await users.findById(42, { with: { orders: true } })
   * ```
   */
  findById<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    id: IdOf<DB, S, TB>,
    options?: ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q> | null>
  /** The row with this primary key. @throws {NotFoundError} when there is none. */
  findByIdOrThrow<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    id: IdOf<DB, S, TB>,
    options?: ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>>
  /** The rows with these primary keys, in the order of `ids` (missing ones left out); one query per 10,000 ids. */
  findByIds<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    ids: readonly IdOf<DB, S, TB>[],
    options?: ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>[]>
  /** The first row matching `where` in the default sort, or `null`. */
  findOne<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    where: WhereOf<DB, TB>,
    options?: FindOneQuery & ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q> | null>
  /** The first row matching `where`. @throws {NotFoundError} when there is none. */
  findOneOrThrow<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    where: WhereOf<DB, TB>,
    options?: FindOneQuery & ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>>
  /** The rows matching `where`, sorted, limited, with relations. */
  findMany<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    options?: FindManyQuery<DB, TB> & ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>[]>
  /** How many rows match `where`. */
  count(where?: WhereOf<DB, TB>): Promise<number>
  /** Whether a row matches `where`. */
  exists(where: WhereOf<DB, TB>): Promise<boolean>
  /** One page by page number, with the total (two queries, plus relations). */
  page<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    options?: PageQuery<DB, TB> & ReadOptions<DB, S, TB> & Q,
  ): Promise<PageResult<Loaded<DB, S, TB, O, Q>>>
  /** One page after a signed cursor (keyset pagination): stable under inserts, no OFFSET scan. */
  paginate<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    options?: PaginateQuery<DB, TB> & ReadOptions<DB, S, TB> & Q,
  ): Promise<KeysetPage<Loaded<DB, S, TB, O, Q>>>
  /**
   * Validates and inserts a row and returns its key, without reading the row back (one statement on every server).
   *
   * @example
   * ```ts
   * const id = await users.create({ email, first_name, last_name }, { returning: false }) // 42
   * ```
   *
   * @throws {ValidationError} listing every problem, before any SQL.
   * @throws {UniqueViolationError} when a unique key is taken (`columns` names it).
   */
  create(input: InsertOf<DB, TB>, options: { readonly returning: false }): Promise<IdOf<DB, S, TB>>
  /**
   * Validates and inserts a row, and returns it as stored, defaults and generated values included. On MariaDB 10.5+
   * that is one statement, `INSERT ... RETURNING` the selected columns; MySQL has no `RETURNING`, so there the row
   * is read back by its insert id (or the key given) in a second statement. With `with`, the row is read back with
   * its relations on both. Pass `{ returning: false }` to get only the key.
   *
   * @example
   * ```ts
   * const user = await users.create({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })
   * user.created_at // the server's default, as stored
   * ```
   *
   * @throws {ValidationError} listing every problem, before any SQL.
   * @throws {UniqueViolationError} when a unique key is taken (`columns` names it).
   */
  create<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    input: InsertOf<DB, TB>,
    options?: { readonly returning?: true } & ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>>
  /**
   * Validates every row (all problems reported, with the row index in each path), then inserts them in as few
   * statements as the 65,535-placeholder limit and `max_allowed_packet` allow, in one transaction.
   */
  createMany(inputs: readonly InsertOf<DB, TB>[]): Promise<CreateManyResult>
  /**
   * Validates the patch and writes its given (not `undefined`) columns; an empty patch writes nothing. Returns the
   * row as stored, or `null` when there is no row with this key. The primary key cannot be changed.
   */
  update<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    id: IdOf<DB, S, TB>,
    patch: UpdateOf<DB, TB>,
    options?: ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q> | null>
  /** Like `update`. @throws {NotFoundError} when there is no row with this key. */
  updateOrThrow<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    id: IdOf<DB, S, TB>,
    patch: UpdateOf<DB, TB>,
    options?: ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>>
  /** Validates the patch and writes it to every row matching `where` (which must not be empty); returns how many. */
  updateMany(where: WhereOf<DB, TB>, patch: UpdateOf<DB, TB>): Promise<number>
  /** Deletes the row with this key; `true` when there was one. */
  delete(id: IdOf<DB, S, TB>): Promise<boolean>
  /** Deletes every row matching `where` (which must not be empty); returns how many. */
  deleteMany(where: WhereOf<DB, TB>): Promise<number>
  /**
   * Inserts the row, or updates the existing one with the same primary or unique key
   * (`INSERT ... ON DUPLICATE KEY UPDATE`), and returns it as stored.
   */
  upsert<const Q extends ReadOptions<DB, S, TB> = NoOptions>(
    input: InsertOf<DB, TB>,
    options?: UpsertQuery<DB, TB> & ReadOptions<DB, S, TB> & Q,
  ): Promise<Loaded<DB, S, TB, O, Q>>
}

type AnyDB = Record<string, Record<string, unknown>>
type Row = Record<string, unknown>
type Executor = Kysely<AnyDB>
type AnySelect = SelectQueryBuilder<AnyDB, string, Row>

const RepositoryOptionsSchema = z.strictObject({
  omit: z.array(z.string().min(1)).optional(),
  refine: z
    .record(
      z.string().min(1),
      z.custom<z.ZodType>((value) => value instanceof z.ZodType, { error: 'must be a zod schema' }),
    )
    .optional(),
  sortable: z
    .union([z.array(z.string().min(1)).min(1), z.record(z.string().min(1), z.string().min(1))])
    .optional(),
  defaultSort: z.unknown().optional(),
  filterable: z
    .record(
      z.string().min(1),
      z.union([
        z.array(z.string()).min(1),
        z.strictObject({ column: z.string().min(1), operators: z.array(z.string()).min(1) }),
      ]),
    )
    .optional(),
  maxLimit: z.number().int().min(1).max(100_000).default(100),
  defaultLimit: z.number().int().min(1).default(20),
  cursorSecret: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
})

/** How a key column's value is checked: as is when it has the column's type, else converted first. */
interface IdSchemas {
  readonly type: string
  readonly exact: z.ZodType
  readonly coerce: z.ZodType
}

/** What `paginate` derives from a sort: the cursor's scope, the sort columns and their metadata. */
interface SortPlan {
  readonly scope: string
  readonly columns: readonly string[]
  readonly metas: readonly ColumnMetadata[]
}

/** The state a repository resolves once. */
interface RepositoryState {
  readonly tables: Readonly<Record<string, ResolvedTable>>
  readonly table: ResolvedTable
  readonly omit: readonly string[]
  /** The user's refinements as `[column, schema]` pairs, listed once rather than on every write. */
  readonly refine: readonly (readonly [string, z.ZodType])[]
  readonly sortParser: SortParser
  readonly filterParser: FilterParser | undefined
  readonly cursors: CursorCodec
  readonly maxLimit: number
  readonly defaultLimit: number
  readonly idSchemas: Readonly<Record<string, IdSchemas>>
  /** For a one-column key: accepts, without zod, a value already valid for the column (see `isValidKeyOf`). */
  readonly isValidKey: ((value: unknown) => boolean) | undefined
  /** Parsed sorts made elsewhere, checked against this repository's whitelist (see `checkSort`). */
  readonly checkedSorts: WeakMap<Sort, Sort>
  /** What paginate derives from a sort, once per sort. */
  readonly sortPlans: WeakMap<Sort, SortPlan>
  /** `max_allowed_packet`, read on the first `createMany`. */
  maxPacket: number | undefined
}

/**
 * Makes a repository for `table` from a schema made by `defineRepositorySchema`, on an executor (`db` or a
 * transaction). Options are checked and resolved once.
 *
 * @throws {InvalidOptionsError} when an option names an unknown or hidden column. (Writes to a table without zod
 *   schemas throw it too.)
 *
 * @example
 * ```ts
 * import { createRepository } from 'kysely-toolkit'
 * import { z } from 'zod'
 * import { shop } from './shop-schema.js'
 *
 * const users = createRepository(db, shop, 'users', {
 *   refine: { email: z.email({ error: 'must be an email address' }) },
 *   sortable: { createdAt: 'created_at', email: 'email' },
 *   filterable: { status: ['eq', 'in'], createdAt: { column: 'created_at', operators: ['gte', 'lte'] } },
 * })
 *
 * const user = await users.create({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })
 * const page = await users.paginate({ sort: request.query.sort, after: request.query.after, limit: 20 })
 * const withOrders = await users.findById(user.id, {
 *   with: { orders: { where: { status: 'completed' }, with: { items: true } } },
 * })
 * ```
 */
export function createRepository<
  DB,
  S extends RepositorySchema,
  TB extends keyof DB & TableName<S['metadata']> & string,
  const O extends ColumnOf<DB, TB> = never,
>(
  db: Kysely<DB> | Transaction<DB>,
  schema: S,
  table: TB,
  options: RepositoryOptions<DB, TB, O> = {},
): Repository<DB, TB, S, O> {
  const resolvedSchema = resolvedSchemaOf(schema)
  const subject = `repository options of ${table}`
  const resolved = parseOptions(RepositoryOptionsSchema, options, subject)
  const owner = Object.hasOwn(resolvedSchema.tables, table) ? resolvedSchema.tables[table] : undefined
  const problems: { path: string; message: string }[] = []
  const fail = (path: string, message: string) => problems.push({ path, message: `${path} ${message}` })
  if (owner === undefined) {
    throw new InvalidOptionsError(subject, [
      { path: 'table', message: `table ${table} is not in the metadata` },
    ])
  }
  if (owner.primaryKey.length === 0) fail('table', `${table} has no primary key`)
  const known = (path: string, column: string, visibleOnly: boolean): void => {
    if (!owner.columns.includes(column))
      fail(path, `names ${JSON.stringify(column)}, which is not a column of ${table}`)
    else if (visibleOnly && owner.hidden.has(column)) fail(path, `names ${column}, which is hidden`)
  }
  for (const column of resolved.omit ?? []) known('omit', column, false)
  for (const column of Object.keys(resolved.refine ?? {})) known(`refine.${column}`, column, false)
  const sortable: Record<string, string> = {}
  if (resolved.sortable === undefined) {
    for (const column of owner.indexed) sortable[column] = column
  } else if (Array.isArray(resolved.sortable)) {
    for (const column of resolved.sortable) sortable[column] = column
  } else {
    Object.assign(sortable, resolved.sortable)
  }
  for (const [field, column] of Object.entries(sortable)) known(`sortable.${field}`, column, true)
  const filterAllowed: Record<string, string[]> = {}
  const filterColumns: Record<string, string> = {}
  const filterSchemas: Record<string, z.ZodType> = {}
  for (const [field, spec] of Object.entries(resolved.filterable ?? {})) {
    const column = Array.isArray(spec) ? field : (spec as { column: string }).column
    known(`filterable.${field}`, column, true)
    filterAllowed[field] = Array.isArray(spec) ? spec : (spec as { operators: string[] }).operators
    filterColumns[field] = column
    if (owner.columns.includes(column)) filterSchemas[field] = valueSchema(owner, column)
  }
  if (problems.length > 0) throw new InvalidOptionsError(subject, problems)

  const parser = createSortParser({
    allowed: Object.keys(sortable).length > 0 ? sortable : [owner.primaryKey[0]!],
    primaryKey: [...owner.primaryKey],
    ...(resolved.defaultSort === undefined ? {} : { default: resolved.defaultSort as never }),
  })
  const sortParser =
    resolved.sortable === undefined ? explainDefaultSortable(parser, table, owner.columns) : parser
  const filterParser =
    Object.keys(filterAllowed).length === 0
      ? undefined
      : createFilterParser({
          allowed: filterAllowed as never,
          schemas: filterSchemas,
          columns: filterColumns,
          maxInValues: 100,
        })
  const idSchemas: Record<string, IdSchemas> = {}
  for (const column of owner.primaryKey) {
    const jsType = owner.meta.columns[column]!.jsType
    idSchemas[column] = {
      type: jsType === 'number' || jsType === 'bigint' || jsType === 'string' ? jsType : 'object',
      exact: rowSchemaOf(owner, column),
      coerce: valueSchema(owner, column),
    }
  }
  const state: RepositoryState = {
    tables: resolvedSchema.tables,
    table: owner,
    omit: resolved.omit ?? [],
    refine: Object.entries(resolved.refine ?? {}),
    sortParser,
    filterParser,
    cursors: createCursorCodec(resolved.cursorSecret === undefined ? {} : { secret: resolved.cursorSecret }),
    maxLimit: resolved.maxLimit,
    defaultLimit: Math.min(resolved.defaultLimit, resolved.maxLimit),
    idSchemas,
    isValidKey:
      owner.primaryKey.length === 1 ? isValidKeyOf(owner.meta.columns[owner.primaryKey[0]!]!) : undefined,
    checkedSorts: new WeakMap(),
    sortPlans: new WeakMap(),
    maxPacket: undefined,
  }
  return makeRepository<DB, TB, S, O>(state, db as unknown as Executor)
}

function makeRepository<DB, TB extends keyof DB & string, S, O extends string>(
  state: RepositoryState,
  executor: Executor,
): Repository<DB, TB, S, O> {
  const { table } = state
  const name = table.name

  /** `key column = value` for each key column of a validated id. */
  const keyExpression = (eb: ExpressionBuilder<AnyDB, string>, key: Row): Expression<SqlBool> => {
    const parts = table.primaryKey.map((column) =>
      eb(eb.ref(column), '=', bindComparable(table.meta.columns[column], key[column]) as never),
    )
    return parts.length === 1 ? parts[0]! : eb.and(parts)
  }
  /** A select narrowed to one key. */
  const whereKey = <R>(query: SelectQueryBuilder<AnyDB, string, R>, key: Row) => {
    let keyed = query
    for (const column of table.primaryKey) {
      keyed = keyed.where(column, '=', bindComparable(table.meta.columns[column], key[column]) as never)
    }
    return keyed
  }
  /** A select narrowed by a where; nothing is added for an empty one. */
  const whereOf = <R>(query: SelectQueryBuilder<AnyDB, string, R>, where: unknown) =>
    typeof where === 'function'
      ? whereWithSharedBuilder(query, where as (eb: ExpressionBuilder<AnyDB, string>) => Expression<SqlBool>)
      : isEmptyWhere(where)
        ? query
        : query.where(condition(where))
  /** The condition of a where (non-empty for updateMany and deleteMany). */
  const condition = (where: unknown): Expression<SqlBool> =>
    asCondition(whereExpression(SHARED_BUILDER, table.meta, where) ?? sql<SqlBool>`true`)
  /** The default projection, computed once. */
  const defaultColumns = projection(table, undefined, state.omit)
  /** The columns a read returns: the default ones unless the call chooses. */
  const wantedOf = (options: ReadOptions<DB, S, TB> | undefined): readonly string[] =>
    options === undefined || (options.select === undefined && options.omit === undefined)
      ? defaultColumns
      : projection(
          table,
          options.select,
          options.omit === undefined ? state.omit : [...state.omit, ...options.omit],
        )

  /** Runs a select of the chosen columns; callers are async functions, so a throw here is their rejection. */
  const read = (
    build: (query: AnySelect) => AnySelect,
    options: ReadOptions<DB, S, TB> | undefined,
    required: readonly string[] = NO_COLUMNS,
  ): Promise<Row[]> => {
    const wanted = wantedOf(options)
    if (isEmptyObject(options?.with) && includesAll(wanted, required)) {
      return build(executor.selectFrom(name).select(wanted) as AnySelect).execute()
    }
    return readWithRelations(build, options, required, wanted)
  }
  const readWithRelations = async (
    build: (query: AnySelect) => AnySelect,
    options: ReadOptions<DB, S, TB> | undefined,
    required: readonly string[],
    wanted: readonly string[],
  ): Promise<Row[]> => {
    const withSpec = (options?.with ?? NO_RELATIONS) as Readonly<Record<string, unknown>>
    // Refused before any SQL, whether or not a row matches.
    if (withSpec !== NO_RELATIONS) checkRelationSpec(state.tables, name, withSpec)
    const relations = Object.keys(withSpec)
    // The columns to select besides the wanted ones: the caller's `required` first, then the relations' keys.
    const extra: string[] = []
    for (const column of required) if (!wanted.includes(column) && !extra.includes(column)) extra.push(column)
    const requiredExtra = extra.length
    for (const relation of relations) {
      if (withSpec[relation] === undefined || withSpec[relation] === false) continue
      const column = table.relations[relation]?.parentColumn
      if (column !== undefined && !wanted.includes(column) && !extra.includes(column)) extra.push(column)
    }
    const columns = extra.length === 0 ? wanted : [...wanted, ...extra]
    const rows = await build(executor.selectFrom(name).select(columns) as AnySelect).execute()
    if (relations.length > 0 && rows.length > 0) {
      await loadRelations(executor, state.tables, name, rows, withSpec)
    }
    // Columns only the relations needed go now; `required` ones are the caller's to strip.
    if (extra.length > requiredExtra) dropColumns(rows, extra.slice(requiredExtra))
    return rows
  }
  const strip = (rows: Row[], options: ReadOptions<DB, S, TB> | undefined, columns: readonly string[]) => {
    const wanted = wantedOf(options)
    const extra = columns.filter((column) => !wanted.includes(column))
    if (extra.length > 0) dropColumns(rows, extra)
  }
  const sortOf = (input: unknown): Sort =>
    isParsedSort(input) ? checkSort(state, input) : state.sortParser.parse(input)
  const sortPlanOf = (sort: Sort): SortPlan => {
    let plan = state.sortPlans.get(sort)
    if (plan === undefined) {
      const columns = sort.map((item) => item.column)
      plan = Object.freeze({
        scope: `${name}|${sortSignature(sort)}`,
        columns,
        metas: columns.map((column) => table.meta.columns[column]!),
      })
      state.sortPlans.set(sort, plan)
    }
    return plan
  }

  const findById = async (id: unknown, options?: ReadOptions<DB, S, TB>) => {
    const key = parseId(state, id)
    // No LIMIT: an equality on the whole primary key matches one row at most.
    const rows = await read((query) => whereKey(query, key), options)
    return rows[0] ?? null
  }
  const findOne = async (where: unknown, options?: ReadOptions<DB, S, TB> & { readonly sort?: unknown }) => {
    const sort = sortOf(options?.sort)
    const rows = await read((query) => applySort(whereOf(query, where), sort as never).limit(1), options)
    return rows[0] ?? null
  }
  /** Refuses a write's read options (columns, relations) before the write sends anything. */
  const checkReadOptions = (options: ReadOptions<DB, S, TB> | undefined): void => {
    if (options === undefined) return
    wantedOf(options)
    const withSpec = options.with as Readonly<Record<string, unknown>> | undefined
    if (withSpec !== undefined && !isEmptyObject(withSpec)) checkRelationSpec(state.tables, name, withSpec)
  }
  const update = async (id: unknown, patch: unknown, options?: ReadOptions<DB, S, TB>) => {
    const key = parseId(state, id)
    const values = validateWrite(state, 'update', patch)
    checkReadOptions(options)
    if (Object.keys(values).length > 0) {
      const result = await executor
        .updateTable(name)
        .set(values)
        .where(keyExpression(SHARED_BUILDER, key))
        .executeTakeFirst()
      if (result.numUpdatedRows === 0n) return null
    }
    return findById(id, options)
  }
  const write = async (
    values: Row,
    options: ReadOptions<DB, S, TB> | undefined,
    run: () => Promise<{ insertId: bigint | undefined }>,
  ) => {
    checkReadOptions(options)
    const result = await run()
    const id = idOf(state, keyOfInsert(state, values, result.insertId))
    const row = await findById(id, options)
    if (row === null) throw new NotFoundError(name, id)
    return row
  }

  /** MariaDB 10.5+: the stored row comes back from the INSERT itself. */
  const insertReturning = (values: Row, options: ReadOptions<DB, S, TB> | undefined): Promise<Row> =>
    executor
      .executeQuery<Row>(
        executor
          .insertInto(name)
          .values(values)
          .returning(wantedOf(options) as never),
      )
      .then(({ rows }) => {
        const row = rows[0]
        if (row === undefined)
          throw new NotFoundError(name, idOf(state, keyOfInsert(state, values, undefined)))
        return row
      })
  /** `create` with `returning: false`, with relations, on MySQL, or before the server's version is known. */
  const createOtherwise = async (
    values: Row,
    options: (CreateOptions & ReadOptions<DB, S, TB>) | undefined,
  ): Promise<unknown> => {
    if (options?.returning === false) {
      const result = await executor.insertInto(name).values(values).executeTakeFirst()
      return idOf(state, keyOfInsert(state, values, result.insertId))
    }
    if (options?.with === undefined && (await supportsInsertReturning(executor))) {
      return insertReturning(values, options)
    }
    return write(values, options, async () => {
      const result = await executor.insertInto(name).values(values).executeTakeFirst()
      return { insertId: result.insertId }
    })
  }

  const repository: Repository<DB, TB, S, O> = {
    table: name as TB,
    withExecutor: (next) => makeRepository<DB, TB, S, O>(state, next as unknown as Executor),
    parseSort: (input) => state.sortParser.parse(input) as never,
    parseFilter: (input) => {
      if (state.filterParser === undefined) {
        throw new InvalidFilterError({ reason: `${name} has no filterable fields`, allowed: {} })
      }
      return state.filterParser.parse(input) as never
    },
    findById: findById as never,
    findByIdOrThrow: (async (id: unknown, options?: ReadOptions<DB, S, TB>) => {
      const row = await findById(id, options)
      if (row === null) throw new NotFoundError(name, id)
      return row
    }) as never,
    findByIds: (async (ids: readonly unknown[], options?: ReadOptions<DB, S, TB>) => {
      if (table.primaryKey.length !== 1) {
        throw new InvalidOptionsError('findByIds', [
          {
            path: 'ids',
            message: `findByIds needs a one-column primary key; ${name} has ${table.primaryKey.join(', ')}`,
          },
        ])
      }
      const column = table.primaryKey[0]!
      const keys = new Map<string, unknown>()
      for (const id of ids) {
        const value = parseId(state, id)[column]
        keys.set(keyOf(value), value)
      }
      const rows: Row[] = []
      const values = [...keys.values()]
      for (let start = 0; start < values.length; start += 10_000) {
        const chunk = values.slice(start, start + 10_000)
        rows.push(
          ...(await read(
            (query) =>
              query.where(
                column,
                'in',
                chunk.map((value) => bindComparable(table.meta.columns[column], value)) as never,
              ),
            options,
            [column],
          )),
        )
      }
      const byKey = new Map(rows.map((row) => [keyOf(row[column]), row]))
      const ordered = [...keys.keys()]
        .map((key) => byKey.get(key))
        .filter((row): row is Row => row !== undefined)
      strip(ordered, options, [column])
      return ordered
    }) as never,
    findOne: findOne as never,
    findOneOrThrow: (async (where: unknown, options?: ReadOptions<DB, S, TB>) => {
      const row = await findOne(where, options)
      if (row === null) throw new NotFoundError(name, describeWhere(where))
      return row
    }) as never,
    findMany: (async (options: FindManyOptions<DB, S, TB> = {}) => {
      const sort = sortOf(options.sort)
      const limit =
        options.limit === undefined ? undefined : parseCount('limit', options.limit, 0, state.maxLimit)
      const offset =
        options.offset === undefined ? undefined : parseCount('offset', options.offset, 0, undefined)
      return read((query) => {
        let built = applySort(whereOf(query, options.where), sort as never)
        if (limit !== undefined) built = built.limit(limit)
        if (offset !== undefined && offset > 0)
          built = (limit === undefined ? built.limit(2 ** 53 - 1) : built).offset(offset)
        return built
      }, options)
    }) as never,
    count: async (where) => {
      const row = await whereOf(
        executor.selectFrom(name).select(SHARED_BUILDER.fn.countAll<string | number>().as('count')),
        where,
      ).executeTakeFirstOrThrow()
      return Number(row.count)
    },
    exists: async (where) => {
      const row = await whereOf(executor.selectFrom(name).select(sql<number>`1`.as('found')), where)
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    },
    page: (async (options: PageOptions<DB, S, TB> = {}) => {
      const request = parsePageRequest(options, {
        maxPageSize: state.maxLimit,
        defaultPageSize: state.defaultLimit,
      })
      const sort = sortOf(options.sort)
      const total = await repository.count(options.where as never)
      const items =
        total <= request.offset
          ? []
          : await read(
              (query) =>
                applySort(whereOf(query, options.where), sort as never)
                  .limit(request.pageSize)
                  .offset(request.offset),
              options,
            )
      return {
        items,
        total,
        page: request.page,
        pageSize: request.pageSize,
        pageCount: Math.ceil(total / request.pageSize),
      }
    }) as never,
    paginate: (async (options: PaginateOptions<DB, S, TB> = {}) => {
      const sort = sortOf(options.sort)
      const limit = parseCount('limit', options.limit, state.defaultLimit, state.maxLimit)
      const { scope, columns: sortColumns, metas } = sortPlanOf(sort)
      const after =
        options.after === undefined || options.after === null || options.after === ''
          ? undefined
          : state.cursors.decode(options.after, scope, sort.length)
      const rows = await read(
        (query) => {
          let built = whereOf(query, options.where)
          if (after !== undefined) {
            const eb = SHARED_BUILDER
            built = built.where(
              keysetExpression(
                eb,
                sort.map((item, index) => keysetKey(eb, metas[index]!, item, after[index] ?? null)),
              ),
            )
          }
          return applySort(built, sort as never).limit(limit + 1)
        },
        options,
        sortColumns,
      )
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      const nextCursor =
        rows.length > limit && last !== undefined
          ? state.cursors.encode(
              scope,
              sortColumns.map((column, index) => cursorValue(metas[index]!, last[column])),
            )
          : null
      strip(items, options, sortColumns)
      return { items, nextCursor }
    }) as never,
    create: ((input: unknown, options?: CreateOptions & ReadOptions<DB, S, TB>): Promise<unknown> => {
      // Not an async function: the common case (MariaDB 10.5+, the server already asked) returns the INSERT's
      // promise without suspending a frame per call, which costs about 2% of a create's CPU under load.
      try {
        const values = validateWrite(state, 'insert', input)
        if (
          options?.returning !== false &&
          options?.with === undefined &&
          knownInsertReturning(executor) === true
        ) {
          return insertReturning(values, options)
        }
        return createOtherwise(values, options)
      } catch (error) {
        return Promise.reject(error)
      }
    }) as never,
    createMany: async (inputs) => {
      if (!Array.isArray(inputs)) {
        throw new ValidationError(name, [{ path: [], message: 'must be a list of rows' }])
      }
      const issues: ValidationIssue[] = []
      const rows: Row[] = []
      inputs.forEach((input, index) => {
        try {
          rows.push(validateWrite(state, 'insert', input))
        } catch (error) {
          if (!ValidationError.is(error)) throw error
          for (const issue of error.issues)
            issues.push({ path: [index, ...issue.path], message: issue.message })
        }
      })
      if (issues.length > 0) throw new ValidationError(name, issues)
      if (rows.length === 0) return { count: 0, statements: 0 }
      const insertAll = async (target: Executor): Promise<CreateManyResult> => {
        const budget = await packetBudget(state, target)
        let count = 0
        let statements = 0
        for (const chunk of chunkRows(rows, budget)) {
          const result = await target.insertInto(name).values(chunk).executeTakeFirst()
          count += Number(result.numInsertedOrUpdatedRows ?? BigInt(chunk.length))
          statements++
        }
        return { count, statements }
      }
      return executor.isTransaction || rows.length === 1
        ? insertAll(executor)
        : executor.transaction().execute((trx) => insertAll(trx))
    },
    update: update as never,
    updateOrThrow: (async (id: unknown, patch: unknown, options?: ReadOptions<DB, S, TB>) => {
      const row = await update(id, patch, options)
      if (row === null) throw new NotFoundError(name, id)
      return row
    }) as never,
    updateMany: async (where, patch) => {
      refuseEmptyWhere(state, 'updateMany', where)
      const values = validateWrite(state, 'update', patch)
      if (Object.keys(values).length === 0) return 0
      const result = await executor.updateTable(name).set(values).where(condition(where)).executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    delete: async (id) => {
      const key = parseId(state, id)
      const result = await executor
        .deleteFrom(name)
        .where(keyExpression(SHARED_BUILDER, key))
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },
    deleteMany: async (where) => {
      refuseEmptyWhere(state, 'deleteMany', where)
      const result = await executor.deleteFrom(name).where(condition(where)).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    upsert: (async (input: unknown, options: UpsertOptions<DB, S, TB> = {}) => {
      const values = validateWrite(state, 'insert', input)
      const columns =
        options.update ?? Object.keys(values).filter((column) => !table.primaryKey.includes(column))
      for (const column of columns) {
        if (!table.columns.includes(column)) {
          throw new InvalidOptionsError('upsert', [
            {
              path: 'update',
              message: `update names ${JSON.stringify(column)}, which is not a column of ${name}`,
            },
          ])
        }
      }
      const updates: Record<string, Expression<unknown>> = {}
      for (const column of columns) updates[column] = sql`values(${sql.ref(column)})`
      if (table.autoIncrement !== undefined) {
        // Makes the insert id the existing row's id when the row was updated rather than inserted.
        updates[table.autoIncrement] = sql`last_insert_id(${sql.ref(table.autoIncrement)})`
      }
      return write(values, options, async () => {
        const result = await executor
          .insertInto(name)
          .values(values)
          .onDuplicateKeyUpdate(updates as never)
          .executeTakeFirst()
        return { insertId: result.insertId }
      })
    }) as never,
  }
  return Object.freeze(repository)
}

/**
 * The repository's sort parser when `sortable` was not given: a refused column of the table gets the reason (only
 * indexed columns are sortable by default) and the fix, since the sort compiles and fails only at run time.
 */
function explainDefaultSortable(parser: SortParser, table: string, columns: readonly string[]): SortParser {
  return {
    allowed: parser.allowed,
    default: parser.default,
    parse(input) {
      try {
        return parser.parse(input)
      } catch (error) {
        if (!InvalidSortError.is(error)) throw error
        const field = error.field
        if (field === undefined || !columns.includes(field) || parser.allowed.includes(field)) throw error
        throw new InvalidSortError(
          {
            reason: `cannot sort by ${JSON.stringify(field)}: without a \`sortable\` option only indexed columns are sortable, and ${table}.${field} has no index (index it, or list it in the repository's \`sortable\`)`,
            allowed: error.allowed,
            field,
          },
          { cause: error },
        )
      }
    },
  }
}

/**
 * Checks a parsed sort made elsewhere against this repository's whitelist (a sort for another table is refused);
 * once per sort (parsed sorts are frozen).
 */
function checkSort(state: RepositoryState, sort: Sort): Sort {
  let checked = state.checkedSorts.get(sort)
  if (checked === undefined) {
    checked = state.sortParser.parse(sort.map((item) => ({ field: item.field, direction: item.direction })))
    state.checkedSorts.set(sort, checked)
  }
  return checked
}

const NO_COLUMNS: readonly string[] = Object.freeze([])
const NO_RELATIONS: Readonly<Record<string, unknown>> = Object.freeze({})

/** Whether a `with` names no relation (`undefined` or `{}`), without making an array of its keys. */
function isEmptyObject(value: object | undefined): boolean {
  for (const _ in value) return false
  return true
}

/** Whether `columns` has every one of `needed` (no closure: this runs on every read). */
function includesAll(columns: readonly string[], needed: readonly string[]): boolean {
  for (const column of needed) if (!columns.includes(column)) return false
  return true
}

/**
 * The key of an inserted row: the key columns given, and the insert id for the auto-increment column, as the
 * column's values are read (a number for INT, a string or bigint for BIGINT as `types.bigint` says).
 */
function keyOfInsert(state: RepositoryState, values: Row, insertId: bigint | undefined): Row {
  const { table } = state
  const key: Row = {}
  for (const column of table.primaryKey) {
    const given = values[column]
    if (given !== undefined && given !== null) key[column] = given
    else if (column === table.autoIncrement && insertId !== undefined && insertId !== 0n)
      key[column] = insertIdValue(table.meta.columns[column]!, insertId)
    else key[column] = undefined
  }
  return key
}

function insertIdValue(column: ColumnMetadata, insertId: bigint): unknown {
  switch (column.jsType) {
    case 'number':
      return Number(insertId)
    case 'string':
      return insertId.toString()
    default:
      return insertId
  }
}

/** A key as the API takes it: the value of a one-column key, the object of a composite one. */
function idOf(state: RepositoryState, key: Row): unknown {
  const { primaryKey } = state.table
  return primaryKey.length === 1 ? key[primaryKey[0]!] : key
}

/** Integer ranges by data type: [signed min, signed max, unsigned max]. */
const INTEGER_RANGES: Readonly<Record<string, readonly [number, number, number]>> = {
  tinyint: [-128, 127, 255],
  smallint: [-32_768, 32_767, 65_535],
  mediumint: [-8_388_608, 8_388_607, 16_777_215],
  int: [-2_147_483_648, 2_147_483_647, 4_294_967_295],
  integer: [-2_147_483_648, 2_147_483_647, 4_294_967_295],
}

/**
 * A check, from the column's metadata alone, that accepts a key value the generated zod schema of the column
 * accepts too, so the common lookups skip zod: an integer in the column's range for integer columns read as
 * numbers, a string of at most the column's length for CHAR/VARCHAR, a short digit string for BIGINT read as
 * strings. Anything else (other types, values to convert, values to refuse) goes through the zod schema.
 */
function isValidKeyOf(column: ColumnMetadata): ((value: unknown) => boolean) | undefined {
  const range = Object.hasOwn(INTEGER_RANGES, column.dataType) ? INTEGER_RANGES[column.dataType] : undefined
  if (column.jsType === 'number' && range !== undefined && column.columnType !== 'tinyint(1)') {
    const min = column.unsigned ? 0 : range[0]
    const max = column.unsigned ? range[2] : range[1]
    return (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
  }
  if (column.jsType === 'string' && (column.dataType === 'varchar' || column.dataType === 'char')) {
    const maxLength = column.maxLength
    if (maxLength === null) return undefined
    // UTF-16 code units: never fewer than the characters the column counts.
    return (value) => typeof value === 'string' && value.length <= maxLength
  }
  if (column.jsType === 'string' && column.dataType === 'bigint') {
    // At most 18 digits: inside the range of a signed or unsigned BIGINT.
    const digits = column.unsigned ? /^\d{1,18}$/ : /^-?\d{1,18}$/
    return (value) => typeof value === 'string' && digits.test(value)
  }
  return undefined
}

/**
 * A schema for one value of a column given as text (from a URL) or typed: converts by the column's runtime type,
 * then checks with the generated row schema of the column.
 */
function valueSchema(table: ResolvedTable, column: string): z.ZodType {
  const meta = table.meta.columns[column]!
  return z.preprocess((value) => coerce(meta, value), rowSchemaOf(table, column))
}

/** The generated row schema of one column (anything goes when the table has no zod schemas). */
function rowSchemaOf(table: ResolvedTable, column: string): z.ZodType {
  const rowSchema = table.schemas?.row as { shape?: Record<string, z.ZodType> } | undefined
  return rowSchema?.shape?.[column] ?? z.unknown()
}

function coerce(column: ColumnMetadata, value: unknown): unknown {
  if (typeof value === 'bigint' && column.jsType === 'number') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value
  }
  if (typeof value === 'bigint' && column.jsType === 'string' && column.dataType === 'bigint')
    return value.toString()
  if (typeof value === 'number' && column.jsType === 'string' && column.dataType === 'bigint') {
    return Number.isSafeInteger(value) ? String(value) : value
  }
  if (typeof value !== 'string') return value
  switch (column.jsType) {
    case 'number':
      return /^-?(?:\d+|\d*\.\d+)(?:e[-+]?\d+)?$/i.test(value) ? Number(value) : value
    case 'bigint':
      return /^-?\d{1,20}$/.test(value) ? BigInt(value) : value
    case 'boolean':
      return value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value
    case 'Date': {
      if (
        !/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.test(value)
      ) {
        return value
      }
      const date = new Date(
        value.length > 10 && !/Z|[+-]\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value,
      )
      return Number.isNaN(date.getTime()) ? value : date
    }
    default:
      return value
  }
}

/** The validated key columns of an id (a value, or an object for a composite key). */
function parseId(state: RepositoryState, id: unknown): Row {
  const { table } = state
  if (state.isValidKey?.(id) === true) return { [table.primaryKey[0]!]: id }
  const refuse = (reason: string, field?: string) => {
    const allowed: Record<string, readonly string[]> = {}
    for (const column of table.primaryKey) allowed[column] = ['eq']
    return new InvalidFilterError({ reason: `invalid ${table.name} key: ${reason}`, allowed, field })
  }
  const given: Row = {}
  if (table.primaryKey.length === 1) {
    given[table.primaryKey[0]!] = id
  } else {
    if (typeof id !== 'object' || id === null || Array.isArray(id)) {
      throw refuse(`expected an object of ${table.primaryKey.join(', ')}`)
    }
    for (const column of table.primaryKey) given[column] = (id as Row)[column]
  }
  const key: Row = {}
  for (const column of table.primaryKey) {
    const value = given[column]
    if (!isSingleValue(value) || value === null) {
      throw refuse(`${column} must be a single value (got ${describeType(value)})`, column)
    }
    const schemas = state.idSchemas[column]!
    // A value already of the column's type skips the conversion step.
    const result = (typeof value === schemas.type ? schemas.exact : schemas.coerce).safeParse(value)
    if (!result.success) {
      throw refuse(`${column} ${result.error.issues.map((issue) => issue.message).join(', ')}`, column)
    }
    key[column] = result.data
  }
  return key
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : typeof value
}

/**
 * Validates a create/update input with the generated zod schema and the repository's refinements; returns what
 * to write. Undefined values are dropped first (an absent field and an undefined one are the same).
 */
function validateWrite(state: RepositoryState, kind: 'insert' | 'update', input: unknown): Row {
  const { table } = state
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(table.name, [
      { path: [], message: `must be an object (got ${describeType(input)})` },
    ])
  }
  if (table.schemas === undefined) {
    throw new InvalidOptionsError('repository schema', [
      {
        path: `schemas.${table.name}`,
        message: `writes need the zod schemas of ${table.name}: give them to defineRepositorySchema`,
      },
    ])
  }
  const given = withoutUndefined(input as Row)
  if (table.writeChecks[kind]?.(given) === true) {
    // The generated schema's plain tests passed: zod would return the same values (a copy, so the caller's
    // object is never written to or read again later).
    return refineAndCheckKey(state, kind, given, given === input ? { ...given } : given, [])
  }
  const result = table.schemas[kind].safeParse(given)
  const issues: ValidationIssue[] = []
  let values: Row = given
  if (result.success) {
    // zod's object schemas return a new object; one that hands back what it was given gets a copy, so a
    // refinement below never writes into the caller's object.
    values = result.data === input ? { ...given } : (result.data as Row)
  } else {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          issues.push({
            path: [...issue.path.map(pathPart), key],
            message: table.columns.includes(key) ? 'cannot be written' : `is not a column of ${table.name}`,
          })
        }
      } else {
        issues.push({ path: issue.path.map(pathPart), message: issue.message })
      }
    }
  }
  return refineAndCheckKey(state, kind, given, values, issues)
}

/** Runs the repository's refinements and checks the primary key of a write; throws every issue found. */
function refineAndCheckKey(
  state: RepositoryState,
  kind: 'insert' | 'update',
  given: Row,
  values: Row,
  issues: ValidationIssue[],
): Row {
  const { table } = state
  for (const [column, schema] of state.refine) {
    const value = given[column]
    if (value === undefined || value === null) continue
    const refined = schema.safeParse(value)
    if (refined.success) values[column] = refined.data
    else
      for (const issue of refined.error.issues)
        issues.push({ path: [column, ...issue.path.map(pathPart)], message: issue.message })
  }
  for (const column of table.primaryKey) {
    if (kind === 'update') {
      if (given[column] !== undefined)
        issues.push({ path: [column], message: 'is the primary key and cannot be updated' })
    } else if (given[column] === undefined && column !== table.autoIncrement) {
      issues.push({ path: [column], message: 'is required: the key cannot be read back otherwise' })
    }
  }
  if (issues.length > 0) throw new ValidationError(table.name, issues)
  return values
}

/**
 * `row` itself when none of its values is undefined (the common case: nothing is copied), else a copy without
 * them: an absent field and an undefined one are the same.
 */
function withoutUndefined(row: Row): Row {
  for (const column in row) {
    if (row[column] === undefined && Object.hasOwn(row, column)) {
      const copy: Row = {}
      for (const key of Object.keys(row)) if (row[key] !== undefined) copy[key] = row[key]
      return copy
    }
  }
  return row
}

function pathPart(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part)
}

function refuseEmptyWhere(state: RepositoryState, method: string, where: unknown): void {
  if (!isEmptyWhere(where)) return
  throw new InvalidFilterError({
    reason: `${method} needs a condition: an empty one would touch every row of ${state.table.name}`,
    allowed: {},
  })
}

function describeWhere(where: unknown): unknown {
  return typeof where === 'function' ? 'a condition' : where
}

/**
 * One key of a keyset condition for a column. An ENUM sorts by its members' positions but compares with text
 * alphabetically, so it is compared as `column + 0` with the position of the cursor's member.
 */
function keysetKey(
  eb: ExpressionBuilder<AnyDB, string>,
  column: ColumnMetadata,
  item: { readonly column: string; readonly direction: 'asc' | 'desc' },
  value: CursorValue,
): KeysetKey {
  const key = { column: item.column, direction: item.direction, nullable: column.nullable, value }
  if (column.enumValues !== null) {
    const members = column.enumValues
    return {
      ...key,
      expression: sql`(${eb.ref(item.column)} + 0)`,
      value: value === null ? null : members.indexOf(String(value)) + 1,
    }
  }
  return { ...key, bind: (bound: unknown) => bindComparable(column, bound) }
}

/** The value kept in a cursor for a column of the last row. */
function cursorValue(column: ColumnMetadata, value: unknown): CursorValue {
  if (value === null || value === undefined) return null
  if (value instanceof Date || typeof value === 'bigint' || typeof value === 'boolean') return value
  if (typeof value === 'number' || typeof value === 'string') return value
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  throw new InvalidOptionsError('paginate', [
    { path: 'sort', message: `sort column ${column.name} holds values that cannot be kept in a cursor` },
  ])
}

/** Bytes and placeholders one INSERT may use. */
interface InsertBudget {
  readonly bytes: number
  readonly placeholders: number
}

const MAX_PLACEHOLDERS = 65_535

async function packetBudget(state: RepositoryState, executor: Executor): Promise<InsertBudget> {
  if (state.maxPacket === undefined) {
    const { rows } = await sql<{ size: string | number }>`select @@max_allowed_packet as size`.execute(
      executor,
    )
    state.maxPacket = Number(rows[0]?.size ?? 4_194_304)
  }
  // Leave room for the statement text and the protocol header.
  return { bytes: Math.floor(state.maxPacket * 0.9) - 4_096, placeholders: MAX_PLACEHOLDERS }
}

/** Splits rows into INSERTs under the placeholder limit and the packet size (values sized as mysql2 writes them). */
function* chunkRows(rows: readonly Row[], budget: InsertBudget): Generator<Row[]> {
  const columns = new Set<string>()
  let chunk: Row[] = []
  let bytes = 0
  for (const row of rows) {
    const nextColumns = new Set([...columns, ...Object.keys(row)])
    const size = rowSize(row) + nextColumns.size * 4
    const placeholders = (chunk.length + 1) * nextColumns.size
    if (chunk.length > 0 && (bytes + size > budget.bytes || placeholders > budget.placeholders)) {
      yield chunk
      chunk = []
      bytes = 0
      columns.clear()
    }
    chunk.push(row)
    for (const column of Object.keys(row)) columns.add(column)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}

function rowSize(row: Row): number {
  let size = 4
  for (const [column, value] of Object.entries(row)) {
    size += column.length + 4
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8') * 2 + 40
    else if (ArrayBuffer.isView(value)) size += value.byteLength * 2 + 4
    else size += 32
  }
  return size
}
