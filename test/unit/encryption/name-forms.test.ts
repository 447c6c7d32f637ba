import { CamelCasePlugin, Kysely } from 'kysely'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  createKeyring,
  EncryptionPlugin,
  type SnakeCase,
  type SnakeCaseDatabase,
} from '../../../src/plugin/encryption/index.js'
import {
  camelCaseLike,
  findResultKey,
  queryNameForms,
  resultKeyCandidates,
} from '../../../src/plugin/encryption/name-forms.js'
import { createCompileOnlyDialect } from '../../helpers/compile-only-db.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

describe('name forms under CamelCasePlugin', () => {
  it('gives the camelCase forms a query may use for a database name', () => {
    expect(queryNameForms('social_security_number')).toEqual([
      'social_security_number',
      'socialSecurityNumber',
    ])
    expect(queryNameForms('ssn')).toEqual(['ssn'])
    expect(queryNameForms('BLOOD_TYPE')).toEqual(['BLOOD_TYPE', 'BLOODTYPE', 'bloodType'])
  })

  it('writes a companion column in the form of the column it accompanies', () => {
    expect(camelCaseLike('email_address', 'emailAddress', 'email_address_index')).toBe('emailAddressIndex')
    expect(camelCaseLike('email_address', 'email_address', 'email_address_index')).toBe('email_address_index')
    expect(camelCaseLike('email', 'email', 'email_index')).toBe('email_index')
    expect(camelCaseLike('EMAIL', 'email', 'EMAIL_INDEX')).toBe('emailIndex')
  })

  it('finds a planned result column under its own name, its camelCase or its snake_case forms', () => {
    expect(resultKeyCandidates('contactEmail')).toContain('contact_email')
    expect(resultKeyCandidates('contactEmail')).toContain('CONTACT_EMAIL')
    expect(resultKeyCandidates('contact_email')).toContain('contactEmail')
    expect(findResultKey({ contactEmail: 1 }, 'contact_email')).toBe('contactEmail')
    expect(findResultKey({ contact_email: 1, contactEmail: 2 }, 'contact_email')).toBe('contact_email')
    expect(findResultKey({ address_2: 1 }, 'address2')).toBe('address_2')
    expect(findResultKey({ other: 1 }, 'contact_email')).toBeUndefined()
  })

  it('types a camelCase database interface in snake_case', () => {
    expectTypeOf<SnakeCase<'socialSecurityNumber'>>().toEqualTypeOf<'social_security_number'>()
    expectTypeOf<SnakeCase<'userID'>>().toEqualTypeOf<'user_id'>()
    expectTypeOf<SnakeCase<'id'>>().toEqualTypeOf<'id'>()
    expectTypeOf<SnakeCaseDatabase<{ userProfiles: { displayName: string } }>>().toEqualTypeOf<{
      user_profiles: { display_name: string }
    }>()
  })
})

interface DB {
  userProfiles: {
    id: number
    socialSecurityNumber: string | null
    emailAddress: string | null
    emailAddressIndex: number | null
  }
}

describe(`${EncryptionPlugin.name} SQL with CamelCasePlugin`, () => {
  const plugin = new EncryptionPlugin<SnakeCaseDatabase<DB>>({
    keyring: createKeyring({ keys: createTestKeyMaterial() }),
    tables: {
      user_profiles: {
        social_security_number: true,
        email_address: { blindIndex: { column: 'email_address_index', bits: 4 } },
      },
    },
  })
  const dialect = createCompileOnlyDialect()
  for (const [order, plugins] of [
    ['CamelCasePlugin first', [new CamelCasePlugin(), plugin]],
    ['EncryptionPlugin first', [plugin, new CamelCasePlugin()]],
  ] as const) {
    it(`writes the database's names and encrypts (${order})`, () => {
      const db = new Kysely<DB>({ dialect, plugins: [...plugins] })
      const insert = db
        .insertInto('userProfiles')
        .values({ id: 1, socialSecurityNumber: '123-45-6789', emailAddress: 'a@x' })
        .compile()
      expect(insert.sql).toBe(
        'insert into `user_profiles` (`id`, `social_security_number`, `email_address`, `email_address_index`) values (?, ?, ?, ?)',
      )
      expect(insert.parameters[1]).toMatch(/^kt1:k1:/)
      expect(insert.parameters[3]).toBe(plugin.blindIndex('user_profiles', 'email_address', 'a@x'))
      const lookup = db.selectFrom('userProfiles').select('id').where('emailAddress', '=', 'a@x').compile()
      expect(lookup.sql).toBe(
        'select `id`, `email_address` as `__kt_lookup_0` from `user_profiles` where `email_address_index` = ?',
      )
    })
  }
})
