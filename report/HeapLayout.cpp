#include "report/HeapLayout.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

extern char** environ;

namespace lifecheck::report {

using nlohmann::json;

namespace {

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out + "\"";
}

// "rc=2 tracked finalized": the state line an object node shows.
std::string state_line(const json& o) {
  std::string s = "rc=" + std::to_string(o.value("rc", 0));
  if (o.value("tracked", false)) s += " " + o.value("list", std::string("tracked"));
  for (const json& f : o.value("flags", json::array())) s += " " + f.get<std::string>();
  return s;
}

// Runs `program -Tsvg -o out in`; the SVG text, or nullopt with `why` set.
std::optional<std::string> run_dot(const std::string& program, const std::string& dot,
                                   std::string& why) {
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  auto temp = [&](const char* suffix) {
    std::string name = (dir / "lifecheck-heap-XXXXXX").string() + suffix;
    int fd = mkstemps(name.data(), static_cast<int>(std::string(suffix).size()));
    if (fd < 0) return std::string();
    close(fd);
    return name;
  };
  std::string in = temp(".dot"), out = temp(".svg");
  if (in.empty() || out.empty()) {
    why = "no temporary file for Graphviz's input";
    return std::nullopt;
  }
  {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f << dot;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string tsvg = "-Tsvg", o = "-o" + out;
  char* argv[] = {const_cast<char*>(program.c_str()), tsvg.data(), o.data(),
                  const_cast<char*>(in.c_str()), nullptr};
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned == 0) waitpid(pid, &status, 0);
  std::optional<std::string> svg;
  if (spawned != 0) {
    why = "the heap drawing needs Graphviz: '" + program +
          "' was not found (install the Debian package graphviz)";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = "Graphviz ('" + program + "') failed to lay out the heap";
  } else {
    std::ifstream f(out, std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    svg = text.str();
  }
  std::filesystem::remove(in, ec);
  std::filesystem::remove(out, ec);
  return svg;
}

// The <svg> element alone: no XML prolog, doctype or comments.
std::string inline_svg(const std::string& svg) {
  size_t start = svg.find("<svg");
  std::string body = start == std::string::npos ? svg : svg.substr(start);
  for (size_t c; (c = body.find("<!--")) != std::string::npos;) {
    size_t e = body.find("-->", c);
    if (e == std::string::npos) break;
    body.erase(c, e + 3 - c);
  }
  return body;
}

}  // namespace

std::string dot_program() {
  const char* env = std::getenv("LIFECHECK_DOT");
  return env && *env ? env : "dot";
}

std::string union_heap_dot(const json& run, json& nodes, json& edges) {
  // Objects (with the widest state line they ever show), roots and edges,
  // in order of first appearance over every heap of the run.
  std::vector<std::string> order, roots;
  std::map<std::string, std::pair<std::string, std::string>> objects;  // name -> type, widest
  std::vector<json> edge_list;
  std::set<std::string> edge_keys;
  auto absorb_objects = [&](const json& list) {
    for (const json& o : list) {
      std::string name = o.value("name", "");
      std::string line = state_line(o);
      auto [it, fresh] = objects.emplace(name, std::make_pair(o.value("type", ""), line));
      if (fresh) order.push_back(name);
      if (line.size() > it->second.second.size()) it->second.second = line;
    }
  };
  auto absorb_edges = [&](const json& list) {
    for (const json& e : list) {
      if (e.value("root", false)) {
        std::string r = e.value("from", "");
        if (std::find(roots.begin(), roots.end(), r) == roots.end()) roots.push_back(r);
      }
      std::string key = e.value("from", "") + "|" + e.value("label", "") + "|" + e.value("to", "");
      if (edge_keys.insert(key).second) edge_list.push_back(e);
    }
  };
  // The initial heap, what each step added or changed, and the heap at the
  // end: every object and edge the run ever has.
  if (run.contains("initial_heap")) {
    absorb_objects(run["initial_heap"].at("objects"));
    absorb_edges(run["initial_heap"].at("edges"));
  }
  for (const json& s : run.at("steps"))
    if (s.contains("heap_delta")) {
      absorb_objects(s["heap_delta"].at("objects"));
      absorb_edges(s["heap_delta"].at("edges_added"));
    }
  absorb_objects(run.at("heap").at("objects"));
  absorb_edges(run.at("heap").at("edges"));

  std::ostringstream dot;
  dot << "digraph heap {\n"
         "  rankdir=TB;\n"
         "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", "
         "fillcolor=\"#ffffff\"];\n"
         "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (const std::string& name : order) {
    std::string id = "n" + std::to_string(nodes.size());
    const auto& [type, widest] = objects[name];
    nodes[name] = json{{"id", id}, {"root", false}};
    dot << "  " << id << " [id=" << dot_quote(id)
        << ", class=\"heap-object\", label=" << dot_quote(name + "\n" + type + "\n" + widest)
        << "];\n";
  }
  for (const std::string& r : roots) {
    std::string id = "n" + std::to_string(nodes.size());
    nodes[r] = json{{"id", id}, {"root", true}};
    dot << "  " << id << " [id=" << dot_quote(id)
        << ", class=\"heap-root\", shape=plaintext, style=\"\", label=" << dot_quote(r) << "];\n";
  }
  for (const json& e : edge_list) {
    std::string from = e.value("from", ""), to = e.value("to", ""), label = e.value("label", "");
    if (!nodes.contains(from) || !nodes.contains(to)) continue;
    std::string id = "e" + std::to_string(edges.size());
    edges[from + "|" + label + "|" + to] = id;
    bool weak = e.value("kind", "") == "weak";
    dot << "  " << nodes[from]["id"].get<std::string>() << " -> "
        << nodes[to]["id"].get<std::string>() << " [id=" << dot_quote(id)
        << ", class=" << (weak ? "\"heap-edge weak\"" : "\"heap-edge\"")
        << ", label=" << dot_quote(label) << (weak ? ", style=dashed" : "") << "];\n";
  }
  dot << "}\n";
  return dot.str();
}

HeapLayout layout_heaps(const json& run) {
  HeapLayout layout;
  std::string dot = union_heap_dot(run, layout.nodes, layout.edges);
  // Graphviz takes long on large graphs, and a drawing that large does not
  // help a reader: the tables show the heap.
  if (layout.nodes.size() > kMaxDrawnNodes) {
    layout.note = "the heap is not drawn: the run has " + std::to_string(layout.nodes.size()) +
                  " objects and roots, more than " + std::to_string(kMaxDrawnNodes) +
                  "; the tables below show it";
    layout.nodes = json::object();
    layout.edges = json::object();
    return layout;
  }
  std::string why;
  if (auto svg = run_dot(dot_program(), dot, why))
    layout.svg = inline_svg(*svg);
  else
    layout.note = why;
  return layout;
}

}  // namespace lifecheck::report
