import { type Kysely, sql } from 'kysely'
import { jsonBuildObject, jsonObjectFrom } from 'kysely/helpers/mysql'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createKeyring,
  DecryptionError,
  EncryptionPlugin,
  EncryptionSetupError,
  UnsupportedEncryptedOperationError,
  verifyEncryptionSetup,
} from '../../../src/plugin/encryption/index.js'
import { createThrowAwayDatabase, type ThrowAwayDatabase } from '../../helpers/encryption-database.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

interface DB {
  users: {
    id: number
    name: string
    ssn: string | null
    email: string | null
    email_index: number | null
    birth: Date | null
    score: number | null
    big: bigint | null
    flag: boolean | null
    prefs: { theme: string; tags: string[] } | null
    photo: Buffer | null
    note: string | null
  }
  pets: { id: number; owner_id: number; name: string; chip: string | null }
}

const SCHEMA = [
  `create table users (
    id int primary key,
    name varchar(100) not null,
    ssn varchar(120) character set ascii null,
    email varchar(200) character set ascii null,
    email_index int unsigned null,
    birth varchar(100) character set ascii null,
    score varchar(100) character set ascii null,
    big varchar(200) character set ascii null,
    flag varchar(100) character set ascii null,
    prefs text null,
    photo varbinary(300) null,
    note text null,
    index (email_index)
  )`,
  `create table pets (
    id int primary key,
    owner_id int not null,
    name varchar(50) not null,
    chip varchar(120) character set ascii null
  )`,
]

const material = createTestKeyMaterial()
const keyring = createKeyring({ keys: material })
const tables = {
  users: {
    ssn: { maxPlaintextBytes: 11 },
    email: {
      blindIndex: {
        column: 'email_index',
        bits: 2,
        transform: (value: unknown) => String(value).toLowerCase(),
      },
    },
    birth: true,
    score: true,
    big: true,
    flag: true,
    prefs: true,
    photo: true,
    note: true,
  },
  pets: { chip: true },
} as const
const plugin = new EncryptionPlugin<DB>({ keyring, tables })

const ada = {
  id: 1,
  name: 'Ada',
  ssn: '123-45-6789',
  email: 'Ada@Example.com',
  birth: new Date('1815-12-10T00:00:00.000Z'),
  score: 99.5,
  big: 12345678901234567890n,
  flag: true,
  prefs: { theme: 'dark', tags: ['math', 'engines'] },
  photo: Buffer.from([0, 1, 2, 250, 255]),
  note: '',
}
const PLAINTEXTS = [
  '123-45-6789',
  'Ada@Example.com',
  'ada@example.com',
  'engines',
  '12345678901234567890',
  '99.5',
  '1815',
]

let database: ThrowAwayDatabase
let db: Kysely<DB>
let plain: Kysely<DB>

