import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  type DatabaseOptions,
  databaseOptionsFromEnv,
  InvalidOptionsError,
  resolveDatabaseOptions,
} from '../../../src/index.js'

function messagesOf(options: unknown): string[] {
  try {
    resolveDatabaseOptions(options as DatabaseOptions)
  } catch (error) {
    if (InvalidOptionsError.is(error)) return error.problems.map((problem) => problem.message)
    throw error
  }
  throw new Error('expected the options to be rejected')
}

describe(resolveDatabaseOptions.name, () => {
  it('fills in the documented production defaults', () => {
    const options = resolveDatabaseOptions({ url: 'mysql://app:s3cret@db.internal:3307/shop' })
    expect(options.connection).toEqual({
      host: 'db.internal',
      port: 3307,
      user: 'app',
      password: 's3cret',
      database: 'shop',
      socketPath: undefined,
    })
    expect(options.pool).toEqual({
      max: 10,
      maxIdle: 10,
      idleTimeoutMs: 60_000,
      queueLimit: 0,
      acquireTimeoutMs: 5_000,
      validateAfterIdleMs: 5_000,
      keepAliveInitialDelayMs: 30_000,
    })
    expect(options.timezone).toBe('Z')
    expect(options.charset).toBe('utf8mb4_unicode_ci')
    expect(options.shutdown.timeoutMs).toBe(10_000)
    expect(Object.isFrozen(options)).toBe(true)
    expect(Object.isFrozen(options.pool)).toBe(true)
  })

  it('decodes percent-encoded credentials and accepts fields instead of a URL', () => {
    expect(resolveDatabaseOptions({ url: 'mariadb://a%40b:p%2Fw@127.0.0.1/x' }).connection).toMatchObject({
      user: 'a@b',
      password: 'p/w',
      port: 3306,
    })
    expect(resolveDatabaseOptions({ host: 'h', user: 'u', database: 'd', pool: { max: 3 } })).toMatchObject({
      connection: { host: 'h', port: 3306, user: 'u', password: '', database: 'd' },
      pool: { max: 3, maxIdle: 3 },
    })
  })

  it.each<[string, unknown, string[]]>([
    [
      'a negative pool size',
      { url: 'mysql://h/d', pool: { max: -1 } },
      ['pool.max must be a positive integer (got -1)'],
    ],
    [
      'a fractional pool size',
      { url: 'mysql://h/d', pool: { max: 2.5 } },
      ['pool.max must be a positive integer (got 2.5)'],
    ],
    [
      'a pool size as a string',
      { url: 'mysql://h/d', pool: { max: '10' } },
      ['pool.max must be a positive integer (got "10")'],
    ],
    [
      'a zero acquire timeout',
      { url: 'mysql://h/d', pool: { acquireTimeoutMs: 0 } },
      ['pool.acquireTimeoutMs must be a positive integer (got 0)'],
    ],
    [
      'more idle connections than connections',
      { url: 'mysql://h/d', pool: { max: 5, maxIdle: 6 } },
      ['pool.maxIdle must not exceed pool.max (5) (got 6)'],
    ],
    [
      'a port out of range',
      { host: 'h', port: 70_000 },
      ['port must be a port number from 1 to 65535 (got 70000)'],
    ],
    ['no connection at all', {}, ['url or host or socketPath must be given (got nothing)']],
    [
      'a URL of another database',
      { url: 'postgres://h/d' },
      ['url must start with mysql:// or mariadb:// (got "postgres://h/d")'],
    ],
    [
      'a URL with query parameters, password redacted',
      { url: 'mysql://u:hunter2@h/d?connectionLimit=5' },
      [
        'url has query parameters (connectionLimit); give pool, ssl and other settings as options instead (got "mysql://u:***@h/d?connectionLimit=5")',
      ],
    ],
    [
      'multiple statements',
      { url: 'mysql://h/d', multipleStatements: true },
      [
        'multipleStatements cannot be set: multiple statements per query are always off in kysely-toolkit (they turn any SQL injection into arbitrary SQL)',
      ],
    ],
    [
      'an unknown pool option',
      { url: 'mysql://h/d', pool: { size: 3 } },
      ['pool.size is not a known option'],
    ],
    [
      'a time zone name',
      { url: 'mysql://h/d', timezone: 'Europe/Paris' },
      ["timezone must be 'Z', 'local' or an offset like '+02:00' (got \"Europe/Paris\")"],
    ],
    [
      'a charset other than utf8mb4',
      { url: 'mysql://h/d', charset: 'latin1_swedish_ci' },
      ['charset must be a utf8mb4 collation such as \'utf8mb4_unicode_ci\' (got "latin1_swedish_ci")'],
    ],
    [
      'a URL and fields together, password never echoed',
      { url: 'mysql://h/d', password: 'hunter2' },
      [
        'password cannot be combined with url (give the connection as a URL or as fields, not both) (got [REDACTED])',
      ],
    ],
    [
      'a password of the wrong type, never echoed',
      { host: 'h', password: 12345 },
      ['password must be a string (got [REDACTED])'],
    ],
    [
      'several problems at once',
      { url: 'mysql://h/d', pool: { max: 0, idleTimeoutMs: -5 } },
      [
        'pool.max must be a positive integer (got 0)',
        'pool.idleTimeoutMs must be a positive integer (got -5)',
      ],
    ],
  ])('rejects %s with an exact message', (_, options, expected) => {
    expect(messagesOf(options)).toEqual(expected)
  })

  it('puts every problem in the error message and carries the zod error as cause', () => {
    try {
      resolveDatabaseOptions({ url: 'mysql://h/d', pool: { max: -1 } })
      expect.unreachable()
    } catch (error) {
      expect(InvalidOptionsError.is(error)).toBe(true)
      expect((error as InvalidOptionsError).message).toBe(
        'Invalid database options: pool.max must be a positive integer (got -1)',
      )
      expect((error as InvalidOptionsError).cause).toBeDefined()
    }
  })
})

