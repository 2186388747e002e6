// The reference FHIRPath engine (npm `fhirpath`, the LHC implementation) as
// an oracle: evaluates a Questionnaire's total-score expression (SDC
// calculatedExpression on its total item, with the file's variables) on a
// QuestionnaireResponse and prints the number, or "none".
//   node fhirpath_oracle.js NODE_MODULES QUESTIONNAIRE RESPONSE LINKID
const path = require("path");
const fs = require("fs");
const [modules, qFile, rFile, totalLinkId] = process.argv.slice(2);
const fhirpath = require(path.join(modules, "fhirpath"));
const r4 = require(path.join(modules, "fhirpath/fhir-context/r4"));
const q = JSON.parse(fs.readFileSync(qFile));
const resp = JSON.parse(fs.readFileSync(rFile));
const CALC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
const VAR = "http://hl7.org/fhir/StructureDefinition/variable";

function find(items, id) {
  for (const it of items || []) {
    if (it.linkId === id) return it;
    const f = find(it.item, id);
    if (f) return f;
  }
  return null;
}
const total = find(q.item, totalLinkId);
const vars = { questionnaire: q, resource: resp, context: resp };
for (const e of [...(q.extension || []), ...(total.extension || [])]) {
  if (e.url !== VAR || e.valueExpression.language !== "text/fhirpath") continue;
  vars[e.valueExpression.name] = fhirpath.evaluate(resp, e.valueExpression.expression, vars, r4);
}
// fhirpath.js has no SDC answers(); expand it as the SDC IG defines it (the
// answers of the items below the focus).
const calc = total.extension
  .find((e) => e.url === CALC)
  .valueExpression.expression.replace(/(^|[^.\w])answers\(\)/g, "$1%resource.repeat(item).answer")
  .replace(/\.answers\(\)/g, ".repeat(item).answer");
// FHIRPath's sum() takes no argument; the SDC form sum(expr) means
// select(expr).sum().
function expandSum(expr) {
  let i;
  while ((i = expr.indexOf(".sum(")) >= 0 && expr[i + 5] !== ")") {
    let depth = 1, j = i + 5;
    for (; j < expr.length && depth > 0; j++) depth += expr[j] === "(" ? 1 : expr[j] === ")" ? -1 : 0;
    expr = expr.slice(0, i) + ".select(" + expr.slice(i + 5, j - 1) + ").sum()" + expr.slice(j);
  }
  return expr;
}
const out = fhirpath.evaluate(resp, expandSum(calc), vars, r4);
console.log(out.length === 1 && typeof out[0] === "number" ? String(out[0]) : "none");
