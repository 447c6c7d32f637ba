import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  applyFilter,
  applySort,
  FILTER_OPERATORS,
  InvalidFilterError,
  InvalidSortError,
  parseFilter,
  parseSort,
  type Sort,
} from '../../../src/index.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

const db = createCompileOnlyDb()

const USER_SORT = {
  allowed: { createdAt: 'created_at', email: 'email', lastName: 'last_name' },
  primaryKey: 'id',
} as const
const SORT_COLUMNS = new Set(['created_at', 'email', 'last_name', 'id'])

const USER_FILTER = {
  allowed: {
    status: ['eq', 'in', 'notIn'],
    createdAt: ['gte', 'lte'],
    email: ['contains', 'startsWith', 'eq'],
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

/** Words an attacker would try, mixed with the real names, separators and SQL. */
const word = fc.oneof(
  fc.constantFrom(
    'createdAt',
    'email',
    'lastName',
    'created_at',
    'id',
    'password_hash',
    '__proto__',
    'constructor',
    'status',
    'in',
    'eq',
    'gte',
    'contains',
    'isNull',
    'asc',
    'desc',
    'DESC',
    '-',
    '+',
    ',',
    ':',
    ' ',
    '[',
    ']',
    '`',
    "'",
    '"',
    '\\',
    ';',
    '--',
    '/*',
    '*/',
    '%',
    '_',
    '\u0000',
    'é',
    '𝒳',
    'drop table users',
    '1=1',
    'sleep(5)',
    'active',
    '2024-01-01',
    '42',
  ),
  fc.string({ maxLength: 12 }),
)
const text = fc.array(word, { maxLength: 8 }).map((parts) => parts.join(''))
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
)
const input = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    fc.record({ field: tie('value'), direction: tie('value') }, { requiredKeys: [] }),
  ),
})).value

/** Filter-shaped input: real and fake fields, real and fake operators, good and bad values. */
const fieldName = fc.constantFrom(
  'status',
  'createdAt',
  'email',
  'id',
  'ssn',
  'created_at',
  'password_hash',
  'toString',
)
const operatorName = fc.constantFrom(...FILTER_OPERATORS, 'like', 'regexp', '__proto__', '$ne')
const operand = fc.oneof(
  fc.constantFrom(
    'active',
    'inactive',
    '2024-01-01',
    '7',
    'true',
    'false',
    'a%b_c',
    'active,inactive',
    '1,2,3',
  ),
  text,
  fc.array(fc.oneof(text, fc.constantFrom('active', '3')), { maxLength: 3 }),
  input,
)
/** Conditions that should pass, with hostile text where the field takes any text. */
const validCondition = fc.oneof(
  fc.record({ status: fc.constantFrom('active', 'inactive', ['active', 'suspended']) }),
  fc.record({ status: fc.record({ in: fc.constantFrom('active,inactive', 'suspended') }) }),
  fc.record({ createdAt: fc.record({ gte: fc.constantFrom('2024-01-01', '2024-06-30T12:00:00Z') }) }),
  fc.record({ email: fc.record({ contains: text }) }),
  fc.record({ 'email[startsWith]': text }),
  fc.record({ id: fc.record({ gt: fc.integer({ min: 1 }).map(String) }) }),
  fc.record({ ssn: fc.record({ isNull: fc.constantFrom('true', 'false') }) }),
)
const filterInput = fc.oneof(
  { arbitrary: input, weight: 1 },
  {
    arbitrary: fc
      .array(validCondition, { maxLength: 4 })
      .map((conditions) => Object.assign({}, ...conditions)),
    weight: 2,
  },
  {
    arbitrary: fc.dictionary(
      fieldName,
      fc.oneof(operand, fc.dictionary(operatorName, operand, { maxKeys: 2 })),
      {
        maxKeys: 3,
      },
    ),
    weight: 3,
  },
  {
    arbitrary: fc.dictionary(
      fc.tuple(fieldName, operatorName).map(([field, operator]) => `${field}[${operator}]`),
      operand,
      { maxKeys: 2 },
    ),
    weight: 3,
  },
)

describe('parseSort on any input', () => {
  it('returns a whitelisted sort ending with the primary key, or an InvalidSortError', () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(input, (value) => {
        let sort: Sort<'created_at' | 'email' | 'last_name' | 'id'>
        try {
          sort = parseSort(value, USER_SORT)
        } catch (error) {
          expect(InvalidSortError.is(error)).toBe(true)
          refused++
          return
        }
        accepted++
        expect(sort.length).toBeGreaterThan(0)
        for (const item of sort) {
          expect(SORT_COLUMNS.has(item.column)).toBe(true)
          expect(['asc', 'desc']).toContain(item.direction)
        }
        expect(sort.at(-1)?.column).toBe('id')
        expect(new Set(sort.map((item) => item.column)).size).toBe(sort.length)
        const { sql, parameters } = applySort(db.selectFrom('users').select('id'), sort).compile()
        expect(sql).toMatch(
          /^select `id` from `users` order by `(created_at|email|last_name|id)` (asc|desc)(, `(created_at|email|last_name|id)` (asc|desc))*$/,
        )
        expect(parameters).toEqual([])
      }),
      { numRuns: 3000 },
    )
    // The generator reaches both outcomes.
    expect(accepted).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })
})

describe('parseFilter on any input', () => {
  it('returns whitelisted conditions with schema-valid scalar values, or an InvalidFilterError', () => {
    let conditions = 0
    let refused = 0
    fc.assert(
      fc.property(filterInput, (value) => {
        let filter: ReturnType<typeof parseFilter>
        try {
          filter = parseFilter(value, USER_FILTER)
        } catch (error) {
          expect(InvalidFilterError.is(error)).toBe(true)
          refused++
          return
        }
        conditions += filter.length
        for (const condition of filter) {
          const allowed = USER_FILTER.allowed[condition.field as keyof typeof USER_FILTER.allowed]
          expect(allowed as readonly string[]).toContain(condition.operator)
          expect(FILTER_OPERATORS).toContain(condition.operator)
          const values = Array.isArray(condition.value) ? condition.value : [condition.value]
          for (const item of values) {
            expect(
              ['string', 'number', 'boolean', 'bigint'].includes(typeof item) || item instanceof Date,
            ).toBe(true)
          }
        }
        const { sql, parameters } = applyFilter(db.selectFrom('users').select('id'), filter).compile()
        // Only whitelisted columns, operators and placeholders: no text from the input.
        const stripped = sql
          .replace(/^select `id` from `users`( where )?/, '')
          .replace(/`(status|created_at|email|id|ssn)`/g, 'C')
          .replace(/\(\?(, \?)*\)/g, 'L')
          .replace(/escape '!'/g, '')
        expect(stripped).toMatch(/^[C?L()<>=!\s]*(and|not in|in|like|is not null|is null|[C?L()<>=!\s])*$/)
        for (const parameter of parameters) {
          expect(typeof parameter === 'object' && !(parameter instanceof Date)).toBe(false)
        }
      }),
      { numRuns: 3000 },
    )
    expect(conditions).toBeGreaterThan(50)
    expect(refused).toBeGreaterThan(100)
  })
})
