// The runtime metadata example of docs/codegen.md, checked by docs/examples/codegen.test.ts.
// #region metadata
// Your generated metadata (kysely-toolkit codegen writes it to src/generated/metadata.ts by default).
import { type ColumnName, metadata } from '../../example/generated/metadata.js'

export const userPrimaryKey = metadata.tables.users.primaryKey // readonly ['id']
export const orderOwner = metadata.tables.orders.foreignKeys[0]
// { name: 'orders_ibfk_1', columns: ['user_id'], referencedTable: 'users', referencedColumns: ['id'], onUpdate, onDelete }
export const sortable = ['email', 'created_at'] as const satisfies readonly ColumnName<'users'>[]
// #endregion metadata
