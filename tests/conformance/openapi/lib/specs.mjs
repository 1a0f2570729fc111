// Loads a CRM's official OpenAPI 3.0 documents, turns their schemas into JSON
// Schema for Ajv and routes a recorded request (method + path) to the spec
// operation that serves it.
//
// Failure behaviour: anything wrong with the spec files (missing file, bad
// YAML/JSON, a $ref whose target does not exist, a stale erratum) throws
// SpecError; callers treat it as a usage error, never as "no mismatches".

import fs from 'node:fs';
import path from 'node:path';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import * as yaml from 'js-yaml';

import { POINTERS, RULES, applyErrata } from './errata.mjs';

export class SpecError extends Error {}

// The APIs each CRM is checked against. `prefixes` are the request path
// prefixes that select an API (the first server URL's path is always one of
// them; `extraPrefixes` adds aliases the real service also answers on).
const CRM_APIS = {
  pipedrive: [
    // Pipedrive answers v1 on both api.pipedrive.com/v1 and
    // {company}.pipedrive.com/api/v1 (destination-apis.md section 0).
    { name: 'v1', files: ['pipedrive/openapi-v1.yaml'], extraPrefixes: ['/api/v1'] },
    { name: 'v2', files: ['pipedrive/openapi-v2.yaml'], extraPrefixes: [] },
  ],
  highlevel: [
    // One OpenAPI file per product, all served from the same root.
    { name: 'v2', dir: 'highlevel/v2', extraPrefixes: [] },
  ],
};

// Query parameters and headers that carry credentials. The traffic log
// redacts their values, so they are neither validated nor reported as
// undeclared. Names from each document's securitySchemes are added at load.
const AUTH_NAMES = {
  pipedrive: { query: ['api_token'], header: ['authorization', 'x-api-token'] },
  highlevel: { query: [], header: ['authorization'] },
};

// Formats Ajv checks. Others ("string", vendor words) carry no constraint in
// OpenAPI 3.0 and are dropped.
const KNOWN_FORMATS = new Set([
  'date', 'date-time', 'time', 'uuid', 'email', 'uri', 'url', 'hostname',
  'ipv4', 'ipv6', 'byte', 'binary', 'int32', 'int64', 'float', 'double',
  'password',
]);

// JSON Schema keywords kept as they are. Everything else in an OpenAPI
// Schema Object (description, example, title, default, deprecated, readOnly,
// writeOnly, xml, externalDocs, discriminator, x-*) is annotation only.
const PLAIN_KEYWORDS = new Set([
  'type', 'enum', 'required', 'minimum', 'maximum', 'multipleOf', 'minLength',
  'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties',
]);

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const ID_BASE = 'https://specs.bridgework.invalid/';

