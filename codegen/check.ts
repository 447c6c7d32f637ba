import { readFile } from 'node:fs/promises'

/** One generated file: where it goes and what it holds. */
export interface GeneratedFile {
  /** Absolute path. */
  readonly path: string
  readonly content: string
}

/** How a committed file compares with what codegen generates now. */
export interface FileCheck {
  readonly path: string
  readonly status: 'fresh' | 'stale' | 'missing'
  /** For a stale file: lines only in the new output, lines only in the committed file, and the first difference. */
  readonly summary: string | undefined
}

/** What {@link checkGeneratedFiles} found. */
export interface CheckResult {
  /** `true` when every file is fresh. */
  readonly fresh: boolean
  readonly files: readonly FileCheck[]
}

/**
 * Compares generated files (made in memory) with the files on disk, for `codegen --check`.
 *
 * @example
 * ```ts
 * const result = await checkGeneratedFiles(files)
 * if (!result.fresh) console.error(result.files.map((file) => `${file.path}: ${file.status}`).join('\n'))
 * ```
 */
export async function checkGeneratedFiles(files: readonly GeneratedFile[]): Promise<CheckResult> {
  const checks: FileCheck[] = []
  for (const file of files) {
    let committed: string
    try {
      committed = await readFile(file.path, 'utf8')
    } catch {
      checks.push({ path: file.path, status: 'missing', summary: undefined })
      continue
    }
    checks.push(
      committed === file.content
        ? { path: file.path, status: 'fresh', summary: undefined }
        : { path: file.path, status: 'stale', summary: summariseDifference(committed, file.content) },
    )
  }
  return { fresh: checks.every((check) => check.status === 'fresh'), files: checks }
}

/**
 * A short description of how `actual` (on disk) differs from `expected` (generated): counts of lines present in
 * only one of them, and the first line that differs.
 *
 * @internal
 */
export function summariseDifference(actual: string, expected: string): string {
  const actualLines = actual.split('\n')
  const expectedLines = expected.split('\n')
  const count = (lines: readonly string[]) => {
    const counts = new Map<string, number>()
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1)
    return counts
  }
  const actualCounts = count(actualLines)
  const expectedCounts = count(expectedLines)
  let added = 0
  let removed = 0
  for (const [line, times] of expectedCounts) added += Math.max(0, times - (actualCounts.get(line) ?? 0))
  for (const [line, times] of actualCounts) removed += Math.max(0, times - (expectedCounts.get(line) ?? 0))
  let first = 0
  while (
    first < actualLines.length &&
    first < expectedLines.length &&
    actualLines[first] === expectedLines[first]
  ) {
    first++
  }
  const clip = (line: string | undefined) =>
    line === undefined
      ? '(end of file)'
      : JSON.stringify(line.length > 100 ? `${line.slice(0, 97)}...` : line)
  return (
    `${added} line(s) to add, ${removed} to remove; first difference at line ${first + 1}: ` +
    `expected ${clip(expectedLines[first]?.trim())}, found ${clip(actualLines[first]?.trim())}`
  )
}
