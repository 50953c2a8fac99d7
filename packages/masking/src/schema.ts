// The \`masking\` section's JSON Schema has one home, with the other sections:
// packages/config/src/schema/masking.ts. This package re-exports it under its historical name.
export { maskingSchema as maskingConfigSchema } from '@mcpgate/config';
