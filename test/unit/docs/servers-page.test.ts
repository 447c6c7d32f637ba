import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderSupportTable } from '../../fixtures/servers/server-differences.js'

const PAGE = new URL('../../../docs/servers.md', import.meta.url)

describe('docs/servers.md', () => {
  it('holds the support table that test/integration/servers checks on every server', () => {
    const page = readFileSync(PAGE, 'utf8')
    const between = /<!-- support-table -->\n([\s\S]*?)\n<!-- \/support-table -->/.exec(page)
    expect(between, 'docs/servers.md has no <!-- support-table --> markers').not.toBeNull()
    // To update it: node --input-type=module -e "console.log((await import('./test/fixtures/servers/server-differences.ts')).renderSupportTable())"
    expect(between?.[1]).toBe(renderSupportTable())
  })
})
