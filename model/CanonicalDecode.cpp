// The canonical encoding (Canonical.h): reading the bytes back.
#include <algorithm>
#include <string>
#include <vector>

#include "model/Canonical.h"
#include "model/CanonicalEncoder.h"

namespace lifecheck::model {

namespace {

using namespace canonical;

class Decoder {
 public:
  Decoder(const Program& program, std::string_view bytes)
      : program_(program),
        p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        end_(p_ + bytes.size()) {}

  State run() {
    State s;
    s.main_stage = static_cast<MainStage>(get8(static_cast<uint8_t>(MainStage::Done)));
    s.threads_ended = get8(1);
    uint8_t gcf = get8(0xFF);
    GcState& gc = s.gc;
    gc.collecting = gcf & 1;
    gc.final_running = (gcf >> 1) & 1;
    gc.start_called = (gcf >> 2) & 1;
    gc.stop_called = (gcf >> 3) & 1;
    gc.auto_enabled = (gcf >> 4) & 1;
    gc.visited_space = (gcf >> 5) & 1;
    gc.incremental_collecting = (gcf >> 6) & 1;
    gc.debug_saveall = (gcf >> 7) & 1;
    gc.scheduled = get8(0xFF);
    const uint8_t rounds = get8(0xFF);
    gc.final_rounds = rounds & 0x7F;
    gc.final_idle = rounds >> 7;
    const uint8_t stopped_by = get8(kNoThread);
    gc.collected = static_cast<uint16_t>(getv(0xFFFF));
    gc.uncollectable = static_cast<uint16_t>(getv(0xFFFF));
    size_t nglobals = getv(program_.globals.size());
    s.globals.resize(nglobals);
    for (Value& v : s.globals) v = get_value();
    size_t nthreads = getv(program_.threads.size());
    threads_ = nthreads;
    gc.stopped_by = thread_id(stopped_by);
    s.threads.resize(nthreads);
    for (Thread& th : s.threads) get_thread(th);
    size_t nobjects = getv(kMaxObjects);
    objects_ = nobjects;
    s.objects.resize(nobjects);
    for (size_t i = 0; i < nobjects; ++i) get_object(s.objects[i], static_cast<uint16_t>(i + 1));
    for (int l = 0; l < kNumLists; ++l) {
      size_t n = getv(nobjects);
      GcList& list = gc.lists[l];
      for (size_t k = 0; k < n; ++k) {
        ObjId o = get_id();
        Object& x = s.objects[o];
        if (x.list != kNoList) fail("an object in two GC lists");
        x.list = static_cast<uint8_t>(l);
        x.prev = list.tail;
        x.next = kNoObj;
        if (list.tail == kNoObj)
          list.head = o;
        else
          s.objects[list.tail].next = o;
        list.tail = o;
        ++list.size;
      }
    }
    size_t ncallbacks = getv(0xFFFF);
    for (size_t i = 0; i < ncallbacks; ++i)
      gc.callbacks.push_back(static_cast<FuncId>(getv(program_.funcs.size() - 1)));
    size_t ngarbage = getv(nobjects);
    for (size_t i = 0; i < ngarbage; ++i) gc.garbage.push_back(get_id());
    size_t ntypes = getv(program_.types.size());
    s.class_keys.resize(ntypes);
    s.class_key_count.resize(ntypes);
    for (size_t t = 0; t < ntypes; ++t) {
      s.class_key_count[t] = get8(kMaxFields);
      s.class_keys[t] = {};
      for (uint8_t i = 0; i < s.class_key_count[t]; ++i) s.class_keys[t][i] = get8(0xFF);
    }
    size_t nexpect = getv(program_.expects.size());
    s.expect_state.resize(nexpect);
    for (uint8_t& b : s.expect_state) b = get8(0xFF);
    size_t nwarm = getv(program_.append_sites);
    s.warm.resize(nwarm);
    for (uint8_t& b : s.warm) b = get8(kSiteDeoptimized);  // FN13a: a class call site has 4 states
    size_t ndel = getv(program_.types.size());
    s.class_del.resize(ndel);
    for (FuncId& f : s.class_del) f = static_cast<FuncId>(getv(kNoFunc));
    if (p_ != end_) fail("trailing bytes");
    for (uint32_t id : pending_ids_)
      if (id >= nobjects) fail("an object id out of range");
    s.next_serial = static_cast<uint16_t>(nobjects + 1);
    return s;
  }

