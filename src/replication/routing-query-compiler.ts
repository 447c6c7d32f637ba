import {
  type CompiledQuery,
  type FunctionNode,
  MysqlQueryCompiler,
  type QueryId,
  type RawNode,
  type RootOperationNode,
  type SelectModifierNode,
} from 'kysely'
import {
  classifyStatement,
  hasLockingModifier,
  isLockingModifier,
  primaryOnlyKindOf,
  type StatementKind,
} from './routing.js'

/** Functions whose result depends on this connection or server (matched lower-cased). */
const SESSION_FUNCTIONS = new Set([
  'get_lock',
  'release_lock',
  'release_all_locks',
  'is_used_lock',
  'is_free_lock',
  'last_insert_id',
  'found_rows',
  'row_count',
  'nextval',
  'setval',
  'lastval',
])

/**
 * The SELECTs this compiler found to need the primary, keyed by the compiled query it returned. Only those are
 * stored: a plain read (the common case) costs the driver one missed lookup.
 */
const PRIMARY_SELECTS = new WeakMap<CompiledQuery, 'locking-read' | 'session-read'>()

/**
 * Kysely's MySQL compiler, noting while it compiles a SELECT whether the SELECT takes a lock or uses session
 * state (see `classifyStatement`), so that the driver need not scan the SQL text of every read: the compiler
 * visits each function, raw fragment and modifier anyway. The SQL it produces is exactly `MysqlQueryCompiler`'s.
 *
 * @internal
 */
export class RoutingQueryCompiler extends MysqlQueryCompiler {
  #inSelect = false
  #kind: 'locking-read' | 'session-read' | undefined

  override compileQuery(node: RootOperationNode, queryId: QueryId): CompiledQuery {
    this.#inSelect = node.kind === 'SelectQueryNode'
    this.#kind = undefined
    const compiled = super.compileQuery(node, queryId)
    if (this.#kind !== undefined) PRIMARY_SELECTS.set(compiled, this.#kind)
    return compiled
  }

  protected override visitFunction(node: FunctionNode): void {
    if (this.#inSelect && this.#kind === undefined && SESSION_FUNCTIONS.has(node.func.toLowerCase())) {
      this.#kind = 'session-read'
    }
    super.visitFunction(node)
  }

  protected override visitSelectModifier(node: SelectModifierNode): void {
    if (this.#inSelect && isLockingModifier(node.modifier)) this.#kind = 'locking-read'
    super.visitSelectModifier(node)
  }

  protected override visitRaw(node: RawNode): void {
    if (this.#inSelect && this.#kind !== 'locking-read') {
      for (const fragment of node.sqlFragments) {
        const kind = primaryOnlyKindOf(fragment)
        if (kind !== undefined && this.#kind !== 'locking-read') this.#kind = kind
      }
    }
    super.visitRaw(node)
  }
}

/**
 * The kind of a compiled statement as the driver sees it: for a SELECT compiled by {@link RoutingQueryCompiler},
 * what the compiler noted; for a SELECT compiled elsewhere, its root node only (locking modifiers); for anything
 * else, its root node.
 *
 * @internal
 */
export function statementKindOf(compiledQuery: CompiledQuery): StatementKind {
  const query = compiledQuery.query
  if (query.kind !== 'SelectQueryNode') return classifyStatement(query, compiledQuery.sql)
  const noted = PRIMARY_SELECTS.get(compiledQuery)
  if (noted !== undefined) return noted
  return query.endModifiers !== undefined && hasLockingModifier(query.endModifiers) ? 'locking-read' : 'read'
}
