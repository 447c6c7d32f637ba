import 'reflect-metadata'
import { Between, DataSource, EntitySchema, MoreThan } from 'typeorm'
import { type BenchClient, type ClientContext, EAGER_USERS, PAGE_SIZE, transferSteps } from '../client.ts'

interface UserEntity {
  id: number
  email: string
  firstName: string
  lastName: string
  passwordHash: string | null
  status: 'active' | 'inactive' | 'suspended'
  ssn: string | null
  createdAt: Date
  updatedAt: Date
  orders?: OrderEntity[]
}
interface OrderEntity {
  id: string
  userId: number
  status: 'pending' | 'completed' | 'cancelled'
  total: string
  createdAt: Date
  user?: UserEntity
}
interface AccountEntity {
  id: number
  ownerId: number
  balance: string
  createdAt: Date
}
interface AccountTransactionEntity {
  id: string
  fromAccountId: number | null
  toAccountId: number | null
  amount: string
  type: 'transfer' | 'deposit' | 'withdrawal'
  createdAt: Date
}

const UserSchema = new EntitySchema<UserEntity>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'int', unsigned: true, primary: true, generated: 'increment' },
    email: { type: 'varchar', length: 255, unique: true },
    firstName: { type: 'varchar', length: 100, name: 'first_name' },
    lastName: { type: 'varchar', length: 100, name: 'last_name' },
    passwordHash: { type: 'varchar', length: 255, name: 'password_hash', nullable: true },
    status: { type: 'enum', enum: ['active', 'inactive', 'suspended'], default: 'active' },
    ssn: { type: 'varchar', length: 255, nullable: true },
    createdAt: { type: 'datetime', precision: 3, name: 'created_at', createDate: true },
    updatedAt: { type: 'datetime', precision: 3, name: 'updated_at', updateDate: true },
  },
  relations: { orders: { type: 'one-to-many', target: 'Order', inverseSide: 'user' } },
})
const OrderSchema = new EntitySchema<OrderEntity>({
  name: 'Order',
  tableName: 'orders',
  columns: {
    id: { type: 'bigint', unsigned: true, primary: true, generated: 'increment' },
    userId: { type: 'int', unsigned: true, name: 'user_id' },
    status: { type: 'enum', enum: ['pending', 'completed', 'cancelled'], default: 'pending' },
    total: { type: 'decimal', precision: 12, scale: 2 },
    createdAt: { type: 'datetime', precision: 3, name: 'created_at', createDate: true },
  },
  relations: {
    user: { type: 'many-to-one', target: 'User', joinColumn: { name: 'user_id' }, inverseSide: 'orders' },
  },
})
const AccountSchema = new EntitySchema<AccountEntity>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: { type: 'int', unsigned: true, primary: true, generated: 'increment' },
    ownerId: { type: 'int', unsigned: true, name: 'owner_id' },
    balance: { type: 'decimal', precision: 15, scale: 2 },
    createdAt: { type: 'datetime', precision: 3, name: 'created_at', createDate: true },
  },
})
const AccountTransactionSchema = new EntitySchema<AccountTransactionEntity>({
  name: 'AccountTransaction',
  tableName: 'account_transactions',
  columns: {
    id: { type: 'bigint', unsigned: true, primary: true, generated: 'increment' },
    fromAccountId: { type: 'int', unsigned: true, name: 'from_account_id', nullable: true },
    toAccountId: { type: 'int', unsigned: true, name: 'to_account_id', nullable: true },
    amount: { type: 'decimal', precision: 15, scale: 2 },
    type: { type: 'enum', enum: ['transfer', 'deposit', 'withdrawal'] },
    createdAt: { type: 'datetime', precision: 3, name: 'created_at', createDate: true },
  },
})

/** TypeORM with EntitySchema (no decorators), mysql2 driver, repositories and the entity manager. */
export async function createTypeormClient(context: ClientContext): Promise<BenchClient> {
  const dataSource = new DataSource({
    type: 'mysql',
    host: context.host,
    port: context.port,
    username: context.user,
    password: context.password,
    database: context.database,
    timezone: 'Z',
    entities: [UserSchema, OrderSchema, AccountSchema, AccountTransactionSchema],
    synchronize: false,
    logging: false,
    poolSize: context.poolSize,
  })
  await dataSource.initialize()
  const users = dataSource.getRepository(UserSchema)
  const order = { createdAt: 'ASC', id: 'ASC' } as const
  return {
    id: 'typeorm',
    encryptsSsn: false,
    notes: [
      'TypeORM with EntitySchema, mysql2 driver, `Repository` API',
      'insert: `repository.save(repository.create(...))` (wraps the INSERT in a transaction)',
      'eager loading: `find({ relations: { orders: true } })` (one LEFT JOIN query); transfer: `dataSource.transaction(...)` with `decrement`/`increment`',
    ],
    findUser: (id) => users.findOneBy({ id }),
    listUsers: (offset) => users.find({ order, skip: offset, take: PAGE_SIZE }),
    usersAfter: (cursor) =>
      users.find({
        where: [
          { createdAt: MoreThan(cursor.createdAt) },
          { createdAt: cursor.createdAt, id: MoreThan(cursor.id) },
        ],
        order,
        take: PAGE_SIZE,
      }),
    insertUser: (user) =>
      users.save(
        users.create({
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          ssn: user.ssn,
        }),
      ),
    usersWithOrders: async (firstId) => {
      const found = await users.find({
        where: { id: Between(firstId, firstId + EAGER_USERS - 1) },
        relations: { orders: true },
        order: { id: 'ASC', orders: { id: 'ASC' } },
      })
      // TypeORM sets `orders` (an empty array when there are none) on every user it loads with the relation.
      return found as (UserEntity & { orders: OrderEntity[] })[]
    },
    transfer: async (from, to, amount) => {
      await dataSource.transaction(async (manager) => {
        for (const step of transferSteps(from, to)) {
          if (step.sign < 0) await manager.decrement(AccountSchema, { id: step.id }, 'balance', amount)
          else await manager.increment(AccountSchema, { id: step.id }, 'balance', amount)
        }
        await manager.insert(AccountTransactionSchema, {
          fromAccountId: from,
          toAccountId: to,
          amount,
          type: 'transfer',
        })
      })
    },
    close: () => dataSource.destroy(),
  }
}