beforeAll(async () => {
  database = await createThrowAwayDatabase(SCHEMA)
  db = database.connect<DB>({ plugins: [plugin] })
  plain = database.connect<DB>()
})
afterAll(async () => {
  await database?.destroy()
})
beforeEach(async () => {
  await plain.deleteFrom('pets').execute()
  await plain.deleteFrom('users').execute()
})

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe(`${EncryptionPlugin.name} against the server`, () => {
  it('round-trips every type through insert and select, NULL staying NULL', async () => {
    await db.insertInto('users').values(ada).execute()
    await db.insertInto('users').values({ id: 2, name: 'Nobody' }).execute()
    const rows = await db.selectFrom('users').selectAll().orderBy('id').execute()
    expect(rows[0]).toEqual({ ...ada, email_index: expect.any(Number) })
    expect(rows[1]).toMatchObject({ id: 2, ssn: null, email: null, birth: null, photo: null, note: null })
    const stored = await plain
      .selectFrom('users')
      .select(['ssn', 'note'])
      .where('id', '=', 2)
      .executeTakeFirstOrThrow()
    expect(stored).toEqual({ ssn: null, note: null })
  })

  it('stores no plaintext anywhere: the table read without the plugin holds only envelopes', async () => {
    await db.insertInto('users').values(ada).execute()
    await db.insertInto('pets').values({ id: 1, owner_id: 1, name: 'Rex', chip: 'CHIP-123' }).execute()
    const users = await plain.selectFrom('users').selectAll().execute()
    const pets = await plain.selectFrom('pets').selectAll().execute()
    const dump = JSON.stringify([users, pets], (_key, value) =>
      typeof value === 'bigint'
        ? value.toString()
        : Buffer.isBuffer(value)
          ? value.toString('latin1')
          : value,
    )
    for (const plaintext of [...PLAINTEXTS, 'CHIP-123']) expect(dump).not.toContain(plaintext)
    const row = users[0]!
    for (const column of ['ssn', 'email', 'birth', 'score', 'big', 'flag', 'prefs', 'note'] as const) {
      expect(String(row[column])).toMatch(/^kt1:k1:[A-Za-z0-9_-]+$/)
    }
    expect(Buffer.from(row.photo as Buffer).toString('latin1')).toMatch(/^kt1:k1:/)
    expect(row.email_index).toBeGreaterThanOrEqual(0)
    expect(row.email_index).toBeLessThan(4)
    expect(row.name).toBe('Ada')
  })

  it('round-trips multi-row inserts, updates and upserts', async () => {
    await db
      .insertInto('users')
      .values([
        { id: 1, name: 'a', ssn: '111', email: 'a@x' },
        { id: 2, name: 'b', ssn: '222' },
      ])
      .execute()
    await db
      .updateTable('users')
      .set({ ssn: '333', email: 'B@x', score: -0.25 })
      .where('id', '=', 2)
      .execute()
    await db
      .insertInto('users')
      .values({ id: 1, name: 'a', ssn: 'ignored', email: 'new@x' })
      .onDuplicateKeyUpdate((eb) => ({ ssn: '444', email: eb.fn('values', [eb.ref('email')]) }))
      .execute()
    const rows = await db.selectFrom('users').select(['id', 'ssn', 'email', 'score']).orderBy('id').execute()
    expect(rows).toEqual([
      { id: 1, ssn: '444', email: 'new@x', score: null },
      { id: 2, ssn: '333', email: 'B@x', score: -0.25 },
    ])
    const found = await db.selectFrom('users').select('id').where('email', '=', 'NEW@X').execute()
    expect(found).toEqual([{ id: 1 }])
  })

  it('decrypts through joins with aliases, selectAll(table), derived tables and jsonObjectFrom', async () => {
    await db.insertInto('users').values(ada).execute()
    await db.insertInto('pets').values({ id: 1, owner_id: 1, name: 'Rex', chip: 'CHIP-123' }).execute()
    const joined = await db
      .selectFrom('users')
      .innerJoin('pets as p', 'p.owner_id', 'users.id')
      .select(['users.ssn as s', 'p.chip', 'p.name'])
      .execute()
    expect(joined).toEqual([{ s: '123-45-6789', chip: 'CHIP-123', name: 'Rex' }])
    const pets = await db
      .selectFrom('users')
      .innerJoin('pets', 'pets.owner_id', 'users.id')
      .selectAll('pets')
      .execute()
    expect(pets).toEqual([{ id: 1, owner_id: 1, name: 'Rex', chip: 'CHIP-123' }])
    const derived = await db
      .selectFrom(db.selectFrom('users').select(['id', 'birth as born']).as('t'))
      .selectAll()
      .execute()
    expect(derived).toEqual([{ id: 1, born: ada.birth }])
    // MariaDB cannot correlate the derived table of jsonObjectFrom/jsonArrayFrom: a scalar subquery over
    // jsonBuildObject (and json_arrayagg for arrays) is its form of a nested relation.
    const nested = await db
      .selectFrom('pets')
      .select((eb) => [
        'pets.name',
        eb
          .selectFrom('users')
          .select((inner) =>
            jsonBuildObject({ ssn: inner.ref('users.ssn'), prefs: inner.ref('users.prefs') }).as('o'),
          )
          .whereRef('users.id', '=', 'pets.owner_id')
          .as('owner'),
      ])
      .execute()
    expect(nested).toEqual([{ name: 'Rex', owner: { ssn: '123-45-6789', prefs: ada.prefs } }])
    const withPets = await db
      .selectFrom('users')
      .select((eb) => [
        'users.id',
        eb
          .selectFrom('pets')
          .select((inner) =>
            inner.fn
              .agg<unknown[]>('json_arrayagg', [
                jsonBuildObject({ name: inner.ref('pets.name'), chip: inner.ref('pets.chip') }),
              ])
              .as('list'),
          )
          .whereRef('pets.owner_id', '=', 'users.id')
          .as('pets'),
      ])
      .execute()
    expect(withPets).toEqual([{ id: 1, pets: [{ name: 'Rex', chip: 'CHIP-123' }] }])
    const uncorrelated = await db
      .selectFrom('pets')
      .select((eb) => [
        jsonObjectFrom(eb.selectFrom('users').select(['users.ssn']).where('users.id', '=', 1)).as('o'),
      ])
      .execute()
    expect(uncorrelated).toEqual([{ o: { ssn: '123-45-6789' } }])
  })

  it('finds rows through the blind index, exactly, though the 2-bit index makes most rows candidates', async () => {
    const people = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      name: `p${i}`,
      email: `person${i}@example.com`,
    }))
    await db.insertInto('users').values(people).execute()
    expect(
      await db.selectFrom('users').select('id').where('email', '=', 'PERSON17@example.com').execute(),
    ).toEqual([{ id: 18 }])
    const some = await db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('email', 'in', ['person3@example.com', 'person30@example.com', 'nobody@example.com'])
      .orderBy('id')
      .execute()
    expect(some).toEqual([
      { id: 4, email: 'person3@example.com' },
      { id: 31, email: 'person30@example.com' },
    ])
    const second = await db
      .selectFrom('users')
      .select('id')
      .where('email', 'in', ['person3@example.com', 'person30@example.com'])
      .orderBy('id')
      .limit(1)
      .offset(1)
      .execute()
    expect(second).toEqual([{ id: 31 }])
    const candidates = await plain
      .selectFrom('users')
      .select('id')
      .where('email_index', '=', plugin.blindIndex('users', 'email', 'person17@example.com'))
      .execute()
    expect(candidates.length).toBeGreaterThan(1) // the index alone does not single out a row
  })

  it('refuses comparisons and ORDER BY on encrypted columns before sending the query', async () => {
    await db.insertInto('users').values(ada).execute()
    for (const query of [
      db.selectFrom('users').selectAll().where('ssn', '=', '123-45-6789'),
      db.selectFrom('users').selectAll().where('note', 'like', '%'),
      db.selectFrom('users').selectAll().orderBy('birth'),
      db.updateTable('users').set({ name: 'x' }).where('email', '=', 'ada@example.com'),
    ]) {
      expect(UnsupportedEncryptedOperationError.is(await rejection(query.execute()))).toBe(true)
    }
    const row = await plain.selectFrom('users').select('name').executeTakeFirstOrThrow()
    expect(row.name).toBe('Ada')
  })
})

