export {
  DECRYPTION_FAILURE_REASONS,
  DecryptionError,
  type DecryptionFailureReason,
} from '../../error/decryption-error.js'
export { EncryptionSetupError } from '../../error/encryption-setup-error.js'
export { UnsupportedEncryptedOperationError } from '../../error/unsupported-encrypted-operation-error.js'
export {
  type ChooseBlindIndexBitsOptions,
  chooseBlindIndexBits,
  MAX_BLIND_INDEX_BITS,
} from './blind-index.js'
export {
  type CheckEncryptedColumnsOptions,
  checkEncryptedColumns,
  type EncryptedColumnsCheck,
} from './check-encrypted-columns.js'
export type {
  BlindIndexOptions,
  EncryptedColumnOptions,
  EncryptedTables,
  SnakeCase,
  SnakeCaseDatabase,
  UnknownDatabase,
} from './encrypted-columns.js'
export { EncryptionPlugin, type EncryptionPluginOptions } from './encryption-plugin.js'
export { ENVELOPE_PREFIX, type EncryptableValue, encryptedColumnLength, type JsonValue } from './envelope.js'
export {
  createKeyring,
  type EncryptionKeyMaterial,
  type EncryptionKeyProvider,
  type EncryptionKeyring,
  type EncryptionKeyringOptions,
  generateEncryptionKey,
  MAX_KEY_ID_LENGTH,
  type ReadKeysFromEnvOptions,
  readKeysFromEnv,
} from './keyring.js'
export {
  type CountRowsOnOldKeysOptions,
  countRowsOnOldKeys,
  type OldKeyCount,
  type RotateEncryptionKeysOptions,
  type RotationProgress,
  type RotationResult,
  rotateEncryptionKeys,
} from './rotate.js'
export {
  type EncryptedColumnReport,
  type EncryptionSetupResult,
  type VerifyEncryptionSetupOptions,
  verifyEncryptionSetup,
} from './verify-encryption-setup.js'
