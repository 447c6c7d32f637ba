import type { Insertable, Selectable, Updateable } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import type { DB as ExampleDB } from '../../example/generated/db.js'
import type { metadata as exampleMetadata } from '../../example/generated/metadata.js'
import type * as exampleZod from '../../example/generated/zod.js'
import type { DB as CamelDB, JsonValue } from '../fixtures/every-type/generated/camel/db.js'
import type * as camelZod from '../fixtures/every-type/generated/camel/zod.js'
import type { DB } from '../fixtures/every-type/generated/default/db.js'
import type { ColumnName, metadata } from '../fixtures/every-type/generated/default/metadata.js'
import type * as everyZod from '../fixtures/every-type/generated/default/zod.js'
import type { DB as MysqlDB } from '../fixtures/every-type/mysql/generated/default/db.js'
import type * as mysqlZod from '../fixtures/every-type/mysql/generated/default/zod.js'

/** Kysely's Insertable is an intersection of two mapped types; flattened, it is the same object type zod infers. */
type Flat<T> = { [K in keyof T]: T[K] }

type Row = Selectable<DB['every_type']>
type CamelRow = Selectable<CamelDB['everyType']>

describe('generated every_type types (default types options)', () => {
  it('select types say what the driver returns', () => {
    expectTypeOf<Row['id']>().toEqualTypeOf<string>()
    expectTypeOf<Row['tiny_bool']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['tiny_signed']>().toEqualTypeOf<number>()
    expectTypeOf<Row['int_unsigned']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['big_signed']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['big_unsigned']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['decimal_wide']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['decimal_money']>().toEqualTypeOf<string>()
    expectTypeOf<Row['float_value']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['double_value']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['date_value']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['datetime_micro']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['datetime_plain']>().toEqualTypeOf<Date | null>()
    expectTypeOf<Row['timestamp_micro']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['time_micro']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['year_value']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['varchar_value']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['text_value']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['blob_value']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['binary_value']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['json_value']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['enum_value']>().toEqualTypeOf<'small' | 'medium' | 'large' | "it's" | null>()
    expectTypeOf<Row['set_value']>().toEqualTypeOf<string | null>()
    expectTypeOf<Row['bit_one']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['bit_wide']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['geometry_value']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['point_value']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<Row['status']>().toEqualTypeOf<'active' | 'inactive'>()
    expectTypeOf<Row['created_at']>().toEqualTypeOf<Date>()
    expectTypeOf<Row['varchar_length']>().toEqualTypeOf<number | null>()
    expectTypeOf<Row['money_doubled']>().toEqualTypeOf<string | null>()
  })

  it('insert: NOT NULL without a default is required; generated columns cannot be written', () => {
    type Insert = Insertable<DB['every_type']>
    type RequiredKeys = { [K in keyof Insert]-?: object extends Pick<Insert, K> ? never : K }[keyof Insert]
    expectTypeOf<RequiredKeys>().toEqualTypeOf<'tiny_signed'>()
    expectTypeOf<Insert>().not.toHaveProperty('varchar_length')
    expectTypeOf<Insert>().not.toHaveProperty('money_doubled')
    expectTypeOf<Updateable<DB['every_type']>>().not.toHaveProperty('varchar_length')
    expectTypeOf<Insert['id']>().toEqualTypeOf<bigint | number | string | undefined>()
    expectTypeOf<Insert['decimal_money']>().toEqualTypeOf<number | string | undefined>()
    expectTypeOf<Insert['datetime_micro']>().toEqualTypeOf<Date | string | null | undefined>()
    expectTypeOf<Insert['json_value']>().toEqualTypeOf<string | null | undefined>()
    expectTypeOf<Insert['bit_one']>().toEqualTypeOf<Buffer | number | null | undefined>()
  })

  it('zod schemas infer exactly the Kysely row, insert and update types', () => {
    expectTypeOf<z.infer<typeof everyZod.every_type.row>>().toEqualTypeOf<Flat<Row>>()
    expectTypeOf<z.infer<typeof everyZod.every_type.insert>>().toEqualTypeOf<
      Flat<Insertable<DB['every_type']>>
    >()
    expectTypeOf<z.infer<typeof everyZod.every_type.update>>().toEqualTypeOf<
      Flat<Updateable<DB['every_type']>>
    >()
  })

  it('metadata gives column names as a literal union', () => {
    expectTypeOf<'id' | 'tiny_bool' | 'varchar_length'>().toExtend<ColumnName<'every_type'>>()
    expectTypeOf<'no_such_column'>().not.toExtend<ColumnName<'every_type'>>()
    expectTypeOf<(typeof metadata.tables.every_type.primaryKey)[number]>().toEqualTypeOf<'id'>()
    expectTypeOf<typeof metadata.tables.every_type.columns.big_unsigned.jsType>().toEqualTypeOf<'string'>()
  })
})

