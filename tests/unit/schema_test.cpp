#include "protocol/schema.hpp"

#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <ostream>

using p2p::schema;
using p2p::schema_violation;

namespace {

schema compiled(const std::string& text) {
  std::string error;
  auto s = schema::compile(text, error);
  INFO(text, " -> ", error);
  REQUIRE(s.has_value());
  return *s;
}

std::string compile_error(const std::string& text) {
  std::string error;
  auto s = schema::compile(text, error);
  INFO(text);
  CHECK_FALSE(s.has_value());
  CHECK_FALSE(error.empty());
  return error;
}

bool conforms(const std::string& schema_text, const std::string& value) {
  return compiled(schema_text).validate(value).empty();
}

// A list doctest can print when a check fails.
struct strings : std::vector<std::string> {
  using vector::vector;
};

std::ostream& operator<<(std::ostream& out, const strings& list) {
  out << "{";
  for (const auto& s : list)
    out << " [" << s << "]";
  return out << " }";
}

// "where: message" of each violation, for compact checks.
strings described(const std::vector<schema_violation>& vs) {
  strings out;
  for (const auto& v : vs)
    out.push_back(v.where + ": " + v.message);
  return out;
}

strings violations(const std::string& schema_text, const std::string& value) {
  return described(compiled(schema_text).validate(value));
}

// Each of `good` conforms to the schema, each of `bad` does not.
void check_values(const std::string& schema_text,
                  std::initializer_list<const char*> good,
                  std::initializer_list<const char*> bad) {
  auto s = compiled(schema_text);
  for (const char* v : good)
    CHECK_MESSAGE(s.validate(v).empty(), schema_text << " rejects " << v);
  for (const char* v : bad)
    CHECK_MESSAGE(!s.validate(v).empty(), schema_text << " accepts " << v);
}

} // namespace

TEST_CASE("schema: type") {
  check_values(R"({"type":"string"})", {R"("x")"}, {"5", "null"});
  check_values(R"({"type":"null"})", {"null"}, {"false", R"("")"});
  check_values(R"({"type":"boolean"})", {"false", "true"}, {"0", "null"});
  check_values(R"({"type":"object"})", {"{}"}, {"[]", "null"});
  check_values(R"({"type":"array"})", {"[]"}, {"{}", R"("[]")"});
  check_values(R"({"type":"number"})", {"-1.5", "3", "18446744073709551615"},
               {R"("1")", "true"});
  check_values(R"({"type":["string","null"]})", {"null", R"("a")"}, {"1", "[]"});
  CHECK(violations(R"({"type":"string"})", "5") == strings{": must be a string"});
  CHECK(violations(R"({"type":["null","string"]})", "1") ==
        strings{": must be a string or null"});
}

TEST_CASE("schema: integer means a number with no fractional part") {
  check_values(R"({"type":"integer"})",
               {"3", "3.0", "1e2", "-0.0", "18446744073709551615",
                "-9223372036854775808"},
               {"3.5", "1e-7", R"("3")"});
  CHECK(violations(R"({"type":"integer"})", "3.5") ==
        strings{": must be an integer"});
  check_values(R"({"type":["integer","string"]})", {"7.0"}, {"7.5"});
}

TEST_CASE("schema: required, properties and additionalProperties") {
  const char* person = R"({
    "type": "object", "required": ["name", "age"],
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "additionalProperties": false})";
  CHECK(conforms(person, R"({"name":"Ada","age":36})"));
  CHECK(violations(person, R"({"name":"Ada"})") == strings{"/age: is required"});
  CHECK(violations(person, R"({"name":"Ada","age":36,"x":1})") ==
        strings{"/x: is not allowed"});
  CHECK(violations(person, R"({"name":1,"age":"a"})") ==
        strings{"/age: must be an integer", "/name: must be a string"});
  // A subschema for the members not listed in properties.
  const char* counters = R"({"properties":{"label":{"type":"string"}},
                             "additionalProperties":{"type":"integer"}})";
  CHECK(conforms(counters, R"({"label":"x","a":1,"b":2})"));
  CHECK(violations(counters, R"({"label":"x","a":1,"b":"2"})") ==
        strings{"/b: must be an integer"});
  // Without additionalProperties anything else goes.
  CHECK(conforms(R"({"properties":{"a":{"type":"string"}}})", R"({"b":1})"));
}

TEST_CASE("schema: items and array sizes") {
  const char* tags = R"({"type":"array","items":{"type":"string"},
                         "minItems":1,"maxItems":3})";
  check_values(tags, {R"(["a"])", R"(["a","b","c"])"}, {R"([1])", "[]"});
  CHECK(violations(tags, "[]") == strings{": must have at least 1 item"});
  CHECK(violations(tags, R"(["a","b","c","d"])") ==
        strings{": must have at most 3 items"});
  CHECK(violations(tags, R"(["a",2,"c",null])") ==
        strings{": must have at most 3 items", "/1: must be a string",
                "/3: must be a string"});
}

