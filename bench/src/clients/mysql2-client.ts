import { createPool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise'
import {
  type BenchClient,
  type ClientContext,
  EAGER_USERS,
  type KeysetCursor,
  type NewUser,
  PAGE_SIZE,
  transferSteps,
  type UserWithOrders,
} from '../client.ts'
import { mysql2PoolOptions } from './pool-options.ts'

interface UserRow extends RowDataPacket {
  id: number
}
interface OrderRow extends RowDataPacket {
  user_id: number
}

const USER_COLUMNS = 'id, email, first_name, last_name, password_hash, status, ssn, created_at, updated_at'

/** The limit: hand-written SQL through mysql2's prepared statements (`pool.execute`). */
export function createMysql2Client(context: ClientContext): BenchClient {
  const pool = createPool(mysql2PoolOptions(context))
  return {
    id: 'mysql2',
    encryptsSsn: false,
    notes: ['hand-written SQL, `pool.execute` (server-side prepared statements, cached per connection)'],
    async findUser(id) {
      const [rows] = await pool.execute<UserRow[]>(`select ${USER_COLUMNS} from users where id = ?`, [id])
      return rows[0]
    },
    async listUsers(offset) {
      // LIMIT/OFFSET as bound parameters of a prepared statement must be strings in mysql2.
      const [rows] = await pool.execute<UserRow[]>(
        `select ${USER_COLUMNS} from users order by created_at, id limit ? offset ?`,
        [String(PAGE_SIZE), String(offset)],
      )
      return rows
    },
    async usersAfter(cursor: KeysetCursor) {
      const [rows] = await pool.execute<UserRow[]>(
        `select ${USER_COLUMNS} from users where created_at > ? or (created_at = ? and id > ?) order by created_at, id limit ?`,
        [cursor.createdAt, cursor.createdAt, cursor.id, String(PAGE_SIZE)],
      )
      return rows
    },
    async insertUser(user: NewUser) {
      const [result] = await pool.execute<ResultSetHeader>(
        'insert into users (email, first_name, last_name, ssn) values (?, ?, ?, ?)',
        [user.email, user.firstName, user.lastName, user.ssn],
      )
      return result.insertId
    },
    async usersWithOrders(firstId) {
      const lastId = firstId + EAGER_USERS - 1
      const [users] = await pool.execute<UserRow[]>(
        `select ${USER_COLUMNS} from users where id between ? and ? order by id`,
        [firstId, lastId],
      )
      if (users.length === 0) return []
      const ids = users.map((user) => user.id)
      const [orders] = await pool.execute<OrderRow[]>(
        `select id, user_id, status, total, created_at from orders where user_id in (${ids.map(() => '?').join(', ')}) order by id`,
        ids,
      )
      const byUser = new Map<number, OrderRow[]>()
      for (const order of orders) {
        const list = byUser.get(order.user_id)
        if (list) list.push(order)
        else byUser.set(order.user_id, [order])
      }
      return users.map(
        (user): UserWithOrders => ({ ...user, id: user.id, orders: byUser.get(user.id) ?? [] }),
      )
    },
    async transfer(from, to, amount) {
      const connection: PoolConnection = await pool.getConnection()
      try {
        await connection.query('start transaction')
        for (const step of transferSteps(from, to)) {
          await connection.execute(
            `update accounts set balance = balance ${step.sign < 0 ? '-' : '+'} ? where id = ?`,
            [amount, step.id],
          )
        }
        await connection.execute(
          "insert into account_transactions (from_account_id, to_account_id, amount, type) values (?, ?, ?, 'transfer')",
          [from, to, amount],
        )
        await connection.query('commit')
      } catch (error) {
        await connection.query('rollback').catch(() => {})
        throw error
      } finally {
        connection.release()
      }
    },
    close: () => pool.end(),
  }
}
