// Spec errata: places where an official spec contradicts itself (or cannot
// describe any real response), corrected before validation. Every erratum
// only loosens or corrects the schema it names; none removes an operation,
// a required request property or an enum. docs/conformance.md lists them,
// and `validate.mjs --list-errata` prints every place each one touched.
//
// A pointer erratum whose target is gone, or a rule that matches nothing,
// is a load error (SpecError), so a spec update cannot leave a stale entry.

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  return typeof v; // string, boolean, object
}

function sameType(declared, actual) {
  return declared === actual || (declared === 'integer' && actual === 'number');
}

// A schema with no sub-structure: its `type` is its only shape constraint.
function isLeaf(s) {
  return !['properties', 'additionalProperties', 'items', 'allOf', 'anyOf', 'oneOf', '$ref', 'enum', 'format']
    .some((k) => k in s);
}

function withoutType(s) {
  const rest = { ...s };
  delete rest.type;
  return rest;
}

// HighLevel's specs are generated from NestJS DTOs: a TypeScript Date, `any`
// or union comes out as "type": "object", and a few `any` fields as
// "string", while the hand-written `example` shows the wire value. Where the
// two disagree the validator does not guess which is right: it drops the
// type constraint of that one property.
const HL_GENERATOR_WHY =
  'NestJS-generated type contradicts the hand-written example (a Date, any or union emitted as ' +
  '"object"/"string"); the type constraint is dropped for this property';

export const RULES = [
  {
    id: 'hl-object-with-scalar-example',
    crm: 'highlevel',
    why: HL_GENERATOR_WHY,
    applies: (s) => s.type === 'object' && isLeaf(s) && 'example' in s &&
      ['string', 'number', 'boolean'].includes(jsonType(s.example)),
    fix: withoutType,
  },
  {
    id: 'hl-string-with-object-example',
    crm: 'highlevel',
    why: HL_GENERATOR_WHY,
    applies: (s) => s.type === 'string' && isLeaf(s) && 'example' in s &&
      ['object', 'array'].includes(jsonType(s.example)),
    fix: withoutType,
  },
  {
    // e.g. GET /medias/files `files`: items "string", example a file object;
    // objects search `searchAfter`: items "number", example [1700..., "id"].
    id: 'hl-array-items-contradict-example',
    crm: 'highlevel',
    why: 'array items typed one way while the example array (or the single example element) ' +
      'holds another JSON type; the item type constraint is dropped',
    applies: (s) => {
      if (s.type !== 'array' || !s.items || typeof s.items !== 'object' || !('example' in s)) return false;
      if (!s.items.type || !isLeaf(s.items)) return false;
      const elements = Array.isArray(s.example) ? s.example : [s.example];
      return elements.some((e) => e !== null && !sameType(s.items.type, jsonType(e)));
    },
    fix: (s) => ({ ...s, items: withoutType(s.items) }),
  },
  {
    // Pipedrive list responses: "type: string" whose description says the
    // value "will be `null`" at the end of the data (destination-apis.md 2.4).
    id: 'pd-next-cursor-null',
    crm: 'pipedrive',
    why: '`next_cursor` is typed string but its own description says it is `null` on the last page',
    applies: (s, key) => key === 'next_cursor' && s.type === 'string' && s.nullable !== true &&
      /`null`/.test(String(s.description || '')),
    fix: (s) => ({ ...s, nullable: true }),
  },
];

export const POINTERS = [
  {
    id: 'hl-pipeline-stages',
    crm: 'highlevel',
    file: 'opportunities.json',
    pointer: '/components/schemas/PipelinesResponseSchema/properties/stages/items',
    expect: (s) => s.type === 'array',
    replacement: { type: 'object' },
    why: 'stages are declared as an array of arrays; every pipeline stage is an object ' +
      '({id, name, position, ...}) as opportunities refer to it by pipelineStageId',
  },
  {
    id: 'hl-associations-list',
    crm: 'highlevel',
    file: 'associations.json',
    pointer: '/paths/~1associations~1/get/responses/200/content/application~1json/schema',
    expect: (s) => s.$ref === '#/components/schemas/GetPostSuccessfulResponseDto',
    replacement: { type: 'object' },
    why: 'a paged list operation (skip/limit) declared as answering one association with all ' +
      'properties required; only "a JSON object" is checked',
  },
  {
    id: 'hl-relations-list',
    crm: 'highlevel',
    file: 'associations.json',
    pointer: '/paths/~1associations~1relations~1{recordId}/get/responses/200/content/application~1json/schema',
    expect: (s) => s.$ref === '#/components/schemas/GetPostSuccessfulResponseDto',
    replacement: { type: 'object' },
    why: 'a paged list of relations (skip/limit) declared as one association object with all ' +
      'properties required; only "a JSON object" is checked',
  },
  {
    id: 'hl-custom-field-folders',
    crm: 'highlevel',
    file: 'custom-fields.json',
    pointer: '/components/schemas/CustomFieldsResponseDTO/properties/folders/items',
    expect: (s) => s.$ref === '#/components/schemas/ICustomField',
    replacement: { type: 'object' },
    why: '"Custom Fields folder" entries are declared as custom fields (dataType, fieldKey ' +
      'required), which a folder does not have',
  },
];

function getParent(doc, pointer) {
  const tokens = pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = tokens.pop();
  let cur = doc;
  for (const t of tokens) {
    if (cur === null || typeof cur !== 'object' || !(t in cur)) return {};
    cur = cur[t];
  }
  return { parent: cur, key };
}

// Applies every erratum of `crm` to the parsed document `raw` of `file`
// (basename). Returns the applications as [{ id, where, why }]. Rules are
// checked for staleness by the caller once all files are loaded (a rule
// holds for a CRM, not for one file).
export function applyErrata(crm, file, raw, onStale) {
  const applied = [];
  for (const e of POINTERS) {
    if (e.crm !== crm || e.file !== file) continue;
    const { parent, key } = getParent(raw, e.pointer);
    if (!parent || !(key in parent) || !e.expect(parent[key])) {
      onStale(`erratum ${e.id}: ${file}#${e.pointer} no longer has the shape it corrects`);
      continue;
    }
    parent[key] = e.replacement;
    applied.push({ id: e.id, where: `${file}#${e.pointer}`, why: e.why });
  }
  const rules = RULES.filter((r) => r.crm === crm);
  if (rules.length === 0) return applied;
  // Schemas sit under any key except inside examples (data, not schema);
  // under "properties" every key is a property name, "example" included.
  const walk = (node, pointer, parentKey) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${pointer}/${i}`, parentKey));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (v === null || typeof v !== 'object') continue;
      if ((k === 'example' || k === 'examples') && parentKey !== 'properties') continue;
      const at = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const rule = Array.isArray(v) ? undefined : rules.find((r) => r.applies(v, k));
      if (rule) {
        node[k] = rule.fix(v);
        applied.push({ id: rule.id, where: `${file}#${at}`, why: rule.why });
      }
      walk(node[k], at, k);
    }
  };
  walk(raw, '', '');
  return applied;
}
