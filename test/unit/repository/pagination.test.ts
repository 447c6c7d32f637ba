import { describe, expect, it } from 'vitest'
import {
  createCursorCodec,
  InvalidCursorError,
  InvalidOptionsError,
  InvalidPageError,
  keysetExpression,
  parsePageRequest,
} from '../../../src/index.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

const db = createCompileOnlyDb()

const SECRET = 'a-test-secret-of-at-least-32-bytes!!'
const SCOPE = 'users|created_at:desc,id:desc'

function cursorRefusal(run: () => unknown): InvalidCursorError {
  try {
    run()
  } catch (error) {
    if (InvalidCursorError.is(error)) return error
    throw error
  }
  throw new Error('expected the cursor to be refused')
}

describe(createCursorCodec.name, () => {
  const codec = createCursorCodec({ secret: SECRET })

  it('round-trips dates, bigints, strings, numbers, booleans and nulls with their types', () => {
    const values = [new Date('2024-01-01T00:00:00.123Z'), 18446744073709551615n, "a'b\\c", 1.5, true, null]
    const cursor = codec.encode(SCOPE, values)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
    expect(codec.decode(cursor, SCOPE, values.length)).toEqual(values)
  })

  it('refuses a cursor whose payload or signature was altered as forged', () => {
    const cursor = codec.encode(SCOPE, [new Date(0), 5])
    const [payload, signature] = cursor.split('.') as [string, string]
    const altered = Buffer.from(payload, 'base64url').toString('utf8').replace('5', '6')
    const tampered = `${Buffer.from(altered).toString('base64url')}.${signature}`
    expect(cursorRefusal(() => codec.decode(tampered, SCOPE, 2)).reason).toBe('forged')
    const flipped = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    expect(cursorRefusal(() => codec.decode(flipped, SCOPE, 2)).reason).toBe('forged')
    const other = createCursorCodec({ secret: `${SECRET}-other` }).encode(SCOPE, [new Date(0), 5])
    expect(cursorRefusal(() => codec.decode(other, SCOPE, 2)).reason).toBe('forged')
  })

  it('refuses a cursor made for another sort as stale', () => {
    const cursor = codec.encode('users|email:asc,id:asc', ['a@example.com', 5])
    const error = cursorRefusal(() => codec.decode(cursor, SCOPE, 2))
    expect(error.reason).toBe('stale')
    expect(error.message).toBe(
      'Invalid cursor (stale): it was made for another sort order; start again from the first page',
    )
  })

  it('refuses garbage as malformed', () => {
    for (const garbage of [42, null, { after: 1 }, '', 'abc', '.abc', 'a.b.c', 'x'.repeat(3000), 'é.é']) {
      expect(cursorRefusal(() => codec.decode(garbage, SCOPE, 2)).reason).toMatch(/malformed|forged/)
    }
    expect(cursorRefusal(() => codec.decode(codec.encode(SCOPE, [1]), SCOPE, 2)).reason).toBe('malformed')
  })

  it('checks a cursor seen before against the scope and count of each call, and hands out fresh dates', () => {
    const cursor = codec.encode(SCOPE, [new Date(1_000), 5])
    const first = codec.decode(cursor, SCOPE, 2)
    ;(first[0] as Date).setTime(0)
    expect(codec.decode(cursor, SCOPE, 2)).toEqual([new Date(1_000), 5])
    expect(cursorRefusal(() => codec.decode(cursor, 'users|email:asc,id:asc', 2)).reason).toBe('stale')
    expect(cursorRefusal(() => codec.decode(cursor, SCOPE, 3)).reason).toBe('malformed')
    // A cursor another codec verified is still checked against this codec's secret.
    const other = createCursorCodec({ secret: `${SECRET}-other` })
    const foreign = other.encode(SCOPE, [new Date(0), 5])
    expect(other.decode(foreign, SCOPE, 2)).toEqual([new Date(0), 5])
    expect(cursorRefusal(() => codec.decode(foreign, SCOPE, 2)).reason).toBe('forged')
    // A forged cursor is refused every time (refusals are not kept).
    const [payload, signature] = cursor.split('.') as [string, string]
    const forged = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(cursorRefusal(() => codec.decode(forged, SCOPE, 2)).reason).toBe('forged')
    }
  })

  it('wants a secret of at least 32 bytes', () => {
    expect(() => createCursorCodec({ secret: 'short' })).toThrow(InvalidOptionsError)
  })

  it('makes a random secret per codec by default', () => {
    const cursor = createCursorCodec().encode(SCOPE, [1, 2])
    expect(cursorRefusal(() => createCursorCodec().decode(cursor, SCOPE, 2)).reason).toBe('forged')
  })
})

