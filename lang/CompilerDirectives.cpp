// Directive lines: profile, runtime-bug, ignore and verdict (read before
// the code), expect (after it, once labels are known).
#include "lang/CompilerImpl.h"
#include "model/Properties.h"

namespace lifecheck::lang::detail {

bool Compiler::known_property(const std::string& id) { return model::find_property(id) != nullptr; }

void Compiler::directives_before_code() {
  std::optional<Loc> profile_loc;
  std::vector<RuntimeBug> bugs;
  for (const Directive& d : sc_.directives) {
    if (d.keyword == "profile") {
      if (profile_loc)
        fail(d.loc, "a second 'profile' line (the first is on line " +
                        std::to_string(profile_loc->line) + ")");
      profile_loc = d.loc;
      if (d.words.size() != 1)
        fail(d.loc, "expected 'profile NAME', for example 'profile 3.14' or 'profile P313L'");
      auto prof = find_profile(d.words[0].text);
      if (!prof)
        fail(d.words[0].loc,
             "unknown profile '" + d.words[0].text + "'; 'lifecheck list-profiles' lists them");
      p_.profile = *prof;
    } else if (d.keyword == "runtime-bug") {
      if (d.words.size() != 1) fail(d.loc, "expected 'runtime-bug NAME'");
      auto bug = find_runtime_bug(d.words[0].text);
      if (!bug)
        fail(d.words[0].loc, "unknown runtime bug '" + d.words[0].text +
                                 "'; 'lifecheck list-properties' lists them");
      bugs.push_back(*bug);
    } else if (d.keyword == "ignore") {
      if (d.words.size() != 2 || d.words[1].quoted == false)
        fail(d.words.size() >= 2 ? d.words[1].loc : d.loc,
             "expected 'ignore PROPERTY \"reason\"' with the reason in quotes");
      if (!known_property(d.words[0].text))
        fail(d.words[0].loc,
             "unknown property '" + d.words[0].text + "'; 'lifecheck list-properties' lists them");
      if (d.words[1].text.empty()) fail(d.words[1].loc, "the reason must not be empty");
      p_.ignores.push_back(Ignore{d.words[0].text, d.words[1].text, d.loc.line});
    } else if (d.keyword == "verdict") {
      Verdict v;
      v.line = d.loc.line;
      size_t i = 0;
      if (!d.words.empty() && d.words[0].text == "under") {
        if (d.words.size() < 2) fail(d.loc, "expected a profile after 'verdict under'");
        auto prof = find_profile(d.words[1].text);
        if (!prof)
          fail(d.words[1].loc,
               "unknown profile '" + d.words[1].text + "'; 'lifecheck list-profiles' lists them");
        v.profile = prof->name;
        for (const Verdict& other : p_.profile_verdicts)
          if (other.profile == v.profile)
            fail(d.loc, "a second 'verdict under " + v.profile + "' line");
        i = 2;
      } else if (p_.verdict) {
        fail(d.loc, "a second 'verdict' line");
      }
      size_t n = d.words.size() - i;
      if (n == 1 && d.words[i].text == "holds") {
        v.holds = true;
      } else if (n == 2 && d.words[i].text == "violates") {
        v.holds = false;
        v.property = d.words[i + 1].text;
        if (!known_property(v.property))
          fail(d.words[i + 1].loc, "unknown property '" + v.property + "'");
      } else {
        fail(d.loc,
             "expected 'verdict [under PROFILE] holds' or 'verdict [under PROFILE] "
             "violates PROPERTY'");
      }
      if (v.profile.empty())
        p_.verdict = v;
      else
        p_.profile_verdicts.push_back(v);
    } else if (d.keyword == "shutdown") {
      shutdown_directive(d);  // CompilerAtexit.cpp
    }
  }
  if (opts_.profile_override) p_.profile = *opts_.profile_override;
  for (RuntimeBug b : bugs) p_.profile.add(b);
  for (RuntimeBug b : opts_.extra_bugs) p_.profile.add(b);
}

void Compiler::directives_after_code() {
  for (const Directive& d : sc_.directives)
    if (d.keyword == "expect") p_.expects.push_back(expectation(d));
  declare_module_dict();  // `shutdown modules` (CompilerAtexit.cpp)
}

EventPattern Compiler::pattern(const Directive& d, size_t& i) {
  auto word = [&](const char* what) -> const DirectiveWord& {
    if (i >= d.words.size()) fail(d.loc, std::string("incomplete expect line: expected ") + what);
    return d.words[i++];
  };
  const DirectiveWord& w = word(
      "an event (finalize, callback, clear, dealloc, freed, "
      "resurrect, log, gc, unraisable, garbage, tp_del, release)");
  EventPattern p;
  auto label = [&]() {
    const DirectiveWord& l = word("an object label or '*'");
    if (l.text == "*") return kNoLabel;
    for (size_t k = 0; k < p_.labels.size(); ++k)
      if (p_.labels[k] == l.text) return static_cast<LabelId>(k);
    fail(l.loc, "no object is created with label '" + l.text +
                    "'; labels are assignment targets such as 'a' in 'a = Node()'");
  };
  if (w.text == "finalize" || w.text == "__del__") {
    p.kind = PatternKind::Finalize;
    p.label = label();
    if (i < d.words.size() && d.words[i].text == "by") {
      ++i;
      const DirectiveWord& path = word("'gc' or 'refcount'");
      if (path.text == "gc")
        p.path = PathFilter::Gc;
      else if (path.text == "refcount")
        p.path = PathFilter::Refcount;
      else
        fail(path.loc, "expected 'gc' or 'refcount' after 'by'");
    }
  } else if (w.text == "callback") {
    p.kind = PatternKind::Callback;
    p.label = label();
  } else if (w.text == "clear") {
    p.kind = PatternKind::Clear;
    p.label = label();
  } else if (w.text == "dealloc") {
    p.kind = PatternKind::Dealloc;
    p.label = label();
  } else if (w.text == "freed") {
    p.kind = PatternKind::Freed;
    p.label = label();
  } else if (w.text == "resurrect") {
    p.kind = PatternKind::Resurrect;
    p.label = label();
  } else if (w.text == "garbage") {
    p.kind = PatternKind::Garbage;
    p.label = label();
  } else if (w.text == "tp_del") {
    p.kind = PatternKind::TpDel;
    p.label = label();
  } else if (w.text == "release") {
    p.kind = PatternKind::Release;
    p.label = label();
  } else if (w.text == "log") {
    const DirectiveWord& t = word("a quoted message");
    if (!t.quoted) fail(t.loc, "expected a quoted message after 'log'");
    p.kind = PatternKind::Log;
    p.text = t.text;
  } else if (w.text == "gc") {
    const DirectiveWord& ph = word("'start' or 'stop'");
    if (ph.text == "start")
      p.kind = PatternKind::GcStart;
    else if (ph.text == "stop")
      p.kind = PatternKind::GcStop;
    else
      fail(ph.loc, "expected 'start' or 'stop' after 'gc'");
  } else if (w.text == "unraisable") {
    p.kind = PatternKind::Unraisable;
  } else {
    fail(w.loc, "unknown event '" + w.text +
                    "'; expected finalize, callback, clear, dealloc, freed, resurrect, "
                    "log, gc, unraisable, garbage, tp_del or release");
  }
  return p;
}

Expectation Compiler::expectation(const Directive& d) {
  Expectation x;
  x.line = d.loc.line;
  x.col = d.loc.col;
  x.text = "expect " + d.source_text;
  auto written = [&](size_t from, size_t to) {
    std::string s;
    for (size_t k = from; k < to; ++k)
      s += (s.empty() ? "" : " ") +
           (d.words[k].quoted ? "\"" + d.words[k].text + "\"" : d.words[k].text);
    return s;
  };
  size_t i = 0;
  x.a = pattern(d, i);
  x.a_text = written(0, i);
  auto rest = [&](size_t k) { return k < d.words.size() ? d.words[k].text : std::string(); };
  if (x.a.kind == PatternKind::Freed && i == d.words.size()) {
    x.kind = ExpectKind::Eventually;
    return x;
  }
  if (i >= d.words.size())
    fail(d.loc,
         "incomplete expect line: expected 'before', 'never', 'once', "
         "'at-most-once', 'eventually' or 'on thread T' after the event");
  const DirectiveWord& w = d.words[i++];
  if (w.text == "before") {
    x.kind = ExpectKind::Before;
    const size_t from = i;
    x.b = pattern(d, i);
    x.b_text = written(from, i);
  } else if (w.text == "never") {
    x.kind = ExpectKind::Never;
  } else if (w.text == "once") {
    x.kind = ExpectKind::Once;
  } else if (w.text == "at-most-once" ||
             (w.text == "at" && rest(i) == "most" && rest(i + 1) == "once")) {
    if (w.text == "at") i += 2;
    x.kind = ExpectKind::AtMostOnce;
  } else if (w.text == "eventually") {
    x.kind = ExpectKind::Eventually;
  } else if (w.text == "on") {
    if (rest(i) == "thread") ++i;
    if (i >= d.words.size()) fail(d.loc, "expected a thread name after 'on'");
    const DirectiveWord& t = d.words[i++];
    auto it = threads_.find(t.text);
    if (it == threads_.end()) fail(t.loc, "unknown thread '" + t.text + "'");
    x.kind = ExpectKind::OnThread;
    x.thread = it->second;
  } else {
    fail(w.loc,
         "expected 'before', 'never', 'once', 'at-most-once', 'eventually' or "
         "'on thread T', found '" +
             w.text + "'");
  }
  if (i < d.words.size())
    fail(d.words[i].loc, "unexpected '" + d.words[i].text + "' at the end of the expect line");
  return x;
}

}  // namespace lifecheck::lang::detail
