import { relations, sql } from 'drizzle-orm'
import { bigint, datetime, decimal, int, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core'

/** The example schema as Drizzle tables (field names in camelCase, as Drizzle users write them). */
export const users = mysqlTable('users', {
  id: int('id', { unsigned: true }).primaryKey().autoincrement(),
  email: varchar('email', { length: 255 }).notNull().unique(),
  firstName: varchar('first_name', { length: 100 }).notNull(),
  lastName: varchar('last_name', { length: 100 }).notNull(),
  passwordHash: varchar('password_hash', { length: 255 }),
  status: mysqlEnum('status', ['active', 'inactive', 'suspended']).notNull().default('active'),
  ssn: varchar('ssn', { length: 255 }),
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`current_timestamp(3)`),
  updatedAt: datetime('updated_at', { mode: 'date', fsp: 3 }).notNull().default(sql`current_timestamp(3)`),
})

export const orders = mysqlTable('orders', {
  id: bigint('id', { mode: 'number', unsigned: true }).primaryKey().autoincrement(),
  userId: int('user_id', { unsigned: true })
    .notNull()
    .references(() => users.id),
  status: mysqlEnum('status', ['pending', 'completed', 'cancelled']).notNull().default('pending'),
  total: decimal('total', { precision: 12, scale: 2 }).notNull().default('0.00'),
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`current_timestamp(3)`),
})

export const accounts = mysqlTable('accounts', {
  id: int('id', { unsigned: true }).primaryKey().autoincrement(),
  ownerId: int('owner_id', { unsigned: true })
    .notNull()
    .references(() => users.id),
  balance: decimal('balance', { precision: 15, scale: 2 }).notNull().default('0.00'),
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`current_timestamp(3)`),
})

export const accountTransactions = mysqlTable('account_transactions', {
  id: bigint('id', { mode: 'number', unsigned: true }).primaryKey().autoincrement(),
  fromAccountId: int('from_account_id', { unsigned: true }),
  toAccountId: int('to_account_id', { unsigned: true }),
  amount: decimal('amount', { precision: 15, scale: 2 }).notNull(),
  type: mysqlEnum('type', ['transfer', 'deposit', 'withdrawal']).notNull(),
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`current_timestamp(3)`),
})

export const usersRelations = relations(users, ({ many }) => ({ orders: many(orders) }))
export const ordersRelations = relations(orders, ({ one }) => ({
  user: one(users, { fields: [orders.userId], references: [users.id] }),
}))
