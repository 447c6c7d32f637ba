import type { RootOperationNode, SelectModifierNode } from 'kysely'

/**
 * What a statement is, as far as routing cares:
 * - `read`: a SELECT (or `WITH ... SELECT`) that takes no lock and uses no session state: replica-safe;
 * - `locking-read`: a SELECT with `FOR UPDATE`, `FOR SHARE` or `LOCK IN SHARE MODE`;
 * - `session-read`: a SELECT whose result depends on this connection or server: lock functions (`GET_LOCK`,
 *   `RELEASE_LOCK`, `IS_USED_LOCK`, ...), `LAST_INSERT_ID()`, `FOUND_ROWS()`, `ROW_COUNT()`, sequences
 *   (`NEXTVAL`, `NEXT VALUE FOR`), user variables (`@name`);
 * - `write`: INSERT, REPLACE, UPDATE, DELETE, MERGE (also with `WITH`);
 * - `schema`: DDL (CREATE, ALTER, DROP of tables, indexes, views, schemas);
 * - `raw`: a `sql` template or `CompiledQuery.raw`: its text is not parsed, so it is treated as a write.
 *
 * @example
 * ```ts
 * import { STATEMENT_KINDS, type StatementKind } from 'kysely-toolkit'
 *
 * const counts = Object.fromEntries(STATEMENT_KINDS.map((kind) => [kind, 0])) as Record<StatementKind, number>
 * ```
 */
export const STATEMENT_KINDS = ['read', 'locking-read', 'session-read', 'write', 'schema', 'raw'] as const
/** A value of {@link STATEMENT_KINDS}. */
export type StatementKind = (typeof STATEMENT_KINDS)[number]

/**
 * Where a statement can run: on the `primary`, or on a `replica`.
 *
 * @example
 * ```ts
 * import { ROUTE_TARGETS } from 'kysely-toolkit'
 *
 * ROUTE_TARGETS.includes('replica') // true
 * ```
 */
export const ROUTE_TARGETS = ['primary', 'replica'] as const
/** A value of {@link ROUTE_TARGETS}. */
export type RouteTarget = (typeof ROUTE_TARGETS)[number]

/**
 * Why a statement went where it went, in the order the rules are applied (the first that applies wins):
 * - `pinned`: the connection is in a transaction, or already holds a primary connection (a `db.connection()`
 *   block that wrote): primary;
 * - `write`, `schema`, `raw`, `locking-read`, `session-read`: the statement's kind needs the primary
 *   (`raw` only when not hinted `replica`);
 * - `replica-hint`: a read, or a raw statement, marked with `routeToReplica`: replica;
 * - `primary-hint`: marked with `routeToPrimary`: primary;
 * - `with-primary`: inside `withPrimary(...)`: primary;
 * - `read-your-writes`: inside a consistency scope that wrote less than `readYourWritesMs` ago: primary;
 * - `read`: a plain read: replica.
 *
 * @example
 * ```ts
 * import { ROUTE_REASONS, targetOf } from 'kysely-toolkit'
 *
 * ROUTE_REASONS.filter((reason) => targetOf(reason) === 'replica') // ['replica-hint', 'read']
 * ```
 */
export const ROUTE_REASONS = [
  'pinned',
  'write',
  'schema',
  'raw',
  'locking-read',
  'session-read',
  'replica-hint',
  'primary-hint',
  'with-primary',
  'read-your-writes',
  'read',
] as const
/** A value of {@link ROUTE_REASONS}. */
export type RouteReason = (typeof ROUTE_REASONS)[number]

/** What {@link decideRoute} looks at besides the statement. */
export interface RouteContext {
  /** The connection is in a transaction, or already holds a primary connection. */
  readonly onPrimary: boolean
  /** The statement's hint from `routeToPrimary`/`routeToReplica`, if any. */
  readonly hint: RouteTarget | undefined
  /** Inside `withPrimary(...)`. */
  readonly withPrimary: boolean
  /** Milliseconds since this consistency scope last wrote to this database; `undefined` when it has not. */
  readonly sinceLastWriteMs: number | undefined
  /** The read-your-writes window (`replication.readYourWritesMs`). */
  readonly readYourWritesMs: number
}

