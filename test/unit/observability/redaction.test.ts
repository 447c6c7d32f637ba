import { type CompiledQuery, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { InvalidOptionsError } from '../../../src/index.js'
import {
  DEFAULT_SENSITIVE_COLUMNS,
  REDACTED,
  redactMessage,
  redactQuery,
  resolveSensitiveColumns,
} from '../../../src/plugin/logging/redaction.js'
import { scanSql } from '../../../src/plugin/logging/scan-sql.js'
import { createDummyDb } from './dummy-database.js'

const db = createDummyDb()
const columns = resolveSensitiveColumns()

function redact(query: { compile(): CompiledQuery }) {
  const compiled = query.compile()
  return redactQuery(compiled.query, compiled.sql, compiled.parameters, columns)
}

describe('redactQuery', () => {
  it('redacts insert values of sensitive columns, every row', () => {
    const result = redact(
      db.insertInto('users').values([
        { email: 'a@example.com', first_name: 'Ada', last_name: 'L', password_hash: 'hash-1', ssn: 'ssn-1' },
        { email: 'b@example.com', first_name: 'Bob', last_name: 'M', password_hash: 'hash-2', ssn: null },
      ]),
    )
    expect(result.parameters).toEqual([
      'a@example.com',
      'Ada',
      'L',
      REDACTED,
      REDACTED,
      'b@example.com',
      'Bob',
      'M',
      REDACTED,
      REDACTED,
    ])
  })

  it('redacts update SET values and where comparisons, including in-lists, between and wrapped columns', () => {
    const result = redact(
      db
        .updateTable('users')
        .set({ ssn: 'new-ssn', first_name: 'Ada' })
        .where('password_hash', '=', 'old-hash')
        .where('id', '=', 7),
    )
    expect(result.parameters).toEqual([REDACTED, 'Ada', REDACTED, 7])

    const select = redact(
      db
        .selectFrom('users as u')
        .select('u.id')
        .where('u.ssn', 'in', ['s-1', 's-2'])
        .where((eb) => eb.between('u.password_hash', 'p-1', 'p-2'))
        .where((eb) => eb(eb.fn('upper', ['u.ssn']), '=', 'S-3'))
        .where('u.email', 'like', '%@example.com'),
    )
    expect(select.parameters).toEqual([REDACTED, REDACTED, REDACTED, REDACTED, REDACTED, '%@example.com'])
  })

  it('redacts ON DUPLICATE KEY UPDATE values', () => {
    const result = redact(
      db
        .insertInto('users')
        .values({ email: 'a@example.com', first_name: 'A', last_name: 'B', ssn: 's-1' })
        .onDuplicateKeyUpdate({ ssn: 's-2', first_name: 'C' }),
    )
    expect(result.parameters).toEqual(['a@example.com', 'A', 'B', REDACTED, REDACTED, 'C'])
  })

  it('replaces sql.lit values of sensitive columns in the SQL text, and keeps others', () => {
    const result = redact(
      db
        .selectFrom('users')
        .select('id')
        .where('ssn', '=', sql.lit("it's-secret"))
        .where('id', '=', sql.lit(5)),
    )
    expect(result.sql).toBe(`select \`id\` from \`users\` where \`ssn\` = '${REDACTED}' and \`id\` = 5`)
  })

  it('redacts raw SQL: bound values by context and inline literals', () => {
    const bound = sql`select * from users where password = ${'p'} and name = ${'n'} or token in (${'t1'}, ${'t2'})`
    const compiled = bound.compile(db)
    const result = redactQuery(compiled.query, compiled.sql, compiled.parameters, columns)
    expect(result.parameters).toEqual([REDACTED, 'n', REDACTED, REDACTED])

    const inline = sql.raw(
      "insert into users (email, ssn, first_name) values ('e1', 's-1', 'f1'), ('e2', 's-2', 'f2'); " +
        "update users set api_key = 'k-1', name = 'x' where secret_answer = 'blue' or 'red' = secret_answer",
    )
    const text = redactQuery(inline.compile(db).query, inline.compile(db).sql, [], columns).sql
    expect(text).toBe(
      `insert into users (email, ssn, first_name) values ('e1', '${REDACTED}', 'f1'), ('e2', '${REDACTED}', 'f2'); ` +
        `update users set api_key = '${REDACTED}', name = 'x' where secret_answer = '${REDACTED}' or '${REDACTED}' = secret_answer`,
    )
  })

  it('sees the snake_case names CamelCasePlugin produces', () => {
    const camel = createDummyDb<{ users: { id: number; passwordHash: string; firstName: string } }>({
      camelCase: true,
    })
    const compiled = camel
      .updateTable('users')
      .set({ passwordHash: 'h', firstName: 'F' })
      .where('id', '=', 1)
      .compile()
    expect(compiled.sql).toContain('`password_hash` = ?')
    expect(redactQuery(compiled.query, compiled.sql, compiled.parameters, columns).parameters).toEqual([
      REDACTED,
      'F',
      1,
    ])
  })

  it('takes the encryption plugin tables option, extra names, patterns and a predicate', () => {
    const custom = resolveSensitiveColumns({
      columns: [...DEFAULT_SENSITIVE_COLUMNS, 'FirstName', /^last/],
      tables: { users: { email: true }, orders: { total: { blindIndex: { column: 'x', bits: 8 } } } },
      isSensitive: (column, table) => table === 'orders' && column === 'status',
    })
    expect(custom.isSensitive('first_name')).toBe(true)
    expect(custom.isSensitive('last_name')).toBe(true)
    expect(custom.isSensitive('email')).toBe(true)
    expect(custom.isSensitive('total')).toBe(true)
    expect(custom.isSensitive('status', 'orders')).toBe(true)
    expect(custom.isSensitive('status', 'users')).toBe(false)
    expect(custom.isSensitive('id')).toBe(false)
  })

  it('matches the default patterns as documented', () => {
    for (const name of [
      'password',
      'password_hash',
      'passwd',
      'userPassword',
      'secret',
      'client_secret',
      'refresh_token',
      'ssn',
      'user_ssn',
      'userSsn',
      'api_key',
      'apiKey',
      'private_key',
      'card_number',
      'cvv',
    ]) {
      expect(columns.isSensitive(name), name).toBe(true)
    }
    for (const name of ['id', 'email', 'first_name', 'classname', 'lesson', 'status', 'keyword']) {
      expect(columns.isSensitive(name), name).toBe(false)
    }
  })

  it('refuses invalid options with a typed error', () => {
    expect(() => resolveSensitiveColumns({ columns: [42 as unknown as string] })).toThrow(InvalidOptionsError)
    expect(() => resolveSensitiveColumns({ isSensitive: 'no' as never })).toThrow(
      /isSensitive must be a function \(column, table\) => boolean/,
    )
  })
})

describe('scanSql', () => {
  const sensitive = (column: string) => column === 'ssn' || column === 'pw'

  it('ignores placeholders and quotes inside literals, identifiers and comments', () => {
    const scan = scanSql('select \'?\', `a?b`, "x?" /* ? */ from t where ssn = ? -- ?\n and a = ?', sensitive)
    expect(scan.placeholders).toEqual([true, false])
  })

  it('handles escaped quotes, introducers, hex and negative numbers', () => {
    const text = "select 1 from t where ssn = _utf8mb4'a''b\\'c' or ssn = x'0f' or pw = -12 or pw <=> 1.5e+3"
    const scan = scanSql(text, sensitive)
    expect(scan.literals.map(([start, end]) => text.slice(start, end))).toEqual([
      "_utf8mb4'a''b\\'c'",
      "x'0f'",
      '12',
      '1.5e+3',
    ])
  })

  it('maps insert values to columns through nested function calls', () => {
    const scan = scanSql('insert into t (`a`, `ssn`, b) values (?, concat(?, ?), ?), (?, ?, ?)', sensitive)
    expect(scan.placeholders).toEqual([false, true, true, false, false, true, false])
  })
})

describe('redactMessage', () => {
  it('scrubs values and the quoted value of duplicate-entry and incorrect-value messages', () => {
    expect(redactMessage("Duplicate entry 'abc-123' for key 'users.ssn'", ['abc-123'])).toBe(
      `Duplicate entry '${REDACTED}' for key 'users.ssn'`,
    )
    expect(redactMessage("Duplicate entry 'abc-1' for key 'users.ssn'", ['abc-1234567890'])).toBe(
      `Duplicate entry '${REDACTED}' for key 'users.ssn'`,
    )
    expect(redactMessage("Incorrect integer value: 'xyz' for column `t`.`pin` at row 1", ['nope'])).toBe(
      `Incorrect integer value: '${REDACTED}' for column \`t\`.\`pin\` at row 1`,
    )
    expect(redactMessage('no such secret here: s3cr3t', ['s3cr3t'])).toBe(`no such secret here: ${REDACTED}`)
    expect(redactMessage("Duplicate entry 'x' for key 'k'", [])).toBe("Duplicate entry 'x' for key 'k'")
  })
})
