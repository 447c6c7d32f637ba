import { createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  createAesKey,
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
} from '../../../src/plugin/encryption/aes-gcm.js'

interface WycheproofTest {
  readonly tcId: number
  readonly comment: string
  readonly key: string
  readonly iv: string
  readonly aad: string
  readonly msg: string
  readonly ct: string
  readonly tag: string
  readonly result: 'valid' | 'invalid' | 'acceptable'
}
interface WycheproofGroup {
  readonly keySize: number
  readonly ivSize: number
  readonly tagSize: number
  readonly tests: readonly WycheproofTest[]
}

const corpus = JSON.parse(
  readFileSync(new URL('../../fixtures/wycheproof/aes_gcm_test.json', import.meta.url), 'utf8'),
) as { testGroups: readonly WycheproofGroup[] }

const vectors = corpus.testGroups
  .filter((group) => group.keySize === 256 && group.ivSize === 96 && group.tagSize === 128)
  .flatMap((group) => group.tests)
const hex = (value: string): Buffer => Buffer.from(value, 'hex')

describe('AES-256-GCM (Wycheproof, 256-bit key, 96-bit IV, 128-bit tag)', () => {
  it('has both valid and invalid vectors to run', () => {
    expect(vectors.filter((test) => test.result === 'valid').length).toBeGreaterThan(20)
    expect(vectors.filter((test) => test.result === 'invalid').length).toBeGreaterThan(5)
  })

  for (const test of vectors) {
    it(`tcId ${test.tcId} (${test.result}${test.comment ? `: ${test.comment}` : ''})`, () => {
      const key = createAesKey(hex(test.key))
      const opened = aesGcmDecrypt(key, hex(test.iv), hex(test.ct), hex(test.tag), hex(test.aad))
      if (test.result === 'valid') {
        expect(opened?.toString('hex')).toBe(test.msg)
        const sealed = aesGcmEncrypt(key, hex(test.iv), hex(test.msg), hex(test.aad))
        expect(sealed.ciphertext.toString('hex')).toBe(test.ct)
        expect(sealed.tag.toString('hex')).toBe(test.tag)
      } else {
        expect(opened).toBeUndefined()
      }
    })
  }
})

describe(aesGcmDecrypt.name, () => {
  const key = createAesKey(randomBytes(32))
  const iv = randomBytes(GCM_IV_BYTES)
  const aad = Buffer.from('users.ssn')
  const { ciphertext, tag } = aesGcmEncrypt(key, iv, Buffer.from('123-45-6789'), aad)

  it('rejects a tag cut to 4, 8 or 12 bytes, which Node accepts without authTagLength', () => {
    for (const length of [4, 8, 12, 15]) {
      expect(aesGcmDecrypt(key, iv, ciphertext, tag.subarray(0, length), aad)).toBeUndefined()
    }
    // The hazard guarded against: a decipher made without authTagLength accepts the 4-byte prefix of the
    // real tag (GCM tags truncate to prefixes), leaving 32 bits for a forger to guess.
    const lax = createDecipheriv('aes-256-gcm', key, iv)
    lax.setAAD(aad)
    lax.setAuthTag(tag.subarray(0, 4))
    const laxPlaintext = lax.update(ciphertext)
    expect(() => lax.final()).not.toThrow()
    expect(laxPlaintext.toString()).toBe('123-45-6789')
  })

  it('rejects a wrong AAD, a flipped ciphertext bit and a flipped tag bit', () => {
    expect(aesGcmDecrypt(key, iv, ciphertext, tag, Buffer.from('users.email'))).toBeUndefined()
    const flipped = Buffer.from(ciphertext)
    flipped[0] = (flipped[0] ?? 0) ^ 1
    expect(aesGcmDecrypt(key, iv, flipped, tag, aad)).toBeUndefined()
    const badTag = Buffer.from(tag)
    badTag[GCM_TAG_BYTES - 1] = (badTag[GCM_TAG_BYTES - 1] ?? 0) ^ 0x80
    expect(aesGcmDecrypt(key, iv, ciphertext, badTag, aad)).toBeUndefined()
    expect(aesGcmDecrypt(key, iv, ciphertext, tag, aad)?.toString()).toBe('123-45-6789')
  })

  it('refuses IVs that are not 12 bytes and keys that are not 32 bytes', () => {
    expect(() => aesGcmEncrypt(key, randomBytes(16), Buffer.from('x'), aad)).toThrow(RangeError)
    expect(() => aesGcmDecrypt(key, randomBytes(8), ciphertext, tag, aad)).toThrow(RangeError)
    expect(() => createAesKey(randomBytes(16))).toThrow(/32 bytes, got 16/)
  })
})
