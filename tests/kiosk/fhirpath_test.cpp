// The FHIRPath subset (kiosk/fhirpath.*): what it evaluates, and that
// anything outside it is refused by name rather than evaluated wrongly.
#include "kiosk/fhirpath.h"

#include <doctest/doctest.h>

using namespace outpost;
using nlohmann::json;

namespace {

fhirpath::Collection eval(const std::string& expr, const json& focus, const fhirpath::Environment& env = {}) {
  auto e = fhirpath::Expression::parse(expr);
  REQUIRE_MESSAGE(e.ok(), e.status().to_string());
  auto r = fhirpath::evaluate(*e, focus, env);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

const json kResponse = json::parse(R"({"resourceType": "QuestionnaireResponse", "item": [
  {"linkId": "g", "item": [
    {"linkId": "a", "answer": [{"valueCoding": {"system": "s", "code": "x"}}]},
    {"linkId": "b", "answer": [{"valueInteger": 4}]}]},
  {"linkId": "c", "answer": [{"valueString": "hi"}]}]})");

}  // namespace

TEST_CASE("paths, where, choice types, arithmetic and iif") {
  CHECK(eval("item.item.where(linkId = 'b').answer.value", kResponse) == fhirpath::Collection{4});
  CHECK(eval("QuestionnaireResponse.item.count()", kResponse) == fhirpath::Collection{2.0});
  CHECK(eval("item.where(linkId = 'c').answer.value + '!'", kResponse) == fhirpath::Collection{"hi!"});
  CHECK(eval("iif(item.exists(), 1 + 2 * 3, 0)", kResponse) == fhirpath::Collection{7.0});
  CHECK(eval("iif(item.where(linkId = 'zz').exists(), 1, {})", kResponse).empty());
  CHECK(eval("(10 - 4) / 3", kResponse) == fhirpath::Collection{2.0});
  CHECK(eval("item.where(linkId = 'zz').answer.value + 1", kResponse).empty());  // empty propagates
  CHECK(eval("true and {}", kResponse).empty());
  CHECK(eval("false and {}", kResponse) == fhirpath::Collection{false});
  CHECK(eval("true or {}", kResponse) == fhirpath::Collection{true});
  CHECK(eval("item.select(linkId).count() >= 2", kResponse) == fhirpath::Collection{true});
}

TEST_CASE("answers(), ordinal() and sum(expr) use the questionnaire's weights per item") {
  fhirpath::Environment env;
  env.weight_of = [](std::string_view link, std::string_view, std::string_view code) -> std::optional<double> {
    if (link == "a" && code == "x") return 3.0;
    return std::nullopt;
  };
  env.resource = &kResponse;
  CHECK(eval("%resource.answers().count()", kResponse, env) == fhirpath::Collection{3.0});
  CHECK(eval("answers().sum(value.ordinal())", kResponse, env) == fhirpath::Collection{3.0});
  CHECK(eval("answers().value.weight().sum()", kResponse, env) == fhirpath::Collection{3.0});
  env.variables["v"] = {json(5)};
  CHECK(eval("%v * 2", kResponse, env) == fhirpath::Collection{10.0});
}

TEST_CASE("outside the subset: a parse error that names what, never a guess") {
  for (const char* bad : {"item.descendants()", "a implies b", "1 | 2", "'x' ~ 'X'", "%", "item.where(", "{1}",
                          "$index", "@2020-01-01", "item[0]"}) {
    auto e = fhirpath::Expression::parse(bad);
    CHECK_MESSAGE(!e.ok(), bad);
    if (!e.ok()) CHECK(e.status().message().find("FHIRPath at character") == 0);
  }
  // A type error at run time is an error, not a number.
  auto e = fhirpath::Expression::parse("'a' - 1");
  REQUIRE(e.ok());
  CHECK_FALSE(fhirpath::evaluate(*e, kResponse, {}).ok());
  auto undefined = fhirpath::Expression::parse("%nothing + 1");
  REQUIRE(undefined.ok());
  CHECK(fhirpath::evaluate(*undefined, kResponse, {}).status().message().find("%nothing is not defined") !=
        std::string::npos);
}
