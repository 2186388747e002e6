// FHIRPath subset: docs/design.md, "Questionnaire profile", Scoring; the
// grammar follows the FHIRPath N1 specification's precedence.
#include "kiosk/fhirpath.h"

#include <cctype>
#include <cmath>

namespace outpost::fhirpath {

using nlohmann::json;

enum class Kind { literal, empty, identifier, external, this_, member, call, unary_minus, binary };

struct Node {
  Kind kind = Kind::literal;
  std::string name;  // identifier, member, function, %variable, operator
  json value;        // literal
  std::vector<std::shared_ptr<const Node>> args;  // member/call: args[0] is the input (may be null)
};

namespace {

using NodePtr = std::shared_ptr<const Node>;

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxLength = 16384;

struct Token {
  enum Type { end, ident, string, number, external, this_, op, lparen, rparen, lbrace, rbrace, dot, comma } type;
  std::string text;
  std::size_t pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<NodePtr> run() {
    if (s_.size() > kMaxLength) return error(0, "expression longer than 16 KiB");
    if (Status st = lex(); !st.ok()) return st;
    auto e = expr(0, 0);
    if (!e.ok()) return e;
    if (peek().type != Token::end) return error(peek().pos, "unexpected '" + peek().text + "'");
    return e;
  }

 private:
  Status error(std::size_t pos, const std::string& what) const {
    return Status(Errc::invalid_questionnaire,
                  "FHIRPath at character " + std::to_string(pos + 1) + ": " + what);
  }

