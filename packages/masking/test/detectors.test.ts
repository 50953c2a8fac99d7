import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../src/detectors/registry.js';
import { TOKEN_DETECTORS } from '../src/detectors/tokens.js';
import { found } from './helpers.js';

// Each detector: values it must find (true positives) and lookalikes it must leave alone.
const CASES: Record<string, { hit: [string, string][]; miss: string[] }> = {
  email: {
    hit: [
      ['mail john.doe@example.com now', 'john.doe@example.com'],
      ['"x+tag@mail.example.org"', 'x+tag@mail.example.org'],
      ['<a_b@sub.corp.co.uk>', 'a_b@sub.corp.co.uk'],
    ],
    miss: ['pkg@1.2.3', 'user@localhost', 'icon@2x.png', 'lodash@4.17.21', '@scope/name', 'a@b', 'x@y.c'],
  },
  phone: {
    hit: [
      ['call +1 (415) 555-0132 now', '+1 (415) 555-0132'],
      ['tel:+4915112345678;', '+4915112345678'],
      ['+44 20 7946 0958', '+44 20 7946 0958'],
      ['(415) 555-0132', '(415) 555-0132'],
      ['office 415-555-0132.', '415-555-0132'],
      ['415.555.0132', '415.555.0132'],
    ],
    miss: [
      '2024-01-15T10:30:00+01:00',
      '1700000000',
      '+12',
      'v1.2.3',
      '415-555.0132',
      '123-456-7890',
      '2024-555-0132',
      'x+4915112345678',
      'id 4155550132',
    ],
  },
  card: {
    hit: [
      ['card 4242 4242 4242 4242 exp', '4242 4242 4242 4242'],
      ['4111-1111-1111-1111', '4111-1111-1111-1111'],
      ['"5555555555554444"', '5555555555554444'],
      ['amex 3782 822463 10005', '3782 822463 10005'],
      ['ref 12 4111 1111 1111 1111', '4111 1111 1111 1111'],
    ],
    miss: [
      '4242424242424241',
      '1234567812345678',
      '0000 0000 0000 0000',
      '1700000000000',
      '4111111111111111111111',
      'v4.242.4242',
    ],
  },
  iban: {
    hit: [
      ['IBAN DE89 3704 0044 0532 0130 00 EUR', 'DE89 3704 0044 0532 0130 00'],
      ['GB82WEST12345698765432', 'GB82WEST12345698765432'],
      ['NL91ABNA0417164300.', 'NL91ABNA0417164300'],
    ],
    miss: [
      'DE88 3704 0044 0532 0130 00',
      'DE89370400440532013',
      'XX89370400440532013000',
      'GB82WEST1234569876543210',
    ],
  },
  ssn: {
    hit: [['ssn 123-45-6789.', '123-45-6789']],
    miss: [
      '000-12-3456',
      '666-12-3456',
      '912-34-5678',
      '123-00-4567',
      '123-45-0000',
      '078-05-1120',
      '2024-01-15',
      '1123-45-6789',
    ],
  },
  ipv4: {
    hit: [
      ['from 192.168.1.20:443', '192.168.1.20'],
      ['[10.0.0.1]', '10.0.0.1'],
    ],
    miss: ['1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'v1.2.3.4', '10.0.19045.3693', '1.2.3'],
  },
  ipv6: {
    hit: [
      ['addr 2001:db8::8a2e:370:7334 up', '2001:db8::8a2e:370:7334'],
      ['fe80::1ff:fe23:4567:890a', 'fe80::1ff:fe23:4567:890a'],
      ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ],
    miss: ['10:30:00', '00:1a:2b:3c:4d:5e', 'std::vector', '12::30', '::1', 'a:b:c'],
  },
  jwt: {
    hit: [
      [
        'tok=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end',
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      ],
      ['eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'],
    ],
    // header without alg; not base64 JSON; unsigned with an alg other than none
    miss: [
      'eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.',
      'eyJ.a.b',
      'xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
    ],
  },
  private_key: {
    hit: [
      [
        'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbC=\n-----END RSA PRIVATE KEY-----\nrest',
        '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbC=\n-----END RSA PRIVATE KEY-----',
      ],
    ],
    miss: [
      '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      '-----BEGIN PRIVATE KEY-----\nno end',
    ],
  },
  aws_access_key_id: {
    hit: [['id=AKIAIOSFODNN7EXAMPLE;', 'AKIAIOSFODNN7EXAMPLE']],
    miss: ['AKIA1234', 'XAKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLEX'],
  },
  aws_secret_key: {
    hit: [
      [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      ],
      [
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      ],
    ],
    miss: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = short'],
  },
  github_token: {
    hit: [
      [`t ghp_${'a1'.repeat(18)} x`, `ghp_${'a1'.repeat(18)}`],
      [`github_pat_${'B'.repeat(82)}`, `github_pat_${'B'.repeat(82)}`],
    ],
    miss: ['ghp_short', `xghp_${'a'.repeat(36)}`],
  },
  gitlab_token: { hit: [[`glpat-${'x'.repeat(20)}`, `glpat-${'x'.repeat(20)}`]], miss: ['glpat-abc'] },
  slack_token: {
    hit: [['xoxb-123456789012-abcdefABCDEF', 'xoxb-123456789012-abcdefABCDEF']],
    miss: ['xoxb-12', 'xoxz-123456789012-abc'],
  },
  slack_webhook: {
    hit: [
      [
        'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
        'hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
      ],
    ],
    miss: ['https://hooks.slack.com/services/'],
  },
  stripe_key: {
    hit: [[`sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'sk_live_4eC39HqLyjWDarjtT1zdp7dc']],
    miss: ['sk_live_x', 'pk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  },
  google_api_key: {
    hit: [[`AIza${'S'.repeat(35)}`, `AIza${'S'.repeat(35)}`]],
    miss: [`AIza${'S'.repeat(20)}`, `AIza${'S'.repeat(40)}`],
  },
  bearer_token: {
    hit: [
      ['Authorization: Bearer abc123.def-456_ghi', 'abc123.def-456_ghi'],
      ['bearer  mF_9.B5f-4.1JqM', 'mF_9.B5f-4.1JqM'],
    ],
    miss: ['Bearer authentication is used', 'bearer tokens expire', 'Bearer x'],
  },
  secret_pair: {
    hit: [
      ['password=hunter2 user=bob', 'hunter2'],
      ['DB_PASSWORD: "s3cr3t value"', 's3cr3t value'],
      ['"client_secret":"abc"', 'abc'],
      ["api_key='k-123'", 'k-123'],
      ['csrf_token=zz9', 'zz9'],
    ],
    miss: [
      'password=',
      'password: null',
      'token=${env:TOKEN}',
      'max_tokens 10',
      'mytoken=abc',
      'password=[REDACTED:x]',
      'password reset link',
    ],
  },
  connection_string: {
    hit: [
      ['postgres://app:s3cr3t@db:5432/app', 's3cr3t'],
      ['mongodb+srv://u:p%40ss@cluster0.x.net/db', 'p%40ss'],
    ],
    miss: ['https://example.com/a:b@c', 'postgres://app@db/app', 'redis://:@cache', 'https://user@host'],
  },
};

describe.each(Object.entries(CASES))('detector %s', (id, { hit, miss }) => {
  it.each(hit)('finds it in %j', (text, value) => {
    expect(found(text, id)).toEqual([value]);
  });
  it.each(miss.map((m) => [m]))('leaves %j alone', (text) => {
    expect(found(text, id)).toEqual([]);
  });
});

describe('overlaps', () => {
  it('a connection string password beats the email-looking tail', () => {
    expect(found('postgres://app:pw123@db.example.com/x')).toEqual(['pw123']);
  });
  it('an email and a phone side by side are both found', () => {
    expect(found('a@b.io,+14155550132')).toEqual(['a@b.io', '+14155550132']);
  });
});

describe('prefixed token heads', () => {
  it.each(TOKEN_DETECTORS.map((d) => [d.id, d]))(
    '%s: finds every declared prefix, at word starts only',
    (_id, d) => {
      for (const prefix of d.triggers ?? []) {
        const body: Record<string, string> = {
          aws_access_key_id: 'IOSFODNN7EXAMPLE',
          google_api_key: 'B'.repeat(35),
        };
        const token = `${prefix}${body[d.id] ?? 'A1b2'.repeat(9)}`;
        const out: { start: number }[] = [];
        d.find(` ${token} `, out as never);
        expect(
          out.map((m) => m.start),
          prefix,
        ).toEqual([1]);
        const glued: unknown[] = [];
        d.find(`x${token}`, glued as never);
        expect(glued, prefix).toEqual([]);
      }
    },
  );
});

describe('minLength never skips a real match', () => {
  const smallest: [string, string][] = [
    ['email', 'a@b.co'],
    ['ipv4', '1.1.1.1'],
    ['ssn', '123-45-6789'],
    ['connection_string', 'a://:p@h'],
    ['secret_pair', 'token=k'],
    ['private_key', '-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----'],
    ['jwt', 'eyJhbGciOiJub25lIn0.e30.'],
    ['aws_secret_key', `awssecretkey=${'A'.repeat(40)}`],
    ['bearer_token', 'Bearer abcdefg1'],
  ];
  it.each(smallest)('%s: the shortest match %j is found', (id, text) => {
    expect(found(text, id)).not.toEqual([]);
    expect(text.length).toBeGreaterThanOrEqual(BUILTIN_DETECTORS.find((d) => d.id === id)!.minLength ?? 0);
  });

  it.each(Object.entries(CASES))('%s: every example match is at least minLength', (id, { hit }) => {
    const min = BUILTIN_DETECTORS.find((d) => d.id === id)!.minLength ?? 0;
    for (const [text] of hit) expect(text.length).toBeGreaterThanOrEqual(min);
  });
});
