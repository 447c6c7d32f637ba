import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  applyFilter,
  createFilterParser,
  escapeLikePattern,
  InvalidFilterError,
  InvalidOptionsError,
  parseFilter,
} from '../../../src/index.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

const db = createCompileOnlyDb()

const USER_FILTER = {
  allowed: {
    status: ['eq', 'in', 'notIn'],
    createdAt: ['gte', 'lte'],
    email: ['contains', 'startsWith', 'endsWith', 'eq'],
    id: ['eq', 'in', 'gt'],
    ssn: ['isNull'],
  },
  schemas: {
    status: z.enum(['active', 'inactive', 'suspended']),
    createdAt: z.coerce.date(),
    email: z.string().max(255),
    id: z.coerce.number().int().min(1),
    ssn: z.string(),
  },
  columns: { status: 'status', createdAt: 'created_at', email: 'email', id: 'id', ssn: 'ssn' },
} as const

function refusal(
  input: unknown,
  options: Parameters<typeof parseFilter>[1] = USER_FILTER,
): InvalidFilterError {
  try {
    parseFilter(input, options)
  } catch (error) {
    if (InvalidFilterError.is(error)) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`)
}

function compile(input: unknown): { sql: string; parameters: readonly unknown[] } {
  return applyFilter(db.selectFrom('users').select('id'), parseFilter(input, USER_FILTER)).compile()
}

describe(parseFilter.name, () => {
  it('reads eq from a plain value, in from a list, and operators by name', () => {
    expect(
      parseFilter(
        { status: 'active', id: ['1', '2'], createdAt: { gte: '2024-01-01T00:00:00Z', lte: '2024-02-01' } },
        USER_FILTER,
      ),
    ).toEqual([
      { field: 'status', column: 'status', operator: 'eq', value: 'active' },
      { field: 'id', column: 'id', operator: 'in', value: [1, 2] },
      { field: 'createdAt', column: 'created_at', operator: 'gte', value: new Date('2024-01-01T00:00:00Z') },
      { field: 'createdAt', column: 'created_at', operator: 'lte', value: new Date('2024-02-01') },
    ])
  })

  it('reads flat keys as URLSearchParams give them, and comma-separated in lists', () => {
    const input = Object.fromEntries(
      new URLSearchParams('status[in]=active,inactive&createdAt[gte]=2024-01-01'),
    )
    expect(parseFilter(input, USER_FILTER)).toEqual([
      { field: 'status', column: 'status', operator: 'in', value: ['active', 'inactive'] },
      { field: 'createdAt', column: 'created_at', operator: 'gte', value: new Date('2024-01-01') },
    ])
  })

  it('reads qs index objects as lists and removes duplicate values', () => {
    expect(parseFilter({ id: { in: { 0: '3', 1: '3', 2: '4' } } }, USER_FILTER)[0]?.value).toEqual([3, 4])
    expect(parseFilter({ id: { 0: '5', 1: '6' } }, USER_FILTER)[0]?.operator).toBe('in')
  })

  it('gives an empty filter for empty input', () => {
    expect(parseFilter(undefined, USER_FILTER)).toEqual([])
    expect(parseFilter({}, USER_FILTER)).toEqual([])
  })

  it('refuses unknown fields and operators the field does not accept', () => {
    const unknown = refusal({ password_hash: 'x' })
    expect(unknown.field).toBe('password_hash')
    expect(unknown.message).toMatch(
      /^Invalid filter: cannot filter by "password_hash"; allowed filters are status/,
    )
    const operator = refusal({ status: { contains: 'act' } })
    expect([operator.field, operator.operator]).toEqual(['status', 'contains'])
    expect(operator.message).toBe(
      'Invalid filter: "status" cannot be filtered with "contains"; status accepts eq, in, notIn',
    )
    expect(refusal({ status: { regexp: '.*' } }).operator).toBe('regexp')
    expect(refusal({ 'created_at[gte]': '2024-01-01' }).field).toBe('created_at')
    expect(refusal({ __proto__: 'x', constructor: 'y' }).field).toBe('constructor')
  })

  it('validates every value with the field schema and reports its problems', () => {
    const error = refusal({ status: 'deleted' })
    expect(error.problems?.length).toBe(1)
    expect(error.reason).toMatch(/^"status" eq .* \(got "deleted"\)$/)
    expect(refusal({ id: { in: '1,x,3' } }).reason).toMatch(/^"id" in \(value 2\)/)
    expect(refusal({ createdAt: { gte: 'yesterday' } }).field).toBe('createdAt')
    expect(refusal({ email: { contains: 'x'.repeat(300) } }).operator).toBe('contains')
  })

  it('refuses nested objects, empty and long in lists, null comparisons and repeated conditions', () => {
    expect(refusal({ status: { eq: { $ne: 1 } } }).reason).toBe(
      '"status" eq needs a single value, not an object',
    )
    expect(refusal({ status: { eq: ['active'] } }).reason).toBe(
      '"status" eq needs a single value, not a list',
    )
    expect(refusal({ status: { in: [] } }).reason).toBe('"status" in needs at least one value')
    expect(refusal({ status: { in: Array(101).fill('active') } }).reason).toBe(
      '"status" in takes at most 100 values (got 101)',
    )
    expect(refusal({ status: { eq: null } }).reason).toBe('"status" eq needs a single value, not null')
    expect(refusal({ status: 'active', 'status[eq]': 'inactive' }).reason).toBe(
      '"status" is filtered with eq twice',
    )
    expect(refusal({ ssn: { isNull: 'maybe' } }).reason).toBe(
      '"ssn" isNull must be true or false (got "maybe")',
    )
    expect(refusal('status=active').reason).toBe('a filter must be an object of fields (got a string)')
    expect(refusal({ email: {} }).reason).toBe('"email" has no operator')
  })

  it('refuses more conditions than maxConditions', () => {
    expect(refusal({ status: 'active', id: '1' }, { ...USER_FILTER, maxConditions: 1 }).reason).toBe(
      'at most 1 filter conditions may be given',
    )
  })

  it('checks its options', () => {
    expect(() => createFilterParser({ allowed: { status: ['eq'] }, schemas: {} as never })).toThrow(
      /schemas\.status is missing/,
    )
    expect(() =>
      createFilterParser({ allowed: { status: ['like' as never] }, schemas: { status: z.string() } }),
    ).toThrow(InvalidOptionsError)
  })
})

describe(applyFilter.name, () => {
  it('compiles comparisons, lists and null checks with bound values', () => {
    const query = compile({ status: { notIn: 'suspended' }, id: { gt: '10' }, ssn: { isNull: 'false' } })
    expect(query.sql).toBe(
      'select `id` from `users` where (`status` not in (?) and `id` > ? and `ssn` is not null)',
    )
    expect(query.parameters).toEqual(['suspended', 10])
  })

  it('escapes %, _ and ! in LIKE values and names the escape character', () => {
    const query = compile({ email: { contains: '50%_off!\\' } })
    expect(query.sql).toBe("select `id` from `users` where `email` like ? escape '!'")
    expect(query.parameters).toEqual(['%50!%!_off!!\\%'])
    expect(compile({ email: { startsWith: 'a_' } }).parameters).toEqual(['a!_%'])
    expect(compile({ email: { endsWith: '%' } }).parameters).toEqual(['%!%'])
  })

  it('leaves the query alone for an empty filter', () => {
    expect(compile({}).sql).toBe('select `id` from `users`')
  })
})

describe(escapeLikePattern.name, () => {
  it('escapes only the wildcard and escape characters', () => {
    expect(escapeLikePattern("it's 100% a_b!\\")).toBe("it's 100!% a!_b!!\\")
  })
})
