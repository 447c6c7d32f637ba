import { ToolkitError } from '../error/toolkit-error.js'
import { type CommandIo, UsageError } from './command.js'
import { COMMANDS } from './commands.js'

const HELP_FLAGS = new Set(['-h', '--help'])

/**
 * Runs the CLI with the given arguments (without `node` and the script) and returns the exit code.
 *
 * @internal
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || HELP_FLAGS.has(name) || name === 'help') {
    io.stdout.write(generalHelp())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (!command) {
    io.stderr.write(`kysely-toolkit: unknown command ${JSON.stringify(name)}\n\n${generalHelp()}`)
    return 2
  }
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    io.stdout.write(`${command.usage}\n`)
    return 0
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`kysely-toolkit ${name}: ${error.message}\n\n${command.usage}\n`)
      return 2
    }
    if (ToolkitError.is(error)) {
      io.stderr.write(`kysely-toolkit ${name}: ${error.message}\n`)
      if (
        error.cause instanceof Error &&
        !ToolkitError.is(error.cause) &&
        !error.message.includes(error.cause.message)
      )
        io.stderr.write(`  caused by: ${error.cause.message}\n`)
      return 1
    }
    io.stderr.write(`kysely-toolkit ${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  return `Usage: kysely-toolkit <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run kysely-toolkit <command> --help for a command's options.
`
}