TEST_CASE("schema: numeric bounds") {
  const char* percent = R"({"minimum":0,"maximum":100})";
  check_values(percent, {"0", "100", "99.5", "0.0"}, {"-1", "100.01", "-1e-9"});
  CHECK(violations(percent, "-1") == strings{": must be >= 0"});
  CHECK(violations(percent, "100.01") == strings{": must be <= 100"});
  const char* open = R"({"exclusiveMinimum":0,"exclusiveMaximum":1.5})";
  check_values(open, {"1", "1e-300", "1.4999"}, {"0", "0.0", "1.5", "2", "-3"});
  CHECK(violations(open, "0.0") == strings{": must be > 0"});
  CHECK(violations(open, "1.5") == strings{": must be < 1.5"});
  CHECK(violations(R"({"minimum":1e2})", "99") == strings{": must be >= 100"});
}

TEST_CASE("schema: numbers compare exactly across int64, uint64 and double") {
  // 2^53 + 1 is not a double: converting it would make 2^53 equal to it.
  check_values(R"({"minimum":9007199254740993})", {"9007199254740993"},
               {"9007199254740992", "9007199254740992.0"});
  check_values(R"({"maximum":9007199254740993})", {"9007199254740992.0"},
               {"9007199254740994"});
  // uint64 max against 2^64 as a double.
  check_values(R"({"exclusiveMaximum":18446744073709551616.0})",
               {"18446744073709551615"}, {"18446744073709551616.0"});
  check_values(R"({"maximum":18446744073709551615})", {"18446744073709551615"},
               {"18446744073709551616.0", "1e300"});
  check_values(R"({"minimum":-9223372036854775808})", {"-9223372036854775808"},
               {"-9.3e18", "-1e300"});
  check_values(R"({"maximum":-1})", {"-1.0", "-1.5"}, {"-0.5", "0"});
  check_values(R"({"minimum":0})", {"0", "0.5"}, {"-0.5"});
  // The parsed-value overload with each integer kind.
  auto s = compiled(R"({"minimum":-1,"maximum":18446744073709551615})");
  CHECK(s.validate(boost::json::value(std::uint64_t(18446744073709551615u))).empty());
  CHECK(s.validate(boost::json::value(std::int64_t(-1))).empty());
  CHECK_FALSE(s.validate(boost::json::value(std::int64_t(-2))).empty());
  CHECK_FALSE(s.validate(boost::json::value(-1.5)).empty());
}

TEST_CASE("schema: string lengths count code points, not bytes") {
  const char* five = R"({"minLength":5,"maxLength":5})";
  check_values(five,
               {R"("hello")", "\"h\xC3\xA9llo\"", // é: 2 bytes
                "\"\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9" "ab\"", // 😀€éab
                R"("\u00e9\u00e9\u00e9\u00e9\u00e9")",
                R"("\ud83d\ude00abcd")"}, // a surrogate pair is one
               {R"("hell")", R"("hello!")", "\"\xC3\xA9\xC3\xA9\xC3\xA9\"",
                "\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\""});
  CHECK(violations(five, R"("hell")") ==
        strings{": must be at least 5 characters long"});
  CHECK(violations(R"({"maxLength":1})", R"("ab")") ==
        strings{": must be at most 1 character long"});
}

TEST_CASE("schema: enum and const compare JSON values") {
  const char* small = R"({"enum":[1,"two",null,[3],{"a":1,"b":[true]}]})";
  check_values(small,
               {"1", "1.0", R"("two")", "null", "[3.0]",
                R"({"b":[true],"a":1})"}, // member order is irrelevant
               {"2", R"("1")", "[3,3]", R"({"a":1})", R"({"a":1,"b":[true],"c":0})",
                "false", "[]"});
  CHECK(violations(small, "2") ==
        strings{R"(: must be one of [1,"two",null,[3],{"a":1,"b":[true]}])"});
  check_values(R"({"enum":[18446744073709551615]})", {"18446744073709551615"},
               {"18446744073709551616.0", "-1"});
  check_values(R"({"const":2})", {"2", "2.0"}, {"2.5", R"("2")"});
  CHECK(violations(R"({"const":"on"})", R"("off")") == strings{R"(: must equal "on")"});
  check_values(R"({"enum":[]})", {}, {"1", "null"});
}

