import type { Kysely, KyselyPlugin, LogEvent } from 'kysely'
import { pino } from 'pino'
import type { DB } from '../../../example/generated/db.ts'
import { metadata } from '../../../example/generated/metadata.ts'
import { schemas } from '../../../example/generated/zod.ts'
import type { BenchClient, ClientContext, ClientId, KeysetCursor, UserWithOrders } from '../client.ts'
import { EAGER_USERS, PAGE_SIZE } from '../client.ts'
import * as queries from './kysely-queries.ts'
import { toolkitModule } from './toolkit-module.ts'

/** Which of the toolkit's layers a toolkit client runs with. */
export interface ToolkitSetup {
  /** Repositories for the reads and the insert; `false` runs the bare-Kysely code on `createDatabase`. */
  readonly repositories: boolean
  readonly logging: boolean
  readonly metrics: boolean
  readonly encryption: boolean
  /** The transfer through the `transaction()` helper (the default) or Kysely's bare `db.transaction()`. */
  readonly transactionHelper?: boolean
}

/**
 * kysely-toolkit as its users write it, from the built package (`dist/`, what `npm install kysely-toolkit` gives):
 * `createDatabase`, repositories (`findById`, `findMany` with sort/limit/offset, `paginate` with a signed cursor,
 * `create`, `findMany` with `with: { orders: true }`) and the `transaction(db, callback)` helper around the
 * transfer's two arithmetic updates and ledger insert (a repository cannot write `balance = balance - ?`).
 */
