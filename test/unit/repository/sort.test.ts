import { describe, expect, it } from 'vitest'
import {
  applySort,
  createSortParser,
  InvalidOptionsError,
  InvalidSortError,
  parseSort,
  sortSignature,
} from '../../../src/index.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

const db = createCompileOnlyDb()

const USER_SORT = {
  allowed: { createdAt: 'created_at', email: 'email', lastName: 'last_name' },
  primaryKey: 'id',
} as const

function refusal(input: unknown, options: Parameters<typeof parseSort>[1] = USER_SORT): InvalidSortError {
  try {
    parseSort(input, options)
  } catch (error) {
    if (InvalidSortError.is(error)) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`)
}

describe(parseSort.name, () => {
  it('parses a comma-separated string, maps public names to columns and appends the primary key', () => {
    expect(parseSort('-createdAt,email', USER_SORT)).toEqual([
      { field: 'createdAt', column: 'created_at', direction: 'desc' },
      { field: 'email', column: 'email', direction: 'asc' },
      { field: 'id', column: 'id', direction: 'asc' },
    ])
  })

  it('gives the tie-breaker the direction of the last key', () => {
    expect(parseSort('-createdAt', USER_SORT).map((item) => `${item.column} ${item.direction}`)).toEqual([
      'created_at desc',
      'id desc',
    ])
  })

  it('accepts +field, field:asc, field:DESC and surrounding spaces (a + decoded as a space)', () => {
    expect(sortSignature(parseSort(' createdAt , email:DESC', USER_SORT))).toBe(
      'created_at:asc,email:desc,id:desc',
    )
    expect(sortSignature(parseSort('+lastName', USER_SORT))).toBe('last_name:asc,id:asc')
  })

  it('accepts arrays of strings and of { field, direction } objects, as qs parses them', () => {
    expect(sortSignature(parseSort(['-createdAt', 'email'], USER_SORT))).toBe(
      'created_at:desc,email:asc,id:asc',
    )
    expect(
      sortSignature(
        parseSort(
          [
            { field: 'email', direction: 'desc' },
            { field: 'createdAt', direction: 'asc' },
          ],
          USER_SORT,
        ),
      ),
    ).toBe('email:desc,created_at:asc,id:asc')
    expect(sortSignature(parseSort({ field: 'email' }, USER_SORT))).toBe('email:asc,id:asc')
    // qs makes an object of sort[0], sort[1] past its array limit: read in index order.
    expect(
      sortSignature(
        parseSort({ 1: { field: 'email' }, 0: { field: 'lastName', direction: 'desc' } }, USER_SORT),
      ),
    ).toBe('last_name:desc,email:asc,id:asc')
  })

  it('gives the default sort for empty input', () => {
    for (const empty of [undefined, null, '', '   ', []]) {
      expect(parseSort(empty, USER_SORT)).toEqual([{ field: 'id', column: 'id', direction: 'asc' }])
    }
    const withDefault = { ...USER_SORT, default: '-createdAt' }
    expect(sortSignature(parseSort(undefined, withDefault))).toBe('created_at:desc,id:desc')
  })

  it('does not append the primary key when the client sorts by it', () => {
    const options = { allowed: ['id', 'email'], primaryKey: 'id' } as const
    expect(sortSignature(parseSort('-id,email', options))).toBe('id:desc,email:asc')
  })

  it('appends every column of a composite primary key that is missing', () => {
    const options = { allowed: ['created_at', 'tenant_id'], primaryKey: ['tenant_id', 'id'] } as const
    expect(sortSignature(parseSort('tenant_id,-created_at', options))).toBe(
      'tenant_id:asc,created_at:desc,id:desc',
    )
  })

  it('parses a sort string once: the same string gives the same frozen sort; refused strings stay refused', () => {
    const parser = createSortParser(USER_SORT)
    const first = parser.parse('-createdAt,email')
    expect(parser.parse('-createdAt,email')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(parser.parse('email')).not.toBe(first)
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => parser.parse('password')).toThrow(InvalidSortError)
    }
    // Many distinct strings (more than are kept) still parse right, and the first is parsed again when evicted.
    for (let index = 0; index < 300; index++) {
      expect(
        parser.parse(index % 2 === 0 ? `email,${' '.repeat(index / 2)}-createdAt` : 'lastName,email'),
      ).toHaveLength(3)
    }
    expect(parser.parse('-createdAt,email')).toEqual(first)
  })

  it('refuses unknown fields and lists the allowed ones', () => {
    const error = refusal('-password_hash')
    expect(error.field).toBe('password_hash')
    expect(error.allowed).toEqual(['createdAt', 'email', 'lastName'])
    expect(error.message).toBe(
      'Invalid sort: cannot sort by "password_hash"; allowed fields are createdAt, email, lastName',
    )
  })

  it('refuses column names that are not public names, and prototype keys', () => {
    expect(refusal('created_at').field).toBe('created_at')
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'id']) {
      expect(refusal(name).field).toBe(name)
    }
  })

  it('refuses directions other than asc and desc', () => {
    expect(refusal('email:descending').message).toContain('the direction of "email" must be asc or desc')
    expect(refusal({ field: 'email', direction: 'desc; drop table users' }).reason).toContain(
      'must be asc or desc',
    )
    expect(refusal({ field: 'email', direction: ['asc'] }).reason).toBe(
      'a sort direction cannot be a nested list',
    )
  })

  it('refuses a field given twice, too many keys, empty keys and long strings', () => {
    expect(refusal('email,-email').reason).toBe('"email" is sorted by twice')
    expect(refusal('email,createdAt,lastName', { ...USER_SORT, maxKeys: 2 }).reason).toBe(
      'at most 2 sort keys may be given',
    )
    expect(refusal('email,,createdAt').reason).toBe('a sort key is empty')
    expect(refusal('email,').reason).toBe('a sort key is empty')
    expect(refusal('-').field).toBe('')
    expect(refusal('e'.repeat(300)).reason).toBe('the sort is longer than 256 characters')
  })

  it('refuses values of the wrong shape', () => {
    expect(refusal(42).reason).toBe('a sort key cannot be a number')
    expect(refusal(true).reason).toBe('a sort key cannot be a boolean')
    expect(refusal([['email']]).reason).toBe('a sort key cannot be a nested list')
    expect(refusal({ email: 'desc' }).reason).toContain('must have a "field"')
    expect(refusal({ field: { $gt: '' } }).reason).toBe('a sort field cannot be a nested object')
    expect(refusal({ field: 'email', direction: 'asc', extra: 1 }).reason).toContain('"extra"')
    expect(refusal(new Date()).reason).toBe('a sort key cannot be an object')
  })

  it('checks the options once, including the default sort', () => {
    expect(() => createSortParser({ allowed: [], primaryKey: 'id' })).toThrow(InvalidOptionsError)
    expect(() => createSortParser({ ...USER_SORT, default: '-password' })).toThrow(
      /default Invalid sort: cannot sort by "password"/,
    )
    expect(() => createSortParser({ ...USER_SORT, maxKeys: 0 })).toThrow(InvalidOptionsError)
  })

  it('returns frozen results', () => {
    const sort = parseSort('email', USER_SORT)
    expect(Object.isFrozen(sort)).toBe(true)
    expect(Object.isFrozen(sort[0])).toBe(true)
  })
})

describe(applySort.name, () => {
  it('adds one order by per key, with the whitelisted columns only', () => {
    const sort = parseSort('-createdAt,email', USER_SORT)
    const query = applySort(db.selectFrom('users').select(['id', 'email']), sort).compile()
    expect(query.sql).toBe(
      'select `id`, `email` from `users` order by `created_at` desc, `email` asc, `id` asc',
    )
    expect(query.parameters).toEqual([])
  })
})
