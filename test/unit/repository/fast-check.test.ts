import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { schemas as shopSchemas } from '../../../example/generated/zod.js'
import { writeCheckOf } from '../../../src/repository/fast-check.js'
import { EVERY_TYPE_ROWS } from '../../fixtures/every-type/every-type.js'
import { schemas as camelSchemas } from '../../fixtures/every-type/generated/camel/zod.js'
import { every_type } from '../../fixtures/every-type/generated/default/zod.js'

type Row = Record<string, unknown>

const WRITE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'every_type.insert': every_type.insert,
  'every_type.update': every_type.update,
  'everyType.insert': camelSchemas.everyType.insert,
  'everyType.update': camelSchemas.everyType.update,
  ...Object.fromEntries(
    Object.entries(shopSchemas).flatMap(([table, { insert, update }]) => [
      [`${table}.insert`, insert],
      [`${table}.update`, update],
    ]),
  ),
}

const camelKey = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

/** Values of the fixture rows, under both variants' names of their column, to mix with arbitrary junk. */
const fixtureValues = new Map<string, unknown[]>()
for (const row of EVERY_TYPE_ROWS) {
  for (const [key, value] of Object.entries(row)) {
    fixtureValues.set(key, [...(fixtureValues.get(key) ?? []), value])
    // The camel-case variant reads TINYINT(1) as a boolean.
    const camel = key === 'tiny_bool' ? Boolean(value) : value
    fixtureValues.set(camelKey(key), [...(fixtureValues.get(camelKey(key)) ?? []), camel])
  }
}

// The example shop's columns, with values valid in one of its tables or another.
for (const [column, values] of Object.entries({
  id: [1, 4294967295, '18446744073709551615', 7n],
  email: ['ada@example.com'],
  first_name: ['Ada'],
  last_name: ['Lovelace'],
  product_name: ['Tea'],
  user_id: [1],
  owner_id: [2],
  order_id: [3, '4', 5n],
  from_account_id: [1, null],
  to_account_id: [2, null],
  quantity: [0, 10],
  amount: ['12.50', 12.5, '-1'],
  balance: ['0.00', 100],
  price: ['9.99'],
  total: ['1.5', 3],
  status: ['active', 'pending'],
  type: ['deposit'],
  password_hash: [null, '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'],
  ssn: [null, '123-45-6789'],
  created_at: [new Date(0), '2024-02-29 23:59:59.5'],
  updated_at: [new Date(0)],
} satisfies Record<string, unknown[]>)) {
  fixtureValues.set(column, [...(fixtureValues.get(column) ?? []), ...values])
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    0,
    -0,
    1,
    -1,
    255,
    256,
    4294967295,
    4294967296,
    2 ** 53,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'active',
    'small',
    'red,green',
    'red,red',
    '12',
    '-1',
    '1.50',
    '1e3',
    '2024-02-29',
    '2024-02-29 23:59:59',
    '2024-02-29T23:59:59.123',
    '838:59:59',
    '{}',
    '{',
    true,
    false,
    1n,
    -1n,
    2n ** 64n,
    new Date(0),
    new Date(Number.NaN),
    Buffer.alloc(0),
    Buffer.alloc(5),
    Buffer.alloc(300),
    [],
    {},
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.nat({ max: 300 }).map((length) => 'x'.repeat(length)),
  fc.nat({ max: 70 }).map((length) => '🐬'.repeat(length)),
)

/** Objects with some of a schema's keys (fixture values or junk), now and then an unknown key. */
function inputsOf(schema: z.ZodType): fc.Arbitrary<Row> {
  const shape = (schema as z.ZodObject).shape
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const key of Object.keys(shape)) {
    const seen = fixtureValues.get(key) ?? []
    model[key] =
      seen.length > 0
        ? fc.oneof({ arbitrary: fc.constantFrom(...seen), weight: 19 }, { arbitrary: junk, weight: 1 })
        : junk
  }
  // Required keys are there nine times in ten, so that whole valid objects are common.
  const required = Object.keys(shape).filter((key) => !(shape[key] instanceof z.ZodOptional))
  const record = fc.oneof(
    { arbitrary: fc.record(model, { requiredKeys: required }), weight: 9 },
    { arbitrary: fc.record(model, { requiredKeys: [] }), weight: 1 },
  )
  return fc
    .tuple(
      record,
      fc.oneof(
        { arbitrary: fc.constant(null), weight: 9 },
        { arbitrary: fc.constantFrom('no_such_column', 'toString'), weight: 1 },
      ),
    )
    .map(([row, extra]) => (extra === null ? row : { ...row, [extra]: 1 }))
}

const definedEntries = (row: Row) => Object.entries(row).filter(([, value]) => value !== undefined)

