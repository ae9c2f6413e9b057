// The frames an exception's traceback keeps after it left them (X1, X4,
// X5, X8). When a body unwinds, its locals move above the values live
// frames own (owned_values_top) and stay there while the exception is
// pending or handled: they stand for the frame object the traceback holds.
// Each such frame leaves one block there:
//   [what its own area kept: the chains of the exceptions it handled]
//   [its function, if the caller called a function object or def]
//   [its locals, in their release order]
//   [a marker: an Int with the count of locals, what kind of frame, and
//    the length of the area part]
// The marker makes the blocks readable from the top down, so that
// `except ... as` can turn them into the frame objects CPython has by then
// (PyTraceBack_Here made one per frame; take_ownership in Python/frame.c
// handed it the frame's locals and its function when the frame was
// cleared).
//
// A body's area holds one group per exception it handles that has frames
// to keep, oldest first, each closed by a seal (an Int with the handled
// exception's depth on the operand stack), and above them the group of
// the exception in flight. A handled exception whose clause is left by
// another exception (the one in flight, or one raised in the clause) is no
// longer handled: the new one holds it as its __context__ (X8,
// _PyErr_SetObject), so its seal becomes a context marker and the two
// groups are one chain from then on: the newest exception's group on top.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// The marker ending a block (Value::integer).
constexpr int32_t kSegCount = 0xFF;       // how many locals the frame had
constexpr int32_t kSegGenerator = 0x100;  // a generator's frame
constexpr int32_t kSegFunction = 0x200;   // the function lies below the locals
// The markers between the exceptions of a body's area.
constexpr int32_t kSeal = 0x400;     // a handled exception's group ends here
constexpr int32_t kContext = 0x800;  // the group below is the __context__ of the one above
constexpr int kShift = 12;           // a block's area length, a seal's depth
constexpr int32_t kMaxShifted = (1 << 15) - 1;
constexpr int32_t kMarkerKind = kSeal | kContext;

int32_t shifted(size_t n) {
  if (n > static_cast<size_t>(kMaxShifted))
    throw ModelLimit{"a traceback keeping more than " + std::to_string(kMaxShifted) + " values"};
  return static_cast<int32_t>(n) << kShift;
}

bool is_block_marker(Value v) {
  return v.kind() == ValueKind::Int && v.integer() >= 0 && (v.integer() & kMarkerKind) == 0;
}
}  // namespace

Value Machine::seal_marker(uint16_t depth) { return Value::integer(kSeal | shifted(depth)); }
Value Machine::context_marker() { return Value::integer(kContext); }

// The item of an area [lo, end) that ends at `end`.
Machine::TbItem Machine::tb_item(size_t lo, size_t end) const {
  const Thread& th = state_.threads[current_];
  const Value v = th.values[end - 1];
  TbItem it{TbItem::Other, end - 1, end, end - 1, 0};
  if (v.is_obj() && program_.types[state_.objects[v.obj()].type].kind == TypeKind::Exception) {
    it.kind = TbItem::Exception;
    return it;
  }
  if (v.kind() != ValueKind::Int || v.integer() < 0) return it;
  const int32_t m = v.integer();
  if (m & kSeal) {
    it.kind = TbItem::Seal;
    it.depth = static_cast<uint16_t>(m >> kShift);
    return it;
  }
  if (m & kContext) {
    it.kind = TbItem::Context;
    return it;
  }
  const size_t segment = static_cast<size_t>(m & kSegCount) + ((m & kSegFunction) ? 1 : 0);
  const size_t area = static_cast<size_t>(m >> kShift);
  if (segment + area + 1 > end - lo) return it;  // not a block of this area
  it.kind = TbItem::Block;
  it.area_end = end - 1 - segment;
  it.first = it.area_end - area;
  return it;
}

