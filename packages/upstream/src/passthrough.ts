import type { StandardSchemaV1 } from '@modelcontextprotocol/client';
import type { JsonObject } from '@mcpgate/core';

/**
 * A result "schema" that accepts any object unchanged. The gateway relays upstream results as they
 * are — content, structuredContent, isError, `_meta` and fields no spec revision knows yet — so it
 * must not validate (or strip) them the way the SDK's typed helpers such as `callTool()` do.
 */
export const PASSTHROUGH: StandardSchemaV1<unknown, JsonObject> = {
  '~standard': {
    version: 1,
    vendor: 'mcpgate',
    validate(value: unknown): StandardSchemaV1.Result<JsonObject> {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return { value: value as JsonObject };
      }
      return { issues: [{ message: 'a JSON-RPC result must be an object' }] };
    },
  },
};