describe('tampering with stored values (raw SQL)', () => {
  beforeEach(async () => {
    await db.insertInto('users').values(ada).execute()
  })

  async function readError(column: keyof DB['users'] & string): Promise<DecryptionError> {
    const error = await rejection(db.selectFrom('users').select(['id', column]).execute())
    expect(DecryptionError.is(error), String(error)).toBe(true)
    const decryption = error as DecryptionError
    for (const plaintext of PLAINTEXTS) expect(decryption.message).not.toContain(plaintext)
    for (const key of Object.values(material.keys)) expect(decryption.message).not.toContain(String(key))
    return decryption
  }

  it('detects a flipped bit', async () => {
    // Change one character inside the ciphertext (all 6 of its bits are used): bits flip.
    await sql`update users set ssn = concat(left(ssn, 40), if(substr(ssn, 41, 1) = 'A', 'B', 'A'), substr(ssn, 42))`.execute(
      db,
    )
    expect(await readError('ssn')).toMatchObject({
      column: 'ssn',
      keyId: 'k1',
      reason: 'authentication-failed',
    })
    await sql`update users set ssn = left(ssn, 20)`.execute(db)
    expect(await readError('ssn')).toMatchObject({ column: 'ssn', reason: 'malformed' })
  })

  it('names an unknown key id', async () => {
    await sql`update users set ssn = replace(ssn, 'kt1:k1:', 'kt1:k7:')`.execute(db)
    expect(await readError('ssn')).toMatchObject({ column: 'ssn', keyId: 'k7', reason: 'unknown-key' })
  })

  it('rejects a value moved to another column', async () => {
    await sql`update users set note = ssn`.execute(db)
    expect(await readError('note')).toMatchObject({
      table: 'users',
      column: 'note',
      reason: 'authentication-failed',
    })
  })

  it('rejects plaintext found in an encrypted column, unless migration mode reads it', async () => {
    await sql`update users set ssn = '987-65-4321'`.execute(db)
    const error = await readError('ssn')
    expect(error).toMatchObject({ column: 'ssn', reason: 'not-ciphertext', keyId: undefined })
    expect(error.message).not.toContain('987-65-4321')
    const migrating = new EncryptionPlugin<DB>({ keyring, tables, readLegacyPlaintext: true })
    const legacy = database.connect<DB>({ plugins: [migrating] })
    expect(await legacy.selectFrom('users').select(['ssn', 'email']).executeTakeFirst()).toEqual({
      ssn: '987-65-4321',
      email: 'Ada@Example.com',
    })
    await legacy.updateTable('users').set({ ssn: '987-65-4321' }).execute()
    const stored = await plain.selectFrom('users').select('ssn').executeTakeFirstOrThrow()
    expect(stored.ssn).toMatch(/^kt1:k1:/)
  })
})

