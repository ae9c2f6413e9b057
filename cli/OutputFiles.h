// The files a command writes besides stdout: HTML reports (--html DIR, one
// page per counterexample or run, and an index.html), JUnit XML (--junit
// FILE) and SARIF (--sarif FILE). Every path is checked before anything is
// explored, so that an unwritable one is bad input (exit 2).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/Commands.h"
#include "model/Program.h"

namespace lifecheck::cli {

class ReportFiles {
 public:
  explicit ReportFiles(const OutputOptions& options) : options_(options) {}

  // Creates the HTML folder and the JUnit/SARIF files; prints the error and
  // returns false when one cannot be written.
  bool open();
  bool wants_html() const { return !options_.html_dir.empty(); }

  // One page for one run (with every event and the heap after each step) of
  // `result` (a check, simulate or replay result); the file is named
  // <scenario>--<what>.html.
  void add_html(const nlohmann::json& result, const nlohmann::json& run,
                const model::Program& program, const std::string& what);

  // The scenario's text, for the SARIF report's statements.
  void note_source(const model::Program& program);

  // JUnit and SARIF from the whole report, and the HTML index.
  void finish(const nlohmann::json& report);

 private:
  std::string page_name(const model::Program& program, const std::string& what);

  OutputOptions options_;
  std::set<std::string> used_;
  // For index.html: file name, scenario, what the page shows.
  struct Page {
    std::string file, scenario, profile, title;
  };
  std::vector<Page> pages_;
  std::map<std::string, std::string> sources_;  // file -> text
};

}  // namespace lifecheck::cli