TEST_CASE("schema: pattern is an unanchored ECMAScript search") {
  CHECK(violations(R"({"pattern":"^[a-z]+$"})", R"("aBc")") ==
        strings{": must match ^[a-z]+$"});
  check_values(R"({"pattern":"^[a-z]+$"})", {R"("abc")"}, {R"("")", R"("ab1")"});
  check_values(R"({"pattern":"b"})", {R"("abc")"}, {R"("ac")"}); // unanchored
  check_values(R"({"pattern":"^\\d{3}-\\d{4}$"})", {R"("555-1234")"},
               {R"("555-12345")"});
  check_values(R"({"pattern":""})", {R"("anything")", R"("")"}, {});
  // ^ and $ are the ends of the string, '.' is no line break (ECMAScript,
  // unlike Boost's Perl defaults).
  check_values(R"({"pattern":"^abc$"})", {R"("abc")"}, {R"("abc\nxyz")", R"("abc\n")"});
  check_values(R"({"pattern":"a.c"})", {R"("abc")"}, {R"("a\nc")"});
  // Characters are code points.
  check_values(R"({"pattern":"^.{3}$"})", {"\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\""},
               {"\"\xC3\xA9\xE2\x82\xAC\""});
  check_values(R"({"pattern":"^[\u00e9]$"})", {"\"\xC3\xA9\""}, {R"("e")"});
  // ECMAScript \u escapes in the pattern (Boost alone reads \u otherwise).
  check_values(R"({"pattern":"^\\u00e9\\u0041$"})", {"\"\xC3\xA9" "A\""}, {R"("uA")"});
  check_values(R"({"pattern":"^[\\u0041-\\u005A]+$"})", {R"("XYZ")"}, {R"("xyz")"});
  check_values(R"({"pattern":"^\\uD83D\\uDE00$"})", {"\"\xF0\x9F\x98\x80\""}, {});
  check_values(R"({"pattern":"^\\u{1F600}$"})", {"\"\xF0\x9F\x98\x80\""}, {});
  check_values(R"({"pattern":"^\\\\u0041$"})", {R"("\\u0041")"}, {R"("A")"});
  check_values(R"({"pattern":"^(a|b)\\1$"})", {R"("bb")"}, {R"("ba")"});
  // \w and \d are ASCII, whatever the process locale.
  check_values(R"({"pattern":"^\\w$"})", {R"("_")"}, {"\"\xC3\xA9\""});
  check_values(R"({"pattern":"^\\d$"})", {R"("3")"}, {"\"\xD9\xA3\""}); // Arabic 3
}

TEST_CASE("schema: every violation is collected, with escaped pointers") {
  const char* schema_text = R"({
    "type": "object", "required": ["id", "a/b", "m~n"],
    "properties": {
      "id": {"type": "integer", "minimum": 1},
      "a/b": {"type": "string", "maxLength": 2, "pattern": "^x"},
      "list": {"items": {"properties": {"name": {"enum": ["x"]}}}}
    }})";
  CHECK(violations(schema_text,
                   R"({"id":0.5,"a/b":"abc","list":[{},{"name":"x"},{"name":"y"}]})") ==
        strings{"/m~0n: is required",
                "/a~1b: must be at most 2 characters long",
                "/a~1b: must match ^x",
                "/id: must be an integer",
                "/id: must be >= 1",
                "/list/2/name: must be one of [\"x\"]"});
  // Escaping in additionalProperties too, and an empty member name.
  CHECK(violations(R"({"additionalProperties":false})", R"({"~/":1,"":2})") ==
        strings{"/~0~1: is not allowed", "/: is not allowed"});
}

TEST_CASE("schema: keywords for other types are ignored") {
  const char* mixed = R"({"minimum":5,"minLength":5,"minItems":5,
                          "required":["x"],"pattern":"^z","items":false})";
  check_values(mixed, {"7", R"("zzzzz")", R"({"x":1})", "true", "null"},
               {"4", R"("zzzz")", R"("abcde")", "{}", "[]"});
  CHECK(violations(mixed, "[1,2,3,4,5]") ==
        strings{"/0: is not allowed", "/1: is not allowed", "/2: is not allowed",
                "/3: is not allowed", "/4: is not allowed"});
}

TEST_CASE("schema: boolean schemas and unknown keywords") {
  check_values("true", {R"({"anything":[1,2]})", "null"}, {});
  check_values("{}", {R"({"anything":[1,2]})", "null"}, {});
  CHECK(violations("false", "1") == strings{": is not allowed"});
  CHECK(violations(R"({"properties":{"secret":false}})", R"({"secret":1})") ==
        strings{"/secret: is not allowed"});
  // Unknown keywords are annotations, whatever their value.
  CHECK(conforms(R"({"format":"email","$comment":7,"title":{"x":1},
                    "oneOf":"not checked"})", "1"));
}