export async function createToolkitClient(
  id: ClientId,
  context: ClientContext,
  setup: ToolkitSetup,
): Promise<BenchClient> {
  const toolkit = await toolkitModule()
  const logs: ((event: LogEvent) => void)[] = []
  const plugins: KyselyPlugin[] = []
  const notes: string[] = []
  let flush = () => {}
  if (setup.logging) {
    const destination = pino.destination({ dest: '/dev/null', sync: false })
    const logger = toolkit.createQueryLogger({
      logger: toolkit.logPinoStyle(pino({ level: context.logLevel }, destination)),
    })
    // createDatabase calls a log function through QueryLogDialect, which hands the logger each result: no
    // row-count plugin needed.
    logs.push(logger.log)
    flush = () => destination.flushSync()
    notes.push(
      `query logger (pino at \`${context.logLevel}\` to /dev/null${context.logLevel === 'debug' ? ': every query built, redacted and written' : ''})`,
    )
  }
  let poolStats: () => ReturnType<typeof database.poolStats> | undefined = () => undefined
  const metrics = setup.metrics ? toolkit.createQueryMetrics({ poolStats: () => poolStats() }) : undefined
  if (metrics) {
    logs.push(metrics.log)
    notes.push('query metrics (counts, latency histograms, pool gauges)')
  }
  if (setup.encryption) {
    const { EncryptionPlugin, createKeyring } = await import('../../../dist/encryption/index.js')
    plugins.push(
      new EncryptionPlugin<DB>({
        keyring: createKeyring({ keys: { currentKeyId: 'bench', keys: { bench: context.encryptionKey } } }),
        tables: { users: { ssn: true } },
      }),
    )
    notes.push('encryption of users.ssn (every user read decrypts it, every insert encrypts it)')
  }
  const database = toolkit.createDatabase<DB>({
    url: context.url,
    pool: { max: context.poolSize },
    ...(logs.length === 0 ? {} : { log: toolkit.combineLogs(...logs) }),
    ...(plugins.length === 0 ? {} : { plugins }),
  })
  poolStats = () => database.poolStats()
  // Two copies of Kysely's types (the package's and the bench's), one class at run time: the query functions are
  // typed against the bench's copy.
  const db = database.db as unknown as Kysely<DB>
  const helper = toolkit.transaction
  // Options made once, as an application would; none without metrics (the helper's defaults).
  const transactionOptions =
    metrics === undefined
      ? undefined
      : { onRetry: (event: { readonly reason: string }) => metrics.recordTransactionRetry(event.reason) }
  const transfer: BenchClient['transfer'] =
    typeof helper === 'function' && setup.transactionHelper !== false
      ? (from, to, amount) =>
          helper(
            database.db,
            (trx: Kysely<DB>) => queries.transferIn(trx, from, to, amount),
            transactionOptions,
          )
      : (from, to, amount) => db.transaction().execute((trx) => queries.transferIn(trx, from, to, amount))
  const common = {
    id,
    encryptsSsn: setup.encryption,
    transfer,
    async close() {
      await database.close()
      flush()
    },
  }
  const transactionNote =
    setup.transactionHelper === false
      ? 'transfer: Kysely’s bare `db.transaction().execute(...)`'
      : typeof helper === 'function'
        ? 'transfer: the `transaction(db, callback)` helper (retries deadlocks) around Kysely statements'
        : 'transfer: `db.transaction().execute(...)` (the toolkit transaction helper is not in this build)'
  const pluginNote = notes.length === 0 ? [] : [`plugins: ${notes.join(', ')}`]

  if (!setup.repositories) {
    return {
      ...common,
      notes: [
        'createDatabase with the bare-Kysely query code (no repositories): the cost of the pool layer alone',
        transactionNote,
        ...pluginNote,
      ],
      findUser: (userId) => queries.findUser(db, userId),
      listUsers: (offset) => queries.listUsers(db, offset),
      usersAfter: (cursor) => queries.usersAfter(db, cursor),
      insertUser: (user) => queries.insertUser(db, user),
      usersWithOrders: (firstId) => queries.usersWithOrders(db, firstId),
    }
  }

  // The bench's repository schema: the generated metadata and zod schemas, no hidden columns (every client
  // reads every column, `ssn` included), users' orders as a relation.
  const shop = toolkit.defineRepositorySchema({
    metadata,
    schemas,
    relations: { users: { orders: toolkit.hasMany('orders') } },
  })
  const users = toolkit.createRepository(database.db, shop, 'users', { sortable: ['created_at', 'id'] })
  const sort = 'created_at'
  // Signed cursors, found once by paging from the start (only the repository can sign them).
  const cursors = new Map<string, string>()
  const cursorAfter = async (cursor: KeysetCursor): Promise<string> => {
    const key = `${cursor.createdAt.toISOString()}|${cursor.id}`
    const known = cursors.get(key)
    if (known !== undefined) return known
    let after: string | null = null
    for (;;) {
      const page: { items: { id: number }[]; nextCursor: string | null } = await users.paginate({
        sort,
        limit: PAGE_SIZE,
        after,
        select: ['id'],
      })
      if (page.nextCursor === null) throw new Error(`no row ${key} to start a keyset page after`)
      after = page.nextCursor
      if (page.items.at(-1)?.id === cursor.id) break
    }
    cursors.set(key, after)
    return after
  }
  return {
    ...common,
    notes: [
      'createDatabase (guarded mysql2 pool, typed value conversion) and a repository per table',
      'reads: `findById`, `findMany({ sort, limit, offset })`, keyset `paginate({ sort, after, limit })` with a signed cursor',
      'insert: `create` (validated with the generated zod schema; returns the stored row: one INSERT ... RETURNING on MariaDB 10.5+, an INSERT and a read-back by id on MySQL)',
      'eager loading: `findMany({ where, sort, with: { orders: true } })` (users, then orders by batched IN)',
      transactionNote,
      ...pluginNote,
    ],
    findUser: (userId) => users.findById(userId),
    listUsers: (offset) => users.findMany({ sort, limit: PAGE_SIZE, offset }),
    usersAfter: async (cursor) =>
      (await users.paginate({ sort, limit: PAGE_SIZE, after: await cursorAfter(cursor) })).items,
    insertUser: (user) =>
      users.create({
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        ssn: user.ssn,
      }),
    usersWithOrders: async (firstId) => {
      // The package's ExpressionBuilder type is the other Kysely copy's: typed by hand here.
      const between = (eb: { between(column: 'id', start: number, end: number): unknown }) =>
        eb.between('id', firstId, firstId + EAGER_USERS - 1)
      const found = await users.findMany({
        where: between as never,
        sort: 'id',
        with: { orders: true },
      })
      return found as unknown as UserWithOrders[]
    },
  }
}
