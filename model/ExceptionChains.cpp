// `except ... as` (X4) and the exception chains it binds (X8). Until a
// clause binds it, an exception is its name on the operand stack, and what
// its traceback and its __context__ keep alive lies in blocks above the
// body's locals (Tracebacks.cpp). The bind turns them into the objects
// CPython has by then: a frame object per frame the exception left
// (PyTraceBack_Here made it, take_ownership gave it the frame's function
// and locals), and an exception object for each exception of its context
// chain that keeps frames (_PyErr_SetObject set each one's __context__ when
// it was raised).
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
bool unset(Value v) { return v.kind() == ValueKind::Unset; }

ModelLimit unreadable() {
  return ModelLimit{"'except ... as' binding an exception with a traceback it cannot read"};
}
}  // namespace

bool Machine::owns_values(const Frame& f) {
  switch (f.kind) {
    case FrameKind::Body:
    case FrameKind::Release:
    case FrameKind::Construct:
    case FrameKind::ClearWeakrefs:
    case FrameKind::FinalizeCall:
      return true;
    case FrameKind::FinalizeExit:  // 3.14's atexit copy of its list (Atexit.cpp)
      return f.count != 0;
    default:
      return false;
  }
}

// A frame object for a block's segment: the function, then the locals, the
// order frame_dealloc releases them in. A frame that bound an exception
// itself gave its locals to its frame object already (X5): that one is the
// first local left and takes the function below them.
Value Machine::frame_object_of(const Segment& s) {
  ValueList held;
  Value fo = Value::unset();
  for (size_t i = s.first; i < s.end; ++i) {
    const Value v = thread().values[i];
    // (a module-level def is never freed)
    if (unset(v) || v.kind() == ValueKind::Func) continue;
    if (unset(fo) && v.is_obj() && program_.types[obj(v.obj()).type].kind == TypeKind::FrameObject)
      fo = v;
    else
      held.push_back(v);
  }
  if (unset(fo)) fo = Value::object(alloc(kFrameType, kNoLabel, true));
  Object& y = obj(fo.obj());
  if (y.length + held.size() > static_cast<size_t>(kMaxItems))
    throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) + " locals"};
  const auto shift = static_cast<std::ptrdiff_t>(held.size());
  std::copy_backward(y.items.begin(), y.items.begin() + y.length,
                     y.items.begin() + y.length + shift);
  std::copy(held.begin(), held.end(), y.items.begin());
  y.length = static_cast<uint8_t>(y.length + held.size());
  return fo;
}

// One exception's part of a chain: nothing (it kept no frame here), the
// block of the frame it came out of, or an exception object a clause of
// that frame bound and raised again (which keeps the inner frames and its
// own context).
Machine::ChainRead Machine::read_unit(const std::vector<TbItem>& part, Value context) {
  ChainRead u{{}, context, false, false, Value::unset()};
  if (part.empty()) return u;
  const TbItem& it = part[0];
  if (part.size() > 1 || (it.kind != TbItem::Block && it.kind != TbItem::Exception))
    throw unreadable();
  if (it.kind == TbItem::Exception) {
    if (!unset(context)) throw unreadable();
    u.frames.push_back(thread().values[it.first]);
    u.exception = true;
    return u;
  }
  const Segment s = tb_segment(it);
  if (s.generator)
    throw ModelLimit{
        "'except ... as' binding an exception that left a generator's frame (the "
        "traceback would keep the generator's frame)"};
  u.frame = frame_object_of(s);
  ChainRead inner = read_chain(it.first, it.area_end, u.frame, context);
  u.frames = std::move(inner.frames);
  u.frames.push_back(u.frame);
  u.context = inner.context;
  u.holds_frame = inner.holds_frame;
  return u;
}

// The chain an area [lo, hi) of frame `frame` kept: its exceptions oldest
// first, each the __context__ of the next (X8). Each but the newest becomes
// an exception object whose traceback ends at `frame`; the newest one's
// frames below `frame` and its context are the result. An exception's
// traceback lists `frame` (tb_frame), and so does every callee's frame
// object (f_back): a frame in more than one traceback outlives the entries
// of the newest one, and so its callers do too, which the frame objects
// built here show by holding their caller (f_back: frame_dealloc releases
// it after the locals). Elsewhere f_back changes nothing and is left out
// (X5).
Machine::ChainRead Machine::read_chain(size_t lo, size_t hi, Value frame, Value context) {
  const auto parts = tb_parts(lo, hi);
  auto link_back = [&](const ChainRead& u) {
    if (unset(u.frame) || !u.holds_frame || has_f_back(u.frame)) return;
    Object& y = obj(u.frame.obj());
    if (y.length >= kMaxItems)
      throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) + " locals"};
    incref(frame);
    y.items[y.length++] = frame;
  };
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    ChainRead u = read_unit(parts[i], context);
    link_back(u);
    if (u.exception) {  // its area reference is the next one's __context__
      context = u.frames[0];
      continue;
    }
    incref(frame);
    u.frames.push_back(frame);
    if (!unset(u.context)) u.frames.push_back(u.context);
    context = new_exception(Value::unset(), u.frames);
  }
  ChainRead newest = read_unit(parts.back(), context);
  link_back(newest);
  newest.holds_frame = newest.holds_frame || parts.size() > 1;
  return newest;
}

