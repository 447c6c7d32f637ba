import { type Kysely, sql } from 'kysely'

/** Users of the shop. `ssn` is nullable and is the column the encryption plugin encrypts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', sql`int unsigned`, (column) => column.primaryKey().autoIncrement())
    .addColumn('email', 'varchar(255)', (column) => column.notNull().unique())
    .addColumn('first_name', 'varchar(100)', (column) => column.notNull())
    .addColumn('last_name', 'varchar(100)', (column) => column.notNull())
    .addColumn('password_hash', 'varchar(255)')
    .addColumn('status', sql`enum('active','inactive','suspended')`, (column) =>
      column.notNull().defaultTo('active'),
    )
    .addColumn('ssn', 'varchar(255)')
    .addColumn('created_at', sql`datetime(3)`, (column) =>
      column.notNull().defaultTo(sql`current_timestamp(3)`),
    )
    .addColumn('updated_at', sql`datetime(3)`, (column) =>
      column.notNull().defaultTo(sql`current_timestamp(3)`).modifyEnd(sql`on update current_timestamp(3)`),
    )
    .modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci`)
    .execute()
  await db.schema
    .createIndex('users_status_created_at')
    .on('users')
    .columns(['status', 'created_at'])
    .execute()
  await db.schema.createIndex('users_created_at').on('users').column('created_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('users').execute()
}
