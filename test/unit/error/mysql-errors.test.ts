import { describe, expect, it } from 'vitest'
import { targetTableOf } from '../../../src/error/mysql-errors.js'
import {
  DataTooLongError,
  DeadlockError,
  ForeignKeyViolationError,
  isConnectionLostError,
  isMysqlServerError,
  LockTimeoutError,
  mysqlErrnoOf,
  NotNullViolationError,
  ToolkitError,
  translateMysqlError,
  UniqueViolationError,
} from '../../../src/index.js'

/** A driver error shaped as mysql2 makes it for a server error packet. */
function serverError(errno: number, code: string, sqlState: string, sqlMessage: string, sql?: string) {
  return Object.assign(new Error(sqlMessage), { errno, code, sqlState, sqlMessage, ...(sql ? { sql } : {}) })
}

const MARIADB_FK_CHILD =
  'Cannot add or update a child row: a foreign key constraint fails (`shop`.`orders`, CONSTRAINT `orders_ibfk_1` ' +
  'FOREIGN KEY (`user_id`) REFERENCES `users` (`id`))'
const MYSQL8_FK_PARENT =
  'Cannot delete or update a parent row: a foreign key constraint fails (`shop`.`order_lines`, CONSTRAINT ' +
  '`order_lines_order_fk` FOREIGN KEY (`order_id`, `shop_id`) REFERENCES `orders` (`id`, `shop_id`) ON DELETE RESTRICT)'

describe(translateMysqlError.name, () => {
  it('reads the table and index from a MySQL 8 duplicate-key message', () => {
    const error = serverError(
      1062,
      'ER_DUP_ENTRY',
      '23000',
      "Duplicate entry 'ada@example.com' for key 'users.users_email_unique'",
    )
    const typed = translateMysqlError(error, {
      uniqueIndexColumns: (table, index) =>
        table === 'users' && index === 'users_email_unique' ? ['email'] : undefined,
    })
    expect(UniqueViolationError.is(typed)).toBe(true)
    expect(typed).toMatchObject({
      table: 'users',
      index: 'users_email_unique',
      columns: ['email'],
      value: 'ada@example.com',
      cause: error,
    })
    expect((typed as Error).message).toBe(
      "Duplicate value 'ada@example.com' for unique index users_email_unique (email) of users",
    )
  })

  it('takes the table from the statement for a MariaDB duplicate-key message', () => {
    const error = serverError(
      1062,
      'ER_DUP_ENTRY',
      '23000',
      "Duplicate entry 'it''s-7' for key 'users_email_unique'",
      'insert into `users` (`email`, `tenant`) values (?, ?)',
    )
    const typed = translateMysqlError(error) as UniqueViolationError
    expect(typed).toBeInstanceOf(UniqueViolationError)
    expect(typed).toMatchObject({ table: 'users', index: 'users_email_unique', value: "it''s-7" })
    expect(typed.columns).toBeUndefined()
  })

  it('keeps a dotted index name whole when the statement names another table', () => {
    const error = serverError(1062, 'ER_DUP_ENTRY', '23000', "Duplicate entry 'x' for key 'a.b'")
    const typed = translateMysqlError(error, {
      sql: 'update `users` set `email` = ?',
    }) as UniqueViolationError
    expect(typed).toMatchObject({ table: 'users', index: 'a.b' })
  })

  it('parses both sides of a foreign key, multi-column included', () => {
    const child = translateMysqlError(serverError(1452, 'ER_NO_REFERENCED_ROW_2', '23000', MARIADB_FK_CHILD))
    expect(ForeignKeyViolationError.is(child)).toBe(true)
    expect(child).toMatchObject({
      kind: 'missing-parent',
      table: 'orders',
      constraint: 'orders_ibfk_1',
      columns: ['user_id'],
      referencedTable: 'users',
      referencedColumns: ['id'],
    })
    expect((child as Error).message).toBe(
      'orders.user_id must reference an existing users.id (foreign key orders_ibfk_1)',
    )
    const parent = translateMysqlError(serverError(1451, 'ER_ROW_IS_REFERENCED_2', '23000', MYSQL8_FK_PARENT))
    expect(parent).toMatchObject({
      kind: 'parent-referenced',
      table: 'order_lines',
      columns: ['order_id', 'shop_id'],
      referencedTable: 'orders',
      referencedColumns: ['id', 'shop_id'],
    })
  })

  it('gives a foreign key error with unknown details when the server hides them (1216/1217)', () => {
    const typed = translateMysqlError(
      serverError(1217, 'ER_ROW_IS_REFERENCED', '23000', 'Cannot delete or update a parent row'),
    )
    expect(typed).toMatchObject({ kind: 'parent-referenced', table: undefined, constraint: undefined })
  })

  it('names the column of not-null and too-long errors, with the table from the statement', () => {
    const sql = 'insert into `users` (`email`, `first_name`) values (?, ?)'
    expect(
      translateMysqlError(
        serverError(1048, 'ER_BAD_NULL_ERROR', '23000', "Column 'first_name' cannot be null", sql),
      ),
    ).toMatchObject({ name: 'NotNullViolationError', table: 'users', column: 'first_name', omitted: false })
    const omitted = translateMysqlError(
      serverError(1364, 'ER_NO_DEFAULT_FOR_FIELD', 'HY000', "Field 'last_name' doesn't have a default value"),
    )
    expect(NotNullViolationError.is(omitted)).toBe(true)
    expect((omitted as NotNullViolationError).message).toBe(
      'Column last_name needs a value: it is NOT NULL and has no default',
    )
    const tooLong = translateMysqlError(
      serverError(1406, 'ER_DATA_TOO_LONG', '22001', "Data too long for column 'email' at row 3", sql),
    )
    expect(DataTooLongError.is(tooLong)).toBe(true)
    expect(tooLong).toMatchObject({ table: 'users', column: 'email', row: 3 })
  })

  it('types deadlocks and lock wait timeouts', () => {
    const deadlock = serverError(1213, 'ER_LOCK_DEADLOCK', '40001', 'Deadlock found when trying to get lock')
    const typed = translateMysqlError(deadlock)
    expect(DeadlockError.is(typed)).toBe(true)
    expect((typed as DeadlockError).cause).toBe(deadlock)
    expect(mysqlErrnoOf(typed)).toBe(1213)
    expect(
      LockTimeoutError.is(
        translateMysqlError(serverError(1205, 'ER_LOCK_WAIT_TIMEOUT', 'HY000', 'Lock wait timeout exceeded')),
      ),
    ).toBe(true)
  })

  it('passes anything else through untouched, and does not translate twice', () => {
    const syntax = serverError(1064, 'ER_PARSE_ERROR', '42000', 'You have an error in your SQL syntax')
    expect(translateMysqlError(syntax)).toBe(syntax)
    const plain = new Error('not from the server')
    expect(translateMysqlError(plain)).toBe(plain)
    expect(translateMysqlError('text')).toBe('text')
    const typed = translateMysqlError(serverError(1213, 'ER_LOCK_DEADLOCK', '40001', 'Deadlock'))
    expect(translateMysqlError(typed)).toBe(typed)
    expect(ToolkitError.is(typed)).toBe(true)
    // An unexpected message shape keeps the driver error rather than inventing fields.
    const odd = serverError(1062, 'ER_DUP_ENTRY', '23000', 'Duplicate something else')
    expect(translateMysqlError(odd)).toBe(odd)
  })
})

