#!/usr/bin/env node
// Checks an `outpost-clinic export` against the FHIR R4 JSON schema and
// against what docs/design.md ("Clinic server layout", Export) promises.
// Called by tests/integration/fhir_export_test.sh.
//
//   node check_export.js --validator DIR --ndjson FILE --bundle FILE --expect FILE
//
// DIR: where scripts/install-fhir-validator.sh installed the validator.
// The expect file is JSON written by the test from what it submitted:
//   {"subject_system": URI, "kiosk": ID,
//    "checkins": [{"id", "instrument": "phq-9"|"gad-7", "subject", "score", "band", "lang"}],
//    "alerts": [{"id", "subject", "checkin"}]}
// Prints one line per failure and "fhir_check: N passed, M failed"; exit 1 on any failure.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const util = require('util');

function args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['validator', 'ndjson', 'bundle', 'expect']) {
    if (!out[k]) throw new Error(`--${k} is required`);
  }
  return out;
}

const opt = args(process.argv);
const pkgDir = path.join(path.resolve(opt.validator), 'node_modules', '@asymmetrik', 'fhir-json-schema-validator');
const Validator = require(pkgDir);
const pkg = require(path.join(pkgDir, 'package.json'));
const schema = require(path.join(pkgDir, 'fhir.schema.json'));
const validator = new Validator();
console.log(`validator: ${pkg.name} ${pkg.version}, ajv ${require(path.join(path.resolve(opt.validator), 'node_modules', 'ajv', 'package.json')).version}, schema ${schema.id}`);

let passed = 0;
let failed = 0;
function ok(cond, what, detail) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL: ${what}${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`);
  }
}
const same = (a, b) => util.isDeepStrictEqual(a, b);
function eq(got, want, what) { ok(same(got, want), what, `want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`); }

function valid(resource, what) {
  const errors = validator.validate(resource);
  ok(errors.length === 0, `${what} is valid FHIR R4 (JSON schema)`, errors.slice(0, 3));
}

const expect = JSON.parse(fs.readFileSync(opt.expect, 'utf8'));
const lines = fs.readFileSync(opt.ndjson, 'utf8').split('\n').filter((l) => l.length > 0);
const ndjson = lines.map((l) => JSON.parse(l));
const bundleText = fs.readFileSync(opt.bundle, 'utf8');
const bundle = JSON.parse(bundleText);

const URI = 'urn:ietf:rfc:3986';
const LOINC = 'http://loinc.org';
const device = { type: 'Device', identifier: { system: 'urn:outpost:kiosk', value: expect.kiosk } };
const patient = (code) => ({ type: 'Patient', identifier: { system: expect.subject_system, value: code } });
const totalCode = { 'phq-9': '44261-6', 'gad-7': '70274-6' };
const englishAnswers = new Set(['Not at all', 'Several days', 'More than half the days', 'Nearly every day',
  'Not difficult at all', 'Somewhat difficult', 'Very difficult', 'Extremely difficult']);

// RFC 9562 B.2 name-based UUIDv8, computed here independently of the C++.
function uuidv8(ns, name) {
  const h = crypto.createHash('sha256').update(Buffer.from(ns.replace(/-/g, ''), 'hex')).update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// --- the validator itself rejects what is not FHIR (so a pass means something) ---
ok(validator.validate({ resourceType: 'Flag', status: 'active', identifier: { value: 'x' } }).length > 0,
  'the validator rejects a Flag whose identifier is not a list');
ok(validator.validate({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueInteger: 'ten' }).length > 0,
  'the validator rejects a string valueInteger');
ok(validator.validate({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Nonsense' } }] }).length > 0,
  'the validator rejects an unknown resource inside a Bundle');

// --- NDJSON: every line a valid resource; the expected ones, each once ---
ndjson.forEach((r, i) => valid(r, `ndjson line ${i + 1} (${r.resourceType})`));
const byType = (all, type) => all.filter((r) => r.resourceType === type);
const index = (all) => new Map(all.map((r) => [`${r.resourceType}/${r.id}`, r]));
const nd = index(ndjson);
eq(byType(ndjson, 'QuestionnaireResponse').length, expect.checkins.length, 'one QuestionnaireResponse per check-in');
eq(byType(ndjson, 'Observation').length, expect.checkins.length, 'one Observation per check-in');
eq(byType(ndjson, 'Flag').length, expect.alerts.length, 'one Flag per crisis alert');
eq(ndjson.length, 2 * expect.checkins.length + expect.alerts.length, 'nothing else in the NDJSON');
eq(new Set(ndjson.map((r) => `${r.resourceType}/${r.id}`)).size, ndjson.length, 'NDJSON resource ids are unique');

function checkResponse(qr, c, what) {
  eq(qr.identifier, { system: URI, value: `urn:uuid:${c.id}` }, `${what}: identifier`);
  ok(/^[A-Za-z0-9\-.]{1,64}$/.test(qr.id), `${what}: id is a FHIR id`, qr.id);
  eq(qr.questionnaire, `urn:outpost:questionnaire:${c.instrument}|1.0.0`, `${what}: questionnaire`);
  eq(qr.status, 'completed', `${what}: status`);
  eq(qr.author, device, `${what}: author is the kiosk Device`);
  if (c.subject) {
    eq(qr.subject, patient(c.subject), `${what}: subject by patient code in the configured system`);
    eq(qr.source, patient(c.subject), `${what}: source is the patient who answered`);
  } else {
    ok(!('subject' in qr) && !('source' in qr), `${what}: anonymous, no subject or source`, qr.subject);
  }
  ok(typeof qr.authored === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(qr.authored), `${what}: authored`, qr.authored);
  const codings = [];
  const walk = (items) => (items || []).forEach((it) => {
    (it.answer || []).forEach((a) => a.valueCoding && codings.push(a.valueCoding));
    walk(it.item);
  });
  walk(qr.item);
  ok(codings.length >= 7, `${what}: answers as codings`, codings.length);
  ok(codings.every((v) => v.system === LOINC && englishAnswers.has(v.display)), `${what}: LOINC codings keep LOINC's English display`,
    codings.map((v) => v.display));
  const translated = codings.filter((v) => v._display);
  if (c.lang === 'es') {
    ok(translated.length === codings.length && translated.every((v) => {
      const t = v._display.extension[0];
      return t.url === 'http://hl7.org/fhir/StructureDefinition/translation' &&
        same(t.extension.map((e) => e.url), ['lang', 'content']) && t.extension[0].valueCode === 'es' &&
        typeof t.extension[1].valueString === 'string' && t.extension[1].valueString !== v.display;
    }), `${what}: the Spanish the patient read is in the translation extension on _display`, codings[0]);
  } else {
    eq(translated.length, 0, `${what}: English check-in, no translations`);
  }
}

