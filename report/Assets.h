// Text files built into the binary (cmake/EmbedText.cmake): the HTML
// report's page template and docs/semantics.md.
#pragma once

#include <string_view>

namespace lifecheck::report::assets {

std::string_view report_html();   // report/html/report.html
std::string_view report_css();    // report/html/report.css
std::string_view report_js();     // report/html/report.js
std::string_view semantics_md();  // docs/semantics.md

}  // namespace lifecheck::report::assets
