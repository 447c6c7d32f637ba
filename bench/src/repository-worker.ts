/**
 * The repository against the same statements in bare Kysely, on one `createDatabase` pool (so only the repository
 * differs): the per-area scenarios of bench/repository.ts, run under callgrind by `npm run instructions -- --suite
 * repository` with the same stdin/stdout protocol as instructions-worker.ts. The SQL each pair sends is the same
 * text (bench/repository.ts checks it), so the difference in instructions is the repository's own JavaScript.
 */
import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'
import { metadata } from '../../example/generated/metadata.ts'
import { schemas } from '../../example/generated/zod.ts'
import { USER_COLUMNS, usersWithOrdersByHand } from './attach-orders.ts'
import { toolkitModule } from './clients/toolkit-module.ts'
import type { RepositoryJob } from './instructions.ts'
import { runMeasuredCalls } from './instructions-protocol.ts'

const job = JSON.parse(process.env.BENCH_INSTRUCTIONS_JOB ?? 'null') as RepositoryJob | null
if (job === null)
  throw new Error('repository-worker: BENCH_INSTRUCTIONS_JOB is not set (run npm run instructions)')
const toolkit = await toolkitModule()
const database = toolkit.createDatabase<DB>({ url: job.url, pool: { max: job.concurrency } })
const db = database.db as unknown as Kysely<DB>
const shop = toolkit.defineRepositorySchema({
  metadata,
  schemas,
  hidden: { users: ['password_hash', 'ssn'] },
  relations: { users: { orders: toolkit.hasMany('orders') } },
})
const users = toolkit.createRepository(database.db, shop, 'users', { maxLimit: 100 })
const VISIBLE = USER_COLUMNS
const scatter = (i: number, n: number) => 1 + ((i * 7919 + 104_729) % n)
const newUser = (i: number) => ({
  email: `${job.tag}-${i}@instructions.example`,
  first_name: 'Bench',
  last_name: 'Mark',
})

type Call = (i: number) => Promise<unknown>
const scenarios: Record<string, Record<'repository' | 'bare', Call>> = {
  findById: {
    repository: (i) => users.findById(scatter(i, 9_000)),
    bare: (i) =>
      db.selectFrom('users').select(VISIBLE).where('id', '=', scatter(i, 9_000)).executeTakeFirst(),
  },
  findMany: {
    repository: (i) => {
      const from = scatter(i, 9_000)
      return users.findMany({ where: (eb) => eb('id', '>=', from), limit: 100 })
    },
    bare: (i) =>
      db
        .selectFrom('users')
        .select(VISIBLE)
        .where('id', '>=', scatter(i, 9_000))
        .orderBy('id', 'asc')
        .limit(100)
        .execute(),
  },
  create: {
    repository: (i) => users.create(newUser(i)),
    bare: (i) => db.executeQuery(db.insertInto('users').values(newUser(i)).returning(VISIBLE)),
  },
  orders: {
    repository: (i) => {
      const from = scatter(i, 9_000)
      return users.findMany({ where: (eb) => eb('id', '>=', from), limit: 50, with: { orders: true } })
    },
    bare: (i) => usersWithOrdersByHand(db, scatter(i, 9_000)),
  },
}
const call = scenarios[job.scenario]?.[job.variant]
if (call === undefined) throw new Error(`repository-worker: no scenario ${job.scenario}/${job.variant}`)
await runMeasuredCalls(call, job, () => database.close())
process.exit(0)
