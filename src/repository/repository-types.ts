import type { Insertable, InsertType, Selectable, SelectType, Updateable } from 'kysely'
import type { z } from 'zod'
import type { FilterOperator } from './filter.js'
import type { Where } from './where.js'

/** Flattens an intersection for readable hover types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** A row of `TB` as read. */
export type RowOf<DB, TB extends keyof DB> = Selectable<DB[TB]>

/** A column name of `TB`. */
export type ColumnOf<DB, TB extends keyof DB> = keyof Selectable<DB[TB]> & string

/** The hidden columns of `TB` in schema `S`. */
export type HiddenOf<S, TB> = S extends { readonly hidden: infer H }
  ? TB extends keyof H
    ? H[TB] extends readonly (infer C)[]
      ? C
      : never
    : never
  : never

/** The relations declared for `TB` in schema `S`. */
export type RelationsOf<S, TB> = S extends { readonly relations: infer R }
  ? TB extends keyof R
    ? NonNullable<R[TB]>
    : Record<never, never>
  : Record<never, never>

type TargetOf<D> = D extends { readonly target: infer T } ? T : never
type KindOf<D> = D extends { readonly kind: infer K } ? K : never

/**
 * How one relation is loaded: `true` for its visible columns, or options (a `where` on the related rows, a
 * column choice, a `sort` of them and nested relations).
 */
export type RelationLoad<DB, S, T extends keyof DB> =
  | true
  | {
      readonly where?: Where<DB, T, RowOf<DB, T>>
      readonly select?: readonly ColumnOf<DB, T>[]
      readonly omit?: readonly ColumnOf<DB, T>[]
      /** Trusted sort of the related rows (any visible column), e.g. `'-created_at'`. Defaults to the primary key. */
      readonly sort?: string | readonly string[]
      readonly with?: WithSpec<DB, S, T>
    }

/** The relations to load with a read: `{ orders: { where: { status: 'completed' }, with: { items: true } } }`. */
export type WithSpec<DB, S, TB extends keyof DB> = {
  readonly [N in keyof RelationsOf<S, TB>]?: RelationLoad<DB, S, TargetOf<RelationsOf<S, TB>[N]> & keyof DB>
}

/** Column choice of a read. */
export interface ReadOptions<DB, S, TB extends keyof DB> {
  /**
   * Exactly these columns (hidden and omitted ones too, when named). The result type has only these.
   * Defaults to every visible column.
   */
  readonly select?: readonly ColumnOf<DB, TB>[]
  /** Every visible column but these. Ignored when `select` is given. */
  readonly omit?: readonly ColumnOf<DB, TB>[]
  /** Relations to load (one batched query per relation and level). */
  readonly with?: WithSpec<DB, S, TB>
}

type Visible<DB, S, TB extends keyof DB, O> = Exclude<ColumnOf<DB, TB>, HiddenOf<S, TB> | O>

/** The columns a read returns: `select`ed ones, else the visible ones minus `omit` and the repository's omit `O`. */
export type Projection<DB, S, TB extends keyof DB, O, Q> = Q extends { readonly select: readonly (infer C)[] }
  ? Pick<RowOf<DB, TB>, C & keyof RowOf<DB, TB>>
  : Q extends { readonly omit: readonly (infer C)[] }
    ? Pick<RowOf<DB, TB>, Exclude<Visible<DB, S, TB, O>, C>>
    : Pick<RowOf<DB, TB>, Visible<DB, S, TB, O>>

type WithOf<Q> = Q extends { readonly with: infer W } ? W : Record<never, never>

type LoadedRelations<DB, S, TB extends keyof DB, W> = {
  -readonly [N in keyof W & keyof RelationsOf<S, TB> as W[N] extends false | undefined ? never : N]: KindOf<
    RelationsOf<S, TB>[N]
  > extends 'hasMany' | 'manyToMany'
    ? Loaded<DB, S, TargetOf<RelationsOf<S, TB>[N]> & keyof DB, never, W[N] extends true ? unknown : W[N]>[]
    : Loaded<
        DB,
        S,
        TargetOf<RelationsOf<S, TB>[N]> & keyof DB,
        never,
        W[N] extends true ? unknown : W[N]
      > | null
}

/** What a read with options `Q` returns for one row: the chosen columns and the loaded relations. */
export type Loaded<DB, S, TB extends keyof DB, O, Q> = Simplify<
  Projection<DB, S, TB, O, Q> & LoadedRelations<DB, S, TB, WithOf<Q>>
>

type PrimaryKeyOf<S, TB> = S extends { readonly metadata: { readonly tables: infer T } }
  ? TB extends keyof T
    ? T[TB] extends { readonly primaryKey: infer P extends readonly string[] }
      ? P
      : never
    : never
  : never

type KeyValue<DB, TB extends keyof DB, K> = K extends keyof DB[TB]
  ? Exclude<InsertType<DB[TB][K]> | SelectType<DB[TB][K]>, undefined | null>
  : never

/**
 * A primary key value: the value for a one-column key (`42`, or `'42'`/`42n` for a BIGINT), an object of the
 * key's columns for a composite one.
 */
export type IdOf<DB, S, TB extends keyof DB> =
  PrimaryKeyOf<S, TB> extends readonly [infer K]
    ? KeyValue<DB, TB, K>
    : { readonly [K in PrimaryKeyOf<S, TB>[number] & keyof DB[TB]]: KeyValue<DB, TB, K> }

/** A condition on `TB`: an object of equalities, a parsed filter, or a Kysely callback. */
export type WhereOf<DB, TB extends keyof DB> = Where<DB, TB, RowOf<DB, TB>>

