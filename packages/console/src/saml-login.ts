import { randomBytes } from 'node:crypto';
import {
  SAML,
  ValidateInResponseTo,
  type CacheProvider,
  type Profile,
  type SamlConfig,
} from '@node-saml/node-saml';
import {
  allStrings,
  assertionFacts,
  assertionHasSignature,
  attributeOf,
  firstString,
  responseDestination,
} from './saml-facts.js';
import type { Identity } from '@mcpgate/core';
import { randomToken, sha256 } from './session-store.js';
import type { SamlStore } from './saml-store.js';

export interface SamlLoginSettings {
  /** The IdP's single sign-on URL (HTTP-Redirect binding). */
  readonly entryPoint: string;
  /** This console's SP entity id (the AuthnRequest's Issuer). */
  readonly issuer: string;
  /** The IdP's signing certificates (PEM); more than one during a rotation. */
  readonly idpCert: readonly string[];
  /** The IdP's entity id; when set, an assertion from another issuer is refused. */
  readonly idpIssuer?: string;
  /** The Audience an assertion must name (default: `issuer`). */
  readonly audience: string;
  readonly groupsAttribute: string;
  /** Subject from this attribute instead of the NameID. */
  readonly subjectAttribute?: string;
  readonly nameAttribute?: string;
  readonly emailAttribute?: string;
  readonly clockSkewMs: number;
  /** `<publicUrl>/console/auth/saml/acs`: Recipient and Destination must name it. */
  readonly acsUrl: string;
}

/** A refused SAML sign-in: `error` is the audit record's reason code, `message` what the person reads. */
export class SamlRefusal extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    message: string,
    /** Who the assertion names, when its signature was verified (a replay, a wrong recipient). */
    readonly subject?: string,
  ) {
    super(message);
  }
}

/** A fresh XML ID (request, metadata): 160 random bits; an XML ID must not start with a digit. */
const newId = (): string => `_${randomBytes(20).toString('hex')}`;

/**
 * SAML 2.0 Web Browser SSO for the console, with `@node-saml/node-saml` doing the XML signature,
 * InResponseTo, time window and audience checks (a maintained library: XML signature handling is
 * where SAML implementations break). This class adds what that library leaves to its caller: the
 * Recipient and Destination checks, the IdP issuer, assertion replay across replicas, and binding
 * the sign-in to the browser that started it.
 */
export class SamlLogin {
  private readonly store: SamlStore;
  private readonly verifier: SAML;

  constructor(
    private readonly settings: SamlLoginSettings,
    store: SamlStore,
  ) {
    this.store = store;
    const cache: CacheProvider = {
      // Requests are saved by `start` (with the browser binding), not by the library.
      saveAsync: () => Promise.resolve(null),
      getAsync: async (id) => (await store.requestIssuedAt(id))?.toISOString() ?? null,
      // Consumed atomically by `answer` once everything else has been checked.
      removeAsync: () => Promise.resolve(null),
    };
    this.verifier = new SAML(this.config(newId, cache));
  }

  private config(generateUniqueId: () => string, cacheProvider?: CacheProvider): SamlConfig {
    const s = this.settings;
    return {
      entryPoint: s.entryPoint,
      issuer: s.issuer,
      callbackUrl: s.acsUrl,
      idpCert: [...s.idpCert],
      audience: s.audience,
      // The assertion itself must carry a valid signature by the IdP's key, whether or not the
      // enclosing Response is signed too.
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: 15 * 60_000,
      acceptedClockSkewMs: s.clockSkewMs,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      generateUniqueId,
      ...(cacheProvider && { cacheProvider }),
    };
  }

  /** An AuthnRequest to the IdP; `browser` goes into the sign-in cookie. */
  async start(returnTo: string): Promise<{ url: string; browser: string }> {
    const requestId = newId();
    const browser = randomToken();
    await this.store.saveRequest(requestId, sha256(browser), returnTo);
    const url = await new SAML(this.config(() => requestId)).getAuthorizeUrlAsync('', undefined, {});
    return { url, browser };
  }

