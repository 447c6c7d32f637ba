/**
 * Cost of column encryption, measured in one run:
 * 1. per value: the plugin's encrypt and decrypt (typed payload, XAES-256-GCM subkey, envelope) against bare
 *    createCipheriv/createDecipheriv with a KeyObject (random 12-byte IV, AAD, 16-byte tag);
 * 2. transformResult on 10,000 canned rows with two encrypted columns, against the same rows without them;
 * 3. reading 10,000 rows with two encrypted columns from the server, against a plain table.
 *
 * Run (from the repository root; `TEST_DATABASE_URL` defaults to mysql://root@127.0.0.1:3306):
 *   node --import jiti/register bench/encryption.ts
 * To measure a build instead of the sources: KT_ENCRYPTION_MODULE=./dist/encryption/index.js node bench/encryption.ts
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'

type Encryption = typeof import('../src/plugin/encryption/index.js')

const modulePath = process.env.KT_ENCRYPTION_MODULE
const encryption: Encryption = modulePath
  ? await import(pathToFileURL(resolve(modulePath)).href)
  : await import('../src/plugin/encryption/index.js')
const { createKeyring, EncryptionPlugin, generateEncryptionKey } = encryption

const VALUE = '123-45-6789-abcdefghijklmnopqrst' // 32 bytes
const ROWS = 10_000

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Median over `rounds` of the mean cost of `run()` in microseconds, after a warm-up. */
function measure(run: () => unknown, iterations: number, rounds = 7): number {
  for (let i = 0; i < iterations / 4; i++) run()
  const means: number[] = []
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) run()
    means.push(Number(process.hrtime.bigint() - start) / iterations / 1000)
  }
  return median(means)
}

async function measureAsync(run: () => Promise<unknown>, rounds: number): Promise<number> {
  await run()
  const times: number[] = []
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint()
    await run()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return median(times)
}

const format = (value: number, unit: string) => `${value.toFixed(2).padStart(8)} ${unit}`
const ratio = (value: number, base: number) => `${((value / base - 1) * 100).toFixed(0).padStart(4)}%`

// ---- 1. per value ----------------------------------------------------------------------------------------
const keyring = createKeyring({
  keys: { currentKeyId: 'k1', keys: { k1: generateEncryptionKey() }, blindIndexKey: generateEncryptionKey() },
})
interface DB {
  bench_encrypted: { id: number; a: string; b: string }
  bench_plain: { id: number; a: string; b: string }
}
const plugin = new EncryptionPlugin<DB>({ keyring, tables: { bench_encrypted: { a: true, b: true } } })

const key = createSecretKey(randomBytes(32))
const aad = Buffer.from('bench_encrypted.a')
const plaintext = Buffer.from(VALUE)
function bareEncrypt(): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  cipher.final()
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}
function bareDecrypt(sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: 16 })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.tag)
  const out = decipher.update(sealed.ciphertext)
  decipher.final()
  return out
}

const bareSealed = bareEncrypt()
const stored = plugin.encryptValue('bench_encrypted', 'a', VALUE)
const iterations = 50_000
const results: Record<string, number> = {}
// Interleave the two paths over several rounds so that neither gets a warmer CPU.
for (let round = 0; round < 3; round++) {
  const sample = {
    bareEncrypt: measure(bareEncrypt, iterations),
    pluginEncrypt: measure(() => plugin.encryptValue('bench_encrypted', 'a', VALUE), iterations),
    bareDecrypt: measure(() => bareDecrypt(bareSealed), iterations),
    pluginDecrypt: measure(() => plugin.decryptValue('bench_encrypted', 'a', stored), iterations),
  }
  for (const [name, value] of Object.entries(sample))
    results[name] = Math.min(results[name] ?? Infinity, value)
}
const bareEnc = results.bareEncrypt ?? Number.NaN
const bareDec = results.bareDecrypt ?? Number.NaN
const plugEnc = results.pluginEncrypt ?? Number.NaN
const plugDec = results.pluginDecrypt ?? Number.NaN

console.log(`Node ${process.version}, ${VALUE.length}-byte string value, best of 3 interleaved medians`)
console.log('\nPer value                         bare AES-256-GCM      plugin   overhead')
console.log(
  `  encrypt                         ${format(bareEnc, 'µs')} ${format(plugEnc, 'µs')}    ${ratio(plugEnc, bareEnc)}`,
)
console.log(
  `  decrypt                         ${format(bareDec, 'µs')} ${format(plugDec, 'µs')}    ${ratio(plugDec, bareDec)}`,
)
console.log(
  `  encrypt + decrypt               ${format(bareEnc + bareDec, 'µs')} ${format(plugEnc + plugDec, 'µs')}    ${ratio(plugEnc + plugDec, bareEnc + bareDec)}`,
)

