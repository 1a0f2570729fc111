// Checks one recorded exchange (a traffic-log line) against its spec
// operation. Returns mismatches as { kind, pointer, reason }. Pointers are
// rooted at the exchange: /request/path/<name>, /request/query/<name>,
// /request/headers/<name>, /request/body/..., /status, /response/body/...
//
// Reasons name schema facts only (types, allowed values, property names);
// they never contain a value taken from the traffic, which may be health data.

import { escapePointer } from './specs.mjs';

// Statuses that the real services return on operations whose spec does not
// declare them. A response with one of these codes passes the status check
// when `applies` holds, and its body must then match the CRM's error envelope.
// docs/conformance.md explains each entry; keep the list short.
export const GENERIC_STATUSES = [
  {
    status: 400,
    crms: ['pipedrive', 'highlevel'],
    applies: () => true,
    why: 'the generic refusal of a malformed request: Pipedrive documents 400 for every endpoint ' +
      '(http-status-codes page) while its v2 spec declares only 200/201/404; HighLevel declares 400 on ' +
      '183 of 191 operations, and a missing Version header is refused on every operation',
  },
  {
    status: 401,
    crms: ['pipedrive', 'highlevel'],
    applies: (ctx) => ctx.secured,
    why: 'an operation with a security requirement answers 401 to a missing or invalid token',
  },
  {
    status: 403,
    crms: ['pipedrive', 'highlevel'],
    applies: (ctx) => ctx.secured,
    why: 'an operation with a security requirement answers 403 when the token lacks the scope, ' +
      'the location (HighLevel) or the plan limit is reached (Pipedrive)',
  },
  {
    status: 404,
    crms: ['pipedrive', 'highlevel'],
    applies: (ctx) => ctx.hasPathParameters,
    why: 'an operation whose path names a resource answers 404 when that resource does not exist',
  },
  {
    status: 429,
    crms: ['pipedrive', 'highlevel'],
    applies: () => true,
    why: 'both services rate-limit every operation and answer 429; neither spec declares it',
  },
];

// The error envelopes of undeclared (allow-listed) statuses
// (destination-apis.md sections 1.5 and 2.5).
function envelopeSchema(crm, status) {
  if (crm === 'pipedrive') {
    return {
      type: 'object',
      required: ['success', 'error'],
      properties: {
        success: { const: false },
        error: { type: 'string' },
        error_info: { type: 'string' },
        data: { type: 'null' },
        additional_data: { type: ['object', 'null'] },
        code: { type: 'string' },
        errorCode: { type: 'integer' },
      },
    };
  }
  return {
    type: 'object',
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { const: status },
      message: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      error: { type: 'string' },
    },
  };
}

const envelopeCache = new Map();
function envelopeFor(crm, status) {
  const key = `${crm}:${status}`;
  if (!envelopeCache.has(key)) envelopeCache.set(key, envelopeSchema(crm, status));
  return envelopeCache.get(key);
}

function mediaType(contentType) {
  return String(contentType || '').split(';')[0].trim().toLowerCase();
}

function isJsonMedia(mt) {
  return mt === 'application/json' || /^application\/[^/]+\+json$/.test(mt) || mt === '*/*';
}

// The declared media-type key that `mt` falls under, or undefined. Exact
// matches win over "type/*" and "*/*".
function matchMedia(mt, keys) {
  const lower = keys.map((k) => [k, mediaType(k)]);
  const exact = lower.find(([, k]) => k === mt);
  if (exact) return exact[0];
  const family = lower.find(([, k]) => k.endsWith('/*') && k !== '*/*' && mt.startsWith(k.slice(0, -1)));
  if (family) return family[0];
  return lower.find(([, k]) => k === '*/*')?.[0];
}

function hasBody(side) {
  return side && ((side.body !== null && side.body !== undefined) || Boolean(side.body_kind));
}

function describeValues(values) {
  const shown = values.slice(0, 12).map((v) => JSON.stringify(v));
  if (values.length > 12) shown.push(`... ${values.length - 12} more`);
  return `[${shown.join(', ')}]`;
}

