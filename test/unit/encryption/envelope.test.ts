import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecryptionError } from '../../../src/error/decryption-error.js'
import { UnsupportedEncryptedOperationError } from '../../../src/error/unsupported-encrypted-operation-error.js'
import {
  createColumnContext,
  ENVELOPE_PREFIX,
  encodePayload,
  encryptedColumnLength,
  openValue,
  parseEnvelope,
  plaintextCapacity,
  sealValue,
} from '../../../src/plugin/encryption/envelope.js'
import { createKeyring, getKeyringState } from '../../../src/plugin/encryption/keyring.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

const material = createTestKeyMaterial()
const keys = getKeyringState(createKeyring({ keys: material }))
const ssn = createColumnContext('users', 'ssn')
const email = createColumnContext('users', 'email')

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

/** The envelope with one bit of its tag flipped. */
function withFlippedTagBit(envelope: string): string {
  const parsed = parseEnvelope(envelope)
  if ('failure' in parsed) throw new Error('unparseable envelope')
  parsed.sealed[parsed.sealed.length - 1]! ^= 0x80
  return `${ENVELOPE_PREFIX}${parsed.keyId}:${parsed.sealed.toString('base64url')}`
}

function expectDecryptionError(stored: unknown, reason: string, keyId?: string): DecryptionError {
  const error = catchError(() => openValue(keys, ssn, stored))
  expect(DecryptionError.is(error)).toBe(true)
  const decryption = error as DecryptionError
  expect(decryption).toMatchObject({ table: 'users', column: 'ssn', reason, keyId })
  expect(decryption.message).toContain('users.ssn')
  return decryption
}

describe('envelope round trips', () => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['a string', '123-45-6789'],
    ['the empty string', ''],
    ['unicode text', 'Zoë 😀 \u0000 naïve'],
    ['an integer', 42],
    ['a float', -1.5e-300],
    ['negative zero', -0],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', -(2n ** 100n) + 7n],
    ['true', true],
    ['false', false],
    ['a Date', new Date('2024-02-29T12:34:56.789Z')],
    ['a JSON object', { a: 1, b: [true, null, 'x'], c: { d: 'é' } }],
    ['a JSON array', [1, 'two', { three: 3 }]],
    ['an empty array', []],
    ['a Buffer', Buffer.from([0, 1, 2, 255])],
    ['an empty Buffer', Buffer.alloc(0)],
  ]
  for (const [name, value] of cases) {
    it(`keeps ${name} and its type`, () => {
      const stored = sealValue(keys, ssn, value)
      expect(stored).toMatch(/^kt1:k1:[A-Za-z0-9_-]+$/)
      const opened = openValue(keys, ssn, stored)
      expect(opened).toStrictEqual(value)
      expect(typeof opened).toBe(typeof value)
    })
  }

  it('returns a Uint8Array as a Buffer with the same bytes', () => {
    const opened = openValue(keys, ssn, sealValue(keys, ssn, new Uint8Array([9, 8, 7])))
    expect(Buffer.isBuffer(opened)).toBe(true)
    expect([...(opened as Buffer)]).toEqual([9, 8, 7])
  })

  it('reads an envelope stored in a binary column (a Buffer)', () => {
    const stored = Buffer.from(sealValue(keys, ssn, 'x'), 'latin1')
    expect(openValue(keys, ssn, stored)).toBe('x')
  })

  it('keeps every value fast-check can think of', () => {
    // JSON has no -0: a JSON value comes back as JSON.parse(JSON.stringify(value)) does.
    const json = fc
      .jsonValue()
      .filter((value) => typeof value === 'object' && value !== null)
      .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
    const anyValue = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.date({ noInvalidDate: true }),
      fc.uint8Array().map((bytes) => Buffer.from(bytes)),
      json,
    )
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(openValue(keys, ssn, sealValue(keys, ssn, value))).toStrictEqual(value)
      }),
      { numRuns: 2000 },
    )
  })

  it('makes envelopes exactly as long as encryptedColumnLength says', () => {
    for (const value of ['', 'a', 'ab', 'abc', 'x'.repeat(100), 'é'.repeat(33)]) {
      const bytes = Buffer.byteLength(value)
      expect(sealValue(keys, ssn, value).length).toBe(encryptedColumnLength(bytes, { keyIdLength: 2 }))
      expect(plaintextCapacity(encryptedColumnLength(bytes, { keyIdLength: 2 }), 2)).toBeGreaterThanOrEqual(
        bytes,
      )
    }
    expect(encryptedColumnLength(11, { keyIdLength: 8 })).toBe(83)
    expect(encryptedColumnLength(0)).toBe(4 + 32 + 1 + 55)
    expect(() => encryptedColumnLength(-1)).toThrow(RangeError)
  })

  it('gives 10,000 encryptions 10,000 distinct nonces and distinct GCM IVs', () => {
    const nonces = new Set<string>()
    const ivs = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const parsed = parseEnvelope(sealValue(keys, ssn, 'same value'))
      if ('failure' in parsed) throw new Error('unparseable envelope')
      nonces.add(parsed.sealed.subarray(0, 24).toString('hex'))
      ivs.add(parsed.sealed.subarray(12, 24).toString('hex'))
    }
    expect(nonces.size).toBe(10_000)
    expect(ivs.size).toBe(10_000)
  })

  it('refuses values it cannot encode faithfully', () => {
    for (const value of [
      () => 1,
      Symbol('s'),
      new Map(),
      new (class Point {})(),
      new Date(Number.NaN),
      undefined,
    ]) {
      const error = catchError(() => sealValue(keys, ssn, value))
      expect(UnsupportedEncryptedOperationError.is(error)).toBe(true)
      expect(error).toMatchObject({ table: 'users', column: 'ssn' })
    }
    expect(() => encodePayload({ big: 1n }, ssn)).toThrow(/JSON.stringify/)
  })
})