// ---- 2. transformResult on canned rows --------------------------------------------------------------------
const dummy = new Kysely<DB>({
  dialect: new MysqlDialect({ pool: createPool({ uri: 'mysql://unused@127.0.0.1:1/none' }) }),
  plugins: [plugin],
})
const cannedRows = Array.from({ length: ROWS }, (_, id) => ({
  id,
  a: plugin.encryptValue('bench_encrypted', 'a', `a-${id}-${VALUE}`),
  b: plugin.encryptValue('bench_encrypted', 'b', `b-${id}-${VALUE}`),
}))
const { queryId } = dummy.selectFrom('bench_encrypted').select(['id', 'a', 'b']).compile()
const transformMs = await measureAsync(
  () => plugin.transformResult({ queryId, result: { rows: cannedRows } }),
  9,
)
const { queryId: plainQueryId } = dummy.selectFrom('bench_plain').select(['id', 'a', 'b']).compile()
const plainMs = await measureAsync(
  () => plugin.transformResult({ queryId: plainQueryId, result: { rows: cannedRows } }),
  9,
)
await dummy.destroy()
console.log(`\ntransformResult, ${ROWS} rows x 2 encrypted columns (no database)`)
console.log(
  `  decrypting                      ${format(transformMs, 'ms')}  = ${((transformMs * 1000) / (ROWS * 2)).toFixed(2)} µs per value`,
)
console.log(`  table without encrypted columns ${format(plainMs, 'ms')}`)

// ---- 3. reading from the server ---------------------------------------------------------------------------
const serverUrl = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'
const databaseName = `kt_bench_${randomBytes(4).toString('hex')}`
const admin = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool(serverUrl) }) })
try {
  await sql`create database ${sql.id(databaseName)} character set utf8mb4`.execute(admin)
} catch (error) {
  console.log(`\nNo server at ${serverUrl} (${(error as Error).message}): skipping the read benchmark`)
  await admin.destroy()
  process.exit(0)
}
const url = new URL(serverUrl)
url.pathname = `/${databaseName}`
const plainDb = new Kysely<DB>({
  dialect: new MysqlDialect({ pool: createPool({ uri: url.toString(), connectionLimit: 2 }) }),
})
const encryptedDb = plainDb.withPlugin(plugin)
try {
  for (const table of ['bench_encrypted', 'bench_plain']) {
    await sql`create table ${sql.table(table)} (id int primary key, a varchar(200) not null, b varchar(200) not null)`.execute(
      plainDb,
    )
  }
  for (let start = 0; start < ROWS; start += 1000) {
    const ids = Array.from({ length: 1000 }, (_, i) => start + i)
    await encryptedDb
      .insertInto('bench_encrypted')
      .values(ids.map((id) => ({ id, a: `a-${id}-${VALUE}`, b: `b-${id}-${VALUE}` })))
      .execute()
    await plainDb
      .insertInto('bench_plain')
      .values(ids.map((id) => ({ id, a: `a-${id}-${VALUE}`, b: `b-${id}-${VALUE}` })))
      .execute()
  }
  const readEncrypted = () => encryptedDb.selectFrom('bench_encrypted').select(['id', 'a', 'b']).execute()
  const readPlain = () => plainDb.selectFrom('bench_plain').select(['id', 'a', 'b']).execute()
  const check = await readEncrypted()
  if (check[123]?.a !== `a-123-${VALUE}`) throw new Error('the encrypted table did not round-trip')
  const encryptedTimes: number[] = []
  const plainTimes: number[] = []
  for (let round = 0; round < 5; round++) {
    encryptedTimes.push(await measureAsync(readEncrypted, 3))
    plainTimes.push(await measureAsync(readPlain, 3))
  }
  const encryptedMs = median(encryptedTimes)
  const readPlainMs = median(plainTimes)
  console.log(`\nReading ${ROWS} rows (id + 2 columns) from ${url.host}, median of 15`)
  console.log(`  plain table                     ${format(readPlainMs, 'ms')}`)
  console.log(
    `  2 encrypted columns             ${format(encryptedMs, 'ms')}  (+${(encryptedMs - readPlainMs).toFixed(1)} ms, ${ratio(encryptedMs, readPlainMs)}; envelopes are ~${check.length && String((await plainDb.selectFrom('bench_encrypted').select('a').executeTakeFirstOrThrow()).a.length)} characters)`,
  )
} finally {
  await plainDb.destroy()
  await sql`drop database if exists ${sql.id(databaseName)}`.execute(admin)
  await admin.destroy()
}
