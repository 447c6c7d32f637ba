import { type QueryId, type QueryResult, sql, type UnknownRow } from 'kysely'
import { jsonArrayFrom, jsonBuildObject, jsonObjectFrom } from 'kysely/helpers/mysql'
import { describe, expect, it } from 'vitest'
import {
  createKeyring,
  DecryptionError,
  EncryptionPlugin,
  EncryptionSetupError,
  UnsupportedEncryptedOperationError,
} from '../../../src/plugin/encryption/index.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

interface DB {
  users: {
    id: number
    name: string
    ssn: string | null
    email: string | null
    email_index: number | null
    birth: Date | null
  }
  pets: { id: number; owner_id: number; name: string; chip: string | null }
}

const keyring = createKeyring({ keys: createTestKeyMaterial() })
const plugin = new EncryptionPlugin<DB>({
  keyring,
  tables: {
    users: {
      ssn: true,
      birth: true,
      email: {
        blindIndex: { column: 'email_index', bits: 8, transform: (value) => String(value).toLowerCase() },
      },
    },
    pets: { chip: true },
  },
})
const db = createCompileOnlyDb<DB>({ plugins: [plugin] })

const isEnvelope = (value: unknown): boolean =>
  typeof value === 'string' && /^kt1:k1:[A-Za-z0-9_-]+$/.test(value)
const enc = (column: 'ssn' | 'email' | 'birth', value: unknown) => plugin.encryptValue('users', column, value)
const emailIndex = (value: string) => plugin.blindIndex('users', 'email', value)

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

function expectUnsupported(run: () => unknown, operation: string | RegExp, column = 'ssn'): void {
  const error = thrown(run)
  expect(UnsupportedEncryptedOperationError.is(error), String(error)).toBe(true)
  expect(error).toMatchObject({ table: column === 'chip' ? 'pets' : 'users', column })
  expect((error as UnsupportedEncryptedOperationError).operation).toMatch(operation)
}

/** Compiles the query (running the plugin's transformQuery), then feeds canned rows to transformResult. */
async function resultOf(
  query: { compile(): { queryId: QueryId } },
  rows: UnknownRow[],
): Promise<UnknownRow[]> {
  const { queryId } = query.compile()
  const frozen = rows.map((row) => Object.freeze({ ...row }))
  const result: QueryResult<UnknownRow> = { rows: frozen }
  return (await plugin.transformResult({ queryId, result })).rows as UnknownRow[]
}