TEST_CASE("schema: bad schemas are rejected with a message") {
  CHECK(compile_error("{").find("not valid JSON") != std::string::npos);
  CHECK(compile_error("5") == "#: a schema must be an object or a boolean");
  CHECK(compile_error(R"({"minimum":"3"})") == R"(#: "minimum" must be a number)");
  CHECK(compile_error(R"({"properties":{"a/b":{"exclusiveMinimum":true}}})") ==
        R"(#/properties/a~1b: "exclusiveMinimum" must be a number)");
  CHECK(compile_error(R"({"items":{"items":{"maxLength":-1}}})") ==
        R"(#/items/items: "maxLength" must be a non-negative integer)");
  CHECK(compile_error(R"({"pattern":"\u00e9(x"})") ==
        R"(#: "pattern" is not a valid regular expression: Unmatched marking )"
        R"(parenthesis ( or \(.)");
  for (const char* bad :
       {R"({"minItems":1.5})", R"({"type":"strin"})", R"({"type":["string",1]})",
        R"({"type":[]})", R"({"type":7})", R"({"required":"a"})",
        R"({"required":["a",1]})", R"({"properties":[]})",
        R"({"properties":{"a":3}})", R"({"additionalProperties":"no"})",
        R"({"items":[{"type":"string"}]})", R"({"enum":3})", R"({"pattern":5})",
        R"({"pattern":"[z-a]"})", R"({"pattern":"(?<=a+)b"})",
        R"({"minimum":1e400})" /* would serialize as Infinity */})
    compile_error(bad);
  // 3.0 is an integer, so it is a valid count.
  check_values(R"({"maxItems":3.0})", {"[1,2,3]"}, {"[1,2,3,4]"});
}

TEST_CASE("schema: nesting is limited to 32 levels") {
  auto nested = [](int levels) {
    std::string text;
    for (int i = 0; i < levels; ++i)
      text += R"({"properties":{"a":)";
    text += R"({"type":"string"})";
    for (int i = 0; i < levels; ++i)
      text += "}}";
    return text;
  };
  auto deepest = compiled(nested(31)); // 32 schemas deep
  std::string value;
  for (int i = 0; i < 31; ++i)
    value += R"({"a":)";
  std::string closing(31, '}');
  CHECK(deepest.validate(value + R"("x")" + closing).empty());
  auto found = deepest.validate(value + "1" + closing);
  REQUIRE(found.size() == 1);
  CHECK(found[0].where.size() == 31 * 2);
  CHECK(compile_error(nested(32)).find("deeper than 32") != std::string::npos);
}

TEST_CASE("schema: text is canonical and invalid JSON values are reported") {
  auto s = compiled(" { \"type\" : [ \"string\" , \"null\" ] ,\n \"maxLength\" : 3 } ");
  CHECK(s.text() == R"({"type":["string","null"],"maxLength":3})");
  auto copy = s; // copies share the compiled form
  CHECK(copy.text() == s.text());
  CHECK(copy.validate(R"("abcd")").size() == 1);
  auto bad = s.validate("{nope");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].where == "");
  CHECK(bad[0].message.find("not valid JSON") != std::string::npos);
}

TEST_CASE("schema: pathological patterns fail fast instead of hanging") {
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point start) {
    return std::chrono::duration<double>(clock::now() - start).count();
  };
  auto start = clock::now();
  std::string attack = "\"" + std::string(100'000, 'a') + "!\"";
  CHECK(violations(R"({"pattern":"(a+)+$"})", attack) ==
        strings{": is too costly to match against (a+)+$"});
  CHECK(seconds_since(start) < 2.0);

  // Exponential but within Boost's own stack: the read budget stops it.
  start = clock::now();
  auto ambiguous = compiled(R"({"items":{"pattern":"(?:a|a)*b"}})");
  std::string many = "[\"" + std::string(10'000, 'a') + "\",\"b\",\"ab\"]";
  // The budget is per call: once spent, later strings are not searched.
  CHECK(described(ambiguous.validate(many)) ==
        strings{"/0: is too costly to match against (?:a|a)*b",
                "/1: is too costly to match against (?:a|a)*b",
                "/2: is too costly to match against (?:a|a)*b"});
  CHECK(seconds_since(start) < 3.0);
  CHECK(ambiguous.validate(R"(["b","ab"])").empty()); // a fresh budget

  // A linear pattern over a 1 MiB string is well within the budget.
  std::string big = "\"" + std::string(1 << 20, 'q') + "\"";
  CHECK(conforms(R"({"pattern":"^[a-z]+$"})", big));
  big.insert(big.size() / 2, "7");
  CHECK_FALSE(conforms(R"({"pattern":"^[a-z]+$"})", big));
  // A repeated group too: groups do not capture unless back-referenced.
  std::string pairs = "\"";
  for (int i = 0; i < (1 << 19); ++i)
    pairs += "ab";
  CHECK(conforms(R"({"pattern":"^(ab)+$"})", pairs + "\""));
  CHECK_FALSE(conforms(R"({"pattern":"^(ab)+$"})", pairs + "a\""));
}
