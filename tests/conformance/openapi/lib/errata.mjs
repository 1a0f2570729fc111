// Spec errata: places where an official spec contradicts itself, corrected
// before validation. Each entry names the file, the JSON pointer of the schema
// it replaces, the replacement and the evidence (from the same spec). Keep
// this list short; docs/conformance.md lists every entry. A pointer that no
// longer exists in the spec is a load error, so a spec update cannot silently
// leave a stale erratum behind.

const HL_DOB_WHY =
  'type is "object" but the description lists string formats ' +
  '(YYYY-MM-DD, MM/DD/YYYY, ...) and the example is the string "1990-09-25"';

const HL_DOB_FIX = {
  type: 'string',
  nullable: true,
  description: 'erratum: string per the description and example',
};

export const ERRATA = [
  {
    crm: 'highlevel',
    file: 'contacts.json',
    pointer: '/components/schemas/CreateContactDto/properties/dateOfBirth',
    expectType: 'object',
    replacement: HL_DOB_FIX,
    why: HL_DOB_WHY,
  },
  {
    crm: 'highlevel',
    file: 'contacts.json',
    pointer: '/components/schemas/UpdateContactDto/properties/dateOfBirth',
    expectType: 'object',
    replacement: HL_DOB_FIX,
    why: HL_DOB_WHY,
  },
  {
    crm: 'highlevel',
    file: 'contacts.json',
    pointer: '/components/schemas/UpsertContactDto/properties/dateOfBirth',
    expectType: 'object',
    replacement: HL_DOB_FIX,
    why: HL_DOB_WHY,
  },
];