// The exceptions of a chain in [lo, hi), oldest first: the items between
// its context markers (and seals).
std::vector<std::vector<Machine::TbItem>> Machine::tb_parts(size_t lo, size_t hi) const {
  std::vector<std::vector<TbItem>> parts(1);
  for (size_t end = hi; end > lo;) {
    const TbItem it = tb_item(lo, end);
    if (it.kind == TbItem::Context || it.kind == TbItem::Seal)
      parts.emplace_back();
    else
      parts.back().insert(parts.back().begin(), it);
    end = it.first;
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

// The order in which dropping the chain in [lo, hi) releases its values
// (X1, X8). An exception is freed before its __context__ (BaseException_
// clear drops the traceback, then the context), so the newest exception's
// group goes first. Within a group, tb_dealloc frees tb_next before
// tb_frame: the innermost frame first. A frame that handled exceptions is
// in each one's traceback, and each of its callees holds it (f_back): it
// dies once all of them are gone, after every group of its own area; its
// callers, which it holds in turn, die after it. Without context markers
// this is the order the values lie in.
void Machine::tb_release_order(size_t lo, size_t hi, ValueList& out) const {
  const auto parts = tb_parts(lo, hi);
  for (auto part = parts.rbegin(); part != parts.rend(); ++part)
    for (const TbItem& it : *part) tb_item_order(it, out);
}

void Machine::tb_item_order(const TbItem& it, ValueList& out) const {
  const Thread& th = state_.threads[current_];
  if (it.kind == TbItem::Block) tb_release_order(it.first, it.area_end, out);
  out.insert(out.end(), th.values.begin() + static_cast<std::ptrdiff_t>(it.area_end),
             th.values.begin() + static_cast<std::ptrdiff_t>(it.end));
}

// PyErr_WriteUnraisable's order (X8): _PyErr_Fetch took the traceback as a
// reference of its own, and `done:` releases the exception before it. So
// the exception's context chain goes first (the chains the frames it left
// kept, innermost frame first, each newest exception first), then its own
// traceback, innermost entry first; the frames those tracebacks shared die
// with the latter.
void Machine::tb_unraisable_order(size_t lo, size_t hi, ValueList& out) const {
  struct Level {
    std::vector<std::vector<TbItem>> chain;  // the exceptions it held as context here
    std::vector<TbItem> own;                 // the frame it left (or what else it kept)
  };
  std::vector<Level> levels;
  for (;;) {
    auto parts = tb_parts(lo, hi);
    Level l{{}, parts.back()};
    parts.pop_back();
    l.chain = std::move(parts);
    levels.push_back(std::move(l));
    const std::vector<TbItem>& own = levels.back().own;
    if (own.size() != 1 || own[0].kind != TbItem::Block) break;
    lo = own[0].first;
    hi = own[0].area_end;
  }
  for (auto l = levels.rbegin(); l != levels.rend(); ++l)
    for (auto part = l->chain.rbegin(); part != l->chain.rend(); ++part)
      for (const TbItem& it : *part) tb_item_order(it, out);
  const Thread& th = state_.threads[current_];
  for (const TbItem& it : levels.back().own) tb_item_order(it, out);
  for (auto l = levels.rbegin() + 1; l != levels.rend(); ++l)
    out.insert(out.end(), th.values.begin() + static_cast<std::ptrdiff_t>(l->own[0].area_end),
               th.values.begin() + static_cast<std::ptrdiff_t>(l->own[0].end));
}

// Releases what the area kept from `lo` up, in tb_release_order (or
// tb_unraisable_order). True when a Release frame was pushed.
bool Machine::release_traceback_from(size_t lo, bool unraisable) {
  Thread& th = thread();
  ValueList order;
  if (unraisable)
    tb_unraisable_order(lo, th.values.size(), order);
  else
    tb_release_order(lo, th.values.size(), order);
  th.values.resize(lo);
  if (order.empty()) return false;
  th.values.insert(th.values.end(), order.begin(), order.end());
  Frame r;
  r.kind = FrameKind::Release;
  r.base = static_cast<uint16_t>(lo);
  r.count = static_cast<uint16_t>(order.size());
  push_frame(r);
  return true;
}

// Where the groups of handled exceptions end: the seal at or below `end`
// (its index + 1), or `lo`.
size_t Machine::below_last_seal(size_t lo, size_t end) const {
  while (end > lo) {
    const TbItem it = tb_item(lo, end);
    if (it.kind == TbItem::Seal) return it.end;
    end = it.first;
  }
  return lo;
}

// Context markers at the bottom of a chain or on top of one another part
// nothing: dropped. A context marker between an exception object and one
// whose __context__ it is stands for a reference that object already
// holds (the handled exception's, which its clause dropped on the way
// out): the older object's reference in the area is dropped with it.
void Machine::tidy_contexts(size_t lo) {
  Thread& th = thread();
  std::vector<TbItem> items;  // bottom first
  for (size_t end = th.values.size(); end > lo;) {
    items.push_back(tb_item(lo, end));
    end = items.back().first;
  }
  std::reverse(items.begin(), items.end());
  auto alone = [&](size_t i) {  // an item between context markers
    return (i + 1 == items.size() || items[i + 1].kind == TbItem::Context);
  };
  std::vector<TbItem> kept;
  ValueList dropped;
  for (size_t i = 0; i < items.size(); ++i) {
    const TbItem& it = items[i];
    if (it.kind == TbItem::Context) {
      if (kept.empty() || kept.back().kind == TbItem::Context) continue;
      const TbItem& older = kept.back();
      if (older.kind == TbItem::Exception &&
          (kept.size() == 1 || kept[kept.size() - 2].kind == TbItem::Context) &&
          i + 1 < items.size() && items[i + 1].kind == TbItem::Exception && alone(i + 1)) {
        const Object& newer = obj(th.values[items[i + 1].first].obj());
        if (newer.length != 0 && newer.items[newer.length - 1] == th.values[older.first]) {
          dropped.push_back(th.values[older.first]);
          kept.pop_back();
          continue;
        }
      }
    }
    kept.push_back(it);
  }
  if (kept.size() == items.size()) return;
  ValueList out;
  for (const TbItem& it : kept)
    out.insert(out.end(), th.values.begin() + static_cast<std::ptrdiff_t>(it.first),
               th.values.begin() + static_cast<std::ptrdiff_t>(it.end));
  th.values.resize(lo);
  th.values.insert(th.values.end(), out.begin(), out.end());
  for (Value v : dropped) decref(v);  // still held as the newer one's __context__
}

// X8: the handled exceptions whose seals lie from `lo` up at a depth of
// at least `depth` (all of them when the frame unwinds) are no longer
// handled: the exception in flight holds them as its context.
void Machine::end_handling(size_t lo, uint16_t depth) {
  Thread& th = thread();
  for (size_t end = th.values.size(); end > lo;) {
    const TbItem it = tb_item(lo, end);
    if (it.kind == TbItem::Seal) {
      if (it.depth < depth) break;
      th.values[it.first] = context_marker();
    }
    end = it.first;
  }
  tidy_contexts(below_last_seal(lo, th.values.size()));
}

// X2, X8: a handler of the body whose area starts at `lo` caught the
// exception in flight; its group (with the chains it holds as context) is
// sealed at the handled exception's depth.
void Machine::seal_handled(size_t lo, uint16_t depth) {
  if (thread().values.size() <= lo) return;
  end_handling(lo, depth);
  Thread& th = thread();
  if (below_last_seal(lo, th.values.size()) < th.values.size())
    th.values.push_back(seal_marker(depth));
}

// PopExcept (X4, X8): the handled exception at `depth` is dropped, and with
// it its group: the frames only it kept die, newest exception first.
void Machine::drop_handled_traceback(size_t lo, uint16_t depth) {
  Thread& th = thread();
  if (th.values.size() <= lo) return;
  const TbItem top = tb_item(lo, th.values.size());
  if (top.kind == TbItem::Seal) {
    if (top.depth != depth) return;  // its traceback kept nothing
    th.values.pop_back();
  }
  release_traceback_from(below_last_seal(lo, th.values.size()), false);
}

// An unwound frame's locals, already moved to the top of the thread's
// values above what its own area kept (from `base` up), get their marker.
void Machine::mark_unwound_frame(uint16_t base, uint16_t count, bool generator) {
  if (count > kSegCount)
    throw ModelLimit{"a frame of more than " + std::to_string(kSegCount) +
                     " locals kept by a traceback"};
  Thread& th = thread();
  const size_t area = th.values.size() - count - base;
  th.values.push_back(Value::integer(static_cast<int32_t>(count) | (generator ? kSegGenerator : 0) |
                                     shifted(area)));
}

bool Machine::traceback_keeps_objects(size_t from) const {
  const Thread& th = state_.threads[current_];
  for (size_t i = from; i < th.values.size(); ++i)
    if (th.values[i].is_obj()) return true;
  return false;
}

// FN8, X5: the callee that just unwound holds its function (f_funcobj)
// in its frame object. frame_dealloc releases it before the locals in
// every profile (Objects/frameobject.c: f_funcobj, then the locals), so
// it goes below them.
void Machine::unwound_frame_keeps_function(Value callee) {
  Thread& th = thread();
  if (th.values.empty() || !is_block_marker(th.values.back())) {
    th.values.push_back(callee);  // no block to join: a bind would stop at a limit
    return;
  }
  const int32_t m = th.values.back().integer();
  const size_t at = th.values.size() - 1 - static_cast<size_t>(m & kSegCount);
  th.values.insert(th.values.begin() + static_cast<std::ptrdiff_t>(at), callee);
  th.values.back() = Value::integer(m | kSegFunction);
}

// A block's segment: its function and locals.
Machine::Segment Machine::tb_segment(const TbItem& block) const {
  const int32_t m = state_.threads[current_].values[block.end - 1].integer();
  return Segment{block.area_end, block.end - 1, (m & kSegGenerator) != 0};
}

}  // namespace lifecheck::model
