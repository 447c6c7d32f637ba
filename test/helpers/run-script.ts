import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const JITI_CLI = fileURLToPath(new URL('../../node_modules/jiti/lib/jiti-cli.mjs', import.meta.url))

/** What a child process printed and how it ended. */
export interface ScriptResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Milliseconds from start to exit. */
  readonly elapsedMs: number
}

/**
 * Runs a TypeScript file in a child Node process (through jiti), with extra environment variables, and resolves
 * when it exits, with `args` after the file. `onStdout` sees output as it arrives (e.g. to send a signal at the right moment).
 */
export function runScript(
  file: string,
  env: Record<string, string>,
  options: {
    timeoutMs?: number
    args?: readonly string[]
    onStdout?: (text: string, child: ReturnType<typeof spawn>) => void
  } = {},
): Promise<ScriptResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JITI_CLI, file, ...(options.args ?? [])], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `${file} did not exit within ${options.timeoutMs ?? 30_000} ms; output: ${stdout} ${stderr}`,
        ),
      )
    }, options.timeoutMs ?? 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      options.onStdout?.(stdout, child)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started })
    })
  })
}
