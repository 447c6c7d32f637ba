import { Writable } from 'node:stream'
import type { CommandIo } from '../../src/cli/command.js'

/** A CommandIo whose output is collected into strings. */
export function captureIo(
  env: Record<string, string | undefined>,
  cwd: string,
): CommandIo & { out(): string; err(): string } {
  let out = ''
  let err = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString())
        done()
      },
    })
  return {
    stdout: sink((text) => {
      out += text
    }),
    stderr: sink((text) => {
      err += text
    }),
    env,
    cwd,
    out: () => out,
    err: () => err,
  }
}
