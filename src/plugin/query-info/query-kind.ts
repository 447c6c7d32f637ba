import type { OperationNode, RootOperationNode } from 'kysely'

/**
 * The kinds a query is counted and logged under.
 *
 * @example
 * ```ts
 * import { QUERY_KINDS } from 'kysely-toolkit'
 *
 * for (const kind of QUERY_KINDS) console.log(kind, snapshot.latencyByKind[kind].p99Ms)
 * ```
 */
export const QUERY_KINDS = ['select', 'insert', 'update', 'delete', 'other'] as const

/**
 * A kind from {@link QUERY_KINDS}: `other` covers DDL and raw statements that are not DML.
 *
 * @example
 * ```ts
 * import type { QueryKind } from 'kysely-toolkit'
 *
 * const writes: QueryKind[] = ['insert', 'update', 'delete']
 * ```
 */
export type QueryKind = (typeof QUERY_KINDS)[number]

/**
 * Whether `value` is one of {@link QUERY_KINDS}.
 *
 * @example
 * ```ts
 * import { isQueryKind } from 'kysely-toolkit'
 *
 * isQueryKind('select') // true
 * isQueryKind('merge') // false
 * ```
 */
export function isQueryKind(value: unknown): value is QueryKind {
  return typeof value === 'string' && (QUERY_KINDS as readonly string[]).includes(value)
}

/** What a query is, read from its operation-node tree. @internal */
export interface QueryDescription {
  readonly kind: QueryKind
  /** The main table (`schema.table` when qualified), or `undefined` for raw SQL and table-less queries. */
  readonly table: string | undefined
}

const RAW_KIND = /^[\s(]*(select|insert|replace|update|delete)\b/i

/**
 * Reads the kind and main table of a query from its tree: the first `from` item of a select, the `into` of an
 * insert, the table of an update, the first `from` of a delete, the table of DDL. Raw SQL gets its kind from its
 * first keyword and no table (the toolkit does not parse SQL text for labels).
 *
 * @internal
 */
export function describeQuery(node: RootOperationNode, sql: string): QueryDescription {
  switch (node.kind) {
    case 'SelectQueryNode':
      return { kind: 'select', table: tableOf(node.from?.froms[0]) }
    case 'InsertQueryNode':
      return { kind: 'insert', table: tableOf(node.into) }
    case 'UpdateQueryNode':
      return { kind: 'update', table: tableOf(node.table) }
    case 'DeleteQueryNode':
      return { kind: 'delete', table: tableOf(node.from.froms[0]) }
    case 'RawNode':
      return { kind: rawKind(sql), table: undefined }
    default:
      return { kind: 'other', table: tableOf((node as { readonly table?: OperationNode }).table) }
  }
}

function rawKind(sql: string): QueryKind {
  const keyword = RAW_KIND.exec(sql)?.[1]?.toLowerCase()
  if (keyword === undefined) return 'other'
  return keyword === 'replace' ? 'insert' : (keyword as QueryKind)
}

interface TableLike extends OperationNode {
  readonly table?: {
    readonly schema?: { readonly name: string } | undefined
    readonly identifier?: { readonly name: string }
  }
  readonly node?: OperationNode
  readonly items?: readonly OperationNode[]
}

/** The table name of a TableNode, an aliased table, or the first of a list (multi-table update). */
function tableOf(node: OperationNode | undefined): string | undefined {
  if (node === undefined) return undefined
  const like = node as TableLike
  switch (node.kind) {
    case 'TableNode': {
      const name = like.table?.identifier?.name
      if (name === undefined) return undefined
      const schema = like.table?.schema?.name
      return schema === undefined ? name : `${schema}.${name}`
    }
    case 'AliasNode':
      return tableOf(like.node)
    case 'ListNode':
      return tableOf(like.items?.[0])
    default:
      return undefined
  }
}
