import { describe, expect, it } from 'vitest'
import { metadata } from '../../../example/generated/metadata.js'
import {
  checkEncryptedColumns,
  createKeyring,
  EncryptionPlugin,
  EncryptionSetupError,
  encryptedColumnLength,
} from '../../../src/plugin/encryption/index.js'
import type { SchemaMetadata } from '../../../src/schema/schema-metadata.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

const keyring = createKeyring({ keys: createTestKeyMaterial() })

function setupError(run: () => unknown): EncryptionSetupError {
  try {
    run()
  } catch (error) {
    if (EncryptionSetupError.is(error)) return error
    throw error
  }
  throw new Error('expected EncryptionSetupError')
}

/** The example schema with one more table: a tiny varchar and integer columns of several widths. */
const schema: SchemaMetadata = {
  ...metadata,
  tables: {
    ...metadata.tables,
    cards: {
      ...metadata.tables.users,
      name: 'cards',
      tableName: 'cards',
      columns: {
        pin: {
          ...metadata.tables.users.columns.ssn,
          name: 'pin',
          columnName: 'pin',
          columnType: 'varchar(80)',
          maxLength: 80,
        },
        pin_index: {
          ...metadata.tables.users.columns.id,
          name: 'pin_index',
          columnName: 'pin_index',
          dataType: 'tinyint',
          columnType: 'tinyint unsigned',
        },
        notes: {
          ...metadata.tables.users.columns.ssn,
          name: 'notes',
          columnName: 'notes',
          dataType: 'json',
          columnType: 'json',
          maxLength: null,
        },
      },
    },
  },
}

describe(checkEncryptedColumns.name, () => {
  it('passes a configuration that fits the generated schema', () => {
    const check = checkEncryptedColumns(metadata, {
      tables: { users: { ssn: { maxPlaintextBytes: 11 }, email: { maxPlaintextBytes: 100 } } },
    })
    expect(check).toEqual({ problems: [], warnings: [] })
  })

  it('names a misnamed table or column, a non-string column and one too short for maxPlaintextBytes', () => {
    const check = checkEncryptedColumns(metadata, {
      tables: {
        user: { ssn: true },
        users: { sn: true, id: true, ssn: { maxPlaintextBytes: 200 } },
      },
    })
    expect(check.problems).toEqual([
      'user is not a table in the schema metadata',
      'users.sn is not a column in the schema metadata',
      'users.id is int unsigned; an encrypted column must be a text or binary type (e.g. varchar)',
      `users.ssn is varchar(255), but an envelope of 200 plaintext bytes under a 32-character key id needs ${encryptedColumnLength(200)} characters`,
    ])
  })

  it('checks lengths for the key ids in use', () => {
    // varchar(80) holds 11 plaintext bytes under a 2-character key id, not under a 32-character one.
    const tables = { cards: { pin: { maxPlaintextBytes: 11 } } }
    expect(checkEncryptedColumns(schema, { tables, keyIdLength: 2 }).problems).toEqual([])
    expect(checkEncryptedColumns(schema, { tables }).problems).toEqual([
      `cards.pin is varchar(80), but an envelope of 11 plaintext bytes under a 32-character key id needs ${encryptedColumnLength(11)} characters`,
    ])
    expect(() => checkEncryptedColumns(schema, { tables, keyIdLength: 33 })).toThrow(RangeError)
  })

  it('checks blind-index columns: present, integer, wide enough; JSON columns are refused', () => {
    const check = checkEncryptedColumns(schema, {
      keyIdLength: 2,
      tables: {
        cards: { pin: { blindIndex: { column: 'pin_index', bits: 12 } }, notes: true },
        users: {
          email: { blindIndex: { column: 'email_idx', bits: 4 } },
          ssn: { blindIndex: { column: 'first_name', bits: 4 } },
        },
      },
    })
    expect(check.problems).toEqual([
      'cards.pin_index is tinyint unsigned, too narrow for a 12-bit blind index',
      'cards.notes is json; an encrypted column must be a text or binary type (e.g. varchar)',
      'users.email_idx (the blind index of users.email) does not exist in the schema metadata',
      'users.first_name is varchar(100); a blind index column must be an integer type',
    ])
  })

  it('warns about a column sized for its plaintext when maxPlaintextBytes does not say', () => {
    const check = checkEncryptedColumns(metadata, { tables: { users: { ssn: true } }, keyIdLength: 7 })
    expect(check.problems).toEqual([])
    expect(check.warnings).toEqual([
      `users.ssn is varchar(255): encrypted, it holds values of at most 141 bytes, not 255; make it ${encryptedColumnLength(255, { keyIdLength: 7 })} characters long to hold 255 bytes, or set maxPlaintextBytes to have the size checked`,
    ])
  })

  it('points at the database name when a camelCase schema is configured by its camelCase names', () => {
    const camel: SchemaMetadata = {
      ...metadata,
      camelCase: true,
      tables: {
        orderItems: {
          ...metadata.tables.order_items,
          name: 'orderItems',
          columns: {
            productName: { ...metadata.tables.order_items.columns.product_name, name: 'productName' },
          },
        },
      },
    }
    expect(checkEncryptedColumns(camel, { tables: { orderItems: { productName: true } } }).problems).toEqual([
      "orderItems is the camelCase name of table order_items: configure encrypted columns by the database's names",
    ])
    expect(checkEncryptedColumns(camel, { tables: { order_items: { productName: true } } }).problems).toEqual(
      [
        "order_items.productName is the camelCase name of column order_items.product_name: configure encrypted columns by the database's names",
      ],
    )
    expect(
      checkEncryptedColumns(camel, { tables: { order_items: { product_name: true } } }).problems,
    ).toEqual([])
  })
})

