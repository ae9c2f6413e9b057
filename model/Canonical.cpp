#include "model/Canonical.h"

#include <algorithm>
#include <tuple>

namespace lifecheck::model {

namespace {

class Encoder {
 public:
  Encoder(const Program& program, const State& state, std::string& out,
          const ThreadSymmetry* symmetry)
      : program_(program), s_(state), out_(out), ids_(state.objects.size(), kNoObj) {
    order_threads(symmetry);
  }

  void run() {
    number_objects();
    out_.clear();
    put8(static_cast<uint8_t>(s_.main_stage));
    put8(s_.threads_ended);
    const GcState& gc = s_.gc;
    put8(static_cast<uint8_t>(gc.collecting | (gc.final_running << 1) | (gc.start_called << 2) |
                              (gc.stop_called << 3) | (gc.auto_enabled << 4) |
                              (gc.visited_space << 5) | (gc.incremental_collecting << 6)));
    put8(gc.scheduled);
    put8(gc.final_rounds);
    put16(gc.collected);
    put16(gc.uncollectable);
    for (Value v : s_.globals) put_value(v);
    for (ThreadId t : thread_order_) {
      const Thread& th = s_.threads[t];
      put8(static_cast<uint8_t>(th.status));
      put8(static_cast<uint8_t>(th.has_exc | (th.detached << 1)));
      put8(th.gc_pending);
      put8(th.trash_nesting);
      put16(static_cast<uint16_t>(th.trash.size()));
      for (ObjId o : th.trash) put_id(o);
      if (th.has_exc) put16(th.exc);
      put16(static_cast<uint16_t>(th.frames.size()));
      for (const Frame& f : th.frames) {
        put8(static_cast<uint8_t>(f.kind));
        put8(f.stage);
        putv(f.flags);
        put16(f.saved_exc);
        put16(func(f));
        put16(f.pc);
        put_id(f.obj);
        put_id(f.obj2);
        put16(f.base);
        put16(f.count);
        put16(f.aux);
      }
      put16(static_cast<uint16_t>(th.values.size()));
      for (Value v : th.values) put_value(v);
      put16(static_cast<uint16_t>(th.stack.size()));
      for (Value v : th.stack) put_value(v);
    }
    put16(static_cast<uint16_t>(order_.size()));
    for (ObjId o : order_) put_object(o);
    for (int l = 0; l < kNumLists; ++l) {
      const GcList& list = gc.lists[l];
      put16(list.size);
      for (ObjId o = list.head; o != kNoObj; o = s_.objects[o].next) put_id(o);
    }
    put16(static_cast<uint16_t>(gc.callbacks.size()));
    for (FuncId f : gc.callbacks) put16(f);
    put16(static_cast<uint16_t>(gc.garbage.size()));
    for (ObjId o : gc.garbage) put_id(o);
    for (size_t t = 0; t < s_.class_key_count.size(); ++t) {
      put8(s_.class_key_count[t]);
      for (uint8_t i = 0; i < s_.class_key_count[t]; ++i) put8(s_.class_keys[t][i]);
    }
    out_.append(reinterpret_cast<const char*>(s_.expect_state.data()), s_.expect_state.size());
    out_.append(reinterpret_cast<const char*>(s_.warm.data()), s_.warm.size());
  }

 private:
  void discover(ObjId o) {
    if (o == kNoObj || o >= s_.objects.size() || !s_.objects[o].live) return;
    if (ids_[o] != kNoObj) return;
    ids_[o] = static_cast<ObjId>(order_.size());
    order_.push_back(o);
  }
  void discover(Value v) {
    if (v.points_at_object()) discover(v.obj());
  }

  // The order threads are encoded in: their own, except that within a
  // symmetry class they are sorted by what they are doing, ignoring object
  // identities (ties keep their order, which is sound, merely less merging).
  void order_threads(const ThreadSymmetry* sym) {
    const size_t n = s_.threads.size();
    thread_order_.resize(n);
    for (size_t t = 0; t < n; ++t) thread_order_[t] = static_cast<ThreadId>(t);
    position_.assign(n, 0);
    if (sym && sym->any) {
      func_rep_ = &sym->func_rep;
      for (const std::vector<ThreadId>& members : sym->classes) {
        sorted_.assign(members.begin(), members.end());
        std::stable_sort(sorted_.begin(), sorted_.end(), [&](ThreadId a, ThreadId b) {
          return before(s_.threads[a], s_.threads[b]);
        });
        for (size_t k = 0; k < members.size(); ++k) thread_order_[members[k]] = sorted_[k];
      }
    }
    for (size_t pos = 0; pos < n; ++pos) position_[thread_order_[pos]] = static_cast<ThreadId>(pos);
  }

  // A Body frame's function, a symmetric thread's body standing for its
  // class's; other frames keep `func`, which names a type there.
  uint16_t func(const Frame& f) const {
    if (f.kind != FrameKind::Body || !func_rep_ || f.func >= func_rep_->size()) return f.func;
    return (*func_rep_)[f.func];
  }

