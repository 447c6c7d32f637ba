import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

/** What the plugin reports to its query logger. @internal */
export interface QueryResultListener {
  /** Called on the first query the plugin sees: from then on the logger waits for results to count rows. */
  readonly onInstalled: () => void
  readonly onResult: (queryId: PluginTransformResultArgs['queryId'], result: QueryResult<UnknownRow>) => void
}

/**
 * Gives a query logger the row counts of successful queries, which Kysely's `log` hook does not receive.
 * Made by `createQueryLogger`, as its `plugin`; it changes neither queries nor results. Not needed when the logger's
 * `log` goes to a `QueryLogDialect` (or `createDatabase`'s `log`), whose events carry the result.
 *
 * Put it first in `plugins`: results reach plugins in order, and a plugin before it that throws from
 * `transformResult` (e.g. a failed decryption) would leave the event without its row count.
 *
 * @example
 * ```ts
 * import { Kysely, MysqlDialect } from 'kysely'
 * import { createPool } from 'mysql2'
 * import { createQueryLogger, logConsoleStyle } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logConsoleStyle(console) })
 * const db = new Kysely<DB>({
 *   dialect: new MysqlDialect({ pool: createPool({ uri: process.env.DATABASE_URL }) }),
 *   log: queryLogger.log,
 *   plugins: [queryLogger.plugin],
 * })
 * // or per query:
 * await db.withPlugin(queryLogger.plugin).selectFrom('users').selectAll().execute()
 * ```
 */
export class QueryLoggerPlugin implements KyselyPlugin {
  readonly #listener: QueryResultListener
  #installed = false

  /** @internal Made by `createQueryLogger`. */
  constructor(listener: QueryResultListener) {
    this.#listener = listener
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (!this.#installed) {
      this.#installed = true
      this.#listener.onInstalled()
    }
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.#listener.onResult(args.queryId, args.result)
    return args.result
  }
}
