#!/usr/bin/env node
// Generates the labelled masking corpus: realistic tool outputs (JSON records, logs, config
// dumps, CSV) with planted values of every detector type and lookalikes that must not be masked.
// Deterministic (seeded), independent of the detectors' code (its own Luhn/mod-97), so the tests
// check the detectors against values produced another way.
//   node packages/masking/test/corpus/generate.mjs   → writes corpus.jsonl beside this file
// (one JSON document per line: {id, format, text, labels: [{type, start, end, expect}]}).
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const DOCS = Number(process.env.CORPUS_DOCS ?? 250);

// mulberry32: small seeded PRNG, so the committed output is reproducible.
let seed = 0x6d617363;
function rand() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const chars = (alphabet, n) => Array.from({ length: n }, () => pick(alphabet)).join('');
const DIG = '0123456789';
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOW = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = UP + LOW + DIG;
const B64URL = ALNUM + '-_';
const HEX = '0123456789abcdef';

function luhnCheckDigit(partial) {
  let sum = 0;
  let double = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    let d = Number(partial[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

function mod97(s) {
  let r = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

// ---- planted value generators: return the exact string; `label` may cover only part of it ----

const FIRST = [
  'john',
  'maria',
  'wei',
  'aisha',
  'lars',
  'sofia',
  'kenji',
  'olu',
  'ines',
  'pavel',
  'zoe',
  'amir',
];
const LAST = [
  'smith',
  'garcia',
  'chen',
  'khan',
  'berg',
  'rossi',
  'tanaka',
  'adeyemi',
  'costa',
  'novak',
  'lee',
];
const DOMAINS = [
  'example.com',
  'acme-corp.io',
  'mail.example.org',
  'customers.shop.co.uk',
  'corp.internal.net',
];

const gen = {
  email: () =>
    `${pick(FIRST)}${pick(['.', '_', '', '+'])}${pick(LAST)}${rand() < 0.3 ? int(1, 99) : ''}@${pick(DOMAINS)}`,
  phone: () =>
    pick([
      () => `+1 (${int(2, 9)}${chars(DIG, 2)}) ${int(2, 9)}${chars(DIG, 2)}-${chars(DIG, 4)}`,
      () => `+44 20 ${chars(DIG, 4)} ${chars(DIG, 4)}`,
      () => `+49${int(151, 179)}${chars(DIG, 8)}`,
      () => `+33 6 ${chars(DIG, 2)} ${chars(DIG, 2)} ${chars(DIG, 2)} ${chars(DIG, 2)}`,
      () => `(${int(2, 9)}${chars(DIG, 2)}) ${int(2, 9)}${chars(DIG, 2)}-${chars(DIG, 4)}`,
      () => `${int(2, 9)}${chars(DIG, 2)}-${int(2, 9)}${chars(DIG, 2)}-${chars(DIG, 4)}`,
      () => `${int(2, 9)}${chars(DIG, 2)}.${int(2, 9)}${chars(DIG, 2)}.${chars(DIG, 4)}`,
    ])(),
  card: () => {
    const [prefix, len] = pick([
      ['4', 16],
      ['51', 16],
      ['55', 16],
      ['2221', 16],
      ['37', 15],
      ['6011', 16],
      ['3530', 16],
      ['62', 16],
    ]);
    const body = prefix + chars(DIG, len - prefix.length - 1);
    const n = body + luhnCheckDigit(body);
    const sep = pick(['', ' ', '-']);
    if (sep === '') return n;
    return len === 15
      ? `${n.slice(0, 4)}${sep}${n.slice(4, 10)}${sep}${n.slice(10)}`
      : n.match(/.{4}/g).join(sep);
  },
  iban: () => {
    const [cc, bban] = pick([
      ['DE', () => chars(DIG, 18)],
      ['GB', () => chars(UP, 4) + chars(DIG, 14)],
      ['FR', () => chars(DIG, 23)],
      ['NL', () => chars(UP, 4) + chars(DIG, 10)],
      ['ES', () => chars(DIG, 20)],
    ]);
    const b = bban();
    const check = String(98 - mod97(b + cc + '00')).padStart(2, '0');
    const compact = cc + check + b;
    return rand() < 0.5 ? compact : compact.match(/.{1,4}/g).join(' ');
  },
  ssn: () =>
    `${String(int(1, 665)).padStart(3, '0')}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`,
  ipv4: () => `${pick([10, 172, 192, 34, 52, 203])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  ipv6: () =>
    pick([
      () => `2001:db8:${chars(HEX, 4)}:${chars(HEX, 4)}::${chars(HEX, 3)}`,
      () => Array.from({ length: 8 }, () => chars(HEX, 4)).join(':'),
      () => `fe80::${chars(HEX, 4)}:${chars(HEX, 4)}:${chars(HEX, 4)}:${chars(HEX, 4)}`,
    ])(),
  jwt: () => {
    const header = Buffer.from(
      JSON.stringify({ alg: pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }),
    ).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: chars(DIG, 8), exp: int(1.7e9, 1.8e9), scope: 'read' }),
    ).toString('base64url');
    return `${header}.${payload}.${chars(B64URL, 43)}`;
  },
  private_key: () => {
    const kind = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
    const lines = Array.from({ length: int(4, 12) }, () => chars(ALNUM + '+/', 64)).join('\n');
    return `-----BEGIN ${kind}-----\n${lines}\n-----END ${kind}-----`;
  },
  aws_access_key_id: () => pick(['AKIA', 'ASIA']) + chars(UP + DIG, 16),
  github_token: () =>
    rand() < 0.8
      ? pick(['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_']) + chars(ALNUM, 36)
      : 'github_pat_' + chars(ALNUM + '_', 82),
  gitlab_token: () => 'glpat-' + chars(ALNUM + '-_', 20),
  slack_token: () =>
    pick(['xoxb-', 'xoxp-', 'xoxa-']) + `${chars(DIG, 11)}-${chars(DIG, 12)}-${chars(ALNUM, 24)}`,
  slack_webhook: () => `T${chars(UP + DIG, 8)}/B${chars(UP + DIG, 10)}/${chars(ALNUM, 24)}`,
  stripe_key: () => pick(['sk_live_', 'rk_live_', 'sk_test_']) + chars(ALNUM, 24),
  google_api_key: () => 'AIza' + chars(ALNUM + '-_', 35),
  opaque: () =>
    chars(ALNUM, int(24, 40)) + pick(['', '.', '-', '_']) + chars(ALNUM + DIG, int(4, 12)) + int(0, 9),
  password: () =>
    pick(['hunter2', 'S3cure!pass', 'correct-horse-battery', 'Tr0ub4dor&3', 'p@ssw0rd2024']) + chars(DIG, 2),
  aws_secret_key: () => chars(ALNUM + '/+', 40),
};

// ---- lookalikes: must NOT be masked ----
const look = {
  invalid_luhn: () => {
    const body = '4' + chars(DIG, 14);
    const bad = String((Number(luhnCheckDigit(body)) + int(1, 9)) % 10);
    return body + bad;
  },
  uuid: () =>
    `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${chars(HEX, 3)}-${chars(HEX, 12)}`,
  version: () =>
    pick([
      `${int(0, 20)}.${int(0, 30)}.${int(0, 99)}`,
      `v${int(1, 9)}.${int(0, 20)}.${int(0, 9)}-beta.${int(1, 9)}`,
      `${int(1, 9)}.${int(0, 9)}.${int(0, 9)}-rc${int(1, 5)}`,
    ]),
  git_hash: () => chars(HEX, 40),
  sha256: () => chars(HEX, 64),
  timestamp: () =>
    pick([
      `2024-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${chars(DIG, 3)}Z`,
      `2025-0${int(1, 9)}-1${int(0, 9)} 1${int(0, 9)}:${int(10, 59)}:${int(10, 59)}+01:00`,
      String(int(1.6e12, 1.8e12)),
      String(int(1.6e9, 1.8e9)),
    ]),
  order_id: () =>
    pick([`ORD-2024-${chars(DIG, 9)}`, `INV${chars(DIG, 10)}`, `#${chars(DIG, 7)}`, `txn_${chars(DIG, 14)}`]),
  invalid_ssn: () =>
    pick([
      `000-${chars(DIG, 2)}-${chars(DIG, 4)}`,
      `666-${int(10, 99)}-${int(1000, 9999)}`,
      `9${chars(DIG, 2)}-${int(10, 99)}-${int(1000, 9999)}`,
      `${int(100, 665)}-00-${int(1000, 9999)}`,
    ]),
  invalid_iban: () => {
    const b = chars(DIG, 18);
    const good = 98 - mod97(b + 'DE00');
    const bad = String(((good + int(1, 90)) % 97) + 2).padStart(2, '0');
    return 'DE' + bad + b;
  },
  clock: () =>
    `${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}`,
  mac: () => Array.from({ length: 6 }, () => chars(HEX, 2)).join(':'),
  short_prefix: () => pick(['ghp_short', 'AKIA1234', 'sk_live_x', 'glpat-abc', 'xoxb-12']),
  file_at: () => pick(['icon@2x.png', 'logo@3x.webp', 'lodash@4.17.21', 'react@18.2.0']),
  dotted_numbers: () => `${int(1, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 9)}`,
  build_number: () => `${int(10, 99)}.${int(0, 9)}.${int(1000, 99999)}.${int(1000, 9999)}`,
};

// ---- document builders: each returns { text, labels } ----

class Doc {
  constructor(format) {
    this.format = format;
    this.text = '';
    this.labels = [];
  }
  raw(s) {
    this.text += s;
  }
  /** Appends `before + value + after`, labelling the slice [from, to) of value. */
  plant(type, value, from = 0, to = value.length) {
    const start = this.text.length + from;
    this.text += value;
    this.labels.push({ type, start, end: this.text.length - (value.length - to), expect: 'mask' });
  }
  decoy(type, value) {
    const start = this.text.length;
    this.text += value;
    this.labels.push({ type, start, end: this.text.length, expect: 'keep' });
  }
}

const PLANT_TYPES = [
  'email',
  'phone',
  'card',
  'iban',
  'ssn',
  'ipv4',
  'ipv6',
  'jwt',
  'private_key',
  'aws_access_key_id',
  'aws_secret_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'slack_webhook',
  'stripe_key',
  'google_api_key',
  'bearer_token',
  'secret_pair',
  'connection_string',
];
const LOOK_TYPES = Object.keys(look);

/** Plants one value in free text (logs, prose), with the context a detector needs. */
function plantText(d, type) {
  switch (type) {
    case 'bearer_token':
      d.raw('Authorization: Bearer ');
      return d.plant(type, gen.opaque());
    case 'secret_pair': {
      const key = pick(['password', 'DB_PASSWORD', 'client_secret', 'api_key', 'secret', 'access_token']);
      d.raw(`${key}=`);
      return d.plant(type, gen.password());
    }
    case 'connection_string': {
      const user = pick(['app', 'admin', 'svc_reporting']);
      const pw = gen.password();
      const scheme = pick(['postgres', 'mysql', 'mongodb+srv', 'redis', 'amqp']);
      const host = pick(['db.internal', '10.0.3.7', 'cluster0.mongodb.net', 'cache']);
      const url = `${scheme}://${user}:${pw}@${host}:${int(1000, 9999)}/${pick(['app', 'orders', '0'])}`;
      const at = scheme.length + 3 + user.length + 1;
      if (host === '10.0.3.7') {
        // The host is an IPv4 address too: label it as such.
        d.plant(type, url.slice(0, at + pw.length + 1), at, at + pw.length);
        d.plant('ipv4', host);
        return d.raw(url.slice(at + pw.length + 1 + host.length));
      }
      return d.plant(type, url, at, at + pw.length);
    }
    case 'aws_secret_key':
      d.raw(pick(['aws_secret_access_key = ', 'AWS_SECRET_ACCESS_KEY=', 'SecretAccessKey: ']));
      return d.plant(type, gen.aws_secret_key());
    case 'slack_webhook':
      d.raw('https://');
      return d.plant(type, `hooks.slack.com/services/${gen.slack_webhook()}`);
    default:
      return d.plant(type, gen[type]());
  }
}

const LOG_VERBS = [
  'accepted request from',
  'user updated',
  'sending receipt to',
  'lookup for',
  'cache miss for',
  'retrying upstream with',
];
const WORDS = [
  'alpha',
  'batch',
  'queue',
  'worker',
  'region',
  'eu-west-1',
  'status',
  'ok',
  'latency',
  'handled',
  'shard',
  'replica',
];

function logDoc() {
  const d = new Doc('log');
  const n = int(6, 14);
  for (let i = 0; i < n; i++) {
    d.raw(
      `2024-03-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:${String(int(10, 59))}:${String(int(10, 59))}Z ${pick(['INFO', 'WARN', 'DEBUG', 'ERROR'])} [${pick(WORDS)}] ${pick(LOG_VERBS)} `,
    );
    if (rand() < 0.6) plantText(d, pick(PLANT_TYPES));
    else d.decoy(pick(LOOK_TYPES), look[pick(LOOK_TYPES)]());
    d.raw(` ${pick(WORDS)}=${int(1, 999)}ms req=`);
    d.decoy('uuid', look.uuid());
    d.raw('\n');
  }
  return d;
}

/** JSON records: values in JSON strings; key names are realistic but the text is scanned as text. */
function jsonDoc() {
  const d = new Doc('json');
  d.raw('{"records":[');
  const n = int(2, 6);
  for (let i = 0; i < n; i++) {
    if (i > 0) d.raw(',');
    d.raw(`{"id":"`);
    d.decoy('uuid', look.uuid());
    d.raw(`","name":"${pick(FIRST)} ${pick(LAST)}","email":"`);
    d.plant('email', gen.email());
    d.raw(`","phone":"`);
    d.plant('phone', gen.phone());
    d.raw(`","card":"`);
    if (rand() < 0.5) d.plant('card', gen.card());
    else d.decoy('invalid_luhn', look.invalid_luhn());
    d.raw(`","order":"`);
    d.decoy('order_id', look.order_id());
    d.raw(`","created":"`);
    d.decoy('timestamp', look.timestamp());
    d.raw(`","commit":"`);
    d.decoy('git_hash', look.git_hash());
    d.raw(`","note":"`);
    const t = pick(PLANT_TYPES.filter((x) => x !== 'private_key'));
    plantText(d, t);
    d.raw(`"}`);
  }
  d.raw(`],"digest":"`);
  d.decoy('sha256', look.sha256());
  d.raw(`","version":"`);
  d.decoy('version', look.version());
  d.raw('"}');
  return d;
}

function configDoc() {
  const d = new Doc('config');
  d.raw(`# service configuration dump\nservice_version=`);
  d.decoy('version', look.version());
  d.raw(`\nbuild=`);
  d.decoy('build_number', look.build_number());
  d.raw(`\nlisten=`);
  d.plant('ipv4', gen.ipv4());
  d.raw(`:8080\nDATABASE_URL=`);
  plantText(d, 'connection_string');
  d.raw(`\n`);
  plantText(d, 'secret_pair');
  d.raw(`\nAWS_ACCESS_KEY_ID=`);
  d.plant('aws_access_key_id', gen.aws_access_key_id());
  d.raw(`\n`);
  plantText(d, 'aws_secret_key');
  d.raw(`\nGITHUB_TOKEN=`);
  d.plant('github_token', gen.github_token());
  d.raw(`\nSTRIPE_KEY=`);
  d.plant('stripe_key', gen.stripe_key());
  d.raw(`\nSLACK_BOT=`);
  d.plant('slack_token', gen.slack_token());
  d.raw(`\nMAPS_KEY=`);
  d.plant('google_api_key', gen.google_api_key());
  d.raw(`\nCI_JOB_TOKEN_REF=`);
  d.plant('gitlab_token', gen.gitlab_token());
  d.raw(`\nchecksum=`);
  d.decoy('sha256', look.sha256());
  d.raw(`\nrelease_commit=`);
  d.decoy('git_hash', look.git_hash());
  d.raw(`\nmax_tokens=4096\ntoken_budget_reset=`);
  d.decoy('clock', look.clock());
  d.raw(`\nnic=`);
  d.decoy('mac', look.mac());
  d.raw(`\nipv6_bind=`);
  d.plant('ipv6', gen.ipv6());
  d.raw(`\ntls_key: |\n`);
  d.plant('private_key', gen.private_key());
  d.raw(`\nsession=`);
  d.plant('jwt', gen.jwt());
  d.raw(`\nasset=`);
  d.decoy('file_at', look.file_at());
  d.raw(`\n`);
  return d;
}

function csvDoc() {
  const d = new Doc('csv');
  d.raw('customer_id,name,email,phone,ssn,iban,card,ip,created_at,order\n');
  const n = int(4, 10);
  for (let i = 0; i < n; i++) {
    d.raw(`${int(10000, 99999)},${pick(FIRST)} ${pick(LAST)},`);
    d.plant('email', gen.email());
    d.raw(',');
    d.plant('phone', gen.phone());
    d.raw(',');
    if (rand() < 0.7) d.plant('ssn', gen.ssn());
    else d.decoy('invalid_ssn', look.invalid_ssn());
    d.raw(',');
    if (rand() < 0.7) d.plant('iban', gen.iban());
    else d.decoy('invalid_iban', look.invalid_iban());
    d.raw(',');
    if (rand() < 0.7) d.plant('card', gen.card());
    else d.decoy('invalid_luhn', look.invalid_luhn());
    d.raw(',');
    d.plant('ipv4', gen.ipv4());
    d.raw(',');
    d.decoy('timestamp', look.timestamp());
    d.raw(',');
    d.decoy('order_id', look.order_id());
    d.raw('\n');
  }
  return d;
}

function proseDoc() {
  const d = new Doc('prose');
  d.raw('Incident summary: the deploy of ');
  d.decoy('version', look.version());
  d.raw(' (commit ');
  d.decoy('git_hash', look.git_hash());
  d.raw(') leaked a header like Authorization: Bearer ');
  d.plant('bearer_token', gen.opaque());
  d.raw(' in logs. Bearer authentication itself is fine. Customer ');
  d.plant('email', gen.email());
  d.raw(' called from ');
  d.plant('phone', gen.phone());
  d.raw(' at ');
  d.decoy('clock', look.clock());
  d.raw('. See build ');
  d.decoy('dotted_numbers', look.dotted_numbers());
  d.raw(' and lookalike ');
  d.decoy('short_prefix', look.short_prefix());
  d.raw(', object ');
  d.decoy('sha256', look.sha256());
  d.raw('. Upstream at ');
  d.plant('ipv6', gen.ipv6());
  d.raw(' returned a token ');
  d.plant('jwt', gen.jwt());
  d.raw(' to ');
  d.plant('ipv4', gen.ipv4());
  d.raw('. Webhook: https://');
  d.plant('slack_webhook', `hooks.slack.com/services/${gen.slack_webhook()}`);
  d.raw(' — package ');
  d.decoy('file_at', look.file_at());
  d.raw('.\n');
  return d;
}

const builders = [logDoc, jsonDoc, configDoc, csvDoc, proseDoc];
const docs = [];
for (let i = 0; i < DOCS; i++) {
  const d = builders[i % builders.length]();
  docs.push({ id: `${d.format}-${i}`, format: d.format, text: d.text, labels: d.labels });
}

const out = fileURLToPath(new URL('./corpus.jsonl', import.meta.url));
writeFileSync(out, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
const bytes = docs.reduce((n, d) => n + d.text.length, 0);
const planted = docs.reduce((n, d) => n + d.labels.filter((l) => l.expect === 'mask').length, 0);
const decoys = docs.reduce((n, d) => n + d.labels.filter((l) => l.expect === 'keep').length, 0);
process.stderr.write(
  `corpus: ${docs.length} docs, ${bytes} chars, ${planted} planted values, ${decoys} lookalikes\n`,
);
