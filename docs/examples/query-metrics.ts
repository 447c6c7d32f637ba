import { createServer, type Server } from 'node:http'
import {
  createDatabase,
  createQueryMetrics,
  type Database,
  formatPrometheus,
  PROMETHEUS_CONTENT_TYPE,
  type QueryMetricsSnapshot,
} from 'kysely-toolkit'
import { registerQueryMetrics } from 'kysely-toolkit/prometheus'
import { Registry } from 'prom-client'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/** Metrics on a toolkit database, served as Prometheus text on `/metrics`. Returns the server and a snapshot. */
export async function serveQueryMetrics(
  url: string,
): Promise<{ server: Server; snapshot: QueryMetricsSnapshot; close(): Promise<void> }> {
  // #region setup
  let database: Database<DB> | undefined
  const metrics = createQueryMetrics({
    slowQueryMs: 500,
    poolStats: () => database?.poolStats(), // read at each snapshot or scrape
    labels: { database: 'primary' },
  })
  database = createDatabase<DB>({ url, log: metrics.log })

  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.statusCode = 404
      response.end()
      return
    }
    response.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE)
    response.end(formatPrometheus(metrics.collect()))
  })
  server.listen(0)
  // #endregion setup

  // #region snapshot
  await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      database.db
        .selectFrom('orders')
        .select(['id', 'total'])
        .where('user_id', '=', index + 1)
        .execute(),
    ),
  )
  const snapshot = metrics.snapshot()
  // snapshot.queries === 20
  // snapshot.byQuery: [{ kind: 'select', table: 'orders', count: 20, errors: 0 }]
  // snapshot.latency: { count: 20, p50Ms: 0.8, p95Ms: 2.1, p99Ms: 2.3, maxMs: 2.3, ... }
  // snapshot.pool: { total: 10, idle: 10, inUse: 0, waiting: 0, max: 10 }
  // #endregion snapshot

  return {
    server,
    snapshot,
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await database.close()
    },
  }
}

/** The same metrics registered in an app's existing prom-client registry. */
export async function registerInPromClient(url: string): Promise<string> {
  // #region prom-client
  const registry = new Registry() // or prom-client's global `register`
  const metrics = createQueryMetrics()
  registerQueryMetrics(metrics, registry)
  const database = createDatabase<DB>({ url, log: metrics.log })
  await database.db.selectFrom('users').select('id').limit(1).execute()
  const text = await registry.metrics() // kysely_queries_total{kind="select",table="users"} 1 ...
  // #endregion prom-client
  await database.close()
  return text
}

/** Transaction retries counted from a retry hook. */
export function countRetries(): QueryMetricsSnapshot {
  // #region retries
  const metrics = createQueryMetrics()
  // With the transaction helper: transaction(db, work, { onRetry: ({ error }) => metrics.recordTransactionRetry(error) })
  const onRetry = (error: unknown) => metrics.recordTransactionRetry(error)
  onRetry(
    Object.assign(new Error('Deadlock found when trying to get lock'), {
      code: 'ER_LOCK_DEADLOCK',
      errno: 1213,
    }),
  )
  metrics.recordTransactionRetry('serialization failure')
  // metrics.snapshot().retriesByReason:
  // [{ reason: 'ER_LOCK_DEADLOCK', count: 1 }, { reason: 'serialization failure', count: 1 }]
  // #endregion retries
  return metrics.snapshot()
}