describe('envelope failures', () => {
  const plaintext = '123-45-6789'
  const stored = sealValue(keys, ssn, plaintext)

  it('binds the value to its table and column (a value moved to another column fails)', () => {
    const error = catchError(() => openValue(keys, email, stored)) as DecryptionError
    expect(error).toMatchObject({
      table: 'users',
      column: 'email',
      reason: 'authentication-failed',
      keyId: 'k1',
    })
    const otherTable = createColumnContext('customers', 'ssn')
    expect(catchError(() => openValue(keys, otherTable, stored))).toMatchObject({
      reason: 'authentication-failed',
    })
  })

  it('rejects a flipped bit anywhere in nonce, ciphertext or tag', () => {
    const parsed = parseEnvelope(stored)
    if ('failure' in parsed) throw new Error('unparseable envelope')
    for (let byte = 0; byte < parsed.sealed.length; byte++) {
      const tampered = Buffer.from(parsed.sealed)
      tampered[byte] = (tampered[byte] ?? 0) ^ 0x01
      const error = expectDecryptionError(
        `${ENVELOPE_PREFIX}k1:${tampered.toString('base64url')}`,
        'authentication-failed',
        'k1',
      )
      expect(error.message).not.toContain(plaintext)
    }
  })

  it('rejects truncated values', () => {
    for (const cut of [1, 2, 3, 10, 30, stored.length - 8]) {
      const error = catchError(() =>
        openValue(keys, ssn, stored.slice(0, stored.length - cut)),
      ) as DecryptionError
      expect(DecryptionError.is(error)).toBe(true)
      expect(['malformed', 'authentication-failed']).toContain(error.reason)
    }
    expectDecryptionError('kt1:k1:', 'malformed', 'k1')
    expectDecryptionError('kt1:k1', 'malformed')
  })

  it('names an unknown key id', () => {
    expectDecryptionError(stored.replace('kt1:k1:', 'kt1:k9:'), 'unknown-key', 'k9')
  })

  it('recognises plaintext and non-text values as not ciphertext', () => {
    const error = expectDecryptionError(plaintext, 'not-ciphertext')
    expect(error.message).not.toContain(plaintext)
    expectDecryptionError(42, 'not-ciphertext')
    expectDecryptionError('kt2:k1:abc', 'not-ciphertext')
  })

  it('accepts exactly one spelling of each envelope (no trailing bits that decoders ignore)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let checked = 0
    for (let i = 0; i < 30; i++) {
      const value = sealValue(keys, ssn, 'x'.repeat(i))
      if ((value.length - 'kt1:k1:'.length) % 4 === 0) continue
      const last = alphabet.indexOf(value.at(-1) ?? 'A')
      expectDecryptionError(`${value.slice(0, -1)}${alphabet[last ^ 1]}`, 'malformed', 'k1')
      checked++
    }
    expect(checked).toBeGreaterThan(10)
  })

  it('rejects a damaged encoding', () => {
    expectDecryptionError(`${stored.slice(0, -4)}+/==`, 'malformed', 'k1')
    expectDecryptionError(`kt1:${'x'.repeat(40)}:AAAA`, 'malformed')
  })

  it('decrypts values written under an older key that is still in the keyring', () => {
    const old = getKeyringState(createKeyring({ keys: { ...material, currentKeyId: 'k0' } }))
    const storedOld = sealValue(old, ssn, 'old')
    expect(storedOld.startsWith('kt1:k0:')).toBe(true)
    expect(openValue(keys, ssn, storedOld)).toBe('old')
  })

  it('rejects every single-character change to an envelope, whatever the character', () => {
    const replacements = [
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
      ...'+/=:. \n\0',
      'é',
      '\u00ff',
      '\u0100',
      '\u2028',
      '\ud83d',
    ]
    let rejected = 0
    for (let position = 0; position < stored.length; position++) {
      for (const replacement of replacements) {
        if (stored[position] === replacement) continue
        const changed = `${stored.slice(0, position)}${replacement}${stored.slice(position + 1)}`
        const error = catchError(() => openValue(keys, ssn, changed))
        expect(DecryptionError.is(error), `${position}: ${JSON.stringify(replacement)}`).toBe(true)
        rejected++
      }
    }
    expect(rejected).toBeGreaterThan(stored.length * 60)
  })

  it('rejects an envelope with a character inserted or removed anywhere in its body', () => {
    for (let position = 'kt1:k1:'.length; position < stored.length; position++) {
      expect(
        DecryptionError.is(
          catchError(() => openValue(keys, ssn, stored.slice(0, position) + stored.slice(position + 1))),
        ),
      ).toBe(true)
      expect(
        DecryptionError.is(
          catchError(() => openValue(keys, ssn, `${stored.slice(0, position)}A${stored.slice(position)}`)),
        ),
      ).toBe(true)
    }
  })

  it('keeps key ids that are not valid ids out of the error', () => {
    const error = expectDecryptionError(stored.replace('kt1:k1:', 'kt1:123-45-6789 Ada:'), 'malformed')
    expect(error.message).not.toContain('Ada')
    expect(error.keyId).toBeUndefined()
  })

  it('decrypts values under several keys and nonce prefixes read interleaved, and fails each bad one alone', () => {
    const old = getKeyringState(createKeyring({ keys: { ...material, currentKeyId: 'k0' } }))
    // Another process with the same keys: its own nonce prefixes.
    const other = getKeyringState(createKeyring({ keys: material }))
    const values = Array.from({ length: 60 }, (_, i) => `value ${i}`)
    const writers = [keys, old, other]
    const storedValues = values.map((value, i) => sealValue(writers[i % 3]!, ssn, value))
    for (let round = 0; round < 3; round++) {
      storedValues.forEach((value, i) => {
        expect(openValue(keys, ssn, value)).toBe(values[i])
        // A failure between two reads leaves nothing behind for the next one.
        if (i % 7 === 0)
          expectDecryptionError(withFlippedTagBit(value), 'authentication-failed', value.slice(4, 6))
      })
    }
    expect(openValue(old, ssn, storedValues[1])).toBe(values[1])
  })

  it('round-trips values larger than the scratch buffers (16 KiB)', () => {
    for (const size of [16 * 1024 - 41, 16 * 1024 - 40, 16 * 1024, 100_000]) {
      const value = 'é'.repeat(size / 2)
      const envelope = sealValue(keys, ssn, value)
      expect(openValue(keys, ssn, envelope)).toBe(value)
      expect(openValue(keys, ssn, Buffer.from(envelope, 'latin1'))).toBe(value)
      expectDecryptionError(withFlippedTagBit(envelope), 'authentication-failed', 'k1')
    }
  })
})
