/**
 * Namespacing of upstream tool and prompt names behind one endpoint:
 * `<prefix><separator><name>`, where prefix is the upstream's alias or name. In no-prefix mode
 * (allowed only with a single upstream) names pass through unchanged.
 */
export interface NamingOptions {
  readonly separator: string;
  readonly noPrefix: boolean;
}

export const DEFAULT_NAMING: NamingOptions = Object.freeze({ separator: '__', noPrefix: false });

export function exposeName(prefix: string, name: string, opts: NamingOptions): string {
  return opts.noPrefix ? name : `${prefix}${opts.separator}${name}`;
}