/** The query part of `findMany` (the column choice and relations are in {@link ReadOptions}). */
export interface FindManyQuery<DB, TB extends keyof DB> {
  readonly where?: WhereOf<DB, TB>
  /**
   * The order, from untrusted input or code: `'-created_at,email'`, an array, `{ field, direction }` objects, or a
   * parsed sort. Checked against the repository's `sortable` fields; the primary key is always the last key.
   * Defaults to the repository's `defaultSort`.
   */
  readonly sort?: unknown
  /** The most rows, a number or digit string from 1 to `maxLimit`. Defaults to no limit. */
  readonly limit?: number | string | undefined
  /** Rows to skip, a number or digit string. Defaults to 0. */
  readonly offset?: number | string | undefined
}

/** Options of `findMany`. */
export type FindManyOptions<DB, S, TB extends keyof DB> = FindManyQuery<DB, TB> & ReadOptions<DB, S, TB>

/** The query part of `page`. */
export interface PageQuery<DB, TB extends keyof DB> {
  readonly where?: WhereOf<DB, TB>
  /** As in `findMany`. */
  readonly sort?: unknown
  /** The page number from 1, a number or digit string. Defaults to 1. */
  readonly page?: number | string | undefined
  /** Rows per page, from 1 to `maxLimit`. Defaults to `defaultLimit`. */
  readonly pageSize?: number | string | undefined
}

/** Options of `page`. */
export type PageOptions<DB, S, TB extends keyof DB> = PageQuery<DB, TB> & ReadOptions<DB, S, TB>

/** The query part of `paginate`. */
export interface PaginateQuery<DB, TB extends keyof DB> {
  readonly where?: WhereOf<DB, TB>
  /** As in `findMany`; the cursor is valid only for the same sort. */
  readonly sort?: unknown
  /** The `nextCursor` of the previous page; nothing for the first page. */
  readonly after?: string | null | undefined
  /** Rows per page, from 1 to `maxLimit`. Defaults to `defaultLimit`. */
  readonly limit?: number | string | undefined
}

/** Options of `paginate`. */
export type PaginateOptions<DB, S, TB extends keyof DB> = PaginateQuery<DB, TB> & ReadOptions<DB, S, TB>

/** The sort of `findOne`. */
export interface FindOneQuery {
  /** Which row comes first when several match, as in `findMany`. Defaults to the repository's `defaultSort`. */
  readonly sort?: unknown
}

/** The conflict handling of `upsert`. */
export interface UpsertQuery<DB, TB extends keyof DB> {
  /** The columns written when the row exists. Defaults to every given column but the primary key. */
  readonly update?: readonly ColumnOf<DB, TB>[]
}

/** Options of `upsert`. */
export type UpsertOptions<DB, S, TB extends keyof DB> = UpsertQuery<DB, TB> & ReadOptions<DB, S, TB>

/** Options of `create`, beside the column choice and relations of {@link ReadOptions}. */
export interface CreateOptions {
  /**
   * `false`: return only the new row's key (its value, or an object for a composite key), without reading the row
   * back; one statement on every server. Defaults to `true`: the row as stored (on MariaDB 10.5+ with
   * `INSERT ... RETURNING`, on MySQL read back in a second statement).
   */
  readonly returning?: boolean
}

/** What `createMany` did. */
export interface CreateManyResult {
  /** Rows inserted. */
  readonly count: number
  /** INSERT statements sent (rows are chunked under the placeholder and packet limits). */
  readonly statements: number
}

/** A filterable field: its operators, or its column and operators. */
export type FilterableField<C extends string> =
  | readonly FilterOperator[]
  | { readonly column: C; readonly operators: readonly FilterOperator[] }

/** Options of `createRepository`. */
export interface RepositoryOptions<DB, TB extends keyof DB, O extends string> {
  /** Visible columns left out of this repository's reads unless a call selects them. Defaults to none. */
  readonly omit?: readonly O[]
  /**
   * Extra zod checks per column for writes, run after the generated schema on given, non-null values; their
   * output is what is written (so `z.string().trim().toLowerCase()` normalises). E.g. `{ email: z.email() }`.
   * Defaults to none.
   */
  readonly refine?: { readonly [K in ColumnOf<DB, TB>]?: z.ZodType }
  /**
   * The fields a client may sort by: columns, or public names mapped to columns. Hidden columns are refused.
   * Defaults to the visible columns that lead an index (and the primary key), so client sorts stay index-backed.
   */
  readonly sortable?: readonly ColumnOf<DB, TB>[] | Readonly<Record<string, ColumnOf<DB, TB>>>
  /** The sort when a read gives none, in any `parseSort` form. Defaults to the primary key ascending. */
  readonly defaultSort?: unknown
  /**
   * The fields a client may filter by with `parseFilter`, each with its operators (and its column when the public
   * name differs). Values are converted from query strings by the column's type and checked with its generated
   * zod schema. Hidden columns are refused. Defaults to none.
   */
  readonly filterable?: Readonly<Record<string, FilterableField<ColumnOf<DB, TB>>>>
  /** The largest `limit`/`pageSize` accepted. Defaults to `100`. */
  readonly maxLimit?: number
  /** The page size when none is given to `page`/`paginate`. Defaults to `20`. */
  readonly defaultLimit?: number
  /**
   * The secret that signs keyset cursors (at least 32 bytes); share it between instances of a service. Defaults to
   * a random secret per repository, so cursors are valid only in this process.
   */
  readonly cursorSecret?: string | Uint8Array
}

/** The insert input of `TB`. */
export type InsertOf<DB, TB extends keyof DB> = Insertable<DB[TB]>

/** The update input of `TB`. */
export type UpdateOf<DB, TB extends keyof DB> = Updateable<DB[TB]>