describe(isMysqlServerError.name, () => {
  it('recognises server errors structurally and nothing else', () => {
    expect(isMysqlServerError(serverError(1062, 'ER_DUP_ENTRY', '23000', 'x'))).toBe(true)
    expect(
      isMysqlServerError({ errno: 1062, code: 'ER_DUP_ENTRY', sqlState: '23000', sqlMessage: 'x' }),
    ).toBe(false)
    expect(isMysqlServerError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(
      false,
    )
  })
})

describe(isConnectionLostError.name, () => {
  it('recognises network failures, closed connections and kills, through causes', () => {
    const lost = Object.assign(new Error('Connection lost'), {
      code: 'PROTOCOL_CONNECTION_LOST',
      fatal: true,
    })
    expect(isConnectionLostError(lost)).toBe(true)
    const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), {
      fatal: true,
    })
    expect(isConnectionLostError(closed)).toBe(true)
    expect(
      isConnectionLostError(serverError(1927, 'ER_CONNECTION_KILLED', '70100', 'Connection was killed')),
    ).toBe(true)
    expect(isConnectionLostError(new ToolkitError('DEADLOCK', 'wrapped', { cause: lost }))).toBe(true)
  })

  it('does not take a refused login or an ordinary server error for a lost connection', () => {
    const denied = Object.assign(serverError(1045, 'ER_ACCESS_DENIED_ERROR', '28000', 'Access denied'), {
      fatal: true,
    })
    expect(isConnectionLostError(denied)).toBe(false)
    expect(isConnectionLostError(serverError(1213, 'ER_LOCK_DEADLOCK', '40001', 'Deadlock'))).toBe(false)
    expect(isConnectionLostError(new Error('boom'))).toBe(false)
  })
})

describe(targetTableOf.name, () => {
  it('finds the table of inserts, replaces and updates, quoted or not, with or without a schema', () => {
    expect(targetTableOf('insert into `users` (`a`) values (?)')).toBe('users')
    expect(targetTableOf('INSERT IGNORE INTO shop.users (a) VALUES (1)')).toBe('users')
    expect(targetTableOf('replace into `shop`.`we``ird` set a = 1')).toBe('we`ird')
    expect(targetTableOf('update low_priority `accounts` set `balance` = ?')).toBe('accounts')
    expect(targetTableOf('select * from users')).toBeUndefined()
    expect(targetTableOf(undefined)).toBeUndefined()
  })
})