describe(keysetExpression.name, () => {
  function compile(keys: Parameters<typeof keysetExpression>[1]): {
    sql: string
    parameters: readonly unknown[]
  } {
    return db
      .selectFrom('users')
      .select('id')
      .where((eb) => keysetExpression(eb, keys))
      .compile()
  }

  it('builds the row-after condition with a leading range bound', () => {
    const query = compile([
      { column: 'created_at', direction: 'desc', nullable: false, value: 'T' },
      { column: 'id', direction: 'desc', nullable: false, value: 7 },
    ])
    expect(query.sql).toBe(
      'select `id` from `users` where (`created_at` <= ? and (`created_at` < ? or (`created_at` = ? and `id` < ?)))',
    )
    expect(query.parameters).toEqual(['T', 'T', 'T', 7])
  })

  it('places NULLs first ascending and last descending', () => {
    const ascNull = compile([
      { column: 'ssn', direction: 'asc', nullable: true, value: null },
      { column: 'id', direction: 'asc', nullable: false, value: 7 },
    ])
    expect(ascNull.sql).toBe(
      'select `id` from `users` where (`ssn` is not null or (`ssn` is null and `id` > ?))',
    )
    const descValue = compile([
      { column: 'ssn', direction: 'desc', nullable: true, value: 'x' },
      { column: 'id', direction: 'desc', nullable: false, value: 7 },
    ])
    expect(descValue.sql).toBe(
      'select `id` from `users` where ((`ssn` <= ? or `ssn` is null) and (`ssn` < ? or `ssn` is null or (`ssn` = ? and `id` < ?)))',
    )
    const descNull = compile([
      { column: 'ssn', direction: 'desc', nullable: true, value: null },
      { column: 'id', direction: 'desc', nullable: false, value: 7 },
    ])
    expect(descNull.sql).toBe('select `id` from `users` where (`ssn` is null and `id` < ?)')
  })
})

describe(parsePageRequest.name, () => {
  const limits = { maxPageSize: 100, defaultPageSize: 20 }

  it('accepts numbers and digit strings and computes the offset', () => {
    expect(parsePageRequest({ page: '3', pageSize: 10 }, limits)).toEqual({
      page: 3,
      pageSize: 10,
      offset: 20,
    })
    expect(parsePageRequest({}, limits)).toEqual({ page: 1, pageSize: 20, offset: 0 })
  })

  it('refuses anything else with the field and the range', () => {
    for (const [input, field] of [
      [{ page: 0 }, 'page'],
      [{ page: '1.5' }, 'page'],
      [{ page: '-1' }, 'page'],
      [{ page: ['1'] }, 'page'],
      [{ pageSize: 101 }, 'pageSize'],
      [{ pageSize: '1e3' }, 'pageSize'],
    ] as const) {
      try {
        parsePageRequest(input, limits)
        throw new Error('expected a refusal')
      } catch (error) {
        expect(InvalidPageError.is(error)).toBe(true)
        expect((error as InvalidPageError).field).toBe(field)
      }
    }
    expect(() => parsePageRequest({ pageSize: 500 }, limits)).toThrow(
      'Invalid pageSize: must be a whole number from 1 to 100 (got 500)',
    )
  })
})
