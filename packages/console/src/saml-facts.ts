import type { Profile } from '@node-saml/node-saml';
import { parseXml, type XmlElement } from './xml-dom.js';

/*
 * Facts the console reads from a SAML response that the library does not check for it: the
 * bearer Recipients, the expiry and ID of the verified assertion, the Response's Destination, and
 * whether an assertion that failed verification was signed at all.
 */

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export function attributeOf(profile: Profile, name: string): unknown {
  const attrs = profile.attributes;
  return attrs !== null && typeof attrs === 'object' ? (attrs as Record<string, unknown>)[name] : undefined;
}

export function allStrings(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string' && x !== '');
}

export function firstString(v: unknown): string | undefined {
  return allStrings(v)[0];
}

type XmlJs = Record<string, unknown>;
const first = (v: unknown): XmlJs | undefined => (Array.isArray(v) ? (v[0] as XmlJs | undefined) : undefined);
const attrs = (n: XmlJs | undefined): Record<string, string> =>
  (n?.$ as Record<string, string> | undefined) ?? {};

/** ID, bearer Recipients and the latest NotOnOrAfter of the verified assertion (as the library parsed it). */
export function assertionFacts(profile: Profile): { id?: string; recipients: string[]; expiresAt?: Date } {
  const assertion = profile.getAssertion?.()?.Assertion as XmlJs | undefined;
  const recipients: string[] = [];
  const expiries: number[] = [];
  const conditionsEnd = attrs(first(assertion?.Conditions)).NotOnOrAfter;
  if (conditionsEnd) expiries.push(Date.parse(conditionsEnd));
  const confirmations = (first(assertion?.Subject)?.SubjectConfirmation as XmlJs[] | undefined) ?? [];
  for (const c of confirmations) {
    if (attrs(c).Method !== BEARER) continue;
    const data = attrs(first(c.SubjectConfirmationData));
    if (data.Recipient) recipients.push(data.Recipient);
    if (data.NotOnOrAfter) expiries.push(Date.parse(data.NotOnOrAfter));
  }
  const valid = expiries.filter((t) => Number.isFinite(t));
  const id = attrs(assertion).ID;
  return {
    ...(id !== undefined && { id }),
    recipients,
    ...(valid.length > 0 && { expiresAt: new Date(Math.max(...valid)) }),
  };
}

export function responseDestination(xml: string): string | undefined {
  const root = xml ? parseXml(xml) : undefined;
  if (!root || root.localName !== 'Response' || !root.hasAttribute('Destination')) return undefined;
  return root.getAttribute('Destination') ?? undefined;
}

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

export function assertionHasSignature(samlResponse: string): boolean {
  const root = parseXml(Buffer.from(samlResponse, 'base64').toString('utf8'));
  if (!root) return false;
  const children = (e: XmlElement) => Array.from(e.childNodes).filter((n) => n.nodeType === 1);
  const assertions =
    root.localName === 'Assertion' ? [root] : children(root).filter((e) => e.localName === 'Assertion');
  return assertions.some((a) =>
    children(a).some((c) => c.localName === 'Signature' && c.namespaceURI === DSIG),
  );
}