describe(`${EncryptionPlugin.name} writes`, () => {
  it('encrypts insert values and adds the blind index column', () => {
    const compiled = db
      .insertInto('users')
      .values({ id: 1, name: 'Ada', ssn: '123-45-6789', email: 'Ada@Example.com', birth: new Date(0) })
      .compile()
    expect(compiled.sql).toBe(
      'insert into `users` (`id`, `name`, `ssn`, `email`, `birth`, `email_index`) values (?, ?, ?, ?, ?, ?)',
    )
    const [id, name, ssn, email, birth, index] = compiled.parameters
    expect([id, name]).toEqual([1, 'Ada'])
    for (const value of [ssn, email, birth]) expect(isEnvelope(value)).toBe(true)
    expect(plugin.decryptValue('users', 'ssn', ssn)).toBe('123-45-6789')
    expect(plugin.decryptValue('users', 'birth', birth)).toEqual(new Date(0))
    expect(index).toBe(emailIndex('ada@example.com'))
    expect(JSON.stringify(compiled.parameters)).not.toContain('123-45-6789')
  })

  it('encrypts every row of a multi-row insert, keeping NULL and missing values as they are', () => {
    const compiled = db
      .insertInto('users')
      .values([
        { id: 1, name: 'a', ssn: '1', email: null },
        { id: 2, name: 'b', ssn: null, email: 'b@x' },
        { id: 3, name: 'c' },
      ])
      .compile()
    expect(compiled.sql).toBe(
      'insert into `users` (`id`, `name`, `ssn`, `email`, `email_index`) values (?, ?, ?, ?, ?), ' +
        '(?, ?, ?, ?, ?), (?, ?, default, default, default)',
    )
    const p = compiled.parameters
    expect(isEnvelope(p[2])).toBe(true)
    expect(p.slice(3, 5)).toEqual([null, null])
    expect(p[7]).toBeNull()
    expect(isEnvelope(p[8])).toBe(true)
    expect(p[9]).toBe(emailIndex('b@x'))
  })

  it('encrypts update SET values and keeps the blind index in step', () => {
    const compiled = db
      .updateTable('users')
      .set({ email: 'New@x', ssn: null, name: 'n' })
      .where('id', '=', 1)
      .compile()
    expect(compiled.sql).toBe(
      'update `users` set `email` = ?, `ssn` = ?, `name` = ?, `email_index` = ? where `id` = ?',
    )
    expect(isEnvelope(compiled.parameters[0])).toBe(true)
    expect(compiled.parameters.slice(1)).toEqual([null, 'n', emailIndex('new@x'), 1])
  })

  it('encrypts ON DUPLICATE KEY UPDATE values and keeps VALUES(col) with its index', () => {
    const compiled = db
      .insertInto('users')
      .values({ id: 1, name: 'a', email: 'a@x', ssn: '1' })
      .onDuplicateKeyUpdate((eb) => ({ ssn: '2', email: eb.fn('values', [eb.ref('email')]) }))
      .compile()
    expect(compiled.sql).toBe(
      'insert into `users` (`id`, `name`, `email`, `ssn`, `email_index`) values (?, ?, ?, ?, ?) ' +
        'on duplicate key update `ssn` = ?, `email` = values(`email`), `email_index` = values(`email_index`)',
    )
    expect(isEnvelope(compiled.parameters[5])).toBe(true)
    expect(plugin.decryptValue('users', 'ssn', compiled.parameters[5])).toBe('2')
  })

  it('refuses to write SQL expressions into encrypted columns', () => {
    expectUnsupported(
      () => db.insertInto('users').values({ id: 1, name: 'a', ssn: sql<string>`upper('x')` }).compile(),
      'writing an SQL expression',
    )
    expectUnsupported(
      () =>
        db
          .updateTable('users')
          .set((eb) => ({ ssn: eb.ref('name') }))
          .compile(),
      /writing/,
    )
    expectUnsupported(
      () =>
        db
          .insertInto('users')
          .columns(['id', 'name', 'ssn'])
          .expression((eb) => eb.selectFrom('users').select(['id', 'name', 'ssn']))
          .compile(),
      'writing the result of INSERT ... SELECT',
    )
    expectUnsupported(
      () =>
        db
          .insertInto('users')
          .values({ id: 1, name: 'a', ssn: new Map() as never })
          .compile(),
      'writing an instance of Map',
    )
  })

  it('leaves tables without encrypted columns alone', () => {
    const compiled = db.insertInto('pets').values({ id: 1, owner_id: 1, name: 'Rex' }).compile()
    expect(compiled.parameters).toEqual([1, 1, 'Rex'])
  })
})