  /**
   * Checks the IdP's HTTP-POST answer and records it against the request it answers. Returns the
   * one-time completion value the browser brings back on a same-site redirect.
   */
  async answer(samlResponse: string | undefined): Promise<{ completion: string; subject: string }> {
    if (!samlResponse)
      throw new SamlRefusal(
        'saml_no_response',
        'no SAMLResponse in the POST',
        'The sign-in carried no SAML response.',
      );
    let profile: Profile | null;
    try {
      ({ profile } = await this.verifier.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (err) {
      const refusal = libraryRefusal(err instanceof Error ? err.message : String(err));
      // Tell "the IdP does not sign assertions" (a setup mistake) from "signed by a key we do
      // not trust" (a forgery, or a key rotation nobody told us about).
      if (refusal.error === 'saml_bad_signature' && !assertionHasSignature(samlResponse))
        throw new SamlRefusal('saml_unsigned', 'the assertion is not signed', GENERIC);
      throw refusal;
    }
    if (!profile) throw new SamlRefusal('saml_no_assertion', 'the response has no assertion', GENERIC);
    const s = this.settings;
    const subject = this.subjectOf(profile);
    const destination = responseDestination(profile.getSamlResponseXml?.() ?? '');
    // Destination is optional in an unsigned Response, but when present it must be us.
    if (destination !== undefined && destination !== s.acsUrl)
      throw new SamlRefusal(
        'saml_wrong_destination',
        `Destination ${destination} is not ${s.acsUrl}`,
        GENERIC,
        subject,
      );
    const assertion = assertionFacts(profile);
    if (!assertion.recipients.includes(s.acsUrl))
      throw new SamlRefusal(
        'saml_wrong_recipient',
        `no bearer SubjectConfirmation names Recipient ${s.acsUrl} (found: ${assertion.recipients.join(', ') || 'none'})`,
        GENERIC,
        subject,
      );
    if (s.idpIssuer !== undefined && profile.issuer !== s.idpIssuer)
      throw new SamlRefusal(
        'saml_wrong_issuer',
        `assertion issued by ${profile.issuer}, not ${s.idpIssuer}`,
        GENERIC,
        subject,
      );
    if (!assertion.id) throw new SamlRefusal('saml_invalid', 'the assertion has no ID', GENERIC, subject);
    if (!assertion.expiresAt)
      throw new SamlRefusal(
        'saml_invalid',
        'the assertion has no NotOnOrAfter: it would be valid forever',
        GENERIC,
        subject,
      );
    const fresh = await this.store.rememberAssertion(
      profile.issuer ?? '',
      assertion.id,
      new Date(assertion.expiresAt.getTime() + s.clockSkewMs),
    );
    if (!fresh)
      throw new SamlRefusal(
        'saml_replay',
        `assertion ${assertion.id} was already used to sign in`,
        USED,
        subject,
      );
    const requestId = profile.inResponseTo;
    const identity = this.identityOf(profile, subject);
    const completion = randomToken();
    if (typeof requestId !== 'string' || !(await this.store.answerRequest(requestId, completion, identity)))
      throw new SamlRefusal(
        'saml_replay',
        `request ${String(requestId)} was already answered`,
        USED,
        subject,
      );
    return { completion, subject };
  }

  /** The identity of an answered request, for the browser that started it only. */
  async complete(
    completion: string,
    browser: string | undefined,
  ): Promise<{ identity: Identity; returnTo: string }> {
    const done = await this.store.takeCompletion(completion);
    if (!done) throw new SamlRefusal('saml_unknown_completion', 'unknown, used or expired completion', USED);
    if (browser === undefined || sha256(browser) !== done.browserHash)
      throw new SamlRefusal(
        'saml_login_csrf',
        'the sign-in was not started in this browser',
        'This sign-in was not started in this browser, or it took too long.',
        done.identity.subject,
      );
    return { identity: done.identity, returnTo: done.returnTo };
  }

  /** SP metadata for the IdP administrator: entity id, ACS URL and binding, signed assertions wanted. */
  metadata(): string {
    return this.verifier.generateServiceProviderMetadata(null, null);
  }

  private subjectOf(profile: Profile): string {
    const attr = this.settings.subjectAttribute;
    const subject = attr === undefined ? profile.nameID : firstString(attributeOf(profile, attr));
    if (typeof subject !== 'string' || subject === '')
      throw new SamlRefusal(
        'saml_no_subject',
        attr === undefined ? 'the assertion has no NameID' : `the assertion has no "${attr}" attribute`,
        GENERIC,
      );
    return subject;
  }

  private identityOf(profile: Profile, subject: string): Identity {
    const s = this.settings;
    const groups = [...new Set(allStrings(attributeOf(profile, s.groupsAttribute)))];
    const name =
      s.nameAttribute !== undefined ? firstString(attributeOf(profile, s.nameAttribute)) : undefined;
    const email =
      s.emailAttribute !== undefined
        ? firstString(attributeOf(profile, s.emailAttribute))
        : typeof profile.email === 'string'
          ? profile.email
          : undefined;
    return Object.freeze({
      subject,
      groups,
      authMethod: 'saml',
      issuer: profile.issuer ?? s.entryPoint,
      ...(name !== undefined && { name }),
      ...(email !== undefined && { email }),
    });
  }
}

const GENERIC = 'The sign-in could not be completed. Try again.';
const USED = 'This sign-in was already used or has expired. Try again.';

/** The library's reasons, as stable codes for the audit trail (its messages are for people). */
function libraryRefusal(message: string): SamlRefusal {
  const code = /InResponseTo/i.test(message)
    ? 'saml_unsolicited'
    : /signature/i.test(message)
      ? 'saml_bad_signature'
      : /expired|not yet valid|no valid subject confirmation/i.test(message)
        ? 'saml_expired'
        : /audience/i.test(message)
          ? 'saml_wrong_audience'
          : /SAML provider returned/i.test(message)
            ? 'saml_idp_error'
            : 'saml_invalid';
  return new SamlRefusal(
    code,
    message,
    code === 'saml_idp_error' ? `The identity provider refused the sign-in.` : GENERIC,
  );
}
