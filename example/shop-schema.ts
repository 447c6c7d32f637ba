// #region schema
import { belongsTo, defineRepositorySchema, hasMany, hasOne } from '../src/index.js'
import { metadata } from './generated/metadata.js'
import { schemas } from './generated/zod.js'

/**
 * The example shop's repository schema: the generated metadata and zod schemas, the columns no read returns
 * unless asked (the password hash and the SSN), and the relations between the tables, declared once.
 */
export const shop = defineRepositorySchema({
  metadata,
  schemas,
  hidden: { users: ['password_hash', 'ssn'] },
  relations: {
    users: {
      orders: hasMany('orders'),
      accounts: hasMany('accounts'),
      account: hasOne('accounts'),
    },
    orders: { user: belongsTo('users'), items: hasMany('order_items') },
    order_items: { order: belongsTo('orders') },
    accounts: {
      owner: belongsTo('users'),
      outgoing: hasMany('account_transactions', { foreignKey: 'from_account_id' }),
      incoming: hasMany('account_transactions', { foreignKey: 'to_account_id' }),
    },
    account_transactions: {
      from: belongsTo('accounts', { foreignKey: 'from_account_id' }),
      to: belongsTo('accounts', { foreignKey: 'to_account_id' }),
    },
  },
})
// #endregion schema
