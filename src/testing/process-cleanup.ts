/**
 * Private servers must never outlive the process that started them, nor leave their data behind.
 *
 * Everything lives under one temporary root directory per process. Two mechanisms clean it up:
 * - in process: on `exit` (and on SIGINT/SIGTERM/SIGHUP when nobody else handles them) every tracked server is
 *   killed with SIGKILL and the root is removed, synchronously;
 * - out of process: a tiny detached `sh` watchdog polls the parent's pid once a second and, once the parent is
 *   gone (even killed with SIGKILL, when no handler runs), kills every pid recorded under the root and removes
 *   it.
 *
 * @internal
 * @module
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The file, in each server directory, that holds the pid the watchdog must kill. */
export const KILL_ON_EXIT_FILE = 'kill-on-exit.pid'

const WATCHDOG_SCRIPT = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
for f in "$2"/*/${KILL_ON_EXIT_FILE}; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
sleep 0.5
rm -rf "$2"
`

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

let root: string | undefined
let watchdogPid: number | undefined
let cleanedUp = false
/** Pid file path → pid, for every server process currently alive. */
const tracked = new Map<string, number>()

/** The per-process root directory for private servers, created (with its cleanup) on first use. @internal */
export function privateServerRoot(): string {
  if (root !== undefined) return root
  root = mkdtempSync(join(tmpdir(), 'kysely-toolkit-'))
  process.once('exit', cleanUpSync)
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal)
  const watchdog = spawn(
    '/bin/sh',
    ['-c', WATCHDOG_SCRIPT, 'kysely-toolkit-watchdog', String(process.pid), root],
    {
      detached: true,
      stdio: 'ignore',
    },
  )
  watchdog.on('error', () => {
    // Without /bin/sh only the in-process cleanup remains; nothing else to do.
  })
  watchdog.unref()
  watchdogPid = watchdog.pid
  return root
}

/** Records `pid` in `pidFile` so that it is killed when this process ends. @internal */
export function trackProcess(pidFile: string, pid: number): void {
  writeFileSync(pidFile, String(pid))
  tracked.set(pidFile, pid)
}

/** Forgets a process that has exited. @internal */
export function untrackProcess(pidFile: string): void {
  tracked.delete(pidFile)
  try {
    unlinkSync(pidFile)
  } catch {
    // already gone (its directory was removed)
  }
}

/** Whether `pid` is a live process (a zombie waiting to be reaped counts as gone). @internal */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/s.test(stat)
  } catch {
    return true // no procfs (macOS): trust kill(0)
  }
}

function sleepSync(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds)
}

function cleanUpSync(): void {
  if (cleanedUp) return
  cleanedUp = true
  const pids = [...tracked.values()]
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 2_000
  while (pids.some(isProcessAlive) && Date.now() < deadline) sleepSync(10)
  tracked.clear()
  if (root !== undefined) rmSync(root, { recursive: true, force: true, maxRetries: 3 })
  if (watchdogPid !== undefined) {
    try {
      process.kill(-watchdogPid, 'SIGKILL') // the watchdog and its `sleep`
    } catch {
      // already gone
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (a graceful-shutdown hook, the test runner): let them, and clean up on
  // `exit`. Alone, we clean up and re-raise it so the process ends as it would have without us.
  if (process.listenerCount(signal) > 1) return
  cleanUpSync()
  for (const each of CLEANUP_SIGNALS) process.off(each, onSignal)
  process.kill(process.pid, signal)
}
