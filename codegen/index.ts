export { type CheckResult, checkGeneratedFiles, type FileCheck, type GeneratedFile } from './check.js'
export {
  type CodegenConfig,
  CodegenConfigSchema,
  type ResolvedCodegenConfig,
  resolveCodegenConfig,
} from './codegen-options.js'
export { type GenerateTypesOptions, generateTypes } from './generate-types.js'
export {
  type IntrospectedColumn,
  type IntrospectedSchema,
  type IntrospectedTable,
  type IntrospectSchemaOptions,
  introspectSchema,
  type ServerFlavor,
} from './introspect-schema.js'
export {
  type BuildSchemaMetadataOptions,
  buildSchemaMetadata,
  type MappedSchema,
  serializeMetadataModule,
} from './metadata.js'
export {
  type CodegenResult,
  type CodegenServer,
  type GenerateCodeOptions,
  type GeneratedCode,
  generateCode,
  type RunCodegenOptions,
  runCodegen,
} from './run-codegen.js'
export {
  jsTypeOf,
  type MappableColumn,
  mapColumnType,
  type TsTypes,
  tsTypesOf,
  type ValueKind,
  type ValueType,
} from './type-mapping.js'
export {
  type GenerateZodSchemasOptions,
  generateZodSchemas,
  ZOD_SCHEMA_KINDS,
  type ZodSchemaKind,
} from './zod-schemas.js'