describe(databaseOptionsFromEnv.name, () => {
  it('prefers DATABASE_URL', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: 'mysql://u@h/d', DB_HOST: 'other' })).toEqual({
      url: 'mysql://u@h/d',
    })
  })

  it('reads DB_* fields', () => {
    expect(
      databaseOptionsFromEnv({ DB_HOST: 'h', DB_PORT: '3307', DB_USER: 'u', DB_PASSWORD: 'p', DB_NAME: 'd' }),
    ).toEqual({ host: 'h', port: 3307, user: 'u', password: 'p', database: 'd' })
  })

  it('names what is missing or malformed', () => {
    expect(() => databaseOptionsFromEnv({})).toThrow(
      'DATABASE_URL or DB_HOST (or DB_SOCKET_PATH) must be set (got neither)',
    )
    expect(() => databaseOptionsFromEnv({ DB_HOST: 'h', DB_PORT: 'x1' })).toThrow(
      'DB_PORT must be a port number from 1 to 65535 (got "x1")',
    )
  })
})

describe('option errors keep secrets out', () => {
  const caught = (run: () => unknown): unknown => {
    try {
      run()
    } catch (error) {
      return error
    }
    throw new Error('expected a throw')
  }

  it('leaves a non-string password out of the cause too, as console.error prints it', () => {
    const error = caught(() => resolveDatabaseOptions({ host: 'h', password: 12_345_678 } as never))
    expect(InvalidOptionsError.is(error)).toBe(true)
    expect((error as Error).message).toContain('password must be a string (got [REDACTED])')
    const printed = inspect(error, { depth: 10 })
    expect(printed).not.toContain('12345678')
    expect(JSON.stringify((error as { cause?: { issues?: unknown } }).cause?.issues)).not.toContain(
      '12345678',
    )
  })

  it('leaves secrets inside a whole options object out of the cause', () => {
    const error = caught(() => resolveDatabaseOptions('mysql://u:hunter2@h/db' as never))
    expect(inspect(error, { depth: 10 })).not.toContain('hunter2')
  })

  it('refuses a URL with a malformed percent-escape with a typed error naming the part and the fix', () => {
    const url = 'mysql://app:50%off@127.0.0.1:3306/shop'
    expect(messagesOf({ url })).toEqual([
      'url has a malformed percent-escape in its password: write a literal % as %25 (encodeURIComponent does) (got "mysql://app:***@127.0.0.1:3306/shop")',
    ])
    const fromEnv = caught(() => databaseOptionsFromEnv({ DATABASE_URL: url }))
    expect(InvalidOptionsError.is(fromEnv)).toBe(true)
    expect((fromEnv as Error).message).toContain(
      'DATABASE_URL has a malformed percent-escape in its password',
    )
    expect(inspect(fromEnv, { depth: 10 })).not.toContain('50%off')
  })
})