describe(`${EncryptionPlugin.name} reads`, () => {
  const ssn = enc('ssn', '123-45-6789')
  const email = enc('email', 'Ada@Example.com')
  const birth = enc('birth', new Date('1990-01-02T00:00:00.000Z'))

  it('decrypts columns selected directly, with an alias, and through selectAll', async () => {
    expect(await resultOf(db.selectFrom('users').select(['id', 'ssn']), [{ id: 1, ssn }])).toEqual([
      { id: 1, ssn: '123-45-6789' },
    ])
    expect(await resultOf(db.selectFrom('users').select('ssn as s'), [{ s: ssn }])).toEqual([
      { s: '123-45-6789' },
    ])
    expect(
      await resultOf(db.selectFrom('users').selectAll(), [
        { id: 1, ssn, email, birth, email_index: 3, name: 'A' },
      ]),
    ).toEqual([
      {
        id: 1,
        ssn: '123-45-6789',
        email: 'Ada@Example.com',
        birth: new Date('1990-01-02T00:00:00.000Z'),
        email_index: 3,
        name: 'A',
      },
    ])
  })

  it('decrypts through joins, table aliases and selectAll(table)', async () => {
    const chip = plugin.encryptValue('pets', 'chip', 'CHIP-1')
    const query = db
      .selectFrom('users as u')
      .innerJoin('pets as p', 'p.owner_id', 'u.id')
      .select(['u.ssn as s', 'p.chip', 'p.name'])
    expect(await resultOf(query, [{ s: ssn, chip, name: 'Rex' }])).toEqual([
      { s: '123-45-6789', chip: 'CHIP-1', name: 'Rex' },
    ])
    const all = db.selectFrom('users').innerJoin('pets', 'pets.owner_id', 'users.id').selectAll('pets')
    expect(await resultOf(all, [{ id: 1, chip, name: 'Rex', owner_id: 1 }])).toEqual([
      { id: 1, chip: 'CHIP-1', name: 'Rex', owner_id: 1 },
    ])
  })

  it('decrypts scalar subqueries, derived tables and CTEs', async () => {
    const scalar = db
      .selectFrom('pets')
      .select((eb) => [
        'pets.id',
        eb.selectFrom('users').select('users.ssn').whereRef('users.id', '=', 'pets.owner_id').as('owner_ssn'),
      ])
    expect(await resultOf(scalar, [{ id: 1, owner_ssn: ssn }])).toEqual([{ id: 1, owner_ssn: '123-45-6789' }])
    const derived = db
      .selectFrom(db.selectFrom('users').select(['id', 'ssn as secret']).as('t'))
      .select(['t.id', 't.secret'])
    expect(await resultOf(derived, [{ id: 1, secret: ssn }])).toEqual([{ id: 1, secret: '123-45-6789' }])
    const cte = db
      .with('u', (qb) => qb.selectFrom('users').select(['id', 'ssn']))
      .selectFrom('u')
      .selectAll()
    expect(await resultOf(cte, [{ id: 1, ssn }])).toEqual([{ id: 1, ssn: '123-45-6789' }])
  })

  it('decrypts inside JSON built by jsonObjectFrom, jsonArrayFrom and jsonBuildObject, as text or parsed', async () => {
    const chip = plugin.encryptValue('pets', 'chip', 'CHIP-1')
    const object = db
      .selectFrom('pets')
      .select((eb) => [
        'pets.id',
        jsonObjectFrom(
          eb.selectFrom('users').select(['users.id', 'users.ssn']).whereRef('users.id', '=', 'pets.owner_id'),
        ).as('owner'),
      ])
    expect(await resultOf(object, [{ id: 1, owner: JSON.stringify({ id: 7, ssn }) }])).toEqual([
      { id: 1, owner: { id: 7, ssn: '123-45-6789' } },
    ])
    expect(await resultOf(object, [{ id: 1, owner: { id: 7, ssn } }])).toEqual([
      { id: 1, owner: { id: 7, ssn: '123-45-6789' } },
    ])
    expect(await resultOf(object, [{ id: 1, owner: null }])).toEqual([{ id: 1, owner: null }])

    const array = db
      .selectFrom('users')
      .select((eb) => [
        'users.id',
        jsonArrayFrom(
          eb.selectFrom('pets').select(['pets.name', 'pets.chip']).whereRef('pets.owner_id', '=', 'users.id'),
        ).as('pets'),
      ])
    expect(
      await resultOf(array, [
        {
          id: 1,
          pets: JSON.stringify([
            { name: 'Rex', chip },
            { name: 'Tom', chip: null },
          ]),
        },
      ]),
    ).toEqual([
      {
        id: 1,
        pets: [
          { name: 'Rex', chip: 'CHIP-1' },
          { name: 'Tom', chip: null },
        ],
      },
    ])

    const built = db
      .selectFrom('users')
      .select((eb) => [jsonBuildObject({ s: eb.ref('users.ssn'), n: eb.ref('users.name') }).as('obj')])
    expect(await resultOf(built, [{ obj: JSON.stringify({ s: ssn, n: 'Ada' }) }])).toEqual([
      { obj: { s: '123-45-6789', n: 'Ada' } },
    ])
  })

  it('decrypts the MariaDB form of nested relations: scalar subqueries over json_arrayagg(json_object(...))', async () => {
    const chip = plugin.encryptValue('pets', 'chip', 'CHIP-1')
    const query = db.selectFrom('users').select((eb) => [
      'users.id',
      eb
        .selectFrom('pets')
        .select((inner) =>
          inner.fn
            .coalesce(
              inner.fn.agg<unknown[]>('json_arrayagg', [jsonBuildObject({ c: inner.ref('pets.chip') })]),
              sql`'[]'`,
            )
            .as('list'),
        )
        .whereRef('pets.owner_id', '=', 'users.id')
        .as('pets'),
    ])
    expect(await resultOf(query, [{ id: 1, pets: JSON.stringify([{ c: chip }, { c: null }]) }])).toEqual([
      { id: 1, pets: [{ c: 'CHIP-1' }, { c: null }] },
    ])
  })

  it('decrypts RETURNING lists (for dialects that return them)', async () => {
    const query = db.insertInto('users').values({ id: 1, name: 'a', ssn: 'x' }).returning(['id', 'ssn'])
    expect(await resultOf(query, [{ id: 1, ssn }])).toEqual([{ id: 1, ssn: '123-45-6789' }])
    const deleted = db.deleteFrom('users as u').where('u.id', '=', 1).returning(['u.ssn as s'])
    expect(await resultOf(deleted, [{ s: ssn }])).toEqual([{ s: '123-45-6789' }])
  })

  it('returns new row objects and leaves the driver rows untouched', async () => {
    const rows = [{ id: 1, ssn }]
    const { queryId } = db.selectFrom('users').select(['id', 'ssn']).compile()
    const result = await plugin.transformResult({ queryId, result: { rows } })
    expect(result.rows[0]).not.toBe(rows[0])
    expect(rows[0]?.ssn).toBe(ssn)
  })

  it('keeps NULL as NULL and throws DecryptionError naming the column for plaintext', async () => {
    expect(await resultOf(db.selectFrom('users').select('ssn'), [{ ssn: null }])).toEqual([{ ssn: null }])
    const error = await resultOf(db.selectFrom('users as u').select('u.ssn'), [{ ssn: '123-45-6789' }]).catch(
      (e) => e,
    )
    expect(DecryptionError.is(error)).toBe(true)
    expect(error).toMatchObject({ table: 'users', column: 'ssn', reason: 'not-ciphertext' })
    expect(String(error.message)).not.toContain('123-45-6789')
  })

  it('reads legacy plaintext only in migration mode, still rejecting damaged ciphertext', async () => {
    const migrating = new EncryptionPlugin<DB>({
      keyring,
      tables: { users: { ssn: true } },
      readLegacyPlaintext: true,
    })
    const { queryId } = db.withPlugin(migrating).selectFrom('users').select('ssn').compile()
    const rows = [{ ssn: 'legacy' }, { ssn }]
    expect((await migrating.transformResult({ queryId, result: { rows } })).rows).toEqual([
      { ssn: 'legacy' },
      { ssn: '123-45-6789' },
    ])
    const damaged = `${ssn?.slice(0, -2)}AA`
    await expect(
      migrating.transformResult({ queryId, result: { rows: [{ ssn: damaged }] } }),
    ).rejects.toThrow(DecryptionError)
  })
})

