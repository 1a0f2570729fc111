// Self-test of validate.mjs (ctest: openapi_validator_selftest). Runs the
// validator as a subprocess on the hand-written traffic under fixtures/ and
// the official specs in ${BRIDGEWORK_SHARED_DIR:-<repo>/../shared}/specs:
// valid exchanges must pass; each line of a *-broken.jsonl file carries one
// planted defect and the exact mismatches it must produce are listed below,
// so the test cannot pass on a validator that reports nothing (or anything).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const validator = path.join(here, 'validate.mjs');
const fixtures = path.join(here, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-openapi-selftest-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// Every body, query and header value in the fixtures that could stand for
// patient data contains this marker; it must never reach the output.
const SENTINEL = 'Sentinel-PHI';

function run(args, env = {}) {
  const r = spawnSync(process.execPath, [validator, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function validate(crm, fixture) {
  const report = path.join(tmp, `${fixture}.report.json`);
  const r = run(['--crm', crm, '--traffic', path.join(fixtures, fixture), '--report', report]);
  assert.ok(fs.existsSync(report), `no report written; stderr:\n${r.stderr}`);
  const text = fs.readFileSync(report, 'utf8');
  for (const [name, out] of [['stdout', r.stdout], ['stderr', r.stderr], ['report', text]]) {
    assert.ok(!out.includes(SENTINEL), `${name} leaks a traffic value:\n${out}`);
  }
  return { ...r, report: JSON.parse(text) };
}

test('node_modules is installed (tools/scripts/install-deps.sh runs npm ci)', () => {
  for (const pkg of ['ajv', 'ajv-formats', 'js-yaml']) {
    assert.ok(fs.existsSync(path.join(here, 'node_modules', pkg, 'package.json')),
      `${pkg} missing: run tools/scripts/install-deps.sh (npm ci in tests/conformance/openapi)`);
  }
});

test('valid Pipedrive traffic passes', () => {
  const r = validate('pipedrive', 'pipedrive-valid.jsonl');
  assert.deepEqual(r.report.mismatches, [], r.stdout);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.report.exchanges, 15);
  // Routing: /v1 and /api/v1 go to the v1 spec, /api/v2 to v2; the literal
  // /persons/search wins over /persons/{id}.
  assert.deepEqual(r.report.operations.map((o) => o.operation), [
    'v1 GET /users', 'v1 POST /files', 'v1 POST /notes',
    'v2 DELETE /persons/{id}', 'v2 GET /persons', 'v2 GET /persons/{id}',
    'v2 GET /persons/search', 'v2 PATCH /persons/{id}', 'v2 POST /deals',
    'v2 POST /leads/{id}/convert/deal', 'v2 POST /persons',
  ]);
  assert.deepEqual(r.report.allow_listed_statuses, { 400: 1, 401: 1, 404: 1, 429: 1 });
  assert.equal(r.report.bodies_not_schema_checked, 1); // the multipart upload
  assert.match(r.stdout, /summary: 15 exchanges checked, 11 operations covered, 0 mismatches/);
});

test('valid HighLevel traffic passes', () => {
  const r = validate('highlevel', 'highlevel-valid.jsonl');
  assert.deepEqual(r.report.mismatches, [], r.stdout);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.report.exchanges, 17);
  // /contacts/search is a literal beside /contacts/{contactId}; "/contacts"
  // is served by the spec's "/contacts/".
  assert.deepEqual(r.report.operations.map((o) => o.operation), [
    'v2 DELETE /contacts/{contactId}', 'v2 GET /contacts/', 'v2 GET /contacts/{contactId}',
    'v2 GET /medias/files', 'v2 GET /opportunities/pipelines', 'v2 GET /users/',
    'v2 POST /contacts/', 'v2 POST /contacts/{contactId}/notes', 'v2 POST /contacts/search',
    'v2 POST /contacts/upsert',
    'v2 POST /locations/{locationId}/customFields', 'v2 POST /medias/upload-file',
    'v2 POST /opportunities/', 'v2 PUT /contacts/{contactId}',
  ]);
  assert.deepEqual(r.report.allow_listed_statuses, { 400: 1, 404: 1, 429: 1 });
  assert.equal(r.report.bodies_not_schema_checked, 1); // the multipart upload
  assert.equal(r.report.response_bodies_not_described, 1); // POST /contacts/search
});

// [line, kind, pointer, reason fragment]
const PIPEDRIVE_BROKEN = [
  [1, 'request_body', '/request/body/name', 'must be of type string'],
  [2, 'request_body', '/request/body/title', 'required property is missing'],
  [3, 'query_param', '/request/query/sort_by', 'must be one of ["id", "update_time", "add_time"]'],
  [4, 'unknown_operation', '', 'no such operation in the spec'],
  [5, 'undeclared_status', '/status', 'status 418 is not declared'],
  [6, 'request_body', '/request/body/Sentinel-Extra', 'additionalProperties: false'],
  [7, 'response_body', '/response/body/data/id', 'must be of type integer'],
  [7, 'response_body', '/response/body/data/emails/0/primary', 'must be of type boolean'],
  [8, 'path_param', '/request/path/id', 'must be of type integer'],
  [9, 'undeclared_query_param', '/request/query/colour', 'not declared'],
  [10, 'response_body', '/response/body/success', 'required property is missing (pipedrive error envelope)'],
  [10, 'response_body', '/response/body/error', 'required property is missing (pipedrive error envelope)'],
  [11, 'undeclared_status', '/status', 'status 404 is not declared'], // 404 needs a path parameter
  [12, 'request_content_type', '/request/body', 'multipart/form-data is not accepted'],
  [13, 'query_param', '/request/query/term', 'required query parameter is missing'],
  [14, 'missing_response_body', '/response/body', 'the body is empty'],
  [15, 'unexpected_request_body', '/request/body', 'declares no request body'],
  [16, 'unknown_operation', '', 'the path exists for GET, DELETE, PATCH'],
  [17, 'path_param', '/request/path/id', 'must match format "uuid"'],
  [18, 'request_body_not_json', '/request/body', 'body is not JSON'],
  [19, 'request_content_type', '/request/body', 'content type "application/x-www-form-urlencoded" is not declared'],
  [20, 'response_content_type', '/response/body', 'content type "text/html" is not declared'],
  [21, 'query_param', '/request/query/limit', 'must be of type integer'],
  [21, 'response_body', '/response/body/additional_data/next_cursor', 'must be of type string or null'],
];

const HIGHLEVEL_BROKEN = [
  [1, 'header_param', '/request/headers/version', 'required header parameter is missing'],
  [2, 'header_param', '/request/headers/version', 'must be one of ["2021-07-28"]'],
  [3, 'request_body', '/request/body/tags', 'must be of type array'],
  [4, 'request_body', '/request/body/locationId', 'required property is missing'],
  [5, 'request_body', '/request/body/status', 'must be one of ["open", "won", "lost", "abandoned", "all"]'],
  [6, 'unknown_operation', '', 'no such operation in the spec'],
  [7, 'undeclared_status', '/status', 'status 500 is not declared'],
  [8, 'response_body', '/response/body/statusCode', 'must be 429 (highlevel error envelope)'],
  [9, 'query_param', '/request/query/locationId', 'required query parameter is missing'],
  [10, 'undeclared_status', '/status', 'status 401 is not declared'], // operation has no security
  [11, 'response_body', '/response/body/contact/dnd', 'must be of type boolean'],
  [11, 'response_body', '/response/body/contact/tags', 'must be of type array'],
  [12, 'response_body', '/response/body/pipelines/0/stages/0', 'must be of type object'], // erratum keeps a type
  [13, 'missing_request_body', '/request/body', 'requires a request body'],
  [14, 'response_body', '/response/body/fileId', 'required property is missing'],
  // UnprocessableDTO comes from ../common/common-schemas.json (resolved beside the file).
  [15, 'response_body', '/response/body/message', 'must be of type array'],
];

function checkBroken(crm, fixture, expected) {
  const r = validate(crm, fixture);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = fs.readFileSync(path.join(fixtures, fixture), 'utf8').trim().split('\n').length;
  assert.equal(r.report.exchanges, lines);
  const got = r.report.mismatches.map((m) => [m.line, m.kind, m.pointer]);
  assert.deepEqual(got, expected.map(([l, k, p]) => [l, k, p]), r.stdout);
  r.report.mismatches.forEach((m, i) => {
    assert.ok(m.reason.includes(expected[i][3]), `line ${m.line}: reason "${m.reason}" lacks "${expected[i][3]}"`);
  });
  // Every planted defect is found: each line has at least one mismatch.
  assert.deepEqual([...new Set(got.map(([l]) => l))], Array.from({ length: lines }, (_, i) => i + 1));
  // One printed line per mismatch, naming file:line, method and path.
  for (const m of r.report.mismatches) {
    const prefix = `${fixture}:${m.line}: ${m.method} ${m.path}`;
    assert.ok(r.stdout.split('\n').some((l) => l.startsWith(prefix) && l.includes(`: ${m.pointer || '/'}: `)),
      `no output line for ${prefix} ${m.pointer}`);
  }
  assert.match(r.stdout, new RegExp(`summary: ${lines} exchanges checked, \\d+ operations covered, ${expected.length} mismatches`));
}

test('broken Pipedrive traffic: every planted defect is reported, nothing else', () => {
  checkBroken('pipedrive', 'pipedrive-broken.jsonl', PIPEDRIVE_BROKEN);
});

test('broken HighLevel traffic: every planted defect is reported, nothing else', () => {
  checkBroken('highlevel', 'highlevel-broken.jsonl', HIGHLEVEL_BROKEN);
});

test('usage and input errors exit 2', () => {
  const valid = path.join(fixtures, 'pipedrive-valid.jsonl');
  const empty = path.join(tmp, 'empty.jsonl');
  fs.writeFileSync(empty, '\n');
  const garbled = path.join(tmp, 'garbled.jsonl');
  fs.writeFileSync(garbled, fs.readFileSync(valid, 'utf8').split('\n')[0] + '\n{"method": "GET"\n');
  const cases = [
    [[], /--crm is required/],
    [['--crm', 'freshsales', '--traffic', valid], /--crm must be pipedrive or highlevel/],
    [['--crm', 'pipedrive'], /--traffic is required/],
    [['--crm', 'pipedrive', '--traffic', valid, '--verbose'], /unknown argument/],
    [['--crm', 'pipedrive', '--traffic', path.join(tmp, 'absent.jsonl')], /cannot read traffic file/],
    [['--crm', 'pipedrive', '--traffic', empty], /no exchanges to check/],
    [['--crm', 'pipedrive', '--traffic', garbled], /garbled.jsonl:2: not a JSON line/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('a missing spec directory fails loudly', () => {
  const absent = path.join(tmp, 'no-shared');
  const traffic = path.join(fixtures, 'highlevel-valid.jsonl');
  let r = run(['--crm', 'highlevel', '--traffic', traffic], { BRIDGEWORK_SHARED_DIR: absent });
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`spec directory ${absent}/specs does not exist`));
  fs.mkdirSync(path.join(tmp, 'empty-specs'));
  r = run(['--crm', 'pipedrive', '--traffic', traffic, '--specs', path.join(tmp, 'empty-specs')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read spec .*openapi-v1.yaml/);
});

test('a spec change that makes an erratum stale fails loudly', () => {
  const specs = path.join(tmp, 'specs');
  const real = path.join(path.dirname(validator), '..', '..', '..', '..', 'shared', 'specs');
  const source = process.env.BRIDGEWORK_SHARED_DIR ? path.join(process.env.BRIDGEWORK_SHARED_DIR, 'specs') : real;
  fs.cpSync(path.join(source, 'highlevel'), path.join(specs, 'highlevel'), { recursive: true });
  const file = path.join(specs, 'highlevel', 'v2', 'opportunities.json');
  fs.chmodSync(file, 0o644);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  doc.components.schemas.PipelinesResponseSchema.properties.stages.items = { type: 'object' };
  fs.writeFileSync(file, JSON.stringify(doc));
  const r = run(['--crm', 'highlevel', '--specs', specs, '--traffic', path.join(fixtures, 'highlevel-valid.jsonl')]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /stale erratum hl-pipeline-stages/);
});

test('--list-errata names every corrected place', () => {
  const r = run(['--crm', 'highlevel', '--list-errata']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hl-pipeline-stages: opportunities.json#\/components\/schemas\/PipelinesResponseSchema\/properties\/stages\/items$/m);
  assert.match(r.stdout, /^hl-object-with-scalar-example: contacts.json#\/components\/schemas\/CreateContactDto\/properties\/dateOfBirth$/m);
  const p = run(['--crm', 'pipedrive', '--list-errata']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^pd-next-cursor-null: openapi-v2.yaml#\/paths\/~1persons\/get\//m);
});
