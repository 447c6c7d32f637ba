import { describe, expect, it } from 'vitest'
import { chooseBlindIndexBits, computeBlindIndex } from '../../../src/plugin/encryption/blind-index.js'
import { createColumnContext, encodePayload } from '../../../src/plugin/encryption/envelope.js'
import { createKeyring, getKeyringState } from '../../../src/plugin/encryption/keyring.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

describe(chooseBlindIndexBits.name, () => {
  it('keeps at least minRowsPerValue rows per index value', () => {
    expect(chooseBlindIndexBits(1_000_000)).toBe(18)
    expect(chooseBlindIndexBits(50_000)).toBe(14)
    expect(chooseBlindIndexBits(50_000, { minRowsPerValue: 8 })).toBe(12)
    for (const rows of [4, 10, 1000, 123_456, 10 ** 9]) {
      const bits = chooseBlindIndexBits(rows)
      expect(rows / 2 ** bits).toBeGreaterThanOrEqual(2)
    }
  })

  it('stays between 1 and 32 bits and refuses nonsense', () => {
    expect(chooseBlindIndexBits(1)).toBe(1)
    expect(chooseBlindIndexBits(2 ** 60)).toBe(32)
    expect(() => chooseBlindIndexBits(0)).toThrow(RangeError)
    expect(() => chooseBlindIndexBits(100, { minRowsPerValue: 0 })).toThrow(RangeError)
  })
})

describe(computeBlindIndex.name, () => {
  const keys = getKeyringState(createKeyring({ keys: createTestKeyMaterial() }))
  const context = createColumnContext('users', 'email')
  const emailKey = keys.blindIndexKey('users', 'email')!

  it('is deterministic, fits in the bit length, and spreads values over it', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const value = computeBlindIndex(emailKey, 8, encodePayload(`user${i}@example.com`, context))
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThan(256)
      seen.add(value)
    }
    expect(seen.size).toBeGreaterThan(240) // 2000 values over 256 buckets: nearly all used
    const payload = encodePayload('a@example.com', context)
    expect(computeBlindIndex(emailKey, 16, payload)).toBe(computeBlindIndex(emailKey, 16, payload))
    expect(computeBlindIndex(emailKey, 32, payload)).toBeLessThan(2 ** 32)
  })

  it('uses a different key per column and per blind-index key', () => {
    expect(keys.blindIndexKey('users', 'email')).toBe(emailKey)
    const payload = encodePayload('a@example.com', context)
    const other = keys.blindIndexKey('customers', 'email')!
    const otherRing = getKeyringState(createKeyring({ keys: createTestKeyMaterial() })).blindIndexKey(
      'users',
      'email',
    )!
    const values = [emailKey, other, otherRing].map((key) => computeBlindIndex(key, 32, payload))
    expect(new Set(values).size).toBe(3)
  })

  it('has no key when the keyring has no blind-index key', () => {
    const material = createTestKeyMaterial()
    const withoutIndexKey = getKeyringState(
      createKeyring({ keys: { currentKeyId: 'k1', keys: material.keys } }),
    )
    expect(withoutIndexKey.blindIndexKey('users', 'email')).toBeUndefined()
  })
})