describe(`${EncryptionPlugin.name} lookups and refusals`, () => {
  it('rewrites equality on a blind-indexed column to its index and filters candidates exactly', async () => {
    const query = db
      .selectFrom('users')
      .select(['id'])
      .where('email', '=', 'ADA@example.com')
      .where('id', '>', 0)
    const compiled = query.compile()
    expect(compiled.sql).toBe(
      'select `id`, `email` as `__kt_lookup_0` from `users` where `email_index` = ? and `id` > ?',
    )
    expect(compiled.parameters).toEqual([emailIndex('ada@example.com'), 0])
    const rows = [
      { id: 1, __kt_lookup_0: enc('email', 'ada@example.com') },
      { id: 2, __kt_lookup_0: enc('email', 'someone-else@example.com') }, // same index value, different e-mail
      { id: 3, __kt_lookup_0: enc('email', 'Ada@Example.COM') },
    ]
    expect(await resultOf(query, rows)).toEqual([{ id: 1 }, { id: 3 }])
  })

  it('rewrites IN lists and applies LIMIT and OFFSET after filtering', async () => {
    const query = db
      .selectFrom('users as u')
      .selectAll()
      .where('u.email', 'in', ['a@x', 'b@x'])
      .orderBy('u.id')
      .limit(1)
      .offset(1)
    const compiled = query.compile()
    expect(compiled.sql).toBe(
      'select *, `u`.`email` as `__kt_lookup_0` from `users` as `u` where `u`.`email_index` in (?, ?) order by `u`.`id`',
    )
    // selectAll(): every column of users comes back.
    const row = (id: number, email: string) => ({
      id,
      name: 'n',
      ssn: null,
      email: enc('email', email),
      email_index: 0,
      birth: null,
      __kt_lookup_0: enc('email', email),
    })
    const result = await resultOf(query, [
      row(1, 'zzz'),
      row(2, 'a@x'),
      row(3, 'q'),
      row(4, 'b@x'),
      row(5, 'a@x'),
    ])
    expect(result).toEqual([{ id: 4, name: 'n', ssn: null, email: 'b@x', email_index: 0, birth: null }])
  })

  it('refuses comparisons, LIKE, ORDER BY and GROUP BY on encrypted columns without an index', () => {
    expectUnsupported(
      () => db.selectFrom('users').selectAll().where('ssn', '=', 'x').compile(),
      "comparison with '='",
    )
    expectUnsupported(
      () => db.selectFrom('users').selectAll().where('users.ssn', 'like', 'x%').compile(),
      'LIKE',
    )
    expectUnsupported(() => db.selectFrom('users').selectAll().orderBy('ssn').compile(), 'ORDER BY')
    expectUnsupported(() => db.selectFrom('users').select('ssn').groupBy('ssn').compile(), 'GROUP BY')
    expectUnsupported(
      () =>
        db
          .selectFrom('users')
          .select((eb) => eb.fn('upper', ['ssn']).as('u'))
          .compile(),
      'upper()',
    )
    expectUnsupported(
      () => db.selectFrom('users').innerJoin('pets', 'pets.chip', 'users.ssn').selectAll().compile(),
      "comparison with '='",
      'chip',
    )
    expectUnsupported(
      () =>
        db
          .selectFrom('pets')
          .selectAll()
          .where((eb) => eb.exists(eb.selectFrom('users').select('id').where('users.ssn', '=', 'x')))
          .compile(),
      "comparison with '='",
    )
  })

  it('refuses blind-index lookups where the candidates cannot be filtered', () => {
    for (const query of [
      db.updateTable('users').set({ name: 'x' }).where('email', '=', 'a@x'),
      db.deleteFrom('users').where('email', '=', 'a@x'),
      db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('email', '=', 'a'), eb('id', '=', 1)])),
      db.selectFrom('users').selectAll().where('email', '!=', 'a@x'),
    ]) {
      expectUnsupported(() => query.compile(), /comparison/, 'email')
    }
    expectUnsupported(
      () =>
        db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('email', '=', 'a')
          .compile(),
      /GROUP BY, HAVING, DISTINCT, UNION or an aggregate/,
      'email',
    )
  })

  it('allows IS NULL, IS NOT NULL and COUNT on encrypted columns', () => {
    expect(db.selectFrom('users').select('id').where('ssn', 'is', null).compile().sql).toBe(
      'select `id` from `users` where `ssn` is null',
    )
    expect(db.selectFrom('users').select('id').where('ssn', 'is not', null).compile().sql).toContain(
      'is not null',
    )
    expect(
      db
        .selectFrom('users')
        .select((eb) => eb.fn.count('ssn').as('n'))
        .compile().sql,
    ).toBe('select count(`ssn`) as `n` from `users`')
  })

  it('does not rewrite raw SQL', () => {
    const compiled = sql`select * from users where ssn = ${'x'}`.compile(db)
    expect(compiled.parameters).toEqual(['x'])
  })

  it('needs a loaded keyring before encrypting', () => {
    const unloaded = new EncryptionPlugin<DB>({
      keyring: createKeyring({ keys: async () => createTestKeyMaterial() }),
      tables: { users: { ssn: true } },
    })
    const error = thrown(() =>
      db.withPlugin(unloaded).insertInto('users').values({ id: 1, name: 'a', ssn: 'x' }).compile(),
    )
    expect(EncryptionSetupError.is(error)).toBe(true)
    expect(db.withPlugin(unloaded).selectFrom('users').select('ssn').compile().sql).toBe(
      'select `ssn` from `users`',
    )
  })
})
