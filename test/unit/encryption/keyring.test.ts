import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { DecryptionError } from '../../../src/error/decryption-error.js'
import { EncryptionSetupError } from '../../../src/error/encryption-setup-error.js'
import { InvalidOptionsError } from '../../../src/error/invalid-options-error.js'
import { createColumnContext, openValue, sealValue } from '../../../src/plugin/encryption/envelope.js'
import {
  createKeyring,
  generateEncryptionKey,
  getKeyringState,
  readKeysFromEnv,
} from '../../../src/plugin/encryption/keyring.js'

const ssn = createColumnContext('users', 'ssn')

function invalid(run: () => unknown): InvalidOptionsError {
  try {
    run()
  } catch (error) {
    if (InvalidOptionsError.is(error)) return error
    throw error
  }
  throw new Error('expected InvalidOptionsError')
}

describe(createKeyring.name, () => {
  const k1 = randomBytes(32)
  const k0 = randomBytes(32)
  const blind = randomBytes(32)
  const material = {
    currentKeyId: 'k1',
    keys: { k1: k1.toString('base64'), k0: k0.toString('base64url') },
    blindIndexKey: blind,
  }

  it('loads key material at once and lists key ids, current first', () => {
    const keyring = createKeyring({ keys: material })
    expect(keyring.loaded).toBe(true)
    expect(keyring.currentKeyId).toBe('k1')
    expect(keyring.keyIds).toEqual(['k1', 'k0'])
    expect(keyring.hasBlindIndexKey).toBe(true)
  })

  it('never shows a key in toString, JSON.stringify, util.inspect or error messages', () => {
    const keyring = createKeyring({ keys: material })
    const secrets = [k1, k0, blind].flatMap((key) => [
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      key.toString('base64').slice(0, 16),
    ])
    const state = getKeyringState(keyring)
    let decryptionMessage = ''
    try {
      openValue(state, createColumnContext('users', 'email'), sealValue(state, ssn, 'x'))
    } catch (error) {
      if (DecryptionError.is(error)) decryptionMessage = `${error.message} ${inspect(error)}`
    }
    expect(decryptionMessage).toContain('users.email')
    const outputs = [
      String(keyring),
      JSON.stringify(keyring),
      JSON.stringify({ keyring }),
      inspect(keyring),
      inspect(keyring, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      inspect(state, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(state),
      decryptionMessage,
    ]
    for (const output of outputs) {
      for (const secret of secrets) expect(output).not.toContain(secret)
    }
    expect(String(keyring)).toBe('EncryptionKeyring(current: k1; keys: k1, k0; blind index key: yes)')
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({
      currentKeyId: 'k1',
      keyIds: ['k1', 'k0'],
      hasBlindIndexKey: true,
    })
  })

  it('lists every problem with the key material, without key bytes', () => {
    const passphrase = Buffer.from('correct horse battery staple 123').toString('base64')
    const error = invalid(() =>
      createKeyring({
        keys: {
          currentKeyId: 'missing',
          keys: {
            short: randomBytes(31).toString('base64'),
            text: passphrase,
            'bad id!': randomBytes(32).toString('base64'),
            notBase64: '###',
            dup: k1.toString('base64'),
            DUP: k0.toString('base64'),
            zeros: Buffer.alloc(32).toString('base64'),
          },
          blindIndexKey: k1,
        },
      }),
    )
    const messages = error.problems.map((problem) => problem.message).join('\n')
    expect(messages).toContain('keys.short decodes to 31 bytes; a key is exactly 32 random bytes')
    expect(messages).toContain('keys.text does not look random (it is printable text)')
    expect(messages).toContain("key id 'bad id!' must be")
    expect(messages).toContain('keys.notBase64 is not base64')
    expect(messages).toContain("key ids 'dup' and 'DUP' differ only in case")
    expect(messages).toContain('keys.zeros does not look random (only 1 distinct bytes)')
    expect(messages).toContain("currentKeyId 'missing' is not one of the key ids")
    expect(messages).toContain('blindIndexKey must differ from every encryption key')
    expect(error.message).not.toContain(passphrase)
    expect(error.message).not.toContain(k1.toString('base64'))
  })

  it('refuses two ids for the same key', () => {
    const error = invalid(() =>
      createKeyring({ keys: { currentKeyId: 'a', keys: { a: k1, b: Buffer.from(k1) } } }),
    )
    expect(error.problems[0]?.message).toBe("keys 'a' and 'b' are the same key")
  })

  it('waits for load() when the keys come from an async provider, and reloads to pick up a new current key', async () => {
    let current = 'k0'
    const keyring = createKeyring({ keys: async () => ({ ...material, currentKeyId: current }) })
    expect(keyring.loaded).toBe(false)
    expect(() => keyring.currentKeyId).toThrow(EncryptionSetupError)
    expect(() => getKeyringState(keyring)).toThrow(/await keyring.load\(\)/)
    await expect(keyring.load()).resolves.toBe(keyring)
    expect(keyring.currentKeyId).toBe('k0')
    const stored = sealValue(getKeyringState(keyring), ssn, 'v')
    current = 'k1'
    await keyring.load()
    expect(keyring.currentKeyId).toBe('k1')
    expect(openValue(getKeyringState(keyring), ssn, stored)).toBe('v')
  })

  it('keeps the previous keys when a reload gets invalid material', async () => {
    let broken = false
    const keyring = createKeyring({
      keys: () => (broken ? { currentKeyId: 'k1', keys: { k1: 'AAAA' } } : material),
    })
    await keyring.load()
    broken = true
    await expect(keyring.load()).rejects.toThrow(InvalidOptionsError)
    expect(keyring.currentKeyId).toBe('k1')
    expect(keyring.keyIds).toEqual(['k1', 'k0'])
  })
})

describe(readKeysFromEnv.name, () => {
  const a = generateEncryptionKey()
  const b = generateEncryptionKey()

  it('reads id:base64 pairs, the first one current', () => {
    const material = readKeysFromEnv({ env: { ENCRYPTION_KEYS: ` new:${a} , old:${b}`, BLIND_INDEX_KEY: b } })
    expect(material).toEqual({ currentKeyId: 'new', keys: { new: a, old: b }, blindIndexKey: b })
  })

  it('takes the current key id from ENCRYPTION_CURRENT_KEY_ID and custom variable names', () => {
    const material = readKeysFromEnv({
      env: { APP_KEYS: `new:${a},old:${b}`, APP_CURRENT: 'old' },
      keysVariable: 'APP_KEYS',
      currentKeyIdVariable: 'APP_CURRENT',
    })
    expect(material.currentKeyId).toBe('old')
    expect(createKeyring({ keys: material }).currentKeyId).toBe('old')
  })

  it('names the variable when it is missing or malformed, never the keys', () => {
    expect(invalid(() => readKeysFromEnv({ env: {} })).message).toContain('ENCRYPTION_KEYS is not set')
    const error = invalid(() => readKeysFromEnv({ env: { ENCRYPTION_KEYS: `${a},x:${b},x:${b}` } }))
    expect(error.message).toContain('ENCRYPTION_KEYS entry 1 is not id:base64')
    expect(error.message).toContain("ENCRYPTION_KEYS lists 'x' twice")
    expect(error.message).not.toContain(a)
    expect(error.message).not.toContain(b)
  })
})

describe(generateEncryptionKey.name, () => {
  it('makes 32 random bytes in base64, different every time', () => {
    const key = generateEncryptionKey()
    expect(Buffer.from(key, 'base64')).toHaveLength(32)
    expect(generateEncryptionKey()).not.toBe(key)
  })
})