  Status lex() {
    std::size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      const std::size_t start = i;
      if (c == '/' && i + 1 < s_.size() && s_[i + 1] == '/') {  // comment to end of line
        while (i < s_.size() && s_[i] != '\n') ++i;
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        while (i < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i])) || s_[i] == '_')) ++i;
        tokens_.push_back({Token::ident, std::string(s_.substr(start, i - start)), start});
      } else if (c == '`') {
        const auto close = s_.find('`', i + 1);
        if (close == std::string_view::npos) return error(start, "unclosed `identifier`");
        tokens_.push_back({Token::ident, std::string(s_.substr(i + 1, close - i - 1)), start});
        i = close + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        while (i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i]))) ++i;
        if (i + 1 < s_.size() && s_[i] == '.' && std::isdigit(static_cast<unsigned char>(s_[i + 1]))) {
          ++i;
          while (i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i]))) ++i;
        }
        tokens_.push_back({Token::number, std::string(s_.substr(start, i - start)), start});
      } else if (c == '\'') {
        std::string text;
        ++i;
        for (;; ++i) {
          if (i >= s_.size()) return error(start, "unclosed string");
          if (s_[i] == '\'') break;
          if (s_[i] == '\\' && i + 1 < s_.size()) {
            const char e = s_[++i];
            text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
          } else {
            text += s_[i];
          }
        }
        ++i;
        tokens_.push_back({Token::string, std::move(text), start});
      } else if (c == '%') {
        ++i;
        std::string name;
        if (i < s_.size() && (s_[i] == '\'' || s_[i] == '`')) {
          const char q = s_[i];
          const auto close = s_.find(q, i + 1);
          if (close == std::string_view::npos) return error(start, "unclosed %name");
          name = std::string(s_.substr(i + 1, close - i - 1));
          i = close + 1;
        } else {
          while (i < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i])) || s_[i] == '_')) ++i;
          name = std::string(s_.substr(start + 1, i - start - 1));
        }
        if (name.empty()) return error(start, "% without a name");
        tokens_.push_back({Token::external, std::move(name), start});
      } else if (c == '$') {
        ++i;
        while (i < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i]))) ++i;
        const std::string name(s_.substr(start, i - start));
        if (name != "$this") return error(start, "'" + name + "' is not supported");
        tokens_.push_back({Token::this_, name, start});
      } else {
        static constexpr std::string_view kOps[] = {"<=", ">=", "!=", "!~", "=", "~", "<", ">", "+", "-",
                                                    "*",  "/",  "|",  "&"};
        bool matched = false;
        for (std::string_view op : kOps) {
          if (s_.substr(i, op.size()) == op) {
            tokens_.push_back({Token::op, std::string(op), start});
            i += op.size();
            matched = true;
            break;
          }
        }
        if (matched) continue;
        Token::Type t;
        switch (c) {
          case '(': t = Token::lparen; break;
          case ')': t = Token::rparen; break;
          case '{': t = Token::lbrace; break;
          case '}': t = Token::rbrace; break;
          case '.': t = Token::dot; break;
          case ',': t = Token::comma; break;
          default: return error(start, std::string("unexpected character '") + c + "'");
        }
        tokens_.push_back({t, std::string(1, c), start});
        ++i;
      }
    }
    tokens_.push_back({Token::end, "end of expression", s_.size()});
    return Status::Ok();
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_++]; }

  // Binary operator precedence (higher binds tighter); 0 = not binary.
  static int precedence(const Token& t) {
    if (t.type == Token::ident) {
      if (t.text == "or" || t.text == "xor") return 1;
      if (t.text == "and") return 2;
      if (t.text == "div" || t.text == "mod") return 7;
      if (t.text == "implies") return -1;  // recognised, refused
      return 0;
    }
    if (t.type != Token::op) return 0;
    if (t.text == "=" || t.text == "!=" || t.text == "~" || t.text == "!~") return 3;
    if (t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=") return 4;
    if (t.text == "|") return 5;
    if (t.text == "+" || t.text == "-" || t.text == "&") return 6;
    if (t.text == "*" || t.text == "/") return 7;
    return 0;
  }

  Result<NodePtr> expr(int min_prec, std::size_t depth) {
    if (depth > kMaxDepth) return error(peek().pos, "nested too deeply");
    auto lhs = unary(depth);
    if (!lhs.ok()) return lhs;
    NodePtr left = *lhs;
    for (;;) {
      const Token& t = peek();
      const int p = precedence(t);
      if (p == -1) return error(t.pos, "'implies' is not supported");
      if (p == 0 || p < min_prec) break;
      if (t.text == "~" || t.text == "!~" || t.text == "|" || t.text == "&" || t.text == "div" || t.text == "mod")
        return error(t.pos, "operator '" + t.text + "' is not supported");
      const std::string op = take().text;
      auto rhs = expr(p + 1, depth + 1);
      if (!rhs.ok()) return rhs;
      auto n = std::make_shared<Node>();
      n->kind = Kind::binary;
      n->name = op;
      n->args = {left, *rhs};
      left = n;
    }
    return left;
  }

  Result<NodePtr> unary(std::size_t depth) {
    if (peek().type == Token::op && (peek().text == "-" || peek().text == "+")) {
      const bool minus = take().text == "-";
      auto operand = unary(depth + 1);
      if (!operand.ok() || !minus) return operand;
      auto n = std::make_shared<Node>();
      n->kind = Kind::unary_minus;
      n->args = {*operand};
      return NodePtr(n);
    }
    return invocation_chain(depth);
  }

  Result<NodePtr> invocation_chain(std::size_t depth) {
    auto t = term(depth);
    if (!t.ok()) return t;
    NodePtr cur = *t;
    while (peek().type == Token::dot) {
      take();
      if (peek().type != Token::ident) return error(peek().pos, "a name must follow '.'");
      auto inv = invocation(cur, depth);
      if (!inv.ok()) return inv;
      cur = *inv;
    }
    return cur;
  }

  // A name after '.', or at the start: a member or a function call on `input`.
  Result<NodePtr> invocation(NodePtr input, std::size_t depth) {
    const Token name = take();
    auto n = std::make_shared<Node>();
    n->name = name.text;
    if (peek().type == Token::lparen) {
      take();
      n->kind = Kind::call;
      n->args.push_back(input);
      if (peek().type != Token::rparen) {
        for (;;) {
          auto a = expr(0, depth + 1);
          if (!a.ok()) return a;
          n->args.push_back(*a);
          if (peek().type == Token::comma) {
            take();
            continue;
          }
          break;
        }
      }
      if (peek().type != Token::rparen) return error(peek().pos, "')' expected after the arguments of " + name.text);
      take();
      static constexpr std::string_view kFunctions[] = {"where", "select", "exists", "empty", "not",
                                                        "count", "first",  "last",   "sum",   "iif",
                                                        "answers", "ordinal", "weight", "toDecimal", "toInteger"};
      bool known = false;
      for (auto f : kFunctions) known = known || f == name.text;
      if (!known) return error(name.pos, "function " + name.text + "() is not supported");
      return NodePtr(n);
    }
    n->kind = input ? Kind::member : Kind::identifier;
    n->args.push_back(input);
    return NodePtr(n);
  }

  Result<NodePtr> term(std::size_t depth) {
    const Token& t = peek();
    auto n = std::make_shared<Node>();
    switch (t.type) {
      case Token::number:
        n->kind = Kind::literal;
        n->value = std::stod(take().text);
        return NodePtr(n);
      case Token::string:
        n->kind = Kind::literal;
        n->value = take().text;
        return NodePtr(n);
      case Token::external:
        n->kind = Kind::external;
        n->name = take().text;
        return NodePtr(n);
      case Token::this_:
        take();
        n->kind = Kind::this_;
        return NodePtr(n);
      case Token::lbrace:
        take();
        if (peek().type != Token::rbrace) return error(peek().pos, "only the empty collection {} is supported");
        take();
        n->kind = Kind::empty;
        return NodePtr(n);
      case Token::lparen: {
        take();
        auto e = expr(0, depth + 1);
        if (!e.ok()) return e;
        if (peek().type != Token::rparen) return error(peek().pos, "')' expected");
        take();
        return e;
      }
      case Token::ident:
        if (t.text == "true" || t.text == "false") {
          n->kind = Kind::literal;
          n->value = take().text == "true";
          return NodePtr(n);
        }
        return invocation(nullptr, depth);
      default:
        return error(t.pos, "unexpected '" + t.text + "'");
    }
  }

  std::string_view s_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Expression> Expression::parse(std::string_view text) {
  auto root = Parser(text).run();
  if (!root.ok()) return root.status();
  Expression e;
  e.text_ = std::string(text);
  e.root_ = *root;
  return e;
}

class Evaluator {
 public:
  explicit Evaluator(const Environment& env) : env_(env) {}

  Result<Collection> eval(const Node& n, const Collection& focus, const json& this_item) {
    if (++steps_ > kMaxSteps) return fail("takes too long to evaluate");
    switch (n.kind) {
      case Kind::literal:
        return Collection{n.value};
      case Kind::empty:
        return Collection{};
      case Kind::this_:
        return Collection{this_item};
      case Kind::external:
        return external(n.name);
      case Kind::identifier: {
        // A leading resource type names the focus itself ("Questionnaire.item").
        if (!n.name.empty() && std::isupper(static_cast<unsigned char>(n.name[0]))) {
          Collection out;
          for (const json& f : focus) {
            if (f.is_object() && f.value("resourceType", "") == n.name) out.push_back(f);
          }
          if (!out.empty()) return out;
        }
        return member(focus, n.name);
      }
      case Kind::member: {
        auto in = eval(*n.args[0], focus, this_item);
        if (!in.ok()) return in;
        return member(*in, n.name);
      }
      case Kind::unary_minus: {
        auto v = eval(*n.args[0], focus, this_item);
        if (!v.ok()) return v;
        auto x = number(*v, "-");
        if (!x.ok()) return x.status();
        if (!*x) return Collection{};
        return Collection{-**x};
      }
      case Kind::binary:
        return binary(n, focus, this_item);
      case Kind::call:
        return call(n, focus, this_item);
    }
    return fail("unknown node");
  }

 private:
  static constexpr std::size_t kMaxSteps = 1'000'000;

  static Status fail(const std::string& what) { return Status(Errc::invalid_argument, "FHIRPath: " + what); }

  Result<Collection> external(const std::string& name) {
    if (name == "resource" || name == "context") {
      if (!env_.resource) return fail("%" + name + " is not available");
      return Collection{*env_.resource};
    }
    if (name == "questionnaire") {
      if (!env_.questionnaire) return fail("%questionnaire is not available");
      return Collection{*env_.questionnaire};
    }
    if (auto it = env_.variables.find(name); it != env_.variables.end()) return it->second;
    return fail("%" + name + " is not defined");
  }

  // Children named `name`, arrays flattened; "value" also finds the FHIR
  // choice elements valueCoding, valueInteger, ... An answer's linkId is
  // carried into its value so ordinal() knows the item.
  static Collection member(const Collection& in, const std::string& name) {
    Collection out;
    auto add = [&](const json& v, const json* link) {
      if (v.is_array()) {
        for (const json& x : v) {
          out.push_back(x);
          if (link && out.back().is_object()) out.back()["__linkId"] = *link;
        }
      } else {
        out.push_back(v);
        if (link && out.back().is_object()) out.back()["__linkId"] = *link;
      }
    };
    for (const json& item : in) {
      if (!item.is_object()) continue;
      const json* link = nullptr;
      if (auto l = item.find("__linkId"); l != item.end()) link = &*l;
      if (auto l = item.find("linkId"); l != item.end() && name == "answer") link = &*l;
      if (auto it = item.find(name); it != item.end()) {
        add(*it, link);
        continue;
      }
      for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string& key = it.key();
        if (key.size() > name.size() && key.compare(0, name.size(), name) == 0 &&
            std::isupper(static_cast<unsigned char>(key[name.size()]))) {
          add(it.value(), link);
        }
      }
    }
    return out;
  }

  // A singleton's number; nullopt for the empty collection.
  static Result<std::optional<double>> number(const Collection& c, const std::string& op) {
    if (c.empty()) return std::optional<double>();
    if (c.size() > 1) return fail("'" + op + "' needs a single value, got " + std::to_string(c.size()));
    if (!c[0].is_number()) return fail("'" + op + "' needs a number, got " + c[0].dump());
    return std::optional<double>(c[0].get<double>());
  }

  // Singleton-to-boolean as FHIRPath defines it; nullopt for empty.
  static Result<std::optional<bool>> boolean(const Collection& c) {
    if (c.empty()) return std::optional<bool>();
    if (c.size() > 1) return fail("a condition gave " + std::to_string(c.size()) + " values");
    if (c[0].is_boolean()) return std::optional<bool>(c[0].get<bool>());
    return std::optional<bool>(true);  // a single non-boolean value counts as true
  }

  static bool equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    json x = a, y = b;
    if (x.is_object()) x.erase("__linkId");
    if (y.is_object()) y.erase("__linkId");
    return x == y;
  }

  Result<Collection> binary(const Node& n, const Collection& focus, const json& this_item) {
    const std::string& op = n.name;
    auto lhs = eval(*n.args[0], focus, this_item);
    if (!lhs.ok()) return lhs;
    if (op == "and" || op == "or" || op == "xor") {
      auto rhs = eval(*n.args[1], focus, this_item);
      if (!rhs.ok()) return rhs;
      auto a = boolean(*lhs);
      auto b = boolean(*rhs);
      if (!a.ok()) return a.status();
      if (!b.ok()) return b.status();
      if (op == "and") {
        if ((*a && !**a) || (*b && !**b)) return Collection{false};
        if (*a && *b) return Collection{true};
        return Collection{};
      }
      if (op == "or") {
        if ((*a && **a) || (*b && **b)) return Collection{true};
        if (*a && *b) return Collection{false};
        return Collection{};
      }
      if (!*a || !*b) return Collection{};
      return Collection{**a != **b};
    }
    auto rhs = eval(*n.args[1], focus, this_item);
    if (!rhs.ok()) return rhs;
    if (op == "=" || op == "!=") {
      if (lhs->empty() || rhs->empty()) return Collection{};
      bool same = lhs->size() == rhs->size();
      for (std::size_t i = 0; same && i < lhs->size(); ++i) same = equal((*lhs)[i], (*rhs)[i]);
      return Collection{op == "=" ? same : !same};
    }
    if (op == "+" && lhs->size() == 1 && rhs->size() == 1 && (*lhs)[0].is_string() && (*rhs)[0].is_string()) {
      return Collection{(*lhs)[0].get<std::string>() + (*rhs)[0].get<std::string>()};
    }
    if ((op == "<" || op == ">" || op == "<=" || op == ">=") && lhs->size() == 1 && rhs->size() == 1 &&
        (*lhs)[0].is_string() && (*rhs)[0].is_string()) {
      const auto& a = (*lhs)[0].get_ref<const std::string&>();
      const auto& b = (*rhs)[0].get_ref<const std::string&>();
      return Collection{op == "<" ? a < b : op == ">" ? a > b : op == "<=" ? a <= b : a >= b};
    }
    auto a = number(*lhs, op);
    if (!a.ok()) return a.status();
    auto b = number(*rhs, op);
    if (!b.ok()) return b.status();
    if (!*a || !*b) return Collection{};
    const double x = **a, y = **b;
    if (op == "+") return Collection{x + y};
    if (op == "-") return Collection{x - y};
    if (op == "*") return Collection{x * y};
    if (op == "/") {
      if (y == 0) return Collection{};
      return Collection{x / y};
    }
    if (op == "<") return Collection{x < y};
    if (op == ">") return Collection{x > y};
    if (op == "<=") return Collection{x <= y};
    if (op == ">=") return Collection{x >= y};
    return fail("operator '" + op + "' is not supported");
  }

  Status arity(const Node& n, std::size_t min, std::size_t max) {
    const std::size_t given = n.args.size() - 1;
    if (given < min || given > max) {
      // Appended piece by piece: "-" + std::to_string(max) trips GCC 12's
      // -Wrestrict false positive at -O3 (GCC PR 105329).
      std::string message = n.name + "() takes " + std::to_string(min);
      if (min != max) message.append("-").append(std::to_string(max));
      message.append(" arguments, got ").append(std::to_string(given));
      return fail(message);
    }
    return Status::Ok();
  }

  // Every answer below `node` (an item, a response), with its item's linkId.
  static void collect_answers(const json& node, Collection& out) {
    if (!node.is_object()) return;
    if (auto a = node.find("answer"); a != node.end() && a->is_array()) {
      for (const json& ans : *a) {
        out.push_back(ans);
        if (out.back().is_object() && node.contains("linkId")) out.back()["__linkId"] = node["linkId"];
        if (ans.is_object()) collect_answers(ans, out);  // items nested under an answer
      }
    }
    if (auto items = node.find("item"); items != node.end() && items->is_array()) {
      for (const json& child : *items) collect_answers(child, out);
    }
  }

  Result<Collection> call(const Node& n, const Collection& focus, const json& this_item) {
    Collection input = focus;
    if (n.args[0]) {
      auto in = eval(*n.args[0], focus, this_item);
      if (!in.ok()) return in;
      input = std::move(*in);
    }
    const std::string& f = n.name;
    // Argument expressions are evaluated per input item, with it as focus and $this.
    auto per_item = [&](const json& item, std::size_t arg) { return eval(*n.args[arg], Collection{item}, item); };
    if (f == "where" || f == "select") {
      if (Status s = arity(n, 1, 1); !s.ok()) return s;
      Collection out;
      for (const json& item : input) {
        auto r = per_item(item, 1);
        if (!r.ok()) return r;
        if (f == "select") {
          out.insert(out.end(), r->begin(), r->end());
          continue;
        }
        auto b = boolean(*r);
        if (!b.ok()) return b.status();
        if (*b && **b) out.push_back(item);
      }
      return out;
    }
    if (f == "exists") {
      if (Status s = arity(n, 0, 1); !s.ok()) return s;
      if (n.args.size() == 1) return Collection{!input.empty()};
      for (const json& item : input) {
        auto r = per_item(item, 1);
        if (!r.ok()) return r;
        auto b = boolean(*r);
        if (!b.ok()) return b.status();
        if (*b && **b) return Collection{true};
      }
      return Collection{false};
    }
    if (f == "empty") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      return Collection{input.empty()};
    }
    if (f == "not") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      auto b = boolean(input);
      if (!b.ok()) return b.status();
      if (!*b) return Collection{};
      return Collection{!**b};
    }
    if (f == "count") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      return Collection{static_cast<double>(input.size())};
    }
    if (f == "first" || f == "last") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      if (input.empty()) return Collection{};
      return Collection{f == "first" ? input.front() : input.back()};
    }
    if (f == "sum") {
      if (Status s = arity(n, 0, 1); !s.ok()) return s;
      double total = 0;
      for (const json& item : input) {
        Collection values{item};
        if (n.args.size() == 2) {
          auto r = per_item(item, 1);
          if (!r.ok()) return r;
          values = std::move(*r);
        }
        for (const json& v : values) {
          if (!v.is_number()) return fail("sum() of a value that is not a number: " + v.dump());
          total += v.get<double>();
        }
      }
      return Collection{total};
    }
    if (f == "iif") {
      if (Status s = arity(n, 2, 3); !s.ok()) return s;
      auto c = eval(*n.args[1], focus, this_item);
      if (!c.ok()) return c;
      auto b = boolean(*c);
      if (!b.ok()) return b.status();
      if (*b && **b) return eval(*n.args[2], focus, this_item);
      if (n.args.size() == 4) return eval(*n.args[3], focus, this_item);
      return Collection{};
    }
    if (f == "answers") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      Collection out;
      for (const json& item : input) collect_answers(item, out);
      return out;
    }
    if (f == "ordinal" || f == "weight") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      if (!env_.weight_of) return fail(f + "() needs the questionnaire");
      Collection out;
      for (json item : input) {
        if (item.is_object() && item.contains("valueCoding")) {
          json link = item.value("__linkId", json());
          item = item["valueCoding"];
          if (!link.is_null()) item["__linkId"] = link;
        }
        if (!item.is_object() || !item.contains("code")) continue;
        const std::string link = item.value("__linkId", std::string());
        auto w = env_.weight_of(link, item.value("system", std::string()), item.value("code", std::string()));
        if (w) out.push_back(*w);
      }
      return out;
    }
    if (f == "toDecimal" || f == "toInteger") {
      if (Status s = arity(n, 0, 0); !s.ok()) return s;
      if (input.empty()) return Collection{};
      if (input.size() > 1) return fail(f + "() of several values");
      const json& v = input[0];
      double d;
      if (v.is_number()) {
        d = v.get<double>();
      } else if (v.is_string()) {
        try {
          d = std::stod(v.get<std::string>());
        } catch (...) {
          return Collection{};
        }
      } else {
        return Collection{};
      }
      if (f == "toInteger" && d != std::floor(d)) return Collection{};
      return Collection{d};
    }
    return fail("function " + f + "() is not supported");
  }

  const Environment& env_;
  std::size_t steps_ = 0;
};

Result<Collection> evaluate(const Expression& e, const json& context, const Environment& env) {
  if (!e.root_) return Status(Errc::invalid_argument, "FHIRPath: empty expression");
  Evaluator ev(env);
  auto r = ev.eval(*e.root_, Collection{context}, context);
  if (!r.ok()) return r;
  for (json& v : *r) {
    if (v.is_object()) v.erase("__linkId");
  }
  return r;
}

}  // namespace outpost::fhirpath
