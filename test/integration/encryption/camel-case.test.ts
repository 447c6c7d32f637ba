import { CamelCasePlugin, type Kysely, type KyselyPlugin, sql } from 'kysely'
import { jsonBuildObject } from 'kysely/helpers/mysql'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  countRowsOnOldKeys,
  createKeyring,
  EncryptionPlugin,
  EncryptionSetupError,
  rotateEncryptionKeys,
  type SnakeCaseDatabase,
  UnsupportedEncryptedOperationError,
  verifyEncryptionSetup,
} from '../../../src/plugin/encryption/index.js'
import { createThrowAwayDatabase, type ThrowAwayDatabase } from '../../helpers/encryption-database.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

/** The application's names (camelCase), as codegen's camel-case mode types them. */
interface DB {
  userProfiles: {
    id: number
    displayName: string
    socialSecurityNumber: string | null
    emailAddress: string | null
    emailAddressIndex: number | null
  }
  profileNotes: { id: number; profileId: number; noteText: string | null }
}

const SCHEMA = [
  `create table user_profiles (
    id int primary key,
    display_name varchar(100) not null,
    social_security_number varchar(120) character set ascii null,
    email_address varchar(200) character set ascii null,
    email_address_index int unsigned null,
    index (email_address_index)
  )`,
  `create table profile_notes (
    id int primary key,
    profile_id int not null,
    note_text text null
  )`,
]

const material = createTestKeyMaterial()

/** The plugin, configured in the database's naming (typed with SnakeCaseDatabase<DB>). */
function createPlugin(currentKeyId = 'k1'): EncryptionPlugin<SnakeCaseDatabase<DB>> {
  return new EncryptionPlugin<SnakeCaseDatabase<DB>>({
    keyring: createKeyring({ keys: { ...material, currentKeyId } }),
    tables: {
      user_profiles: {
        social_security_number: { maxPlaintextBytes: 11 },
        email_address: {
          blindIndex: {
            column: 'email_address_index',
            bits: 2,
            transform: (value) => String(value).toLowerCase(),
          },
        },
      },
      profile_notes: { note_text: true },
    },
  })
}

const plugin = createPlugin()
const ORDERS: readonly [string, () => readonly KyselyPlugin[]][] = [
  ['CamelCasePlugin first', () => [new CamelCasePlugin(), plugin]],
  ['EncryptionPlugin first', () => [plugin, new CamelCasePlugin()]],
]

let database: ThrowAwayDatabase
let plain: Kysely<SnakeCaseDatabase<DB>>

beforeAll(async () => {
  database = await createThrowAwayDatabase(SCHEMA)
  plain = database.connect<SnakeCaseDatabase<DB>>()
})
afterAll(async () => {
  await database?.destroy()
})
beforeEach(async () => {
  await plain.deleteFrom('profile_notes').execute()
  await plain.deleteFrom('user_profiles').execute()
})

const ada = {
  id: 1,
  displayName: 'Ada',
  socialSecurityNumber: '123-45-6789',
  emailAddress: 'Ada@Example.com',
}