  // A total order on what a thread is doing, blind to object identities:
  // status, then its frames (kind, stage, flags, function, position), then
  // the kinds of its values.
  bool before(const Thread& a, const Thread& b) const {
    auto head = [](const Thread& t) {
      return std::tuple(t.status, t.has_exc, t.detached, t.frames.size(), t.values.size(),
                        t.stack.size());
    };
    if (head(a) != head(b)) return head(a) < head(b);
    for (size_t i = 0; i < a.frames.size(); ++i) {
      const Frame& x = a.frames[i];
      const Frame& y = b.frames[i];
      auto key = [&](const Frame& f) {
        return std::tuple(f.kind, f.stage, f.flags, func(f), f.pc, f.count, f.aux);
      };
      if (key(x) != key(y)) return key(x) < key(y);
    }
    for (size_t i = 0; i < a.values.size(); ++i)
      if (a.values[i].kind() != b.values[i].kind()) return a.values[i].kind() < b.values[i].kind();
    for (size_t i = 0; i < a.stack.size(); ++i)
      if (a.stack[i].kind() != b.stack[i].kind()) return a.stack[i].kind() < b.stack[i].kind();
    return false;
  }

  void number_objects() {
    for (Value v : s_.globals) discover(v);
    for (ObjId o : s_.gc.garbage) discover(o);
    for (ThreadId t : thread_order_) {
      const Thread& th = s_.threads[t];
      for (const Frame& f : th.frames) {
        discover(f.obj);
        discover(f.obj2);
      }
      for (Value v : th.values) discover(v);
      for (Value v : th.stack) discover(v);
      for (ObjId o : th.trash) discover(o);
    }
    for (int l = 0; l < kNumLists; ++l)
      for (ObjId o = s_.gc.lists[l].head; o != kNoObj; o = s_.objects[o].next) discover(o);
    for (size_t k = 0; k < order_.size(); ++k) {
      for (Value v : s_.objects[order_[k]].fields) discover(v);
      for (Value v : s_.objects[order_[k]].items) discover(v);
    }
    // Anything left (not expected for the modelled types) in slot order.
    for (size_t i = 0; i < s_.objects.size(); ++i) discover(static_cast<ObjId>(i));
  }

  ObjId rename(ObjId o) const {
    if (o == kNoObj || o >= ids_.size()) return kNoObj;
    return ids_[o];
  }

  void put8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  // Variable-length unsigned integers: 7 bits per byte. Most numbers in a
  // state are small, so this keeps the visited set compact.
  void putv(uint32_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void put16(uint16_t v) { putv(v); }
  void putz(int32_t v) {  // zigzag for signed numbers
    putv((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
  }
  void put_id(ObjId o) { putv(o == kNoObj ? 0 : static_cast<uint32_t>(rename(o)) + 1); }
  void put_value(Value v) {
    // one tag byte; objects renamed; payload only when there is one
    put8(static_cast<uint8_t>(v.kind()));
    switch (v.kind()) {
      case ValueKind::Unset:
      case ValueKind::None:
      case ValueKind::Garbage:
      case ValueKind::Dangling:
        return;
      case ValueKind::Obj:
      case ValueKind::Stale:
        put_id(v.obj());
        return;
      case ValueKind::Int:
        putz(v.integer());
        return;
      default:
        putv(v.payload());
        return;
    }
  }

  void put_object(ObjId o) {
    const Object& x = s_.objects[o];
    put8(x.type);
    put8(x.list);
    put8(x.finalize_count);
    put8(x.length);
    put8(x.resource_owner == kNoThread ? kNoThread : position_[x.resource_owner]);
    putv(x.flags);
    putz(x.rc);
    putz(x.gc_refs);
    putv(x.label);
    // Only the relative order of weakrefs to the same referent matters.
    uint16_t rank = 0;
    Value r = x.fields[kWeakrefReferent];
    if (program_.types[x.type].kind == TypeKind::Weakref && r.is_obj())
      for (const Object& y : s_.objects)
        if (y.live && y.type == x.type && y.fields[kWeakrefReferent] == r && y.wl_key < x.wl_key)
          ++rank;
    putv(rank);
    // the fields up to the last one in use
    int used = kMaxFields;
    while (used > 0 && x.fields[used - 1].kind() == ValueKind::Unset) --used;
    put8(static_cast<uint8_t>(used));
    for (int i = 0; i < used; ++i) put_value(x.fields[i]);
    int items = kMaxItems;
    while (items > 0 && x.items[items - 1].kind() == ValueKind::Unset) --items;
    put8(static_cast<uint8_t>(items));
    for (int i = 0; i < items; ++i) put_value(x.items[i]);
  }

  const Program& program_;
  const State& s_;
  std::string& out_;
  std::vector<ObjId> ids_;
  std::vector<ObjId> order_;
  std::vector<ThreadId> thread_order_;  // position -> thread
  std::vector<ThreadId> position_;      // thread -> position
  const std::vector<FuncId>* func_rep_ = nullptr;
  std::vector<ThreadId> sorted_;
};

}  // namespace

void encode_state(const Program& program, const State& state, std::string& out,
                  const ThreadSymmetry* symmetry) {
  Encoder(program, state, out, symmetry).run();
}

}  // namespace lifecheck::model
