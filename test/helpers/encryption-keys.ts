import { randomBytes } from 'node:crypto'
import type { EncryptionKeyMaterial } from '../../src/plugin/encryption/keyring.js'

/** Fresh random key material for tests: keys `k1` (current) and `k0`, and a blind-index key. */
export function createTestKeyMaterial(overrides: Partial<EncryptionKeyMaterial> = {}): EncryptionKeyMaterial {
  return {
    currentKeyId: 'k1',
    keys: { k1: randomBytes(32).toString('base64'), k0: randomBytes(32).toString('base64') },
    blindIndexKey: randomBytes(32).toString('base64'),
    ...overrides,
  }
}
