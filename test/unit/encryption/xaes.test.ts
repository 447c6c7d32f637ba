import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createAesKey,
  XaesKeyDeriver,
  xaesDecrypt,
  xaesEncrypt,
} from '../../../src/plugin/encryption/aes-gcm.js'

// Test vectors from the C2SP XAES-256-GCM specification (https://c2sp.org/XAES-256-GCM).
describe(XaesKeyDeriver.name, () => {
  it('matches the C2SP vector without AAD', () => {
    const deriver = new XaesKeyDeriver(createAesKey(Buffer.alloc(32, 0x01)))
    const nonce = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWX')
    const sealed = xaesEncrypt(deriver, nonce, Buffer.from('XAES-256-GCM'), Buffer.alloc(0))
    expect(Buffer.concat([sealed.ciphertext, sealed.tag]).toString('hex')).toBe(
      'ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271',
    )
    expect(xaesDecrypt(deriver, nonce, sealed.ciphertext, sealed.tag, Buffer.alloc(0))?.toString()).toBe(
      'XAES-256-GCM',
    )
  })

  it('matches the C2SP vector with AAD', () => {
    const deriver = new XaesKeyDeriver(createAesKey(Buffer.alloc(32, 0x03)))
    const nonce = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWX')
    const aad = Buffer.from('c2sp.org/XAES-256-GCM')
    const sealed = xaesEncrypt(deriver, nonce, Buffer.from('XAES-256-GCM'), aad)
    expect(Buffer.concat([sealed.ciphertext, sealed.tag]).toString('hex')).toBe(
      '986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d',
    )
  })

  it('passes the C2SP accumulated test (10,000 iterations from a SHAKE-128 stream)', () => {
    // Every input is read in order from SHAKE-128(""); every ciphertext is fed to a second SHAKE-128.
    const stream = createHash('shake128', { outputLength: 10_000 * (32 + 24 + 1 + 255 + 1 + 255) }).digest()
    let offset = 0
    const read = (length: number): Buffer => {
      const bytes = stream.subarray(offset, offset + length)
      offset += length
      return bytes
    }
    const digest = createHash('shake128', { outputLength: 32 })
    for (let i = 0; i < 10_000; i++) {
      const deriver = new XaesKeyDeriver(createAesKey(read(32)))
      const nonce = read(24)
      const plaintext = read(read(1)[0] ?? 0)
      const aad = read(read(1)[0] ?? 0)
      const sealed = xaesEncrypt(deriver, nonce, plaintext, aad)
      expect(xaesDecrypt(deriver, nonce, sealed.ciphertext, sealed.tag, aad)?.equals(plaintext)).toBe(true)
      digest.update(sealed.ciphertext).update(sealed.tag)
    }
    expect(digest.digest('hex')).toBe('e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939')
  })
})
