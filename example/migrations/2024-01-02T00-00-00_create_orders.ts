import { type Kysely, sql } from 'kysely'

/** Orders and their items. Money is DECIMAL, never FLOAT. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', sql`bigint unsigned`, (column) => column.primaryKey().autoIncrement())
    .addColumn('user_id', sql`int unsigned`, (column) =>
      column.notNull().references('users.id').onDelete('restrict'),
    )
    .addColumn('status', sql`enum('pending','completed','cancelled')`, (column) =>
      column.notNull().defaultTo('pending'),
    )
    .addColumn('total', 'decimal(12, 2)', (column) => column.notNull().defaultTo('0.00'))
    .addColumn('created_at', sql`datetime(3)`, (column) =>
      column.notNull().defaultTo(sql`current_timestamp(3)`),
    )
    .modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci`)
    .execute()
  await db.schema
    .createIndex('orders_user_id_created_at')
    .on('orders')
    .columns(['user_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('orders_status_created_at')
    .on('orders')
    .columns(['status', 'created_at'])
    .execute()

  await db.schema
    .createTable('order_items')
    .addColumn('id', sql`bigint unsigned`, (column) => column.primaryKey().autoIncrement())
    .addColumn('order_id', sql`bigint unsigned`, (column) =>
      column.notNull().references('orders.id').onDelete('cascade'),
    )
    .addColumn('product_name', 'varchar(200)', (column) => column.notNull())
    .addColumn('quantity', sql`int unsigned`, (column) => column.notNull())
    .addColumn('price', 'decimal(12, 2)', (column) => column.notNull())
    .modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci`)
    .execute()
  await db.schema.createIndex('order_items_order_id').on('order_items').column('order_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('order_items').execute()
  await db.schema.dropTable('orders').execute()
}
