import { defineConfig } from 'kysely-toolkit'

// #region config
// kysely-toolkit.config.ts
export default defineConfig({
  encryption: {
    tables: {
      users: {
        ssn: { maxPlaintextBytes: 11 },
        // The same options as the application's plugin, so that rotation writes the same blind indexes.
        email: {
          blindIndex: {
            column: 'email_index',
            bits: 18, // chooseBlindIndexBits(1_000_000)
            transform: (value) => String(value).trim().toLowerCase(),
          },
        },
      },
    },
    // readLegacyPlaintext: true,  // to encrypt legacy plaintext as well
    // env: { keys: 'APP_KEYS', currentKeyId: 'APP_KEY_ID', blindIndexKey: 'APP_BLIND_KEY' },  // other names
  },
})
// #endregion config
