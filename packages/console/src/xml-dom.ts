import { createRequire } from 'node:module';

/** The few DOM members the console reads from an already verified SAML message. */
export interface XmlElement {
  readonly nodeType: number;
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

interface XmlDomModule {
  DOMParser: new (options: {
    errorHandler: Record<'warning' | 'error' | 'fatalError', (msg: string) => void>;
  }) => {
    parseFromString(xml: string, mimeType: string): { documentElement: XmlElement | null };
  };
}

/**
 * `@xmldom/xmldom`, the parser node-saml and xml-crypto use, loaded without its type declarations:
 * they reference the browser DOM library, which would then retype Node's own `fetch` `Headers` and
 * streams in every TypeScript program of the workspace that sees them.
 */
const xmldom = createRequire(import.meta.url)('@xmldom/xmldom') as XmlDomModule;

/** The root element, or undefined for text that is not well-formed XML. */
export function parseXml(xml: string): XmlElement | undefined {
  const fail = (msg: string) => {
    throw new Error(msg);
  };
  try {
    const parser = new xmldom.DOMParser({
      errorHandler: { warning: () => undefined, error: fail, fatalError: fail },
    });
    return parser.parseFromString(xml, 'text/xml').documentElement ?? undefined;
  } catch {
    return undefined;
  }
}