// The handled exception whose seal lies `seal_from_top` values below the
// top of the body's area, made an exception object in place (its group of
// blocks becomes the one reference the handler holds), with the handled
// exceptions below as its context. Returns a new reference to it.
Value Machine::handled_exception_object(Frame& f, size_t lo, size_t seal_from_top, Value frame) {
  Thread& th = thread();
  size_t seal = th.values.size() - seal_from_top;
  const uint16_t depth = tb_item(lo, seal + 1).depth;
  size_t from = below_last_seal(lo, seal);
  if (seal - from == 1 && tb_item(lo, seal).kind == TbItem::Exception) {
    incref(th.values[from]);  // a clause bound it already
    return th.values[from];
  }
  Value context = Value::unset();
  if (from > lo) {
    const size_t below_from_top = th.values.size() - (from - 1);
    context = handled_exception_object(f, lo, below_from_top, frame);
    from = th.values.size() - below_from_top + 1;
    seal = th.values.size() - seal_from_top;
  }
  ChainRead c = read_chain(from, seal, frame, context);
  incref(frame);
  c.frames.push_back(frame);
  if (!unset(c.context)) c.frames.push_back(c.context);
  const Value e = new_exception(th.stack[f.aux + depth], c.frames);
  th.values.erase(th.values.begin() + static_cast<std::ptrdiff_t>(from),
                  th.values.begin() + static_cast<std::ptrdiff_t>(seal));
  th.values.insert(th.values.begin() + static_cast<std::ptrdiff_t>(from), e);
  incref(e);
  return e;
}

// Whether a frame below the running body handles an exception whose group
// keeps frames: the exception being bound was raised while it was handled
// (the exceptions handled on a thread nest), so its context chain holds it.
bool Machine::callers_handle_chains() const {
  const Thread& th = state_.threads[current_];
  for (size_t i = 0; i + 1 < th.frames.size(); ++i) {
    const Frame& b = th.frames[i];
    if (b.kind != FrameKind::Body) continue;
    const size_t lo = static_cast<size_t>(b.base) + b.count;
    for (size_t j = i + 1; j < th.frames.size(); ++j) {
      if (!owns_values(th.frames[j])) continue;
      if (th.frames[j].base > lo && below_last_seal(lo, th.frames[j].base) > lo) return true;
      break;
    }
  }
  return false;
}

// OpCode::BindException (X4, X8): the exception object `as NAME` stores.
// Its own group (sealed at its depth when it kept frames) gives its
// traceback; the groups of the exceptions this body still handles below it
// give its __context__ chain, each turned into the object its handler
// holds from now on.
void Machine::bind_exception_op(Frame& f) {
  Thread& th = thread();
  const StrId name = th.stack.back().str();
  const auto depth = static_cast<uint16_t>(th.stack.size() - 1 - f.aux);
  const size_t lo = static_cast<size_t>(f.base) + f.count;
  if (callers_handle_chains())
    throw ModelLimit{
        "'except ... as' binding an exception raised while a calling frame handles one "
        "that left a called frame (the bound exception's __context__ chain would keep "
        "that frame)"};
  if (th.values.size() == lo) return push(new_exception_object(f, name));
  const TbItem top = tb_item(lo, th.values.size());
  if (top.kind != TbItem::Seal) throw unreadable();
  const bool own = top.depth == depth;  // it kept frames
  if (own) th.values.pop_back();
  const Value frame = handler_frame_object(f);
  Value context = Value::unset();
  size_t from = below_last_seal(lo, th.values.size());
  if (from > lo) {
    const size_t seal_from_top = th.values.size() - (from - 1);
    context = handled_exception_object(f, lo, seal_from_top, frame);
    from = th.values.size() - seal_from_top + 1;
  }
  ChainRead c = read_chain(from, th.values.size(), frame, context);
  incref(frame);
  c.frames.push_back(frame);
  if (!unset(c.context)) c.frames.push_back(c.context);
  th.values.resize(from);  // the references moved into the objects
  const Value e = new_exception(Value::str(name), c.frames);
  if (own) {
    // the handled exception's reference in place of its group; PopExcept
    // drops it
    th.values.push_back(e);
    th.values.push_back(seal_marker(depth));
    incref(e);
  }
  push(e);  // the name's
}

}  // namespace lifecheck::model
