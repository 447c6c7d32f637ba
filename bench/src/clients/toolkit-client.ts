import type { Kysely } from 'kysely'
import { pino } from 'pino'
import type { DB } from '../../../example/generated/db.ts'
import type { BenchClient, ClientContext, ClientId } from '../client.ts'
import * as queries from './kysely-queries.ts'
import { type ToolkitModule, toolkitModule } from './toolkit-module.ts'

/**
 * kysely-toolkit as its users write it, from the built package (`dist/`, what `npm install kysely-toolkit` gives).
 *
 * Plug-in points for the lead (each says what it uses today):
 * - transactions: the toolkit's `transaction(db, callback)` helper when `dist` exports it (branch `transactions`),
 *   else Kysely's `db.transaction().execute(...)`;
 * - repositories (branch `repositories`, not merged yet): `findUser`, `listUsers`, `usersAfter` (`paginate` with a
 *   cursor), `insertUser` and `usersWithOrders` below use the query builder on `database.db`; replace each body
 *   with the repository call when it lands (and encode the keyset cursor once in `prepareCursor`).
 */
export async function createToolkitClient(
  context: ClientContext,
  withPlugins: boolean,
): Promise<BenchClient> {
  const toolkit = await toolkitModule()
  const plugins = withPlugins ? await createPlugins(toolkit, context) : undefined
  const database = toolkit.createDatabase<DB>({
    url: context.url,
    pool: { max: context.poolSize },
    ...(plugins === undefined
      ? {}
      : {
          log: toolkit.combineLogs(plugins.logger.log, plugins.metrics.log),
          plugins: [plugins.logger.plugin, plugins.encryption],
        }),
  })
  plugins?.attachPool(() => database.poolStats())
  // Two copies of Kysely's types (the package's and the bench's), one class at run time: the query functions are
  // typed against the bench's copy.
  const db = database.db as unknown as Kysely<DB>
  const helper = toolkit.transaction
  // Options made once, as an application would; none without plugins (the helper's defaults).
  const transactionOptions =
    plugins === undefined
      ? undefined
      : {
          onRetry: (event: { readonly reason: string }) =>
            plugins.metrics.recordTransactionRetry(event.reason),
        }
  const runTransaction =
    typeof helper === 'function'
      ? (work: (trx: Kysely<DB>) => Promise<void>) =>
          helper(database.db, (trx: Kysely<DB>) => work(trx), transactionOptions)
      : (work: (trx: Kysely<DB>) => Promise<void>) => db.transaction().execute(work)
  const id: ClientId = withPlugins ? 'toolkit-plugins' : 'toolkit'
  return {
    id,
    notes: [
      'createDatabase (guarded mysql2 pool: acquire timeout, idle validation, scalar-only parameters)',
      'queries: the same Kysely code as bare Kysely; repositories not merged yet',
      typeof helper === 'function'
        ? 'transfer: the toolkit `transaction(db, callback)` helper (retries on deadlock)'
        : 'transfer: `db.transaction().execute(...)` (the toolkit transaction helper is not merged yet)',
      ...(plugins === undefined
        ? []
        : [
            `plugins: query logger (pino at \`${context.logLevel}\` to /dev/null${context.logLevel === 'debug' ? ', every query written' : ''}), query metrics, encryption of users.ssn (every read decrypts, every insert encrypts)`,
          ]),
    ],
    findUser: (userId) => queries.findUser(db, userId),
    listUsers: (offset) => queries.listUsers(db, offset),
    usersAfter: (cursor) => queries.usersAfter(db, cursor),
    insertUser: (user) => queries.insertUser(db, user),
    usersWithOrders: (firstId) => queries.usersWithOrders(db, firstId),
    transfer: (from, to, amount) => runTransaction((trx) => queries.transferIn(trx, from, to, amount)),
    async close() {
      await database.close()
      plugins?.flush()
    },
  }
}

async function createPlugins(toolkit: ToolkitModule, context: ClientContext) {
  const { EncryptionPlugin, createKeyring } = await import('../../../dist/encryption/index.js')
  const destination = pino.destination({ dest: '/dev/null', sync: false })
  const logger = toolkit.createQueryLogger({
    logger: toolkit.logPinoStyle(pino({ level: context.logLevel }, destination)),
  })
  let poolStats: () => ReturnType<ReturnType<ToolkitModule['createDatabase']>['poolStats']> | undefined =
    () => undefined
  const metrics = toolkit.createQueryMetrics({ poolStats: () => poolStats() })
  const encryption = new EncryptionPlugin<DB>({
    keyring: createKeyring({ keys: { currentKeyId: 'bench', keys: { bench: context.encryptionKey } } }),
    tables: { users: { ssn: true } },
  })
  return {
    logger,
    metrics,
    encryption,
    attachPool(stats: typeof poolStats) {
      poolStats = stats
    },
    flush() {
      destination.flushSync()
    },
  }
}
