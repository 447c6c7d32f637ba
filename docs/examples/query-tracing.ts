import type { Tracer } from '@opentelemetry/api'
import { createDatabase, createQueryTracing } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/** One OpenTelemetry client span per query, under the caller's active span. */
export async function traceQueries(url: string, tracer: Tracer): Promise<void> {
  // #region tracing
  // tracer: trace.getTracer('kysely') from @opentelemetry/api, with your SDK set up
  const tracing = createQueryTracing({ tracer, namespace: 'shop' })
  const database = createDatabase<DB>({ url, log: tracing.log })
  await database.db.selectFrom('orders').select('id').where('status', '=', 'pending').execute()
  // span "SELECT orders" (kind CLIENT) { db.system.name: 'mysql', db.operation.name: 'SELECT',
  //   db.collection.name: 'orders', db.namespace: 'shop', db.query.text: 'select `id` from `orders` where `status` = ?' }
  // #endregion tracing
  await database.close()
}