 private:
  [[noreturn]] static void fail(const char* what) {
    throw BadEncoding(std::string("not an encoded state: ") + what);
  }
  ThreadId thread_id(uint8_t position) const {
    if (position != kNoThread && position >= threads_) fail("a thread out of range");
    return position;
  }
  uint8_t get8(uint32_t max) {
    if (p_ == end_) fail("truncated");
    uint8_t v = *p_++;
    if (v > max) fail("a byte out of range");
    return v;
  }
  uint32_t getv(size_t max) {
    uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (p_ == end_ || shift > 28) fail("a bad number");
      uint8_t b = *p_++;
      v |= static_cast<uint32_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
    }
    if (v > max) fail("a number out of range");
    return v;
  }
  // An id read once the object count is known.
  ObjId get_id() {
    uint32_t v = getv(0xFFFF);
    if (v >= objects_) fail("an object id out of range");
    return static_cast<ObjId>(v);
  }
  static int32_t unzigzag(uint32_t v) {
    return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1);
  }

  // Object ids in values are checked at the end, against the object count.
  Value get_value() {
    uint8_t b = get8(0xFF);
    uint32_t kind = b & 0xF;
    if (kind > static_cast<uint32_t>(ValueKind::ConstTuple)) fail("an unknown value kind");
    uint32_t payload = b >> 4;
    if (payload == kSmallPayload) payload += getv(0x0FFFFFFF - kSmallPayload);
    ValueKind k = static_cast<ValueKind>(kind);
    switch (k) {
      case ValueKind::Obj:
        pending_ids_.push_back(payload);
        return Value::object(static_cast<ObjId>(payload));
      case ValueKind::Stale:
        pending_ids_.push_back(payload);
        return Value::stale(static_cast<ObjId>(payload));
      case ValueKind::Int:
        return Value::integer(unzigzag(payload));
      case ValueKind::ConstTuple:
        if (payload >= program_.const_tuples.size()) fail("an unknown tuple constant");
        return Value::const_tuple(payload);
      default:
        return Value::from_raw((payload << 4) | kind);
    }
  }

  void get_thread(Thread& th) {
    th.status = static_cast<ThreadStatus>(get8(static_cast<uint8_t>(ThreadStatus::Finished)));
    uint8_t flags = get8(3);
    th.has_exc = flags & 1;
    th.detached = (flags >> 1) & 1;
    th.gc_pending = get8(0xFF);
    th.trash_nesting = get8(0xFF);
    if (th.has_exc) th.exc = static_cast<StrId>(getv(0xFFFF));
    if (th.has_exc) th.exc_func = static_cast<FuncId>(getv(kNoFunc));  // X7
    size_t ntrash = getv(kMaxObjects);
    for (size_t i = 0; i < ntrash; ++i) th.trash.push_back(pending_id(getv(kMaxObjects)));
    size_t nqueued = getv(kMaxObjects);
    for (size_t i = 0; i < nqueued; ++i) th.merge_queue.push_back(pending_id(getv(kMaxObjects)));
    size_t nframes = getv(0xFFFF);
    for (size_t i = 0; i < nframes; ++i) th.frames.push_back(get_frame());
    size_t nvalues = getv(0xFFFF);
    for (size_t i = 0; i < nvalues; ++i) th.values.push_back(get_value());
    size_t nstack = getv(0xFFFF);
    for (size_t i = 0; i < nstack; ++i) th.stack.push_back(get_value());
  }