/**
 * Applies the routing rules (see {@link ROUTE_REASONS}) to a statement of the given kind. Pure: the same
 * input always gives the same reason.
 *
 * @example
 * ```ts
 * import { decideRoute, targetOf } from 'kysely-toolkit'
 *
 * const reason = decideRoute('read', {
 *   onPrimary: false,
 *   hint: undefined,
 *   withPrimary: false,
 *   sinceLastWriteMs: 300,
 *   readYourWritesMs: 2_000,
 * })
 * reason // 'read-your-writes'
 * targetOf(reason) // 'primary'
 * ```
 */
export function decideRoute(kind: StatementKind, context: RouteContext): RouteReason {
  if (context.onPrimary) return 'pinned'
  if (kind === 'raw') {
    if (context.hint !== 'replica') return 'raw'
  } else if (kind !== 'read') {
    return kind
  }
  if (context.hint === 'replica') return 'replica-hint'
  if (context.hint === 'primary') return 'primary-hint'
  if (context.withPrimary) return 'with-primary'
  if (context.sinceLastWriteMs !== undefined && context.sinceLastWriteMs < context.readYourWritesMs) {
    return 'read-your-writes'
  }
  return 'read'
}

/**
 * The server a {@link RouteReason} sends a statement to.
 *
 * @example
 * ```ts
 * targetOf('locking-read') // 'primary'
 * ```
 */
export function targetOf(reason: RouteReason): RouteTarget {
  return reason === 'read' || reason === 'replica-hint' ? 'replica' : 'primary'
}

/**
 * Whether running a statement of this kind should start the read-your-writes window: writes, DDL and raw
 * statements (which may write) do; reads, locking reads and session reads do not.
 *
 * @example
 * ```ts
 * startsReadYourWrites('raw') // true
 * ```
 */
export function startsReadYourWrites(kind: StatementKind): boolean {
  return kind === 'write' || kind === 'schema' || kind === 'raw'
}

const LOCKING_MODIFIERS = new Set<string>(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare'])

/**
 * Text in a compiled SELECT that makes it need the primary: a locking clause (also from `modifyEnd(sql...)` or a
 * subquery), a function that reads or changes this connection's or server's state, or a user variable. The
 * compiled text holds no values (they are bound parameters) and identifiers are back-quoted, so a column named
 * `row_count` or a value containing `get_lock(` does not match.
 */
const PRIMARY_ONLY_SQL =
  /\b(?:(for\s+update|for\s+share|lock\s+in\s+share\s+mode)\b|(?:get_lock|release_lock|release_all_locks|is_used_lock|is_free_lock|last_insert_id|found_rows|row_count|nextval|setval|lastval)\s*\(|(?:next|previous)\s+value\s+for\b)|(?<![@\w`])@(?!@)/i

/**
 * Classifies a compiled statement (see {@link STATEMENT_KINDS}) from its root operation node and, for SELECTs,
 * its SQL text.
 *
 * @example
 * ```ts
 * import { classifyStatement } from 'kysely-toolkit'
 *
 * const compiled = db.selectFrom('users').selectAll().forUpdate().compile()
 * classifyStatement(compiled.query, compiled.sql) // 'locking-read'
 * ```
 */
export function classifyStatement(query: RootOperationNode, sql: string): StatementKind {
  switch (query.kind) {
    case 'SelectQueryNode': {
      if (query.endModifiers !== undefined && hasLockingModifier(query.endModifiers)) return 'locking-read'
      return primaryOnlyKindOf(sql) ?? 'read'
    }
    case 'InsertQueryNode':
    case 'UpdateQueryNode':
    case 'DeleteQueryNode':
    case 'MergeQueryNode':
      return 'write'
    case 'RawNode':
      return 'raw'
    default:
      return 'schema'
  }
}

/**
 * Whether SQL text inside a SELECT makes it a locking or a session read; `undefined` when it makes it neither.
 *
 * @internal
 */
export function primaryOnlyKindOf(sql: string): 'locking-read' | 'session-read' | undefined {
  const match = PRIMARY_ONLY_SQL.exec(sql)
  if (match === null) return undefined
  return match[1] === undefined ? 'session-read' : 'locking-read'
}

/** @internal */
export function isLockingModifier(modifier: string | undefined): boolean {
  return modifier !== undefined && LOCKING_MODIFIERS.has(modifier)
}

/** @internal */
export function hasLockingModifier(modifiers: ReadonlyArray<SelectModifierNode>): boolean {
  for (const modifier of modifiers) {
    if (isLockingModifier(modifier.modifier)) return true
  }
  return false
}
