/** `naming`: how upstream tool and prompt names are exposed behind one endpoint. */
export const namingSchema = {
  type: 'object',
  description: 'How upstream tool and prompt names are namespaced: `<prefix><separator><name>`.',
  additionalProperties: false,
  default: {},
  properties: {
    separator: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,8}$',
      default: '__',
      description:
        'Placed between the prefix (alias or upstream name) and the tool/prompt name. It must contain a character that cannot appear in an upstream name (`_` or `.`), so exposed names stay unambiguous.',
    },
    prefix: {
      type: 'string',
      enum: ['auto', 'none'],
      default: 'auto',
      description:
        '`auto`: every name is prefixed. `none`: names pass through unchanged — allowed only when exactly one upstream is enabled.',
    },
  },
} as const;

export interface NamingSection {
  readonly separator: string;
  readonly prefix: 'auto' | 'none';
}
