// biome-ignore-all assist/source/organizeImports: the docs show the imports region as written
import { CamelCasePlugin, type Dialect } from 'kysely'
import { jsonBuildObject } from 'kysely/helpers/mysql'
import { metadata } from '../../example/generated/metadata.js' // your generated metadata (kysely-toolkit codegen)

// #region imports
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import {
  chooseBlindIndexBits,
  createKeyring,
  EncryptionPlugin,
  readKeysFromEnv,
  verifyEncryptionSetup,
} from 'kysely-toolkit/encryption'
// #endregion imports
import {
  checkEncryptedColumns,
  countRowsOnOldKeys,
  type EncryptionKeyring,
  rotateEncryptionKeys,
  type SnakeCaseDatabase,
} from 'kysely-toolkit/encryption'

/** The tables of docs/examples/encryption-schema.sql. */
export interface DB {
  users: { id: number; ssn: string | null; email: string | null; email_index: number | null }
  pets: { id: number; owner_id: number; name: string; chip: string | null }
}

/**
 * The page's opening example: the plugin on a Kysely instance, the start-up check, a write and a blind-index
 * lookup. `env` holds ENCRYPTION_KEYS and BLIND_INDEX_KEY; `url` is the database.
 */
export async function encryptionSetup(url: string, env: Record<string, string | undefined>) {
  // #region setup
  const encryption = new EncryptionPlugin<DB>({
    keyring: createKeyring({ keys: readKeysFromEnv({ env }) }), // ENCRYPTION_KEYS, BLIND_INDEX_KEY
    tables: {
      users: {
        ssn: { maxPlaintextBytes: 11 },
        email: {
          blindIndex: {
            column: 'email_index',
            bits: chooseBlindIndexBits(1_000_000), // 18
            transform: (value) => String(value).trim().toLowerCase(),
          },
        },
      },
      pets: { chip: true },
    },
  })
  const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: createPool(url) }), plugins: [encryption] })
  await verifyEncryptionSetup(db, { plugin: encryption }) // at start-up: fail closed

  await db.insertInto('users').values({ id: 1, ssn: '123-45-6789', email: 'Ada@example.com' }).execute()
  const ada = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', 'ada@example.com')
    .executeTakeFirst()
  // #endregion setup
  return { encryption, db, ada }
}

/** A nested relation on MariaDB: the owner's pets as JSON, their chips decrypted. */
export async function petsOfUsers(db: Kysely<DB>) {
  await db.insertInto('pets').values({ id: 1, owner_id: 1, name: 'Rex', chip: 'CHIP-123' }).execute()
  return (
    // #region json-relations
    db
      .selectFrom('users')
      .select((eb) => [
        'users.id',
        eb
          .selectFrom('pets')
          .select((inner) =>
            inner.fn
              .agg('json_arrayagg', [
                jsonBuildObject({ name: inner.ref('pets.name'), chip: inner.ref('pets.chip') }),
              ])
              .as('list'),
          )
          .whereRef('pets.owner_id', '=', 'users.id')
          .as('pets'),
      ])
      // #endregion json-relations
      .execute()
  )
}

/** The application's names for `user_profiles` (as codegen's camel-case mode writes them). */
export interface CamelDB {
  userProfiles: { id: number; socialSecurityNumber: string | null }
}

/** The plugin beside CamelCasePlugin, configured with the database's names. */
export async function withCamelCase(dialect: Dialect, keyring: EncryptionKeyring) {
  type DB = CamelDB
  // #region camel-case
  const encryption = new EncryptionPlugin<SnakeCaseDatabase<DB>>({
    keyring,
    tables: { user_profiles: { social_security_number: true } },
  })
  const db = new Kysely<DB>({ dialect, plugins: [new CamelCasePlugin(), encryption] })
  await db.insertInto('userProfiles').values({ id: 1, socialSecurityNumber: '123-45-6789' }).execute()
  // #endregion camel-case
  const rows = await db.selectFrom('userProfiles').selectAll().execute()
  await db.destroy()
  return rows
}

/** The plugin checked against codegen's metadata at construction, and the check function's warnings. */
export function checkedAgainstMetadata(keyring: EncryptionKeyring) {
  const warnings: string[] = []
  const console = {
    warn: (message: string) => {
      warnings.push(message)
    },
  }
  // #region schema-check
  // import { metadata } from './generated/metadata.js' (written by kysely-toolkit codegen)
  const encryption = new EncryptionPlugin({
    keyring,
    schema: metadata, // throws EncryptionSetupError here if the configuration does not fit the schema
    tables: { users: { ssn: { maxPlaintextBytes: 11 } } },
  })

  // In a test or a CI step: problems, and warnings about columns sized for their plaintext.
  const check = checkEncryptedColumns(metadata, { tables: { users: { ssn: true } }, keyIdLength: 7 })
  for (const line of [...check.problems, ...check.warnings]) console.warn(line)
  // #endregion schema-check
  return { encryption, check, warnings }
}

/** Rotation to a new current key, from code. */
export async function rotateUsers(db: Kysely<DB>, encryption: EncryptionPlugin<DB>) {
  const progress: string[] = []
  const console = {
    log: (line: string) => {
      progress.push(line)
    },
  }
  // #region rotation
  // `encryption`'s keyring has the new key as current and the old ones besides; `db` runs `encryption`.
  const result = await rotateEncryptionKeys(db, {
    plugin: encryption,
    table: 'users',
    batchSize: 500, // rows per short transaction
    onProgress: (p) => console.log(`${p.table}: ${p.rotated} re-encrypted, ${p.skipped} skipped`),
  })
  const left = await countRowsOnOldKeys(db, { plugin: encryption, table: 'users' })
  console.log(`${result.rotated} rows now on ${result.currentKeyId}; ${left.rows} left on old keys`)
  // #endregion rotation
  return { result, left, progress }
}
