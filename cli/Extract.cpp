#include "cli/Extract.h"

#include <fstream>
#include <iostream>

#include "cli/Commands.h"

#ifdef LIFECHECK_WITH_EXTRACT
#include "extract/Extract.h"
#endif

namespace lifecheck::cli {

int extract_command(const std::string& file, const std::vector<std::string>& flags,
                    const std::string& out) {
#ifdef LIFECHECK_WITH_EXTRACT
  if (!writable_path(out, "skeleton")) return kBadInput;
  extract::ExtractResult r;
  try {
    r = extract::extract_file(file, flags);
  } catch (const extract::ExtractError& e) {
    std::cerr << e.format() << "\n";
    return kBadInput;
  }
  for (const extract::Warning& w : r.warnings) std::cerr << w.format() << "\n";
  if (out.empty()) {
    std::cout << r.life;
    return kHolds;
  }
  std::ofstream f(out);
  f << r.life;
  if (!f) {
    std::cerr << "lifecheck: cannot write " << out << "\n";
    return kBadInput;
  }
  return kHolds;
#else
  (void)flags;
  (void)out;
  std::cerr << file
            << ":0:0: error: this lifecheck was built without libclang, so it cannot read C "
               "(install libclang-dev and rebuild)\n";
  return kBadInput;
#endif
}

}  // namespace lifecheck::cli