describe(`${EncryptionPlugin.name} with schema metadata`, () => {
  it('throws EncryptionSetupError at construction, listing every problem', () => {
    const error = setupError(
      () =>
        new EncryptionPlugin({
          keyring,
          schema: metadata,
          tables: { users: { ssn: { maxPlaintextBytes: 500 }, status: true }, payments: { card: true } },
        }),
    )
    expect(error.problems).toHaveLength(3)
    expect(error.problems[0]).toMatch(
      /^users\.ssn is varchar\(255\), but an envelope of 500 plaintext bytes under a 2-character key id/,
    )
    expect(error.problems[1]).toMatch(/^users\.status is enum/)
    expect(error.problems[2]).toBe('payments is not a table in the schema metadata')
  })

  it('constructs when the configuration fits, and hands warnings to onSchemaWarning', () => {
    const warnings: string[] = []
    const plugin = new EncryptionPlugin({
      keyring,
      schema: metadata,
      tables: { users: { ssn: { maxPlaintextBytes: 11 }, password_hash: true } },
      onSchemaWarning: (message) => warnings.push(message),
    })
    expect(plugin.keyring).toBe(keyring)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^users\.password_hash is varchar\(255\): encrypted, it holds values of at most/,
    )
  })

  it('emits warnings as process warnings by default', async () => {
    const seen: Error[] = []
    const listener = (warning: Error) => seen.push(warning)
    process.on('warning', listener)
    try {
      new EncryptionPlugin({ keyring, schema: metadata, tables: { users: { password_hash: true } } })
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }
    expect(seen.map((warning) => warning.name)).toContain('EncryptionSchemaWarning')
  })

  it('assumes 32-character key ids while a provider keyring is not loaded', () => {
    const pending = createKeyring({ keys: async () => createTestKeyMaterial() })
    const tables = { cards: { pin: { maxPlaintextBytes: 11 } } }
    expect(setupError(() => new EncryptionPlugin({ keyring: pending, schema, tables })).problems[0]).toMatch(
      /under a 32-character key id/,
    )
    expect(() => new EncryptionPlugin({ keyring, schema, tables })).not.toThrow()
  })
})