function checkObservation(obs, c, qr, refToResponse, what) {
  const id = uuidv8(c.id, 'score');
  eq(obs.id, id, `${what}: id is the name-based UUID of the check-in id and "score"`);
  eq(obs.identifier, [{ system: URI, value: `urn:uuid:${id}` }], `${what}: identifier`);
  eq(obs.status, 'final', `${what}: status`);
  eq(obs.category, [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey', display: 'Survey' }] }],
    `${what}: category survey`);
  eq(obs.code.coding.map((x) => [x.system, x.code]), [[LOINC, totalCode[c.instrument]]], `${what}: LOINC total-score code`);
  eq(obs.valueInteger, c.score, `${what}: valueInteger is the score`);
  eq(obs.interpretation, [{ text: c.band }], `${what}: interpretation is the severity band`);
  eq(obs.derivedFrom, [refToResponse], `${what}: derivedFrom the QuestionnaireResponse`);
  eq(obs.subject, qr.subject, `${what}: same subject as the response`);
  eq(obs.effectiveDateTime, qr.authored, `${what}: effectiveDateTime = authored`);
  eq(obs.device, device, `${what}: device is the kiosk`);
}

function checkFlag(flag, a, refToResponse, what) {
  eq(flag.identifier, [{ system: URI, value: `urn:uuid:${a.id}` }], `${what}: identifier`);
  eq(flag.status, 'active', `${what}: status`);
  eq(flag.category, [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    `${what}: category clinical`);
  eq(flag.code.coding, [{ system: 'http://snomed.info/sct', code: '225444004', display: 'At risk for suicide (finding)' }],
    `${what}: SNOMED CT code`);
  if (a.subject) {
    eq(flag.subject, patient(a.subject), `${what}: subject by patient code in the configured system`);
  } else {
    ok(flag.subject && !flag.subject.identifier && /anonymous/.test(flag.subject.display), `${what}: anonymous subject named, not identified`,
      flag.subject);
  }
  ok(flag.period && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(flag.period.start), `${what}: period.start`, flag.period);
  eq(flag.author, device, `${what}: author is the kiosk Device`);
  eq(flag.extension, [{ url: 'http://hl7.org/fhir/StructureDefinition/flag-detail', valueReference: refToResponse }],
    `${what}: flag-detail points at the check-in of its session`);
}

for (const c of expect.checkins) {
  const qr = nd.get(`QuestionnaireResponse/${c.id}`);
  ok(qr, `ndjson: the response of check-in ${c.id}`);
  if (!qr) continue;
  checkResponse(qr, c, `ndjson response ${c.id}`);
  const obs = nd.get(`Observation/${uuidv8(c.id, 'score')}`);
  ok(obs, `ndjson: the Observation of check-in ${c.id}`);
  if (obs) checkObservation(obs, c, qr, { reference: `QuestionnaireResponse/${c.id}` }, `ndjson observation of ${c.id}`);
}
for (const a of expect.alerts) {
  const flag = nd.get(`Flag/${a.id}`);
  ok(flag, `ndjson: the Flag of alert ${a.id}`);
  if (flag) checkFlag(flag, a, { reference: `QuestionnaireResponse/${a.checkin}` }, `ndjson flag ${a.id}`);
}

// --- the transaction Bundle ---
valid(bundle, 'the Bundle');
eq(bundle.resourceType, 'Bundle', 'Bundle: resourceType');
eq(bundle.type, 'transaction', 'Bundle: type transaction');
const entries = bundle.entry || [];
eq(entries.length, ndjson.length, 'Bundle: one entry per exported resource');
const fullUrls = new Map();
entries.forEach((e, i) => {
  const r = e.resource;
  const what = `Bundle entry ${i} (${r.resourceType}/${r.id})`;
  valid(r, what);
  eq(e.fullUrl, `urn:uuid:${r.id}`, `${what}: fullUrl`);
  ok(!fullUrls.has(e.fullUrl), `${what}: fullUrl unique`);
  fullUrls.set(e.fullUrl, r);
  const ident = Array.isArray(r.identifier) ? r.identifier[0] : r.identifier;
  ok(ident && ident.system === URI && ident.value === e.fullUrl, `${what}: the identifier is the fullUrl`, ident);
  eq(e.request, { method: 'POST', url: r.resourceType, ifNoneExist: `identifier=${ident.system}|${ident.value}` },
    `${what}: conditional create on its own identifier`);
});
// Every reference inside the Bundle is to an entry's fullUrl.
const refs = [];
const collect = (node) => {
  if (Array.isArray(node)) node.forEach(collect);
  else if (node && typeof node === 'object') {
    if (typeof node.reference === 'string') refs.push(node);
    Object.values(node).forEach(collect);
  }
};
entries.forEach((e) => collect(e.resource));
eq(refs.length, expect.checkins.length + expect.alerts.length, 'Bundle: a reference per Observation and per Flag');
for (const ref of refs) {
  const target = fullUrls.get(ref.reference);
  ok(target && target.resourceType === ref.type, `Bundle: reference ${ref.reference} resolves to a ${ref.type} entry`);
}
const bundled = index(entries.map((e) => e.resource));
for (const c of expect.checkins) {
  const qr = bundled.get(`QuestionnaireResponse/${c.id}`);
  const obs = bundled.get(`Observation/${uuidv8(c.id, 'score')}`);
  ok(qr && obs, `Bundle: response and Observation of check-in ${c.id}`);
  if (!qr || !obs) continue;
  checkResponse(qr, c, `Bundle response ${c.id}`);
  checkObservation(obs, c, qr, { reference: `urn:uuid:${c.id}`, type: 'QuestionnaireResponse' }, `Bundle observation of ${c.id}`);
}
for (const a of expect.alerts) {
  const flag = bundled.get(`Flag/${a.id}`);
  ok(flag, `Bundle: the Flag of alert ${a.id}`);
  if (flag) checkFlag(flag, a, { reference: `urn:uuid:${a.checkin}`, type: 'QuestionnaireResponse' }, `Bundle flag ${a.id}`);
}
// The same resources as the NDJSON, but for how references are written.
const asRelative = (r) => JSON.parse(JSON.stringify(r), (k, v) =>
  (v && typeof v === 'object' && typeof v.reference === 'string' && v.reference.startsWith('urn:uuid:'))
    ? { reference: `${v.type}/${v.reference.slice(9)}` } : v);
ok(entries.every((e, i) => same(asRelative(e.resource), ndjson[i])), 'Bundle resources are the NDJSON resources, in order');

// A FHIR server's conditional create, as the spec states it: no match,
// create; one match, nothing. Posting the Bundle twice creates each once.
const server = new Map();
function post(b) {
  let created = 0;
  for (const e of b.entry) {
    const key = `${e.request.url}?${e.request.ifNoneExist}`;
    if (!server.has(key)) { server.set(key, e.resource); created++; }
  }
  return created;
}
eq(post(bundle), entries.length, 'first POST of the Bundle creates every entry');
eq(post(JSON.parse(bundleText)), 0, 'second POST of the Bundle creates nothing');

console.log(`fhir_check: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