// Ajv errors -> mismatches. Ajv runs without `verbose`, so errors carry no
// data; only schema facts and property names are used.
function ajvMismatches(errors, base, kind) {
  const out = [];
  const seen = new Set();
  for (const e of errors || []) {
    let pointer = base + e.instancePath;
    let reason;
    switch (e.keyword) {
      case 'required':
        pointer += '/' + escapePointer(e.params.missingProperty);
        reason = 'required property is missing';
        break;
      case 'additionalProperties':
        pointer += '/' + escapePointer(e.params.additionalProperty);
        reason = 'property is not allowed here (the schema sets additionalProperties: false)';
        break;
      case 'enum':
        reason = `must be one of ${describeValues(e.params.allowedValues)}`;
        break;
      case 'const':
        reason = `must be ${JSON.stringify(e.params.allowedValue)}`;
        break;
      case 'type':
        reason = `must be of type ${String(e.params.type).split(',').join(' or ')}`;
        break;
      case 'format':
        reason = `must match format "${e.params.format}"`;
        break;
      default:
        reason = e.message;
    }
    const key = `${pointer}\u0000${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind, pointer, reason });
  }
  return out;
}

// Types a parameter schema admits, following allOf/anyOf/oneOf and $refs.
function schemaTypes(specs, schema, doc, depth = 0) {
  const types = new Set();
  if (!schema || depth > 10) return types;
  const { value: s, doc: d } = specs.deref(schema, doc);
  if (!s) return types;
  if (typeof s.type === 'string') types.add(s.type);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    for (const sub of s[k] || []) for (const t of schemaTypes(specs, sub, d, depth + 1)) types.add(t);
  }
  return types;
}

function coerceScalar(text, types) {
  if ((types.has('integer') && /^-?\d+$/.test(text)) ||
      (types.has('number') && /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))) {
    return Number(text);
  }
  if (types.has('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

// Recorded parameter values are strings; turn one into the JSON value the
// server would parse, per the parameter's schema and style (OpenAPI 3.0
// section "Style Values"). A value that does not parse stays a string, so
// the schema check reports it.
function coerceParameter(specs, param, doc, text) {
  const { value: schema, doc: d } = specs.deref(param.schema || {}, doc);
  const types = schemaTypes(specs, schema, d);
  if (!types.has('array')) return coerceScalar(text, types);
  const style = param.style || (param.in === 'query' ? 'form' : 'simple');
  const explode = param.explode ?? style === 'form';
  let items;
  if (style === 'form' && explode) items = [text]; // repeated keys; the log keeps one
  else if (style === 'spaceDelimited') items = text.split(' ');
  else if (style === 'pipeDelimited') items = text.split('|');
  else items = text.split(',');
  const itemTypes = schemaTypes(specs, schema.items, d);
  return items.map((t) => coerceScalar(t, itemTypes));
}

// Merged, dereferenced parameters of an operation (operation-level entries
// override path-level ones with the same name and location).
function parametersOf(specs, entry) {
  const byKey = new Map();
  for (const p of [...entry.pathParameters, ...(entry.op.parameters || [])]) {
    const { value, doc } = specs.deref(p, entry.doc);
    byKey.set(`${value.in}:${value.name}`, { param: value, doc });
  }
  return [...byKey.values()];
}

function isSecured(entry) {
  const reqs = entry.op.security ?? entry.doc.raw.security ?? [];
  return reqs.some((r) => Object.keys(r).length > 0);
}

function checkParameters(specs, entry, pathParams, rec, out) {
  const query = rec.query || {};
  const headers = {};
  for (const [k, v] of Object.entries(rec.request?.headers || {})) headers[k.toLowerCase()] = v;
  const declaredQuery = new Set();
  for (const { param, doc } of parametersOf(specs, entry)) {
    let present;
    let text;
    let pointer;
    if (param.in === 'path') {
      pointer = `/request/path/${escapePointer(param.name)}`;
      present = param.name in pathParams;
      text = pathParams[param.name];
      if (!present) continue; // declared but not in the template: nothing to check
    } else if (param.in === 'query') {
      declaredQuery.add(param.name);
      if (specs.authQuery.has(param.name)) continue;
      pointer = `/request/query/${escapePointer(param.name)}`;
      present = Object.prototype.hasOwnProperty.call(query, param.name);
      text = query[param.name];
    } else if (param.in === 'header') {
      const name = param.name.toLowerCase();
      if (specs.authHeader.has(name) || name === 'content-type' || name === 'accept') continue;
      pointer = `/request/headers/${escapePointer(name)}`;
      present = Object.prototype.hasOwnProperty.call(headers, name);
      text = headers[name];
    } else {
      continue; // cookies are not recorded
    }
    const kind = `${param.in}_param`;
    if (!present) {
      if (param.required) out.push({ kind, pointer, reason: `required ${param.in} parameter is missing` });
      continue;
    }
    if (!param.schema) continue;
    const validate = specs.validator(param.schema, doc);
    const value = coerceParameter(specs, param, doc, String(text));
    if (!validate(value)) out.push(...ajvMismatches(validate.errors, pointer, kind));
  }
  for (const name of Object.keys(query)) {
    if (declaredQuery.has(name) || specs.authQuery.has(name)) continue;
    out.push({
      kind: 'undeclared_query_param',
      pointer: `/request/query/${escapePointer(name)}`,
      reason: 'query parameter is not declared by the operation',
    });
  }
}

// Checks a body (request or response) against a `content` map.
// `side` is rec.request or rec.response; `where` is "request" or "response".
function checkBody(specs, content, doc, side, where, out, stats) {
  const keys = Object.keys(content);
  const mt = mediaType(side.content_type);
  if (side.body_kind === 'multipart') {
    const key = matchMedia('multipart/form-data', keys);
    if (!key || !mediaType(key).startsWith('multipart/')) {
      out.push({
        kind: `${where}_content_type`,
        pointer: `/${where}/body`,
        reason: `multipart/form-data is not accepted (declared: ${keys.join(', ') || 'none'})`,
      });
    } else {
      stats.bodiesNotSchemaChecked++;
    }
    return;
  }
  const key = matchMedia(mt, keys);
  if (!key) {
    out.push({
      kind: `${where}_content_type`,
      pointer: `/${where}/body`,
      reason: `content type "${mt || '(none)'}" is not declared (declared: ${keys.join(', ')})`,
    });
    return;
  }
  if (!isJsonMedia(mediaType(key))) {
    stats.bodiesNotSchemaChecked++; // form or binary bodies are not recorded
    return;
  }
  if (side.body_kind === 'unread') {
    // Refused before the handler read it (a 429 in pre-routing): present,
    // of a declared type, but not recorded.
    stats.bodiesNotSchemaChecked++;
    return;
  }
  if (side.body_kind === 'text') {
    out.push({ kind: `${where}_body_not_json`, pointer: `/${where}/body`, reason: `body is not JSON but ${key} is declared` });
    return;
  }
  const schema = content[key]?.schema;
  if (!schema) return;
  const validate = specs.validator(schema, doc);
  if (!validate(side.body)) out.push(...ajvMismatches(validate.errors, `/${where}/body`, `${where}_body`));
}

function checkRequestBody(specs, entry, rec, out, stats) {
  const req = rec.request || {};
  const { value: rb, doc } = entry.op.requestBody ? specs.deref(entry.op.requestBody, entry.doc) : { value: null };
  if (!hasBody(req)) {
    if (rb?.required) out.push({ kind: 'missing_request_body', pointer: '/request/body', reason: 'the operation requires a request body' });
    return;
  }
  if (!rb) {
    out.push({ kind: 'unexpected_request_body', pointer: '/request/body', reason: 'the operation declares no request body' });
    return;
  }
  checkBody(specs, rb.content || {}, doc, req, 'request', out, stats);
}

function declaredResponse(responses, status) {
  const code = String(status);
  if (responses[code]) return code;
  const range = `${code[0]}XX`;
  const key = Object.keys(responses).find((k) => k.toUpperCase() === range);
  if (key) return key;
  return responses.default ? 'default' : undefined;
}

function checkResponse(specs, entry, hasPathParameters, rec, out, stats) {
  const responses = entry.op.responses || {};
  const resp = rec.response || {};
  const key = declaredResponse(responses, rec.status);
  if (key === undefined) {
    const ctx = { secured: isSecured(entry), hasPathParameters };
    const generic = GENERIC_STATUSES.find((g) => g.status === rec.status && g.crms.includes(specs.crm) && g.applies(ctx));
    if (!generic) {
      out.push({
        kind: 'undeclared_status',
        pointer: '/status',
        reason: `status ${rec.status} is not declared (declared: ${Object.keys(responses).join(', ')}) and is not on the allow-list for this operation`,
      });
      return;
    }
    stats.allowListed[rec.status] = (stats.allowListed[rec.status] || 0) + 1;
    if (!hasBody(resp) || resp.body_kind) {
      out.push({ kind: 'response_body', pointer: '/response/body', reason: `allow-listed status ${rec.status} must carry the ${specs.crm} JSON error envelope` });
      return;
    }
    const validate = specs.plainValidator(envelopeFor(specs.crm, rec.status));
    if (!validate(resp.body)) {
      out.push(...ajvMismatches(validate.errors, '/response/body', 'response_body')
        .map((m) => ({ ...m, reason: `${m.reason} (${specs.crm} error envelope)` })));
    }
    return;
  }
  const { value: decl, doc } = specs.deref(responses[key], entry.doc);
  const content = decl.content || {};
  if (Object.keys(content).length === 0) {
    // The spec leaves this body undescribed (HighLevel's POST /contacts/search
    // among six 2xx responses): nothing to check it against.
    if (hasBody(resp)) stats.responseBodiesNotDescribed++;
    return;
  }
  if (!hasBody(resp)) {
    out.push({ kind: 'missing_response_body', pointer: '/response/body', reason: `response ${key} declares ${Object.keys(content).join(', ')} but the body is empty` });
    return;
  }
  checkBody(specs, content, doc, resp, 'response', out, stats);
}

// Checks one traffic record. Returns { operation, mismatches }; operation is
// "<api> <METHOD> <template>" or null when no spec operation matches.
export function checkExchange(specs, rec, stats) {
  const method = String(rec.method).toUpperCase();
  const routed = specs.route(method, rec.path.split('?')[0]); // the log keeps the query apart
  if (routed.error) {
    return { operation: null, mismatches: [{ kind: 'unknown_operation', pointer: '', reason: `no such operation in the spec: ${routed.error}` }] };
  }
  const { entry, params } = routed.match;
  const out = [];
  checkParameters(specs, entry, params, rec, out);
  checkRequestBody(specs, entry, rec, out, stats);
  checkResponse(specs, entry, Object.keys(params).length > 0, rec, out, stats);
  return { operation: `${entry.api} ${entry.method} ${entry.template}`, file: entry.file, mismatches: out };
}