export function escapePointer(token) {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

function getPointer(doc, pointer) {
  if (pointer === '' || pointer === '/') return doc;
  let cur = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !(key in cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function readDocument(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(`cannot read spec ${file}: ${e.code || e.message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : yaml.load(text);
  } catch (e) {
    throw new SpecError(`cannot parse spec ${file}: ${e.message}`);
  }
}

// Splits a path template into matchers. A segment is a literal, a single
// parameter ("{id}") or a mix ("{id}.json").
function compileTemplate(template) {
  return splitPath(template).map((seg) => {
    if (!seg.includes('{')) return { literal: seg, rank: 2 };
    const names = [];
    let re = '';
    let rest = seg;
    for (let m; (m = /\{([^}]+)\}/.exec(rest)); rest = rest.slice(m.index + m[0].length)) {
      re += rest.slice(0, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '([^/]+)';
      names.push(m[1]);
    }
    re += rest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const whole = /^\{[^}]+\}$/.test(seg);
    return { regex: new RegExp(`^${re}$`), names, rank: whole ? 0 : 1 };
  });
}

// "/a/b/" -> ["a", "b"]; a trailing slash is not significant (HighLevel
// declares "/contacts/" and clients send "/contacts").
export function splitPath(p) {
  return p.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
}

export class SpecSet {
  // crm: "pipedrive" | "highlevel"; specsDir: the shared specs directory.
  constructor(crm, specsDir) {
    if (!CRM_APIS[crm]) throw new SpecError(`unknown crm "${crm}"`);
    this.crm = crm;
    this.specsDir = path.resolve(specsDir);
    if (!fs.statSync(this.specsDir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new SpecError(`spec directory ${this.specsDir} does not exist`);
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
    addFormats(this.ajv);
    this.docs = new Map(); // absolute file -> { id, raw, file }
    this.validators = new Map(); // raw schema object -> compiled validator
    this.authQuery = new Set(AUTH_NAMES[crm].query);
    this.authHeader = new Set(AUTH_NAMES[crm].header);
    this.errata = []; // [{ id, where, why }] applied while loading
    this.apis = CRM_APIS[crm].map((api) => this.loadApi(api));
    for (const e of [...POINTERS, ...RULES]) {
      if (e.crm === crm && !this.errata.some((a) => a.id === e.id)) {
        throw new SpecError(`stale erratum ${e.id}: it applies nowhere; update lib/errata.mjs and docs/conformance.md`);
      }
    }
  }

  loadApi(api) {
    let files;
    if (api.dir) {
      const dir = path.join(this.specsDir, api.dir);
      let names;
      try {
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
      } catch (e) {
        throw new SpecError(`cannot list spec directory ${dir}: ${e.code || e.message}`);
      }
      files = names.map((n) => path.join(dir, n));
    } else {
      files = api.files.map((f) => path.join(this.specsDir, f));
    }
    const ops = [];
    const prefixes = new Set(api.extraPrefixes);
    for (const file of files) {
      const doc = this.loadDoc(file);
      if (!doc.raw.paths) continue; // a components-only file (common schemas)
      const server = doc.raw.servers?.[0]?.url;
      if (server) prefixes.add(new URL(server).pathname.replace(/\/$/, ''));
      this.collectAuthNames(doc.raw);
      for (const [template, item] of Object.entries(doc.raw.paths)) {
        for (const method of METHODS) {
          if (!item[method]) continue;
          ops.push({
            api: api.name,
            file: path.basename(file),
            doc,
            method: method.toUpperCase(),
            template,
            segments: compileTemplate(template),
            op: item[method],
            pathParameters: item.parameters || [],
          });
        }
      }
    }
    if (ops.length === 0) throw new SpecError(`no operations found for ${this.crm} ${api.name}`);
    // Longest prefix first so "/api/v1" wins over "".
    const sorted = [...prefixes].sort((a, b) => b.length - a.length);
    return { name: api.name, prefixes: sorted, ops };
  }

  collectAuthNames(raw) {
    for (const scheme of Object.values(raw.components?.securitySchemes || {})) {
      if (scheme.type === 'apiKey' && scheme.in === 'query') this.authQuery.add(scheme.name);
      else if (scheme.type === 'apiKey' && scheme.in === 'header') this.authHeader.add(scheme.name.toLowerCase());
      else this.authHeader.add('authorization');
    }
  }

  loadDoc(file) {
    const abs = path.resolve(file);
    const known = this.docs.get(abs);
    if (known) return known;
    const raw = readDocument(abs);
    this.errata.push(...applyErrata(this.crm, path.basename(abs), raw, (msg) => {
      throw new SpecError(`stale ${msg}; update lib/errata.mjs and docs/conformance.md`);
    }));
    const doc = { id: ID_BASE + path.relative(this.specsDir, abs), raw, file: abs };
    this.docs.set(abs, doc); // before converting: documents may refer to each other
    const schemas = raw.components?.schemas || {};
    const converted = {};
    for (const [name, schema] of Object.entries(schemas)) {
      converted[name] = this.convert(schema, doc);
    }
    this.ajv.addSchema({ $id: doc.id, components: { schemas: converted } });
    return doc;
  }

  // Returns the absolute $ref for Ajv and checks its target exists. A file
  // reference that does not resolve next to the referring file is looked up
  // by name in the referring file's directory: the shared specs keep
  // HighLevel's "../common/common-schemas.json" beside the product files.
  resolveRef(ref, doc) {
    const hash = ref.indexOf('#');
    const filePart = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    let target = doc;
    if (filePart) {
      let abs = path.resolve(path.dirname(doc.file), filePart);
      if (!fs.existsSync(abs)) {
        const beside = path.join(path.dirname(doc.file), path.basename(filePart));
        if (!fs.existsSync(beside)) {
          throw new SpecError(`${path.basename(doc.file)}: $ref "${ref}" names a file that exists neither at ` +
            `${abs} nor at ${beside}`);
        }
        abs = beside;
      }
      target = this.loadDoc(abs);
    }
    const value = getPointer(target.raw, fragment);
    if (value === undefined) {
      throw new SpecError(`${path.basename(doc.file)}: $ref "${ref}" points at nothing`);
    }
    return { id: `${target.id}#${fragment}`, value, doc: target };
  }

  // Follows $refs of non-schema objects (parameters, request bodies,
  // responses). Returns { value, doc }.
  deref(obj, doc) {
    let cur = { value: obj, doc };
    for (let hops = 0; cur.value && cur.value.$ref; hops++) {
      if (hops > 20) throw new SpecError(`$ref loop at "${obj.$ref}"`);
      cur = this.resolveRef(cur.value.$ref, cur.doc);
    }
    return cur;
  }

  // OpenAPI 3.0 Schema Object -> JSON Schema (draft-07, as Ajv reads it).
  // nullable: true adds "null" to `type` (and to `enum`); a nullable schema
  // without `type` (allOf/$ref only) accepts null as well, which is the
  // reading most producers intend. exclusiveMinimum/Maximum booleans become
  // draft-07 numbers. Unknown formats are dropped.
  convert(schema, doc) {
    if (schema === true || schema === false) return schema;
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw new SpecError(`${path.basename(doc.file)}: a schema is not an object`);
    }
    if (schema.$ref) return { $ref: this.resolveRef(schema.$ref, doc).id };
    const out = {};
    for (const [k, v] of Object.entries(schema)) {
      if (PLAIN_KEYWORDS.has(k)) {
        if (k === 'required' && !Array.isArray(v)) continue;
        out[k] = v;
      } else if (k === 'properties') {
        out.properties = {};
        for (const [name, sub] of Object.entries(v)) out.properties[name] = this.convert(sub, doc);
      } else if (k === 'items' || k === 'not') {
        out[k] = this.convert(v, doc);
      } else if (k === 'additionalProperties') {
        out[k] = typeof v === 'boolean' ? v : this.convert(v, doc);
      } else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
        out[k] = v.map((sub) => this.convert(sub, doc));
      } else if (k === 'format') {
        if (KNOWN_FORMATS.has(v)) out.format = v;
      }
    }
    if (schema.exclusiveMinimum === true && 'minimum' in out) {
      out.exclusiveMinimum = out.minimum;
      delete out.minimum;
    }
    if (schema.exclusiveMaximum === true && 'maximum' in out) {
      out.exclusiveMaximum = out.maximum;
      delete out.maximum;
    }
    if (schema.nullable === true) {
      if (out.enum && !out.enum.includes(null)) out.enum = [...out.enum, null];
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (Array.isArray(out.type)) out.type = [...new Set([...out.type, 'null'])];
      else return { anyOf: [{ type: 'null' }, out] };
    }
    return out;
  }

  // Compiled Ajv validator for a raw OpenAPI schema of `doc` (cached).
  validator(schema, doc) {
    let v = this.validators.get(schema);
    if (!v) {
      try {
        v = this.ajv.compile(this.convert(schema, doc));
      } catch (e) {
        if (e instanceof SpecError) throw e;
        throw new SpecError(`${path.basename(doc.file)}: a schema does not compile: ${e.message}`);
      }
      this.validators.set(schema, v);
    }
    return v;
  }

  // Validator for a plain JSON Schema that is not part of a spec (the
  // allow-list envelopes). Cached by object identity.
  plainValidator(jsonSchema) {
    let v = this.validators.get(jsonSchema);
    if (!v) {
      v = this.ajv.compile(jsonSchema);
      this.validators.set(jsonSchema, v);
    }
    return v;
  }

  // Routes a request. Returns { match } with { entry, params } or
  // { error } with a reason for "no such operation".
  route(method, requestPath) {
    const api = this.apiFor(requestPath);
    if (!api) {
      const all = [...new Set(this.apis.flatMap((a) => a.prefixes))].map((p) => p || '/');
      return { error: `path is under none of the spec prefixes (${all.join(', ')})` };
    }
    const rel = requestPath.slice(api.prefix.length) || '/';
    const found = this.match(api.api, method, rel);
    if (found) return { match: found };
    let reason = `no ${method} operation in the ${this.crm} ${api.api.name} spec matches ${rel}`;
    const otherMethods = [...new Set(api.api.ops.filter((o) => matchSegments(o, splitPath(rel)))
      .map((o) => o.method))];
    if (otherMethods.length) reason += ` (the path exists for ${otherMethods.join(', ')})`;
    for (const other of this.apis) {
      if (other === api.api) continue;
      const hit = this.match(other, method, rel);
      if (hit) reason += ` (the ${other.name} spec has ${method} ${hit.entry.template})`;
    }
    return { error: reason };
  }

  apiFor(requestPath) {
    let best = null;
    for (const api of this.apis) {
      for (const prefix of api.prefixes) {
        const ok = prefix === '' || requestPath === prefix || requestPath.startsWith(prefix + '/');
        if (ok && (!best || prefix.length > best.prefix.length)) best = { api, prefix };
      }
    }
    return best;
  }

  // The most specific template wins: compared segment by segment from the
  // left, a literal beats a mixed segment, which beats a bare parameter.
  match(api, method, rel) {
    const segs = splitPath(rel);
    let best = null;
    for (const entry of api.ops) {
      if (entry.method !== method) continue;
      const params = matchSegments(entry, segs);
      if (!params) continue;
      if (!best || compareRank(entry, best.entry) > 0) best = { entry, params };
    }
    return best;
  }
}

function matchSegments(entry, segs) {
  if (entry.segments.length !== segs.length) return null;
  const params = {};
  for (let i = 0; i < segs.length; i++) {
    const m = entry.segments[i];
    if (m.literal !== undefined) {
      if (m.literal !== segs[i]) return null;
      continue;
    }
    const r = m.regex.exec(segs[i]);
    if (!r) return null;
    m.names.forEach((n, j) => { params[n] = r[j + 1]; });
  }
  return params;
}

function compareRank(a, b) {
  for (let i = 0; i < a.segments.length; i++) {
    const d = a.segments[i].rank - b.segments[i].rank;
    if (d !== 0) return d;
  }
  return 0;
}
