// `lifecheck extract FILE.c [--out F] [-- compiler flags]`: the C front end
// (extract/), when lifecheck was built with libclang.
#pragma once

#include <string>
#include <vector>

namespace lifecheck::cli {

// Exit codes: 0 written (warnings on stderr); 2 bad input (a missing file,
// C that does not compile, no type found) or a build without libclang.
int extract_command(const std::string& file, const std::vector<std::string>& flags,
                    const std::string& out);

}  // namespace lifecheck::cli