describe(verifyEncryptionSetup.name, () => {
  it('passes on a correct setup and reports each column', async () => {
    const report = await verifyEncryptionSetup(db, { plugin })
    const ssn = report.columns.find((column) => column.column === 'ssn')
    expect(ssn).toMatchObject({ table: 'users', columnType: 'varchar(120)', capacityBytes: 43 })
    expect(report.columns.find((column) => column.column === 'email')?.blindIndex).toEqual({
      column: 'email_index',
      columnType: 'int unsigned', // MariaDB's int(10) unsigned: display widths are left out on both servers
    })
  })

  async function problemsOf(run: Promise<unknown>): Promise<readonly string[]> {
    const error = await rejection(run)
    expect(EncryptionSetupError.is(error), String(error)).toBe(true)
    return (error as EncryptionSetupError).problems
  }

  it('catches a Kysely instance without the plugin', async () => {
    const problems = await problemsOf(verifyEncryptionSetup(plain, { plugin }))
    expect(problems).toContain(
      'this Kysely instance does not run the encryption plugin: users.ssn would be written in plaintext',
    )
  })

  it('catches the plugin installed twice and another keyring', async () => {
    const twice = database.connect<DB>({ plugins: [plugin, plugin] })
    expect((await problemsOf(verifyEncryptionSetup(twice, { plugin }))).join()).toContain('encrypted twice')
    const other = new EncryptionPlugin<DB>({
      keyring: createKeyring({ keys: createTestKeyMaterial() }),
      tables,
    })
    const problems = await problemsOf(
      verifyEncryptionSetup(database.connect<DB>({ plugins: [other] }), { plugin }),
    )
    expect(problems.join()).toContain('encrypted by another plugin or keyring')
  })

  it('catches a misnamed column, a column too short and a blind-index column too narrow', async () => {
    await sql`create table narrow (id int primary key, secret varchar(60), idx tinyint unsigned)`.execute(
      plain,
    )
    const misconfigured = new EncryptionPlugin<Record<string, Record<string, unknown>>>({
      keyring,
      tables: {
        users: { snn: true },
        narrow: { secret: { maxPlaintextBytes: 20, blindIndex: { column: 'idx', bits: 12 } } },
      },
    })
    const withPlugin = database.connect<Record<string, Record<string, unknown>>>({ plugins: [misconfigured] })
    const problems = await problemsOf(verifyEncryptionSetup(withPlugin, { plugin: misconfigured }))
    expect(problems).toEqual([
      'users.snn does not exist in the current database',
      'narrow.secret is varchar(60), but an envelope of 20 plaintext bytes under a 2-character key id needs 89 characters',
      'narrow.idx is tinyint unsigned, too narrow for a 12-bit blind index',
    ])
  })
})
