// The only place with argv and process.exit.

/** The oldest Node.js the toolkit runs on (package.json `engines`). */
const NODE_MAJOR = 22

const major = Number(process.versions.node.split('.')[0])
if (major < NODE_MAJOR) {
  // Before anything else is loaded: on an older Node the rest may fail in ways that do not say why.
  process.stderr.write(
    `kysely-toolkit needs Node.js ${NODE_MAJOR} or newer (24 recommended); this is Node.js ${process.versions.node}\n`,
  )
  process.exitCode = 1
} else {
  const { runCli } = await import('./run-cli.js')
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  })
}
