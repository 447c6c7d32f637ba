import { type CommandIo, UsageError } from './command.js'
import { COMMANDS } from './commands.js'

const HELP_FLAGS = new Set(['-h', '--help'])

/**
 * Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. A failure is
 * one line on stderr: the error's message; `--verbose` (anywhere in the arguments) adds the chain of causes. A
 * usage mistake adds the command's synopsis and where to read the rest.
 *
 * @internal
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const verbose = argv.includes(VERBOSE_FLAG)
  const [name, ...args] = verbose ? argv.filter((arg) => arg !== VERBOSE_FLAG) : argv
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
      io.stderr.write(
        `kysely-toolkit ${name}: ${error.message}\n\n${synopsisOf(command.usage)}\n\nRun kysely-toolkit ${name} --help for every option.\n`,
      )
      return 2
    }
    io.stderr.write(`kysely-toolkit ${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    if (verbose) {
      for (
        let cause = causeOf(error), depth = 0;
        cause !== undefined && depth < 5;
        cause = causeOf(cause), depth++
      ) {
        io.stderr.write(
          `  caused by: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}\n`,
        )
      }
    } else if (hasMoreInCause(error)) {
      io.stderr.write(`  (--verbose shows the cause)\n`)
    }
    return 1
  }
}

const VERBOSE_FLAG = '--verbose'

/** Whether the error's cause says something its message does not. */
function hasMoreInCause(error: unknown): boolean {
  const cause = causeOf(error)
  return cause instanceof Error && error instanceof Error && !error.message.includes(cause.message)
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined
}

/** The usage's first paragraph: the `Usage:` line(s). */
function synopsisOf(usage: string): string {
  const end = usage.indexOf('\n\n')
  return end === -1 ? usage : usage.slice(0, end)
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  return `Usage: kysely-toolkit <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run kysely-toolkit <command> --help for a command's options.
`
}
