import type { JsonObject, MaskingEvent } from '@mcpgate/core';
import { maskString, maskValue } from './mask-value.js';
import { maskContentBlocks } from './mcp.js';
import type { CompiledProfile } from './profile.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withField(base: JsonObject, key: string, before: unknown, after: unknown): JsonObject {
  return before === after ? base : { ...base, [key]: after };
}

/**
 * Masks a message an upstream started, toward the client (paths relative to `params`):
 * a log line's `data`, a progress `message`, the `messages` and `systemPrompt` of a sampling
 * request (they go to the client's model), an elicitation's `message`. Fields that only address
 * or describe (level, logger, progress numbers, requested schemas, URIs) pass untouched.
 * Returns the same object when nothing was masked.
 */
export function maskUpstreamParams(
  method: string,
  params: JsonObject,
  profile: CompiledProfile,
  events: MaskingEvent[],
): JsonObject {
  switch (method) {
    case 'notifications/message':
      return withField(
        params,
        'data',
        params.data,
        maskValue(params.data, { doc: 'params.data', loc: [] }, profile, events),
      );
    case 'notifications/progress':
    case 'elicitation/create':
      return typeof params.message === 'string'
        ? withField(
            params,
            'message',
            params.message,
            maskString(params.message, { doc: 'params.message', loc: [] }, profile, events),
          )
        : params;
    case 'sampling/createMessage': {
      let out = params;
      if (typeof params.systemPrompt === 'string') {
        out = withField(
          out,
          'systemPrompt',
          params.systemPrompt,
          maskString(params.systemPrompt, { doc: 'params.systemPrompt', loc: [] }, profile, events),
        );
      }
      if (Array.isArray(params.messages)) {
        let changed = false;
        const messages = params.messages.map((m: unknown, i) => {
          if (!isObj(m)) return m;
          const content = maskContentBlocks(m.content, `params.messages[${i}].content`, profile, events);
          if (content === m.content) return m;
          changed = true;
          return { ...m, content };
        });
        if (changed) out = { ...out, messages };
      }
      return out;
    }
    default:
      return params;
  }
}

/**
 * The audit copy of a client's answer to an upstream's ask (sampling result, elicitation
 * content, roots): every string is scanned, paths relative to the answer (`content.text`,
 * `content.password`, `roots[0].uri`). The upstream still receives the answer as given.
 */
export function maskAnswer(answer: JsonObject, profile: CompiledProfile, events: MaskingEvent[]): JsonObject {
  return maskValue(answer, { doc: 'result', loc: [] }, profile, events) as JsonObject;
}
