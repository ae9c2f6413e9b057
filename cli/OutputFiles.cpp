#include "cli/OutputFiles.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "lang/Diagnostic.h"
#include "report/CiReports.h"
#include "report/HtmlReport.h"

namespace lifecheck::cli {

using nlohmann::json;

namespace {

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) std::cerr << "lifecheck: could not write " << file.string() << "\n";
}

}  // namespace

bool ReportFiles::open() {
  if (!options_.html_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.html_dir, ec);
    if (!std::filesystem::is_directory(options_.html_dir, ec)) {
      std::cerr << "lifecheck: cannot create the --html folder '"
                << lang::escape_control(options_.html_dir) << "'\n";
      return false;
    }
  }
  return writable_path(options_.junit_file, "JUnit report") &&
         writable_path(options_.sarif_file, "SARIF report");
}

std::string ReportFiles::page_name(const model::Program& program, const std::string& what) {
  auto safe = [](std::string s) {
    for (char& c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    return s;
  };
  std::string base = safe(std::filesystem::path(program.file).stem().string()) + "--" + safe(what);
  std::string name = base + ".html";
  // Two scenarios of the same name in different folders: number the later.
  for (int n = 2; used_.count(name); ++n) name = base + "-" + std::to_string(n) + ".html";
  used_.insert(name);
  return name;
}

void ReportFiles::add_html(const json& result, const json& run, const model::Program& program,
                           const std::string& what) {
  std::string name = page_name(program, what);
  write_file(std::filesystem::path(options_.html_dir) / name,
             report::html_report(result, run, program.source));
  std::string title = run.contains("violation") ? run["violation"].value("message", "")
                                                : run.value("outcome", std::string());
  pages_.push_back(Page{name, program.file, program.profile.display_name(), title});
}

void ReportFiles::note_source(const model::Program& program) {
  if (!options_.sarif_file.empty()) sources_.emplace(program.file, program.source);
}

void ReportFiles::finish(const json& report) {
  if (!options_.junit_file.empty()) write_file(options_.junit_file, report::junit_xml(report));
  if (!options_.sarif_file.empty())
    write_file(options_.sarif_file, report::sarif_log(report, sources_).dump(2) + "\n");
  if (!options_.html_dir.empty()) {
    std::vector<report::IndexEntry> entries;
    for (const Page& p : pages_) entries.push_back({p.file, p.scenario, p.profile, p.title});
    write_file(std::filesystem::path(options_.html_dir) / "index.html",
               report::html_index(entries));
    write_file(std::filesystem::path(options_.html_dir) / report::kRuleReferencePage,
               report::html_rule_reference());
  }
}

}  // namespace lifecheck::cli
