/**
 * The keyset page of bench/repository.ts, one variant per process: client CPU and throughput of the repository's
 * `paginate` after a cursor against the same keyset query written in bare Kysely, 16 in flight, on a throw-away
 * database of 1,000 users. Variants run in the order given, each warmed up with 2,000 pages, then measured over 6,000:
 *
 *   npx jiti bench/keyset.ts repository
 *   npx jiti bench/keyset.ts bare
 *   npx jiti bench/keyset.ts bare repository bare repository
 */
import type { DB } from '../example/generated/db.js'
import { seedShop } from '../example/seed.js'
import { shop } from '../example/shop-schema.js'
import { createDatabase, createRepository } from '../src/index.js'
import { createTestDatabase } from '../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../test/helpers/paths.js'
import { USER_COLUMNS } from './src/attach-orders.ts'
import { keysetPageByHand, keysetStarts } from './src/keyset-pages.ts'

const IN_FLIGHT = 16

const variants = process.argv.slice(2)
if (variants.length === 0 || variants.some((name) => name !== 'repository' && name !== 'bare')) {
  throw new Error('usage: npx jiti bench/keyset.ts <repository|bare> [...]')
}
await using test = await createTestDatabase<DB>({
  migrations: EXAMPLE_MIGRATIONS,
  seed: (db) => seedShop(db, { users: 1_000, ordersPerUser: 1 }),
  prefix: 'ktkeyset',
})
await using database = createDatabase<DB>({ url: test.url, pool: { max: IN_FLIGHT } })
const { db } = database
const users = createRepository(db, shop, 'users', { maxLimit: 100 })

// Ten signed cursors spread over the table, with the sort values they stand for.
const starts = await keysetStarts((after) =>
  users.paginate({ sort: 'created_at', limit: 90, after, select: ['id', 'created_at'] }),
)
const start = () => starts[Math.floor(Math.random() * starts.length)]!

const pages: Record<string, () => Promise<unknown>> = {
  repository: () => users.paginate({ sort: 'created_at', limit: 100, after: start().cursor }),
  bare: () => keysetPageByHand(db, USER_COLUMNS, start()),
}

async function measure(page: () => Promise<unknown>, count: number): Promise<string> {
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < count) await page()
    }),
  )
  const used = process.cpuUsage(cpu)
  const seconds = (performance.now() - started) / 1000
  return `${((used.user + used.system) / count).toFixed(1)} µs client CPU/page, ${(count / seconds).toFixed(0)} pages/s`
}

for (const variant of variants) {
  await measure(pages[variant]!, 2_000)
  console.log(`${variant.padEnd(10)} ${await measure(pages[variant]!, 6_000)}`)
}
