// The frames an exception's traceback keeps after it left them (X1, X4,
// X5). When a body unwinds, its locals move above the values live frames
// own (owned_values_top) and stay there while the exception is pending or
// handled: they stand for the frame object the traceback holds. Each such
// frame leaves one segment there:
//   [its function, if the caller called a function object or def]
//   [its locals, in their release order]
//   [a marker: an Int with the count of locals and what kind of frame]
// The marker makes the segments readable from the top down, so that
// `except ... as` can turn them into the frame objects CPython has by then
// (PyTraceBack_Here made one per frame; take_ownership in Python/frame.c
// handed it the frame's locals and its function when the frame was
// cleared).
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// The marker ending a segment (Value::integer).
constexpr int32_t kSegCount = 0xFF;       // how many locals the frame had
constexpr int32_t kSegGenerator = 0x100;  // a generator's frame
constexpr int32_t kSegFunction = 0x200;   // the function lies below the locals

bool is_marker(Value v) { return v.kind() == ValueKind::Int; }
}  // namespace

// An unwound frame's locals, already moved to the top of the thread's
// values, get their marker.
void Machine::mark_unwound_frame(uint16_t count, bool generator) {
  if (count > kSegCount)
    throw ModelLimit{"a frame of more than " + std::to_string(kSegCount) +
                     " locals kept by a traceback"};
  thread().values.push_back(
      Value::integer(static_cast<int32_t>(count) | (generator ? kSegGenerator : 0)));
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
  if (th.values.empty() || !is_marker(th.values.back())) {
    th.values.push_back(callee);  // no segment to join: a bind would stop at a limit
    return;
  }
  const int32_t m = th.values.back().integer();
  const size_t at = th.values.size() - 1 - static_cast<size_t>(m & kSegCount);
  th.values.insert(th.values.begin() + static_cast<std::ptrdiff_t>(at), callee);
  th.values.back() = Value::integer(m | kSegFunction);
}

// OpCode::BindException (X4): the exception object `as NAME` stores.
void Machine::bind_exception_op(const Op& op, Frame& f) {
  const StrId name = thread().stack.back().str();
  const uint16_t top = owned_values_top();
  if (thread().values.size() == top) return push(new_exception_object(f, name));
  // It left called frames. Inside another clause of this body the frames
  // of the handled exception lie there too, and the new exception's
  // __context__ would keep that one (_PyErr_SetObject): not modelled.
  if (op.b != 0)
    throw ModelLimit{
        "'except ... as' inside an except or finally clause of the same body, binding an "
        "exception that left a called frame (its __context__ would keep the handled "
        "exception's traceback)"};
  push(bind_exception_from_calls(f, name, top));
}

// X4 with called frames: the exception being bound passed through the
// frames whose segments lie above `top`. Each becomes a frame object
// (tracked: take_ownership tracked it when the frame was cleared) holding
// the function and then the locals, the order frame_dealloc releases them
// in. The exception's traceback lists them innermost first, then the
// handling frame's own frame object: freeing it runs tb_dealloc, which
// drops tb_next before tb_frame, so the innermost frame goes first, as
// when the segments themselves are released (drop_traceback). An
// exception object already there is one a clause of a called frame bound
// and raised again: it keeps the inner frames.
//
// The segments are then replaced by one reference to the exception: the
// one the handled (in-flight) exception holds, which PopExcept drops; the
// name's reference is the result. So the locals die with the exception:
// at the clause's end, or later if the clause stored it elsewhere.
Value Machine::bind_exception_from_calls(Frame& f, StrId name, uint16_t top) {
  Thread& th = thread();
  // What the traceback holds, read from the top down (outermost first): a
  // segment [first, end) of values, or an exception object at `first`.
  struct Held {
    size_t first, end;
    bool exception;
  };
  std::vector<Held> chain;
  for (size_t end = th.values.size(); end > top;) {
    const Value last = th.values[end - 1];
    if (last.is_obj() && program_.types[obj(last.obj()).type].kind == TypeKind::Exception) {
      chain.push_back({end - 1, end, true});
      --end;
      continue;
    }
    if (!is_marker(last))
      throw ModelLimit{"'except ... as' binding an exception with a traceback it cannot read"};
    const int32_t m = last.integer();
    if (m & kSegGenerator)
      throw ModelLimit{
          "'except ... as' binding an exception that left a generator's frame (the "
          "traceback would keep the generator's frame)"};
    const size_t first =
        end - 1 - static_cast<size_t>(m & kSegCount) - ((m & kSegFunction) ? 1 : 0);
    chain.push_back({first, end - 1, false});
    end = first;
  }
  if (chain.size() + 1 > static_cast<size_t>(kMaxItems))
    throw ModelLimit{"'except ... as' binding an exception that passed through more than " +
                     std::to_string(kMaxItems - 1) + " frames"};
  const Value e = new_exception_object(f, name);
  const Value handler_frame = obj(e.obj()).items[0];
  std::reverse(chain.begin(), chain.end());  // innermost first
  ValueList traceback;
  for (const Held& h : chain) {
    if (h.exception) {
      traceback.push_back(th.values[h.first]);
      continue;
    }
    // The function (if any), then the locals. A frame that bound an
    // exception itself gave its locals to its frame object already (X5):
    // that one is the first local left and takes the function below them.
    ValueList held;
    Value fo = Value::unset();
    for (size_t i = h.first; i < h.end; ++i) {
      const Value v = th.values[i];
      // (a module-level def is never freed)
      if (v.kind() == ValueKind::Unset || v.kind() == ValueKind::Func) continue;
      if (fo.kind() == ValueKind::Unset && v.is_obj() &&
          program_.types[obj(v.obj()).type].kind == TypeKind::FrameObject)
        fo = v;
      else
        held.push_back(v);
    }
    if (fo.kind() == ValueKind::Unset) fo = Value::object(alloc(kFrameType, kNoLabel, true));
    Object& y = obj(fo.obj());
    if (y.length + held.size() > static_cast<size_t>(kMaxItems))
      throw ModelLimit{"a frame object keeping more than " + std::to_string(kMaxItems) + " locals"};
    const auto shift = static_cast<std::ptrdiff_t>(held.size());
    std::copy_backward(y.items.begin(), y.items.begin() + y.length,
                       y.items.begin() + y.length + shift);
    std::copy(held.begin(), held.end(), y.items.begin());
    y.length = static_cast<uint8_t>(y.length + held.size());
    traceback.push_back(fo);
  }
  traceback.push_back(handler_frame);
  Object& x = obj(e.obj());
  for (size_t i = 0; i < traceback.size(); ++i) x.items[i] = traceback[i];
  x.length = static_cast<uint8_t>(traceback.size());
  // The references moved into the frame objects and the traceback.
  th.values.erase(th.values.begin() + top, th.values.end());
  th.values.push_back(e);  // the handled exception's reference
  incref(e);               // and the name's
  return e;
}

}  // namespace lifecheck::model
