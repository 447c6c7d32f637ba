import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * What a consistency scope remembers: when it last wrote to each replicated database (keyed by the database's
 * driver), and whether reads are forced to the primary.
 */
interface ScopeState {
  readonly forcePrimary: boolean
  readonly writes: Map<object, number>
}

/**
 * One storage for every copy of the toolkit loaded in the process (ESM and CJS builds), so a scope opened with
 * one is seen by a database made with the other.
 */
const STORAGE_KEY = Symbol.for('kysely-toolkit.consistency-scope')
const shared = globalThis as Record<symbol, unknown>
shared[STORAGE_KEY] ??= new AsyncLocalStorage<ScopeState>()
const STORAGE = shared[STORAGE_KEY] as AsyncLocalStorage<ScopeState>

/**
 * Runs `fn` in a consistency scope: after a write to a replicated database inside it, that database sends the
 * scope's reads to the primary for `replication.readYourWritesMs` (so a user who just saved a row reads it back,
 * not a replica's older copy). Open one per request, e.g. in a middleware. Outside any scope there is no
 * read-your-writes: reads go to replicas right after a write.
 *
 * The scope follows `fn`'s async work (AsyncLocalStorage). A nested call joins the scope around it.
 *
 * @example
 * ```ts
 * import { withConsistencyScope } from 'kysely-toolkit'
 *
 * // Express / Connect
 * app.use((request, response, next) => withConsistencyScope(next))
 *
 * // or around any unit of work
 * await withConsistencyScope(async () => {
 *   await db.updateTable('users').set({ first_name: 'Ada' }).where('id', '=', id).execute()
 *   return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst() // primary: sees 'Ada'
 * })
 * ```
 */
export function withConsistencyScope<T>(fn: () => T): T {
  if (STORAGE.getStore() !== undefined) return fn()
  return STORAGE.run({ forcePrimary: false, writes: new Map() }, fn)
}

/**
 * Runs `fn` with every query of replicated databases sent to the primary (unless a query is marked with
 * `routeToReplica`). Writes made inside count for the consistency scope around it, if any.
 *
 * @example
 * ```ts
 * import { withPrimary } from 'kysely-toolkit'
 *
 * const balance = await withPrimary(() =>
 *   db.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow(),
 * )
 * ```
 */
export function withPrimary<T>(fn: () => T): T {
  const outer = STORAGE.getStore()
  if (outer?.forcePrimary === true) return fn()
  return STORAGE.run({ forcePrimary: true, writes: outer?.writes ?? new Map() }, fn)
}

/**
 * The current scope, if any.
 *
 * @internal
 */
export function currentScope(): ScopeState | undefined {
  return STORAGE.getStore()
}

/**
 * Notes a write to the database `key` in the current scope (a no-op outside scopes).
 *
 * @internal
 */
export function recordWrite(key: object, now: number): void {
  STORAGE.getStore()?.writes.set(key, now)
}