describe('generated every_type types (camel case, every non-default types option)', () => {
  it('select types follow the types options', () => {
    expectTypeOf<CamelRow['id']>().toEqualTypeOf<bigint>()
    expectTypeOf<CamelRow['tinyBool']>().toEqualTypeOf<boolean | null>()
    expectTypeOf<CamelRow['bigUnsigned']>().toEqualTypeOf<bigint | null>()
    expectTypeOf<CamelRow['dateValue']>().toEqualTypeOf<Date | null>()
    expectTypeOf<CamelRow['datetimePlain']>().toEqualTypeOf<string | null>()
    expectTypeOf<CamelRow['createdAt']>().toEqualTypeOf<string>()
    expectTypeOf<CamelRow['jsonValue']>().toEqualTypeOf<JsonValue | null>()
    expectTypeOf<Insertable<CamelDB['everyType']>['jsonValue']>().toEqualTypeOf<string | null | undefined>()
  })

  it('zod schemas infer exactly the Kysely row, insert and update types', () => {
    expectTypeOf<z.infer<typeof camelZod.everyType.row>>().toEqualTypeOf<Flat<CamelRow>>()
    expectTypeOf<z.infer<typeof camelZod.everyType.insert>>().toEqualTypeOf<
      Flat<Insertable<CamelDB['everyType']>>
    >()
    expectTypeOf<z.infer<typeof camelZod.everyType.update>>().toEqualTypeOf<
      Flat<Updateable<CamelDB['everyType']>>
    >()
  })
})

describe('generated example shop types', () => {
  it('zod schemas infer exactly the Kysely types of every table', () => {
    expectTypeOf<z.infer<typeof exampleZod.users.row>>().toEqualTypeOf<Flat<Selectable<ExampleDB['users']>>>()
    expectTypeOf<z.infer<typeof exampleZod.users.insert>>().toEqualTypeOf<
      Flat<Insertable<ExampleDB['users']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.users.update>>().toEqualTypeOf<
      Flat<Updateable<ExampleDB['users']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.orders.row>>().toEqualTypeOf<
      Flat<Selectable<ExampleDB['orders']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.orders.insert>>().toEqualTypeOf<
      Flat<Insertable<ExampleDB['orders']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.orders.update>>().toEqualTypeOf<
      Flat<Updateable<ExampleDB['orders']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.order_items.row>>().toEqualTypeOf<
      Flat<Selectable<ExampleDB['order_items']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.order_items.insert>>().toEqualTypeOf<
      Flat<Insertable<ExampleDB['order_items']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.accounts.row>>().toEqualTypeOf<
      Flat<Selectable<ExampleDB['accounts']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.accounts.insert>>().toEqualTypeOf<
      Flat<Insertable<ExampleDB['accounts']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.account_transactions.row>>().toEqualTypeOf<
      Flat<Selectable<ExampleDB['account_transactions']>>
    >()
    expectTypeOf<z.infer<typeof exampleZod.account_transactions.insert>>().toEqualTypeOf<
      Flat<Insertable<ExampleDB['account_transactions']>>
    >()
  })

  it('metadata keys are typed against the schema', () => {
    expectTypeOf<keyof typeof exampleMetadata.tables>().toEqualTypeOf<
      'accounts' | 'account_transactions' | 'orders' | 'order_items' | 'users'
    >()
    expectTypeOf<
      (typeof exampleMetadata.tables.orders.foreignKeys)[0]['referencedTable']
    >().toEqualTypeOf<'users'>()
    expectTypeOf<Selectable<ExampleDB['orders']>['id']>().toEqualTypeOf<string>()
  })
})

describe('generated every_type types (MySQL variant)', () => {
  type MysqlRow = Selectable<MysqlDB['every_type']>

  it('types the columns both variants have the same, and MySQL’s own as Buffer', () => {
    expectTypeOf<Omit<MysqlRow, 'vector_value' | 'point_wgs84'>>().toEqualTypeOf<Row>()
    expectTypeOf<MysqlRow['vector_value']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<MysqlRow['point_wgs84']>().toEqualTypeOf<Buffer | null>()
    expectTypeOf<z.infer<typeof mysqlZod.every_type.row>>().toEqualTypeOf<Flat<MysqlRow>>()
    expectTypeOf<z.infer<typeof mysqlZod.every_type.insert>>().toEqualTypeOf<
      Flat<Insertable<MysqlDB['every_type']>>
    >()
  })
})
