import { type Generated, type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { z } from 'zod'
import type { DB } from '../../../example/generated/db.js'
import { shop } from '../../../example/shop-schema.js'
import {
  applyFilter,
  applySort,
  createDatabase,
  createRepository,
  type Database,
  InvalidFilterError,
  InvalidSortError,
  parseFilter,
  parseSort,
  UnsafeParameterError,
  ValidationError,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { loadSqlInjectionPayloads } from '../../helpers/sqli-payloads.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'

interface PayloadTable {
  id: Generated<number>
  body: string
}
interface PayloadDB {
  sqli_payloads: PayloadTable
}

const PAYLOADS = loadSqlInjectionPayloads()

const SORT = { allowed: { body: 'body' }, primaryKey: 'id' } as const
const FILTER = {
  allowed: { body: ['eq', 'contains', 'in'] },
  schemas: { body: z.string().max(1000) },
  maxInValues: 2000,
} as const

/** What the server stores for a JS string: its UTF-8 bytes (a lone surrogate becomes U+FFFD). */
const stored = (text: string): string => Buffer.from(text, 'utf8').toString('utf8')
/** PAD SPACE collations ignore trailing spaces in `=`. */
const padded = (text: string): string => stored(text).replace(/ +$/, '')

describe.each([
  { mode: 'the default sql_mode', noBackslashEscapes: false },
  { mode: 'NO_BACKSLASH_ESCAPES', noBackslashEscapes: true },
])('SQL-injection payloads under $mode', ({ noBackslashEscapes }) => {
  let test: TestDatabase<PayloadDB>
  let database: Database<PayloadDB>
  let db: Kysely<PayloadDB>
  const ids = new Map<string, number>()

  beforeAll(async () => {
    test = await createTestDatabase<PayloadDB>({
      serverUrl: inject('serverUrl'),
      prefix: 'ktsqli',
      migrations: EXAMPLE_MIGRATIONS,
      databaseOptions: withSuitePlugins({}),
    })
    // One connection, so the session's sql_mode holds for every statement of the file.
    database = createDatabase<PayloadDB>(withSuitePlugins({ url: test.url, pool: { max: 1 } }))
    db = database.db
    if (noBackslashEscapes) {
      await sql`SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')`.execute(db)
    }
    await sql`create table sqli_payloads (
      id int unsigned auto_increment primary key,
      body varchar(1000) character set utf8mb4 collate utf8mb4_bin not null
    )`.execute(db)
  })

  afterAll(async () => {
    await database?.close()
    await test?.destroy()
  })

  it(`stores all ${PAYLOADS.length} payloads as values and reads them back byte-identical`, async () => {
    for (let start = 0; start < PAYLOADS.length; start += 250) {
      await db
        .insertInto('sqli_payloads')
        .values(PAYLOADS.slice(start, start + 250).map((body) => ({ body })))
        .execute()
    }
    const rows = await db
      .selectFrom('sqli_payloads')
      .select(['id', 'body', sql<string>`hex(body)`.as('hex')])
      .orderBy('id')
      .execute()
    expect(rows).toHaveLength(PAYLOADS.length)
    for (const [index, row] of rows.entries()) {
      const payload = PAYLOADS[index]!
      expect(row.body).toBe(stored(payload))
      expect(row.hex).toBe(Buffer.from(payload, 'utf8').toString('hex').toUpperCase())
      ids.set(payload, row.id)
    }
  })

  it('binds every payload as an eq, contains and in filter value: same statement, exactly the matching rows', async () => {
    const all = await db.selectFrom('sqli_payloads').select(['id', 'body']).execute()
    const base = db.selectFrom('sqli_payloads').select('id').orderBy('id')
    const benignEq = applyFilter(base, parseFilter({ body: 'benign' }, FILTER)).compile().sql
    const benignContains = applyFilter(base, parseFilter({ body: { contains: 'benign' } }, FILTER)).compile()
      .sql
    for (const payload of PAYLOADS) {
      const eq = applyFilter(base, parseFilter({ body: { eq: payload } }, FILTER))
      expect(eq.compile().sql).toBe(benignEq)
      const equal = (await eq.execute()).map((row) => row.id)
      expect(equal).toEqual(all.filter((row) => padded(row.body) === padded(payload)).map((row) => row.id))
      expect(equal).toContain(ids.get(payload))

      const contains = applyFilter(base, parseFilter({ body: { contains: payload } }, FILTER))
      expect(contains.compile().sql).toBe(benignContains)
      const containing = (await contains.execute()).map((row) => row.id)
      expect(containing).toEqual(all.filter((row) => row.body.includes(stored(payload))).map((row) => row.id))
    }
    const list = applyFilter(base, parseFilter({ body: { in: PAYLOADS } }, FILTER))
    expect((await list.execute()).length).toBe(all.length)
  })

  it('refuses every payload as a sort field or direction and as a filter field or operator', () => {
    let refused = 0
    for (const payload of PAYLOADS) {
      const attempts = [
        () => parseSort(payload, SORT),
        () => parseSort(`-${payload}`, SORT),
        () => parseSort([{ field: payload }], SORT),
        () => parseSort({ field: 'body', direction: payload }, SORT),
        () => parseSort(`body:${payload}`, SORT),
      ]
      for (const attempt of attempts) {
        try {
          const sort = attempt()
          // Only a payload that is itself a harmless whitelisted key gets through (e.g. "body" or "body,id").
          expect(sort.every((item) => item.column === 'body' || item.column === 'id')).toBe(true)
        } catch (error) {
          expect(InvalidSortError.is(error)).toBe(true)
          refused++
        }
      }
      expect(() => parseFilter({ [payload]: 'x' }, FILTER)).toThrow(InvalidFilterError)
      expect(() => parseFilter({ [`body[${payload}]`]: 'x' }, FILTER)).toThrow(InvalidFilterError)
      refused += 2
      if (/^\d+$/.test(payload)) {
        // Integer keys are how qs writes a long list (body[0]=a&body[1]=b): an `in` of the values, not an operator.
        expect(parseFilter({ body: { [payload]: 'x' } }, FILTER)).toEqual([
          { field: 'body', column: 'body', operator: 'in', value: ['x'] },
        ])
      } else {
        expect(() => parseFilter({ body: { [payload]: 'x' } }, FILTER)).toThrow(InvalidFilterError)
        refused++
      }
    }
    expect(refused).toBeGreaterThanOrEqual(PAYLOADS.length * 8 - 10)
  })

  it('orders by a whitelisted sort without syntax errors, whatever the stored payloads', async () => {
    const sorted = await applySort(
      db.selectFrom('sqli_payloads').select(['id', 'body']),
      parseSort('-body', SORT),
    ).execute()
    expect(sorted).toHaveLength(PAYLOADS.length)
  })

  it('refuses objects and raw-SQL objects as values before anything is sent; arrays change nothing', async () => {
    // Arrays never reach mysql2: Kysely expands them into one placeholder per item (a row the server refuses to
    // compare or store). Objects would be expanded by mysql2's formatting, so the pool refuses them.
    await expect(
      db
        .selectFrom('sqli_payloads')
        .select('id')
        .where('body', '=', ['a', 'b'] as never)
        .execute(),
    ).rejects.toThrow(/Illegal parameter data types|Operand should contain 1 column/)
    await expect(
      db
        .insertInto('sqli_payloads')
        .values({ body: ['a', 'b'] as never })
        .execute(),
    ).rejects.toThrow()
    const tricks: unknown[] = [
      { body: { '!=': '' } },
      { $ne: null },
      { toSqlString: () => '1 OR 1=1' },
      Object.assign(Object.create(null), { body: 'x' }),
      new String("' OR 1=1 -- "),
      new Map([['body', 'x']]),
    ]
    const before = await db
      .selectFrom('sqli_payloads')
      .select(db.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    for (const trick of tricks) {
      await expect(
        db
          .selectFrom('sqli_payloads')
          .select('id')
          .where('body', '=', trick as never)
          .execute(),
      ).rejects.toThrow(UnsafeParameterError)
      await expect(
        db
          .insertInto('sqli_payloads')
          .values({ body: trick as never })
          .execute(),
      ).rejects.toThrow(UnsafeParameterError)
      await expect(
        db
          .updateTable('sqli_payloads')
          .set({ body: 'changed' })
          .where('id', '=', trick as never)
          .execute(),
      ).rejects.toThrow(UnsafeParameterError)
      expect(() => parseFilter({ body: trick }, FILTER)).toThrow(InvalidFilterError)
      expect(() => parseFilter({ body: { eq: trick } }, FILTER)).toThrow(InvalidFilterError)
    }
    const after = await db
      .selectFrom('sqli_payloads')
      .select(db.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    expect(after.n).toBe(before.n)
    const changed = await db.selectFrom('sqli_payloads').select('id').where('body', '=', 'changed').execute()
    expect(changed).toEqual([])
  })

  it('goes through a repository: values stored as given, payloads as sort, filter, key or column refused', async () => {
    const users = createRepository(db as unknown as Kysely<DB>, shop, 'users', {
      filterable: { firstName: { column: 'first_name', operators: ['eq', 'contains'] } },
      sortable: ['email', 'created_at'],
      maxLimit: 100,
    })
    const created = await users.createMany(
      PAYLOADS.map((payload, index) => ({
        email: `payload${index}@example.com`,
        first_name: [...payload].slice(0, 100).join(''),
        last_name: [...payload].slice(100, 200).join('') || '-',
      })),
    )
    expect(created.count).toBe(PAYLOADS.length)
    const rows = await users.findMany({ select: ['id', 'email', 'first_name'] })
    const byEmail = new Map(rows.map((row) => [row.email, row]))
    for (const [index, payload] of PAYLOADS.entries()) {
      const row = byEmail.get(`payload${index}@example.com`)!
      const firstName = [...payload].slice(0, 100).join('')
      expect(row.first_name).toBe(stored(firstName))
      const found = await users.findMany({
        where: users.parseFilter({ firstName: { eq: firstName } }),
        select: ['id', 'first_name'],
        limit: 100,
      })
      expect(found.map((match) => match.id)).toContain(row.id)
      // The same rows as the plain parameterised query (which the utf8mb4_bin table above checks byte by byte).
      const plain = await (db as unknown as Kysely<DB>)
        .selectFrom('users')
        .select('id')
        .where('first_name', '=', firstName)
        .orderBy('id')
        .execute()
      expect(found.map((match) => match.id)).toEqual(plain.map((match) => match.id))
      if (payload.trim() === '') {
        // Blank input is no sort: the default one.
        expect(await users.findMany({ sort: payload, limit: 1 })).toHaveLength(1)
      } else {
        await expect(users.findMany({ sort: payload })).rejects.toThrow(InvalidSortError)
      }
      expect(() => users.parseFilter({ [payload]: 'x' })).toThrow(InvalidFilterError)
      if (/^\d{1,9}$/.test(payload)) {
        // A payload that is a plain number is a valid key.
        expect((await users.findById(payload as never))?.id ?? Number(payload)).toBe(Number(payload))
      } else {
        await expect(users.findById(payload as never)).rejects.toThrow(InvalidFilterError)
      }
      await expect(users.findOne({ [payload]: 'x' } as never)).rejects.toThrow(InvalidFilterError)
      await expect(users.update(row.id, { [payload]: 'x' } as never)).rejects.toThrow(ValidationError)
    }
  })

  it(`ran in a session ${noBackslashEscapes ? 'with' : 'without'} NO_BACKSLASH_ESCAPES`, async () => {
    const { rows } = await sql<{ mode: string }>`select @@session.sql_mode as mode`.execute(db)
    expect(rows[0]!.mode.split(',').includes('NO_BACKSLASH_ESCAPES')).toBe(noBackslashEscapes)
  })
})
