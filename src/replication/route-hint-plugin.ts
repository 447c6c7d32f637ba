import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'
import { z } from 'zod'
import { parseOptions } from '../util/parse-options.js'
import { ROUTE_TARGETS, type RouteTarget } from './routing.js'

/** Options of {@link RouteHintPlugin}. */
export interface RouteHintPluginOptions {
  /** Where the queries made through the plugin should run. No default: it must be given. */
  readonly target: RouteTarget
}

const RouteHintPluginOptionsSchema = z.strictObject({
  target: z.enum(ROUTE_TARGETS, { error: "must be 'primary' or 'replica'" }),
})

/**
 * The hints, keyed by the node the plugin returned. Shared through `globalThis` so that a hint set by the ESM
 * build of the toolkit is seen by the CJS build's driver (and the other way round).
 */
interface HintRegistry {
  readonly map: WeakMap<RootOperationNode, RouteTarget>
  /** Whether any hint was ever set: until then the driver skips the lookup. */
  used: boolean
}
const HINTS_KEY = Symbol.for('kysely-toolkit.route-hints')
const shared = globalThis as Record<symbol, unknown>
shared[HINTS_KEY] ??= { map: new WeakMap(), used: false } satisfies HintRegistry
const HINTS = shared[HINTS_KEY] as HintRegistry

/**
 * Marks the queries made through it for the primary or for a replica, overriding the routing of a replicated
 * database (see `createReplicatedDatabase`) for them.
 *
 * `target: 'primary'` sends reads to the primary (a read that must see the latest data). `target: 'replica'` lets
 * a raw `sql` query that you know only reads run on a replica (raw SQL is not parsed, so it goes to the primary
 * otherwise); on a read it wins over `withPrimary` and read-your-writes. It never moves a write, DDL, a locking
 * read or anything inside a transaction off the primary. On a single-server database it changes nothing.
 *
 * `routeToPrimary(db)` and `routeToReplica(db)` are the short forms.
 *
 * @example
 * ```ts
 * import { RouteHintPlugin } from 'kysely-toolkit'
 *
 * const fresh = await db
 *   .withPlugin(new RouteHintPlugin({ target: 'primary' }))
 *   .selectFrom('accounts')
 *   .select('balance')
 *   .where('id', '=', accountId)
 *   .executeTakeFirstOrThrow()
 * ```
 *
 * The SQL is unchanged: the hint travels beside the query, never inside its text.
 */
export class RouteHintPlugin implements KyselyPlugin {
  readonly #target: RouteTarget

  /** @throws {InvalidOptionsError} when `target` is not `'primary'` or `'replica'`. */
  constructor(options: RouteHintPluginOptions) {
    this.#target = parseOptions(RouteHintPluginOptionsSchema, options, 'route hint plugin options').target
  }

  /** Returns a copy of the node, remembered with the hint (the original may be run elsewhere without it). */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const marked = Object.freeze({ ...args.node })
    HINTS.map.set(marked, this.#target)
    HINTS.used = true
    return marked
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

const TO_PRIMARY = new RouteHintPlugin({ target: 'primary' })
const TO_REPLICA = new RouteHintPlugin({ target: 'replica' })

/** Anything with Kysely's `withPlugin`: a `Kysely<DB>` or a `Transaction<DB>`. */
interface WithPlugin<E> {
  withPlugin(plugin: KyselyPlugin): E
}

/**
 * The same `db`, with every query made from it sent to the primary: a read that must see the latest writes.
 *
 * @example
 * ```ts
 * import { routeToPrimary } from 'kysely-toolkit'
 *
 * const order = await routeToPrimary(db).selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst()
 * ```
 */
export function routeToPrimary<E extends WithPlugin<E>>(db: E): E {
  return db.withPlugin(TO_PRIMARY)
}

/**
 * The same `db`, with reads made from it sent to a replica, raw `sql` included: use it for a raw query that
 * only reads. Writes, DDL, locking reads and transactions still go to the primary.
 *
 * @example
 * ```ts
 * import { sql } from 'kysely'
 * import { routeToReplica } from 'kysely-toolkit'
 *
 * const report = await sql<{ day: string; total: string }>`
 *   select date(created_at) as day, sum(total) as total from orders group by day
 * `.execute(routeToReplica(db))
 * ```
 */
export function routeToReplica<E extends WithPlugin<E>>(db: E): E {
  return db.withPlugin(TO_REPLICA)
}

/**
 * The hint {@link RouteHintPlugin} attached to a compiled query's root node, if any.
 *
 * @internal
 */
export function routeHintOf(node: RootOperationNode): RouteTarget | undefined {
  return HINTS.used ? HINTS.map.get(node) : undefined
}
