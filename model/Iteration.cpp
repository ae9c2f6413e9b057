// Iteration (issue 12): `for x in v` over a list, tuple, dict (its keys),
// set, deque or generator. Rules IT1-IT6 (docs/semantics.md).
//
// The iterator GET_ITER makes is modelled by the three operand stack slots
// it occupies (kIteratorSlots): the iterated value, which the iterator owns
// a reference to (listiterobject.it_seq, tupleiterobject.it_seq,
// dictiterobject.di_dict, setiterobject.si_set, dequeiterobject.deque); the
// size it must keep (di_used, si_used; a deque's length stands for its
// state counter); and how many times FOR_ITER ran. The iterator object
// itself is not modelled: nothing in a scenario can name it, it has no
// finalizer, and the GC reaches through it exactly what it reaches through
// these slots (the running frame's stack, or a suspended generator's frame,
// which the generator traverses).
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// Generators.cpp's GenState (gi_frame_state, folded)
constexpr int32_t kGenRunningState = 2;
constexpr int32_t kGenClearedState = 3;
constexpr int kSizeSlot = 1;
constexpr int kNextsSlot = 2;
}  // namespace

// IT1: GET_ITER (PyObject_GetIter): a list, tuple, dict, set or deque gets
// an iterator that holds a strong reference to it (list_iter, tuple_iter,
// dict_iter, set_iter, deque_iter); a generator is its own iterator
// (PyObject_SelfIter). Anything else: TypeError ("'int' object is not
// iterable"). A weakref.proxy iterates its referent (proxy_iter).
void Machine::get_iter_op() {
  const Value v = thread().stack.back();
  const Value target = through_proxy(v);
  int32_t size = -1;
  if (target.kind() == ValueKind::Str || target.kind() == ValueKind::GcInfo)
    throw ModelLimit{"iterating over a string or a gc callback's info dict"};
  if (target.kind() != ValueKind::ConstTuple) {
    if (!target.is_obj()) raise("TypeError");
    if (is_weak_container(target))
      throw ModelLimit{
          "iterating over a WeakValueDictionary, WeakKeyDictionary or WeakSet is not modelled"};
    if (!is_generator(target)) {
      const TypeKind kind = container_of(target);
      switch (kind) {
        case TypeKind::List:
        case TypeKind::Tuple:
          break;
        case TypeKind::Dict:
        case TypeKind::Set:
        case TypeKind::Deque:
          size = obj(target.obj()).length;
          break;
        default:
          raise("TypeError");
      }
    }
  }
  incref(target);
  pop();
  push(target);
  push(Value::integer(size));
  push(Value::integer(0));
  release_values({v});
}

// The loop ends: FOR_ITER pops the iterator and jumps past the loop; the
// iterator's dealloc releases what it holds (IT2). The frame is past the
// loop before anything the release runs can look at it.
void Machine::leave_loop(const Op& op, Frame& f) {
  ValueList it = pop_n(kIteratorSlots);
  f.pc = op.a;
  release_values({it[0]});
}

// IT2, IT3: FOR_ITER. A list or tuple gives its item at the iterator's
// index while the index is below the current length (listiter_next,
// tupleiter_next, FOR_ITER_LIST / FOR_ITER_TUPLE: items the body appends
// are reached too); a dict, set or deque whose size changed since GET_ITER
// raises RuntimeError (dictiter_iternextkey "dictionary changed size during
// iteration", setiter_iternext "Set changed size during iteration",
// dequeiter_next "deque mutated during iteration"). A generator is resumed
// (gen_iternext; FOR_ITER_GEN from 3.12 pushes its frame directly): its
// frame runs on this thread, and ForIterEnd takes what it yielded.
void Machine::for_iter_op(const Op& op, Frame& f) {
  Thread& th = thread();
  const size_t at = th.stack.size() - kIteratorSlots;
  const Value it = th.stack[at];
  const int32_t nexts = th.stack[at + kNextsSlot].integer();
  if (is_generator(it)) {
    const ObjId g = it.obj();
    const bool read = gen_state_set_after_read(f, g);           // Y7 (free-threaded)
    if (gen_state(g) == kGenRunningState) raise("ValueError");  // already executing
    if (gen_state(g) == kGenClearedState) return leave_loop(op, f);
    if (!read && gen_state_read_pauses(f, g)) return;
    th.stack[at + kNextsSlot] = Value::integer(nexts + 1);
    return resume_generator(g, false);
  }
  Value item;
  bool more = false;
  if (it.kind() == ValueKind::ConstTuple) {
    const std::vector<Value>& items = program_.const_tuples[it.const_tuple()];
    more = static_cast<size_t>(nexts) < items.size();
    if (more) item = items[static_cast<size_t>(nexts)];
  } else {
    const Object& x = obj(it.obj());
    const TypeKind kind = container_of(it);
    const int32_t size = th.stack[at + kSizeSlot].integer();
    if (size >= 0 && x.length != size) raise("RuntimeError");
    more = nexts < x.length;
    if (more) item = x.items[kind == TypeKind::Dict ? 2 * nexts : nexts];
  }
  th.stack[at + kNextsSlot] = Value::integer(nexts + 1);
  // IT2: exhausted. A list iterator drops its list here (it_seq = NULL) in
  // the default build and keeps it until it dies in the free-threaded one
  // (listiter_next, _ITER_JUMP_LIST under Py_GIL_DISABLED); FOR_ITER pops
  // the iterator in the same instruction, so both release the list now.
  if (!more) return leave_loop(op, f);
  if (nexts + 1 >= op.b) too_many_items(op);
  incref(item);
  push(item);
  ++f.pc;  // past ForIterEnd
}

// IT6: the model's bound: FOR_ITER runs at most op.b times, the last of
// which must find the iterator exhausted.
void Machine::too_many_items(const Op& op) {
  throw ModelLimit{"a for loop over more than " + std::to_string(op.b - 1) +
                   " items (a list its body keeps growing, or a long generator)"};
}

// IT3: the generator's frame stopped. It yielded: the value is on the
// stack; it returned: the loop ends (gen_iternext returns NULL without an
// exception); it raised: the exception goes on from this loop.
void Machine::for_iter_end_op(const Op& op, Frame& f) {
  raise_pending_in_body();
  Thread& th = thread();
  if (!f.has(kFinalizeReturned)) return leave_loop(op, f);
  const bool lost = gen_yield_read_lost(f, th.stack[th.stack.size() - 1 - kIteratorSlots].obj());
  f.flags &= ~uint32_t{kFinalizeReturned};
  if (!lost) {
    if (th.stack[th.stack.size() - 1 - kIteratorSlots + kNextsSlot].integer() >= op.b)
      too_many_items(op);
    return;
  }
  // Y7: the yield taken for a return (free-threaded): gen_send_ex2 drops
  // the value, then the loop ends (both released after the frame's pc is
  // past the loop: a release may push frames)
  const Value value = pop();
  ValueList it = pop_n(kIteratorSlots);
  f.pc = op.a;
  release_values({value, it[0]});
}

// IT4: break: POP_TOP of the iterator, then a forward jump (no check).
void Machine::pop_loop_op(const Op& op, Frame& f) {
  ValueList slots = pop_n(op.b);
  f.pc = op.a;
  release_values({slots[0]});
}

}  // namespace lifecheck::model
