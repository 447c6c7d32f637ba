import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  Op,
  Sequelize,
} from 'sequelize'
import { type BenchClient, type ClientContext, EAGER_USERS, PAGE_SIZE, transferSteps } from '../client.ts'

class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>
  declare email: string
  declare firstName: string
  declare lastName: string
  declare passwordHash: CreationOptional<string | null>
  declare status: CreationOptional<'active' | 'inactive' | 'suspended'>
  declare ssn: string | null
  declare createdAt: CreationOptional<Date>
  declare updatedAt: CreationOptional<Date>
}
class Order extends Model {
  declare id: string
  declare userId: number
}
class Account extends Model<InferAttributes<Account>, InferCreationAttributes<Account>> {
  declare id: CreationOptional<number>
  declare ownerId: number
  declare balance: string
  declare createdAt: CreationOptional<Date>
}
class AccountTransaction extends Model {}

/** Sequelize 6, `mysql` dialect (mysql2), models defined with `Model.init`, `underscored: true`. */
export function createSequelizeClient(context: ClientContext): BenchClient {
  const sequelize = new Sequelize(context.database, context.user, context.password, {
    host: context.host,
    port: context.port,
    dialect: 'mysql',
    logging: false,
    timezone: '+00:00',
    pool: { max: context.poolSize, min: 0, idle: 60_000, acquire: 10_000 },
  })
  const unsigned = DataTypes.INTEGER.UNSIGNED
  User.init(
    {
      id: { type: unsigned, primaryKey: true, autoIncrement: true },
      email: { type: DataTypes.STRING(255), allowNull: false, unique: true },
      firstName: { type: DataTypes.STRING(100), allowNull: false },
      lastName: { type: DataTypes.STRING(100), allowNull: false },
      passwordHash: { type: DataTypes.STRING(255) },
      status: {
        type: DataTypes.ENUM('active', 'inactive', 'suspended'),
        allowNull: false,
        defaultValue: 'active',
      },
      ssn: { type: DataTypes.STRING(255) },
      createdAt: { type: DataTypes.DATE(3) },
      updatedAt: { type: DataTypes.DATE(3) },
    },
    { sequelize, tableName: 'users', underscored: true },
  )
  Order.init(
    {
      id: { type: DataTypes.BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
      userId: { type: unsigned, allowNull: false },
      status: { type: DataTypes.ENUM('pending', 'completed', 'cancelled'), allowNull: false },
      total: { type: DataTypes.DECIMAL(12, 2), allowNull: false },
      createdAt: { type: DataTypes.DATE(3) },
    },
    { sequelize, tableName: 'orders', underscored: true, updatedAt: false },
  )
  Account.init(
    {
      id: { type: unsigned, primaryKey: true, autoIncrement: true },
      ownerId: { type: unsigned, allowNull: false },
      balance: { type: DataTypes.DECIMAL(15, 2), allowNull: false },
      createdAt: { type: DataTypes.DATE(3) },
    },
    { sequelize, tableName: 'accounts', underscored: true, updatedAt: false },
  )
  AccountTransaction.init(
    {
      id: { type: DataTypes.BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
      fromAccountId: { type: unsigned },
      toAccountId: { type: unsigned },
      amount: { type: DataTypes.DECIMAL(15, 2), allowNull: false },
      type: { type: DataTypes.ENUM('transfer', 'deposit', 'withdrawal'), allowNull: false },
      createdAt: { type: DataTypes.DATE(3) },
    },
    { sequelize, tableName: 'account_transactions', underscored: true, updatedAt: false },
  )
  User.hasMany(Order, { as: 'orders', foreignKey: 'userId' })
  Order.belongsTo(User, { as: 'user', foreignKey: 'userId' })

  const order: [string, string][] = [
    ['createdAt', 'ASC'],
    ['id', 'ASC'],
  ]
  return {
    id: 'sequelize',
    encryptsSsn: false,
    notes: [
      "Sequelize 6, dialect 'mysql' (mysql2), model instances (not `raw: true`)",
      "eager loading: `findAll({ include: 'orders' })` (one LEFT JOIN query)",
      'insert: `Model.create`; transfer: managed `sequelize.transaction(async (t) => ...)` with `decrement`/`increment`',
    ],
    findUser: (id) => User.findByPk(id),
    listUsers: (offset) => User.findAll({ order, limit: PAGE_SIZE, offset }),
    usersAfter: (cursor) =>
      User.findAll({
        where: {
          [Op.or]: [
            { createdAt: { [Op.gt]: cursor.createdAt } },
            { createdAt: cursor.createdAt, id: { [Op.gt]: cursor.id } },
          ],
        },
        order,
        limit: PAGE_SIZE,
      }),
    insertUser: (user) =>
      User.create({ email: user.email, firstName: user.firstName, lastName: user.lastName, ssn: user.ssn }),
    usersWithOrders: async (firstId) => {
      const found = await User.findAll({
        where: { id: { [Op.between]: [firstId, firstId + EAGER_USERS - 1] } },
        include: [{ model: Order, as: 'orders' }],
        order: [
          ['id', 'ASC'],
          [{ model: Order, as: 'orders' }, 'id', 'ASC'],
        ],
      })
      return found as unknown as { id: number; orders: Order[] }[]
    },
    transfer: async (from, to, amount) => {
      await sequelize.transaction(async (transaction) => {
        for (const step of transferSteps(from, to)) {
          const options = { by: Number(amount), where: { id: step.id }, transaction }
          if (step.sign < 0) await Account.decrement('balance', options)
          else await Account.increment('balance', options)
        }
        await AccountTransaction.create(
          { fromAccountId: from, toAccountId: to, amount, type: 'transfer' },
          { transaction },
        )
      })
    },
    close: () => sequelize.close(),
  }
}
