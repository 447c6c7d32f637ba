import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { type BenchClient, type ClientContext, EAGER_USERS, PAGE_SIZE, transferSteps } from '../client.ts'
import { PrismaClient } from './prisma-generated/client.ts'

/** What the mariadb driver under Prisma sent, for counting round trips (`QUERY`, `EXECUTE`, `PREPARE`, ...). */
export type StatementListener = (kind: string) => void

/**
 * Prisma 7: the `prisma-client` generator (TypeScript output), the TypeScript/Wasm query compiler and the
 * `@prisma/adapter-mariadb` driver adapter; no engine binary.
 */
export function createPrismaClient(context: ClientContext, onStatement?: StatementListener): BenchClient {
  const adapter = new PrismaMariaDb({
    host: context.host,
    port: context.port,
    user: context.user,
    password: context.password,
    database: context.database,
    connectionLimit: context.poolSize,
    ...(onStatement === undefined
      ? {}
      : { logger: { query: (message: string) => onStatement(message.slice(0, message.indexOf(':'))) } }),
  })
  const prisma = new PrismaClient({ adapter })
  const orderBy = [{ created_at: 'asc' }, { id: 'asc' }] as const
  return {
    id: 'prisma',
    encryptsSsn: false,
    notes: [
      'Prisma 7.10 (`prisma-client` generator, query compiler, `@prisma/adapter-mariadb` on the mariadb driver)',
      'installed and generated from the npm registry alone: `prisma generate` needs no engine binary, but the CLI would download the schema engine first, which `PRISMA_SCHEMA_ENGINE_BINARY` pointing at a placeholder skips',
      'keyset: Prisma cursor pagination `findMany({ cursor: { id }, skip: 1, orderBy })`',
      'eager loading: `findMany({ include: { orders: true } })`; transfer: interactive `$transaction(async (tx) => ...)`',
    ],
    findUser: (id) => prisma.user.findUnique({ where: { id } }),
    listUsers: (offset) => prisma.user.findMany({ orderBy: [...orderBy], skip: offset, take: PAGE_SIZE }),
    usersAfter: (cursor) =>
      prisma.user.findMany({ orderBy: [...orderBy], cursor: { id: cursor.id }, skip: 1, take: PAGE_SIZE }),
    insertUser: (user) =>
      prisma.user.create({
        data: { email: user.email, first_name: user.firstName, last_name: user.lastName, ssn: user.ssn },
      }),
    usersWithOrders: (firstId) =>
      prisma.user.findMany({
        where: { id: { gte: firstId, lte: firstId + EAGER_USERS - 1 } },
        orderBy: { id: 'asc' },
        include: { orders: { orderBy: { id: 'asc' } } },
      }),
    transfer: async (from, to, amount) => {
      await prisma.$transaction(async (tx) => {
        for (const step of transferSteps(from, to)) {
          await tx.account.update({
            where: { id: step.id },
            data: { balance: step.sign < 0 ? { decrement: amount } : { increment: amount } },
          })
        }
        await tx.accountTransaction.create({
          data: { from_account_id: from, to_account_id: to, amount, type: 'transfer' },
        })
      })
    },
    close: () => prisma.$disconnect(),
  }
}
