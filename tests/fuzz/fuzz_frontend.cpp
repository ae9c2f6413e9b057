// libFuzzer target: the scenario front end (lexer, parser, compiler) on
// arbitrary bytes. A well-formed or malformed scenario alike must end in a
// Program or one ScenarioError.
#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lifecheck::fuzz::load(data, size);
  return 0;
}
