import type { BenchClient, ClientContext, ClientId } from '../client.ts'

/** Starts the client `id` on the bench database (each client module is loaded only when it runs). */
export async function createClient(id: ClientId, context: ClientContext): Promise<BenchClient> {
  switch (id) {
    case 'mysql2':
      return (await import('./mysql2-client.ts')).createMysql2Client(context)
    case 'kysely':
      return (await import('./kysely-client.ts')).createKyselyClient(context)
    case 'toolkit':
    case 'toolkit-plugins':
    case 'toolkit-db':
    case 'toolkit-logging':
    case 'toolkit-metrics':
    case 'toolkit-encryption':
    case 'toolkit-observed':
    case 'toolkit-db-bare-transaction': {
      const all = id === 'toolkit-plugins'
      const observed = id === 'toolkit-observed'
      const bareTransaction = id === 'toolkit-db-bare-transaction'
      return (await import('./toolkit-client.ts')).createToolkitClient(id, context, {
        repositories: id !== 'toolkit-db' && !observed && !bareTransaction,
        transactionHelper: !bareTransaction,
        logging: all || observed || id === 'toolkit-logging',
        metrics: all || observed || id === 'toolkit-metrics',
        encryption: all || id === 'toolkit-encryption',
      })
    }
    case 'drizzle':
      return (await import('./drizzle-client.ts')).createDrizzleClient(context)
    case 'sequelize':
      return (await import('./sequelize-client.ts')).createSequelizeClient(context)
    case 'typeorm':
      return (await import('./typeorm-client.ts')).createTypeormClient(context)
    case 'prisma':
      return (await import('./prisma-client.ts')).createPrismaClient(context)
  }
}
