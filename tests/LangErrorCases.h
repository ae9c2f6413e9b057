// The malformed scenarios of the LangErrors suite, split by concern
// (tests/test_lang_errors_*.cpp); test_lang_errors.cpp runs them.
#pragma once

#include <ostream>
#include <vector>

namespace lifecheck::testing {

struct BadScenario {
  const char* name;  // test name suffix
  const char* text;  // the whole .life file
  int line;          // expected ScenarioError::loc()
  int col;
  const char* message;  // a distinctive substring of what()
};

// gtest prints parameters on failure; show the case name, not raw bytes.
inline void PrintTo(const BadScenario& c, std::ostream* os) { *os << c.name; }

// Locations are 1-based; columns count bytes from the start of the line.
std::vector<BadScenario> lang_error_cases_syntax();
std::vector<BadScenario> lang_error_cases_classes();
std::vector<BadScenario> lang_error_cases_calls();
std::vector<BadScenario> lang_error_cases_statements();
std::vector<BadScenario> lang_error_cases_locks();             // test_locks.cpp
std::vector<BadScenario> lang_error_cases_inheritance();       // test_inheritance.cpp
std::vector<BadScenario> lang_error_cases_super();             // test_super.cpp
std::vector<BadScenario> lang_error_cases_with();              // test_with.cpp
std::vector<BadScenario> lang_error_cases_cfield();            // test_cfield_call.cpp
std::vector<BadScenario> lang_error_cases_attributes();        // test_attributes.cpp
std::vector<BadScenario> lang_error_cases_partial();           // test_partial.cpp
std::vector<BadScenario> lang_error_cases_class_attributes();  // test_class_attributes.cpp
std::vector<BadScenario> lang_error_cases_weak_method();       // test_weak_method.cpp
std::vector<BadScenario> lang_error_cases_ctype_init();        // test_ctype_init.cpp

}  // namespace lifecheck::testing
