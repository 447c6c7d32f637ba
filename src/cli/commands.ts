import { backupCommand } from './backup-command.js'
import { codegenCommand } from './codegen-command.js'
import type { Command } from './command.js'
import { encryptionCommand } from './encryption-command.js'
import { healthCommand } from './health-command.js'
import { migrateCommand } from './migrate-command.js'

/** Every CLI command, in the order `--help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [
  migrateCommand,
  codegenCommand,
  healthCommand,
  backupCommand,
  encryptionCommand,
]