for (const [order, plugins] of ORDERS) {
  describe(`${EncryptionPlugin.name} with CamelCasePlugin (${order})`, () => {
    let db: Kysely<DB>
    beforeAll(() => {
      db = database.connect<DB>({ plugins: plugins() })
    })

    it('encrypts writes under the database names, blind index included, and stores no plaintext', async () => {
      await db.insertInto('userProfiles').values(ada).execute()
      await db.insertInto('profileNotes').values({ id: 1, profileId: 1, noteText: 'likes engines' }).execute()
      const [stored] = await plain.selectFrom('user_profiles').selectAll().execute()
      expect(stored?.social_security_number).toMatch(/^kt1:k1:/)
      expect(stored?.email_address).toMatch(/^kt1:k1:/)
      expect(stored?.email_address_index).toBe(
        plugin.blindIndex('user_profiles', 'email_address', 'ada@example.com'),
      )
      expect(JSON.stringify(stored)).not.toContain('123-45-6789')
      const [note] = await plain.selectFrom('profile_notes').selectAll().execute()
      expect(note?.note_text).toMatch(/^kt1:k1:/)
    })

    it('decrypts selected columns, aliases, selectAll, joins and JSON objects into camelCase rows', async () => {
      await db.insertInto('userProfiles').values(ada).execute()
      await db.insertInto('profileNotes').values({ id: 1, profileId: 1, noteText: 'likes engines' }).execute()
      expect(await db.selectFrom('userProfiles').selectAll().execute()).toEqual([
        { ...ada, emailAddressIndex: plugin.blindIndex('user_profiles', 'email_address', 'ada@example.com') },
      ])
      expect(
        await db
          .selectFrom('userProfiles')
          .select(['socialSecurityNumber', 'emailAddress as contactEmail'])
          .execute(),
      ).toEqual([{ socialSecurityNumber: '123-45-6789', contactEmail: 'Ada@Example.com' }])
      expect(
        await db
          .selectFrom('userProfiles as p')
          .innerJoin('profileNotes as n', 'n.profileId', 'p.id')
          .select(['p.displayName', 'n.noteText', 'p.socialSecurityNumber as ssnOfOwner'])
          .execute(),
      ).toEqual([{ displayName: 'Ada', noteText: 'likes engines', ssnOfOwner: '123-45-6789' }])
      const nested = await db
        .selectFrom('profileNotes')
        .select((eb) => [
          'profileNotes.noteText',
          eb
            .selectFrom('userProfiles')
            .select((inner) =>
              jsonBuildObject({ socialSecurityNumber: inner.ref('userProfiles.socialSecurityNumber') }).as(
                'o',
              ),
            )
            .whereRef('userProfiles.id', '=', 'profileNotes.profileId')
            .as('owner'),
        ])
        .execute()
      expect(nested).toEqual([{ noteText: 'likes engines', owner: { socialSecurityNumber: '123-45-6789' } }])
    })

    it('finds rows through the blind index by the camelCase name', async () => {
      await db
        .insertInto('userProfiles')
        .values(
          Array.from({ length: 12 }, (_, i) => ({
            id: i + 1,
            displayName: `p${i}`,
            emailAddress: `Person${i}@Example.com`,
          })),
        )
        .execute()
      const found = await db
        .selectFrom('userProfiles')
        .select(['id', 'emailAddress'])
        .where('emailAddress', '=', 'person7@example.com')
        .execute()
      expect(found).toEqual([{ id: 8, emailAddress: 'Person7@Example.com' }])
      const some = await db
        .selectFrom('userProfiles')
        .selectAll()
        .where('emailAddress', 'in', ['person1@example.com', 'person2@example.com'])
        .orderBy('id')
        .limit(1)
        .offset(1)
        .execute()
      expect(some.map((row) => [row.id, row.emailAddress])).toEqual([[3, 'Person2@Example.com']])
    })

    it('encrypts updates and upserts, keeping the blind index in step', async () => {
      await db.insertInto('userProfiles').values(ada).execute()
      await db
        .updateTable('userProfiles')
        .set({ emailAddress: 'Lovelace@Example.com', socialSecurityNumber: '987-65-4321' })
        .where('id', '=', 1)
        .execute()
      await db
        .insertInto('userProfiles')
        .values({ id: 1, displayName: 'Ada', emailAddress: 'Countess@Example.com' })
        .onDuplicateKeyUpdate({ emailAddress: 'Countess@Example.com' })
        .execute()
      const row = await db
        .selectFrom('userProfiles')
        .selectAll()
        .where('emailAddress', '=', 'countess@example.com')
        .executeTakeFirstOrThrow()
      expect(row).toMatchObject({ socialSecurityNumber: '987-65-4321', emailAddress: 'Countess@Example.com' })
      const [stored] = await plain.selectFrom('user_profiles').selectAll().execute()
      expect(stored?.email_address_index).toBe(
        plugin.blindIndex('user_profiles', 'email_address', 'countess@example.com'),
      )
    })

    it('refuses operations on ciphertext by their camelCase names, naming the database column', async () => {
      const error = await db
        .selectFrom('userProfiles')
        .selectAll()
        .orderBy('socialSecurityNumber')
        .execute()
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
      expect(UnsupportedEncryptedOperationError.is(error)).toBe(true)
      expect(error).toMatchObject({ table: 'user_profiles', column: 'social_security_number' })
    })

    it('reads what the other plugin order wrote (same AAD: the database names)', async () => {
      const [, otherPlugins] = ORDERS.find(([name]) => name !== order)!
      const other = database.connect<DB>({ plugins: otherPlugins() })
      await other.insertInto('userProfiles').values(ada).execute()
      expect(
        await db.selectFrom('userProfiles').select(['socialSecurityNumber', 'emailAddress']).execute(),
      ).toEqual([{ socialSecurityNumber: '123-45-6789', emailAddress: 'Ada@Example.com' }])
    })
  })
}