  // An id stored plus one (0: none), checked at the end against the object
  // count.
  ObjId pending_id(uint32_t v) {
    if (v == 0) return kNoObj;
    pending_ids_.push_back(v - 1);
    return static_cast<ObjId>(v - 1);
  }

  Frame get_frame() {
    Frame f;
    f.kind = static_cast<FrameKind>(get8(static_cast<uint8_t>(FrameKind::FinalizeExit)));
    uint32_t mask = getv(0x1FFF);
    if (mask & kFFunc) f.func = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFPc) f.pc = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFBase) f.base = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFCount) f.count = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFStage) f.stage = get8(0xFF);
    if (mask & kFFlags) f.flags = getv(0xFFFFFFFF);
    if (mask & kFObj) f.obj = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFObj2) f.obj2 = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFAux) f.aux = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kFSavedExc) f.saved_exc = static_cast<StrId>(getv(0xFFFF));
    if (mask & kFRef) {
      uint32_t code = getv(2 * kMaxObjects + 1);
      if (code == 1) {
        f.ref = kDeadRef;  // a slot past every object: set at the end
      } else {
        f.ref = pending_id((code - 2) / 2 + 1);
        // serials are the decoded slots plus one; 0 matches no object
        f.ref_serial = code & 1 ? static_cast<uint16_t>(f.ref + 1) : 0;
      }
    }
    if (mask & kFLocked2) f.locked2 = pending_id(getv(kMaxObjects - 1) + 1);
    if (mask & kFTouched) f.touched = static_cast<uint16_t>(getv(0xFFFF));
    if (f.kind == FrameKind::Body && f.func >= program_.funcs.size()) fail("an unknown function");
    return f;
  }

  void get_object(Object& x, uint16_t serial) {
    x = Object{};
    x.live = true;
    x.serial = serial;
    x.type = get8(static_cast<uint32_t>(program_.types.size() - 1));
    uint8_t mask = get8(0xFF);
    x.rc = static_cast<int16_t>(unzigzag(getv(0xFFFFFFFF)));
    if (mask & kOFinalizeCount) x.finalize_count = get8(0xFF);
    // an RLock's count (LK3) goes up to 255 (Locks.cpp), a length to the slots
    if (mask & kOLength)
      x.length = get8(x.type == program_.rlock_type ? 0xFF : std::max(kMaxFields, kMaxItems));
    if (mask & kOResourceOwner) x.resource_owner = get8(0xFE);
    if (mask & kOFlags) x.flags = getv(0xFFFFFFFF);
    if (mask & kOLabel) x.label = static_cast<LabelId>(getv(0xFFFE));
    if (mask & kOWlKey) x.wl_key = static_cast<uint16_t>(getv(0xFFFF));
    if (mask & kOLocal) x.local = static_cast<int16_t>(unzigzag(getv(0xFFFFFFFF)));
    if (mask & kOFtOwner) {
      x.owner = thread_id(get8(kNoThread));
      x.ref_state = get8(kRefMerged);
      x.locked_by = thread_id(get8(kNoThread));
      x.wl_rank = static_cast<uint16_t>(getv(kMaxObjects));
      x.heap = thread_id(get8(kNoThread));
    }
    uint8_t used = get8(kMaxFields);
    for (uint8_t i = 0; i < used; ++i) x.fields[i] = get_value();
    uint8_t items = get8(kMaxItems);
    for (uint8_t i = 0; i < items; ++i) x.items[i] = get_value();
  }

  const Program& program_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t objects_ = 0;
  size_t threads_ = 0;
  std::vector<uint32_t> pending_ids_;
};

}  // namespace

State decode_state(const Program& program, std::string_view bytes) {
  return Decoder(program, bytes).run();
}

}  // namespace lifecheck::model
