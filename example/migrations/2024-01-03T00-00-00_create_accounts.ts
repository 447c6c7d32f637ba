import { type Kysely, sql } from 'kysely'

/** The bank: accounts with a DECIMAL balance, and a ledger of every movement between them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', sql`int unsigned`, (column) => column.primaryKey().autoIncrement())
    .addColumn('owner_id', sql`int unsigned`, (column) =>
      column.notNull().references('users.id').onDelete('restrict'),
    )
    .addColumn('balance', 'decimal(15, 2)', (column) => column.notNull().defaultTo('0.00'))
    .addColumn('created_at', sql`datetime(3)`, (column) =>
      column.notNull().defaultTo(sql`current_timestamp(3)`),
    )
    .modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci`)
    .execute()
  await db.schema.createIndex('accounts_owner_id').on('accounts').column('owner_id').execute()

  await db.schema
    .createTable('account_transactions')
    .addColumn('id', sql`bigint unsigned`, (column) => column.primaryKey().autoIncrement())
    .addColumn('from_account_id', sql`int unsigned`, (column) => column.references('accounts.id'))
    .addColumn('to_account_id', sql`int unsigned`, (column) => column.references('accounts.id'))
    .addColumn('amount', 'decimal(15, 2)', (column) => column.notNull())
    .addColumn('type', sql`enum('transfer','deposit','withdrawal')`, (column) => column.notNull())
    .addColumn('created_at', sql`datetime(3)`, (column) =>
      column.notNull().defaultTo(sql`current_timestamp(3)`),
    )
    .modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci`)
    .execute()
  await db.schema
    .createIndex('account_transactions_from_created_at')
    .on('account_transactions')
    .columns(['from_account_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('account_transactions_to_created_at')
    .on('account_transactions')
    .columns(['to_account_id', 'created_at'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('account_transactions').execute()
  await db.schema.dropTable('accounts').execute()
}