describe('CamelCasePlugin with upperCase database names', () => {
  it('works in either order when the database names are upper-case SNAKE_CASE', async () => {
    const upper = await createThrowAwayDatabase([
      'create table PATIENT_RECORDS (ID int primary key, BLOOD_TYPE varchar(100) character set ascii null)',
    ])
    try {
      interface UpperDB {
        patientRecords: { id: number; bloodType: string | null }
      }
      const encryption = new EncryptionPlugin({
        keyring: createKeyring({ keys: material }),
        tables: { PATIENT_RECORDS: { BLOOD_TYPE: true } },
      })
      for (const plugins of [
        [new CamelCasePlugin({ upperCase: true }), encryption],
        [encryption, new CamelCasePlugin({ upperCase: true })],
      ]) {
        const db = upper.connect<UpperDB>({ plugins })
        await db.deleteFrom('patientRecords').execute()
        await db.insertInto('patientRecords').values({ id: 1, bloodType: 'AB-' }).execute()
        expect(await db.selectFrom('patientRecords').selectAll().execute()).toEqual([
          { id: 1, bloodType: 'AB-' },
        ])
        const { rows } = await sql<{ BLOOD_TYPE: string }>`select BLOOD_TYPE from PATIENT_RECORDS`.execute(
          upper.connect(),
        )
        expect(rows[0]?.BLOOD_TYPE).toMatch(/^kt1:/)
      }
    } finally {
      await upper.destroy()
    }
  })
})

describe('rotation and the setup check with CamelCasePlugin', () => {
  it('rotates and counts by either naming, and verifies the setup', async () => {
    const db = database.connect<DB>({ plugins: [new CamelCasePlugin(), plugin] })
    await db.insertInto('userProfiles').values(ada).execute()
    const rotated = createPlugin('k0')
    const next = database.connect<DB>({ plugins: [new CamelCasePlugin(), rotated] })
    expect((await countRowsOnOldKeys(next, { plugin: rotated, table: 'userProfiles' })).rows).toBe(1)
    const result = await rotateEncryptionKeys(next, {
      plugin: rotated,
      table: 'userProfiles',
      columns: ['socialSecurityNumber', 'emailAddress'],
    })
    expect(result.rotated).toBe(1)
    expect((await countRowsOnOldKeys(next, { plugin: rotated, table: 'userProfiles' })).rows).toBe(0)
    expect(await next.selectFrom('userProfiles').select('socialSecurityNumber').execute()).toEqual([
      { socialSecurityNumber: '123-45-6789' },
    ])
    const report = await verifyEncryptionSetup(next, { plugin: rotated })
    expect(report.columns.map((column) => column.column).sort()).toEqual([
      'email_address',
      'note_text',
      'social_security_number',
    ])
  })

  it('fails closed when a result column is renamed in a way the plugin cannot follow', async () => {
    class ShoutingPlugin extends CamelCasePlugin {
      protected override camelCase(name: string): string {
        return `${name.toUpperCase()}!`
      }
    }
    const db = database.connect<DB>({ plugins: [new ShoutingPlugin(), plugin] })
    await plain
      .insertInto('user_profiles')
      .values({
        id: 1,
        display_name: 'x',
        social_security_number: plugin.encryptValue('user_profiles', 'social_security_number', '1'),
      })
      .execute()
    const error = await db
      .selectFrom('userProfiles')
      .select('socialSecurityNumber')
      .execute()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(EncryptionSetupError.is(error)).toBe(true)
    expect(String(error)).toContain('social_security_number')
  })
})
