import { Registry } from 'prom-client'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { createDatabase, createQueryMetrics, type Database, formatPrometheus } from '../../../src/index.js'
import { registerQueryMetrics } from '../../../src/prometheus/index.js'

const databaseUrl = inject('databaseUrl')

describe(registerQueryMetrics.name, () => {
  it('exports the pool gauges when registered before the pool exists (the order the docs show)', async () => {
    let database: Database<DB> | undefined
    const metrics = createQueryMetrics({ poolStats: () => database?.poolStats() })
    const registry = new Registry()
    registerQueryMetrics(metrics, registry)
    // Before the pool: the families are there, without samples (not a made-up 0).
    const before = await registry.metrics()
    expect(before).toContain('# TYPE kysely_pool_connections gauge')
    expect(before).not.toMatch(/^kysely_pool_waiting /m)

    database = createDatabase<DB>({ url: databaseUrl, log: metrics.log, pool: { max: 7 } })
    try {
      await database.db.selectFrom('users').select('id').limit(1).execute()
      const scraped = await registry.metrics()
      expect(scraped).toMatch(/^kysely_pool_connections\{state="idle"\} 1$/m)
      expect(scraped).toMatch(/^kysely_pool_connections\{state="in_use"\} 0$/m)
      expect(scraped).toMatch(/^kysely_pool_waiting 0$/m)
      expect(scraped).toMatch(/^kysely_pool_max_connections 7$/m)
      // The same samples as formatPrometheus.
      const formatted = formatPrometheus(metrics.collect())
      expect(formatted).toMatch(/^kysely_pool_max_connections 7$/m)
    } finally {
      await database.close()
    }
  })
})
