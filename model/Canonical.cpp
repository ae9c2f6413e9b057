#include "model/Canonical.h"

namespace lifecheck::model {

namespace {

class Encoder {
 public:
  Encoder(const Program& program, const State& state, std::string& out)
      : program_(program), s_(state), out_(out), ids_(state.objects.size(), kNoObj) {}

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
    for (const Thread& th : s_.threads) {
      put8(static_cast<uint8_t>(th.status));
      put8(static_cast<uint8_t>(th.has_exc | (th.detached << 1)));
      put8(th.gc_pending);
      put8(th.trash_nesting);
      put16(static_cast<uint16_t>(th.trash.size()));
      for (ObjId o : th.trash) put16(rename(o));
      if (th.has_exc) put16(th.exc);
      put16(static_cast<uint16_t>(th.frames.size()));
      for (const Frame& f : th.frames) {
        put8(static_cast<uint8_t>(f.kind));
        put8(f.stage);
        put16(f.flags);
        put16(f.saved_exc);
        put8(static_cast<uint8_t>(f.dest));
        put16(f.func);
        put16(f.pc);
        put16(rename(f.obj));
        put16(rename(f.obj2));
        put16(f.base);
        put16(f.count);
        put16(f.aux);
        put16(f.dest_slot);
      }
      put16(static_cast<uint16_t>(th.values.size()));
      for (Value v : th.values) put_value(v);
    }
    put16(static_cast<uint16_t>(order_.size()));
    for (ObjId o : order_) put_object(o);
    for (int l = 0; l < kNumLists; ++l) {
      const GcList& list = gc.lists[l];
      put16(list.size);
      for (ObjId o = list.head; o != kNoObj; o = s_.objects[o].next) put16(rename(o));
    }
    put16(static_cast<uint16_t>(gc.callbacks.size()));
    for (FuncId f : gc.callbacks) put16(f);
    put16(static_cast<uint16_t>(gc.garbage.size()));
    for (ObjId o : gc.garbage) put16(rename(o));
    for (size_t t = 0; t < s_.class_key_count.size(); ++t) {
      put8(s_.class_key_count[t]);
      for (uint8_t i = 0; i < s_.class_key_count[t]; ++i) put8(s_.class_keys[t][i]);
    }
    out_.append(reinterpret_cast<const char*>(s_.expect_state.data()), s_.expect_state.size());
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

  void number_objects() {
    for (Value v : s_.globals) discover(v);
    for (ObjId o : s_.gc.garbage) discover(o);
    for (const Thread& th : s_.threads) {
      for (const Frame& f : th.frames) {
        discover(f.obj);
        discover(f.obj2);
      }
      for (Value v : th.values) discover(v);
      for (ObjId o : th.trash) discover(o);
    }
    for (int l = 0; l < kNumLists; ++l)
      for (ObjId o = s_.gc.lists[l].head; o != kNoObj; o = s_.objects[o].next) discover(o);
    for (size_t k = 0; k < order_.size(); ++k)
      for (Value v : s_.objects[order_[k]].fields) discover(v);
    // Anything left (not expected for the modelled types) in slot order.
    for (size_t i = 0; i < s_.objects.size(); ++i) discover(static_cast<ObjId>(i));
  }

  ObjId rename(ObjId o) const {
    if (o == kNoObj || o >= ids_.size()) return kNoObj;
    return ids_[o];
  }

  void put8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void put16(uint16_t v) {
    out_.push_back(static_cast<char>(v & 0xFF));
    out_.push_back(static_cast<char>(v >> 8));
  }
  void put_value(Value v) {
    if (v.is_obj()) v = Value::object(rename(v.obj()));
    if (v.kind() == ValueKind::Stale) v = Value::stale(rename(v.obj()));
    uint32_t raw = v.raw();
    put16(static_cast<uint16_t>(raw & 0xFFFF));
    put16(static_cast<uint16_t>(raw >> 16));
  }

  void put_object(ObjId o) {
    const Object& x = s_.objects[o];
    put8(x.type);
    put8(x.list);
    put8(x.finalize_count);
    put8(x.length);
    put8(x.resource_owner);
    put16(static_cast<uint16_t>(x.flags & 0xFFFF));
    put16(static_cast<uint16_t>(x.flags >> 16));
    put16(static_cast<uint16_t>(x.rc));
    put16(static_cast<uint16_t>(x.gc_refs));
    put16(x.label);
    // Only the relative order of weakrefs to the same referent matters.
    uint16_t rank = 0;
    Value r = x.fields[kWeakrefReferent];
    if (program_.types[x.type].kind == TypeKind::Weakref && r.is_obj())
      for (const Object& y : s_.objects)
        if (y.live && y.type == x.type && y.fields[kWeakrefReferent] == r && y.wl_key < x.wl_key)
          ++rank;
    put16(rank);
    for (Value v : x.fields) put_value(v);
  }

  const Program& program_;
  const State& s_;
  std::string& out_;
  std::vector<ObjId> ids_;
  std::vector<ObjId> order_;
};

}  // namespace

void encode_state(const Program& program, const State& state, std::string& out) {
  Encoder(program, state, out).run();
}

}  // namespace lifecheck::model
