#!/usr/bin/env node
// OpenAPI conformance validator: replays a traffic log written by
// `bridgework-sandbox --traffic-log FILE` through a CRM's official OpenAPI
// specs and reports every mismatch (docs/conformance.md).
//
//   node validate.mjs --crm pipedrive|highlevel [--specs DIR] --traffic FILE
//                     [--report OUT.json]
//
// --list-errata prints every spec correction lib/errata.mjs makes and exits.
// --specs defaults to ${BRIDGEWORK_SHARED_DIR:-<repo>/../shared}/specs.
// Exit status: 0 every exchange matches, 1 at least one mismatch, 2 usage or
// input error (bad arguments, missing or broken specs, unreadable or empty
// traffic file, a line that is not a traffic record).
//
// Output names exchanges by traffic-file line, method, path and JSON pointer;
// it never prints a body, query or header value.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkExchange } from './lib/check.mjs';
import { SpecError, SpecSet } from './lib/specs.mjs';

const USAGE = 'usage: node validate.mjs --crm pipedrive|highlevel [--specs DIR] --traffic FILE.jsonl [--report OUT.json]\n' +
  '       node validate.mjs --crm pipedrive|highlevel [--specs DIR] --list-errata';

class UsageError extends Error {}

function parseArgs(argv) {
  const args = {};
  const names = { '--crm': 'crm', '--specs': 'specs', '--traffic': 'traffic', '--report': 'report' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    if (a === '--list-errata') {
      args.listErrata = true;
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!names[flag]) throw new UsageError(`unknown argument "${a}"`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    args[names[flag]] = value;
  }
  if (!args.crm) throw new UsageError('--crm is required');
  if (!['pipedrive', 'highlevel'].includes(args.crm)) throw new UsageError(`--crm must be pipedrive or highlevel, not "${args.crm}"`);
  if (!args.traffic && !args.listErrata) throw new UsageError('--traffic is required');
  return args;
}

// ${BRIDGEWORK_SHARED_DIR:-<repo>/../shared}/specs, where <repo> is three
// levels above this file (tests/conformance/openapi).
export function defaultSpecsDir() {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const shared = process.env.BRIDGEWORK_SHARED_DIR || path.join(repo, '..', 'shared');
  return path.join(shared, 'specs');
}

function readTraffic(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read traffic file ${file}: ${e.code || e.message}`);
  }
  const records = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new UsageError(`${file}:${i + 1}: not a JSON line`);
    }
    if (!rec || typeof rec.method !== 'string' || typeof rec.path !== 'string' || !Number.isInteger(rec.status)) {
      throw new UsageError(`${file}:${i + 1}: not a traffic record (method, path and status are required)`);
    }
    records.push({ line: i + 1, rec });
  });
  if (records.length === 0) throw new UsageError(`${file}: no exchanges to check`);
  return records;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const specsDir = args.specs || defaultSpecsDir();
  if (!fs.statSync(specsDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SpecError(`spec directory ${specsDir} does not exist (set BRIDGEWORK_SHARED_DIR or pass --specs)`);
  }
  if (args.listErrata) {
    const specs = new SpecSet(args.crm, specsDir);
    for (const e of specs.errata) console.log(`${e.id}: ${e.where}`);
    console.log(`${specs.errata.length} places corrected (lib/errata.mjs, docs/conformance.md)`);
    return 0;
  }
  const records = readTraffic(args.traffic);
  const specs = new SpecSet(args.crm, specsDir);
  const stats = { bodiesNotSchemaChecked: 0, responseBodiesNotDescribed: 0, allowListed: {} };
  const covered = new Map();
  const mismatches = [];
  const name = path.basename(args.traffic);
  for (const { line, rec } of records) {
    const result = checkExchange(specs, rec, stats);
    if (result.operation) {
      const c = covered.get(result.operation) || { operation: result.operation, file: result.file, exchanges: 0 };
      c.exchanges++;
      covered.set(result.operation, c);
    }
    for (const m of result.mismatches) {
      const where = result.operation ? ` [${result.operation}]` : '';
      console.log(`${name}:${line}: ${rec.method} ${rec.path}${where}: ${m.pointer || '/'}: ${m.reason}`);
      mismatches.push({ line, method: rec.method, path: rec.path, operation: result.operation, ...m });
    }
  }
  const operations = [...covered.values()].sort((a, b) => a.operation.localeCompare(b.operation));
  for (const op of operations) console.log(`covered: ${op.operation} (${op.file}) x${op.exchanges}`);
  const allow = Object.entries(stats.allowListed).map(([s, n]) => `${s} x${n}`).join(', ');
  console.log(`summary: ${records.length} exchanges checked, ${operations.length} operations covered, ` +
    `${mismatches.length} mismatches, ${specs.errata.length} spec errata applied` +
    (stats.bodiesNotSchemaChecked ? `, ${stats.bodiesNotSchemaChecked} non-JSON bodies not schema-checked` : '') +
    (stats.responseBodiesNotDescribed ? `, ${stats.responseBodiesNotDescribed} response bodies the spec does not describe` : '') +
    (allow ? `, allow-listed statuses: ${allow}` : ''));
  if (args.report) {
    const report = {
      crm: args.crm,
      traffic: path.resolve(args.traffic),
      exchanges: records.length,
      operations,
      mismatches,
      errata_applied: specs.errata.length,
      bodies_not_schema_checked: stats.bodiesNotSchemaChecked,
      response_bodies_not_described: stats.responseBodiesNotDescribed,
      allow_listed_statuses: stats.allowListed,
    };
    fs.writeFileSync(args.report, JSON.stringify(report, null, 2) + '\n');
  }
  return mismatches.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (e) {
  if (e instanceof UsageError || e instanceof SpecError) {
    console.error(`validate.mjs: ${e.message}`);
    if (e instanceof UsageError) console.error(USAGE);
    process.exitCode = 2;
  } else {
    console.error(`validate.mjs: internal error: ${e.stack || e}`);
    process.exitCode = 2;
  }
}
