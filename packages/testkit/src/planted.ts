/**
 * Values planted in fixture messages: each matches one of the masking package's built-in
 * detectors, so a test can assert that no raw copy reaches a client or the audit record.
 */
export const PLANTED = {
  /** A GitHub personal access token shape (detector `github_token`). */
  token: 'ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8',
  /** A Visa test card number (Luhn-valid, detector `card`). */
  card: '4111 1111 1111 1111',
  /** An AWS access key id shape (detector `aws_access_key_id`). */
  key: 'AKIAZ7QW3ERT5YUI8OPA',
} as const;