describe(writeCheckOf.name, () => {
  it('exists for every generated write schema and passes the fixture rows and a typical user', () => {
    for (const [name, schema] of Object.entries(WRITE_SCHEMAS)) {
      expect(writeCheckOf(schema), name).toBeTypeOf('function')
    }
    const insert = writeCheckOf(every_type.insert)!
    for (const row of EVERY_TYPE_ROWS) expect(insert(row)).toBe(true)
    const users = writeCheckOf(shopSchemas.users.insert)!
    expect(users({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })).toBe(true)
    expect(
      users({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', status: 'active' }),
    ).toBe(true)
  })

  it('sends to zod what zod would refuse: wrong types, missing required keys, unknown and inherited keys', () => {
    const users = writeCheckOf(shopSchemas.users.insert)!
    const ada = { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }
    expect(users({ ...ada, email: 42 })).toBe(false)
    expect(users({ ...ada, status: 'deleted' })).toBe(false)
    expect(users({ ...ada, first_name: 'x'.repeat(101) })).toBe(false)
    expect(users({ email: 'ada@example.com', first_name: 'Ada' })).toBe(false)
    expect(users({ ...ada, first_name: undefined })).toBe(false)
    expect(users({ ...ada, no_such_column: 1 })).toBe(false)
    expect(
      users(Object.assign(Object.create({ last_name: 'Lovelace' }), { email: 'a@b', first_name: 'A' })),
    ).toBe(false)
    expect(users(null)).toBe(false)
    expect(users([ada])).toBe(false)
  })

  it('never passes an object that zod refuses or returns changed (property, every generated write schema)', () => {
    for (const [name, schema] of Object.entries(WRITE_SCHEMAS)) {
      const check = writeCheckOf(schema)!
      let passed = 0
      fc.assert(
        fc.property(inputsOf(schema), (input) => {
          if (!check(input)) return
          passed++
          const result = schema.safeParse(input)
          expect(result.success, `${name}: ${result.error?.message}`).toBe(true)
          const output = result.data as Row
          expect(definedEntries(output).length, name).toBe(definedEntries(input).length)
          for (const [key, value] of definedEntries(input))
            expect(Object.is(output[key], value), key).toBe(true)
        }),
        { numRuns: 400 },
      )
      // Not vacuous: the check passed a good share of the inputs (about 50 to 300 of 400 in trials).
      expect(passed, name).toBeGreaterThan(20)
    }
  })

  it('is absent, or sends the field to zod, for schemas derived from the generated ones', () => {
    const users = shopSchemas.users.insert
    const ada = { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }
    // A field replaced by the user's own schema is zod's to check; the other fields keep their tests.
    const stricter = writeCheckOf(users.extend({ email: z.email() }))!
    expect(stricter({ first_name: 'Ada', last_name: 'Lovelace', email: 'not an email' })).toBe(false)
    expect(stricter({ first_name: 'Ada', last_name: 'Lovelace', email: undefined })).toBe(false)
    // Object-level refinements, transforms, unknown keys allowed: no test at all.
    expect(writeCheckOf(users.refine(() => false))).toBeUndefined()
    expect(writeCheckOf(users.transform((row) => row))).toBeUndefined()
    expect(writeCheckOf(users.loose())).toBeUndefined()
    expect(writeCheckOf(users.strip())).toBeUndefined()
    expect(writeCheckOf(z.string())).toBeUndefined()
    // zod types that look plain but are not: a string format, an exclusive union, an optional that refuses undefined.
    const lookalikes = writeCheckOf(
      z.strictObject({
        email: z.email(),
        either: z.xor([z.string(), z.enum(['a'])]),
        absent: z.string().exactOptional(),
      }),
    )!
    expect(lookalikes({ email: 'not an email', either: 'b' })).toBe(false)
    expect(lookalikes({ email: 'ada@example.com', either: 'a' })).toBe(false)
    expect(lookalikes({ email: 'ada@example.com', either: 'b', absent: undefined })).toBe(false)
    // Fields with defaults, coercion, their own checks or unions with an untested member go to zod.
    const fields = writeCheckOf(
      z.strictObject({
        withDefault: z.string().default('x'),
        coerced: z.coerce.string(),
        checked: z.string().min(3),
        mixed: z.union([z.string(), z.string().transform((value) => value.trim())]),
        meta: shopSchemas.users.insert.shape.email.meta({ description: 'e-mail' }),
      }),
    )!
    for (const key of ['withDefault', 'coerced', 'checked', 'mixed', 'meta'])
      expect(fields({ [key]: 'abc' })).toBe(false)
    expect(writeCheckOf(users)!(ada)).toBe(true)
  })

  it('reads plain zod types: strings, finite numbers, booleans, valid dates, enum members, unions', () => {
    enum Size {
      Small = 0,
      Large = 1,
    }
    const schema = z.strictObject({
      text: z.string().optional(),
      number: z.number().optional(),
      flag: z.boolean().optional(),
      when: z.date().nullable().optional(),
      status: z.enum(['on', 'off']).optional(),
      size: z.enum(Size).optional(),
      either: z.union([z.boolean(), z.literal('yes')]).optional(),
    })
    const check = writeCheckOf(schema)!
    expect(
      check({ text: 'a', number: 1.5, flag: true, when: new Date(0), status: 'on', size: 1, either: 'yes' }),
    ).toBe(true)
    expect(check({ when: null })).toBe(true)
    for (const bad of [
      { text: 1 },
      { number: Number.NaN },
      { number: Number.POSITIVE_INFINITY },
      { flag: 1 },
      { when: new Date(Number.NaN) },
      { status: 'maybe' },
      { size: 'Small' },
      { either: 'no' },
    ]) {
      expect(check(bad), JSON.stringify(bad)).toBe(false)
      expect(schema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})
