import { describe, expect, it } from 'vitest'
import { readObjectHead, requalifyReferences } from '../../../src/backup/schema-references.js'

describe(requalifyReferences.name, () => {
  it('rewrites bare, backticked and spaced qualifiers of the source database, and nothing else', () => {
    const statement =
      "CREATE TRIGGER shop.t AFTER INSERT ON `shop`.`orders` FOR EACH ROW INSERT INTO shop . log /* shop.x */ (note) VALUES ('shop.orders', @shop.var, shopx.y, other.shop)"
    expect(requalifyReferences(statement, 'shop', 'copy', null)).toBe(
      "CREATE TRIGGER `copy`.t AFTER INSERT ON `copy`.`orders` FOR EACH ROW INSERT INTO `copy` . log /* shop.x */ (note) VALUES ('shop.orders', @shop.var, shopx.y, other.shop)",
    )
  })

  it('keeps the qualifier of a call, so a stored function named like a native one is still called', () => {
    expect(requalifyReferences('SELECT shop.row_count()', 'shop', 'copy', null)).toBe(
      'SELECT `copy`.row_count()',
    )
  })

  it('reads double quotes as identifiers under ANSI_QUOTES only, and backslashes as escapes unless told not to', () => {
    expect(requalifyReferences('SELECT * FROM "shop".t', 'shop', 'c', 'ANSI_QUOTES')).toBe(
      'SELECT * FROM `c`.t',
    )
    expect(requalifyReferences('SELECT "shop".t', 'shop', 'c', 'STRICT_TRANS_TABLES')).toBe('SELECT "shop".t')
    expect(requalifyReferences("SELECT 'a\\' shop.t'", 'shop', 'c', null)).toBe("SELECT 'a\\' shop.t'")
    expect(requalifyReferences("SELECT 'a\\', shop.t", 'shop', 'c', 'NO_BACKSLASH_ESCAPES')).toBe(
      "SELECT 'a\\', `c`.t",
    )
  })

  it('reads the content of version comments as code, as the server does', () => {
    expect(
      requalifyReferences('SELECT 1 /*!50700 + (SELECT COUNT(*) FROM shop.t) */', 'shop', 'c', null),
    ).toBe('SELECT 1 /*!50700 + (SELECT COUNT(*) FROM `c`.t) */')
  })

  it('does not take a number for a name', () => {
    expect(requalifyReferences('SELECT 1.5', '1', 'c', null)).toBe('SELECT 1.5')
  })
})

describe(readObjectHead.name, () => {
  it("reads a trigger's name and table, qualified or not", () => {
    expect(
      readObjectHead(
        'CREATE DEFINER=`a`@`%` TRIGGER IF NOT EXISTS x.t BEFORE INSERT ON `y`.`orders` FOR EACH ROW SET @on = 1',
        'trigger',
        null,
      ),
    ).toEqual({ name: { schema: 'x', name: 't' }, table: { schema: 'y', name: 'orders' } })
    expect(
      readObjectHead('CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET @a = 1', 'trigger', null),
    ).toEqual({
      name: { schema: undefined, name: 't' },
      table: { schema: undefined, name: 'orders' },
    })
  })

  it('reads views, routines and events after their clauses', () => {
    expect(
      readObjectHead(
        'CREATE ALGORITHM=UNDEFINED DEFINER=root@localhost SQL SECURITY DEFINER VIEW `v` AS select 1',
        'view',
        null,
      ),
    ).toEqual({ name: { schema: undefined, name: 'v' } })
    expect(readObjectHead('CREATE PROCEDURE o.p() SELECT 1', 'procedure', null)).toEqual({
      name: { schema: 'o', name: 'p' },
    })
    expect(readObjectHead('CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1', 'event', null)).toEqual({
      name: { schema: undefined, name: 'e' },
    })
  })

  it('is undefined for anything but a CREATE statement of that kind', () => {
    expect(readObjectHead('DROP DATABASE shop', 'view', null)).toBeUndefined()
    expect(readObjectHead('CREATE PROCEDURE p() SELECT 1', 'trigger', null)).toBeUndefined()
  })
})
