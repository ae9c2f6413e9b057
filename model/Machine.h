// The runtime: applies one transition to a State. Its member functions are
// spread over one file per lifecycle concern:
//   Threads.cpp      scheduling points, thread and main-program stages (T1)
//   Heap.cpp         allocation, refcounts, GC lists (R1.1, R1.11, G7)
//   RefcountFreeThreaded.cpp  biased reference counting, merge queues (F1-F8)
//   CodeGen.cpp      statement trees to bytecode, with CPython's eval-breaker checks
//   Interpreter.cpp  the bytecode interpreter of scenario bodies
//   RuntimeCalls.cpp the runtime calling Python code and coming back (X7)
//   Values.cpp       attributes, equality, truth and rendering of values
//   Containers.cpp   list, tuple, dict, set, deque: items, methods, release orders
//   Dealloc.cpp      subtype_dealloc and PyObject_CallFinalizerFromDealloc (R1.6-R1.8)
//   Weakrefs.cpp     weakref lists, dereference, PyObject_ClearWeakRefs (W1-W8)
//   Collector.cpp    the cyclic collector, tp_clear, gc.callbacks (G5-G19)
//   CollectorFreeThreaded.cpp  the free-threaded build's stop-the-world
//                    collector (F-G1..F-G4, F12)
//   CTypes.cpp       C extension types: construction, tp_dealloc, tp_clear and
//                    tp_traverse step lists (SEMANTICS.md R1.13, §7)
//   CApiFreeThreaded.cpp  weakref lookups, critical sections, TryIncRef and
//                    deferred refcounts as C steps; data-race (§4.2)
//   Finalize.cpp     weakref.finalize: the registry, __call__, detach, atexit (W9-W14)
//   Monitors.cpp     built-in properties and expect lines (§7)
// The Machine holds no state of its own beyond the transition in progress;
// questions about a state that need no transition are in StateQueries.h.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "model/Event.h"
#include "model/ObjSet.h"
#include "model/Program.h"
#include "model/Properties.h"
#include "model/State.h"
#include "model/StateQueries.h"
#include "model/StatementTracker.h"

namespace lifecheck::model {

// A Python exception raised by scenario code, unwinding C++ evaluation.
struct PyRaise {
  StrId name;
};

// How a call from the runtime into Python code ended.
struct PyCallResult {
  bool raised = false;
  StrId exc = 0;
  // the caller reported the exception and dropped its traceback already
  // (drop_traceback); this is the caller resuming afterwards
  bool reported = false;
  // the body the exception escaped (kNoFunc: none ran; X7)
  FuncId func = kNoFunc;
};

// Where the runtime reports an exception escaping Python code it called
// (X7): what the 3.14 message names.
enum class UnraisableSite : uint8_t { Deallocator, WeakrefCallback, GcCallback };

// The stages of a FinalizeExit frame from this one on run atexit's
// _PyAtExit_Call (Atexit.cpp); below it, weakref.finalize._exitfunc.
inline constexpr uint8_t kAtexitStages = 16;

// X3: whether an exception of class `raised` is caught by `except clause`.
bool exception_matches(const std::string& raised, const std::string& clause);
// A GIL collector's Collect frame past the step that sorts out the garbage
// (Collector.cpp's kDeduce: it merges the young generation and reads every
// tracked object's count), for the sleep-set rule I2.
bool collection_past_deduce(const Frame& f);

class Machine {
 public:
  // `trace` receives every event when not null (replay, simulate);
  // `kinds` (when not null) gets a bit per kind of event emitted
  // (event_bit()), without building the events: what the partial-order
  // rules read of a trial step (Independence.cpp). `statements` (run_trace
  // only) follows the statement each thread executes, to stamp every event
  // with its line.
  Machine(const Program& program, State& state, std::vector<Event>* trace = nullptr,
          uint64_t* kinds = nullptr, StatementTracker* statements = nullptr);
  // Expect lines' events seen (Model::expect_events_seen): per expect line,
  // bit 1 once an event matching its first pattern is observed, bit 2 its
  // second (`before`). Only OR'ed into, so the result of a search does not
  // depend on which worker ran which step.
  void note_expect_events(std::atomic<uint8_t>* seen) { expect_seen_ = seen; }

  static State initial_state(const Program& program);
  // The choices at a state, in thread order: each thread that can take a
  // step (low byte), plus alternatives where an automatic collection may
  // start (high byte: generation + 1, or 1 for an incremental step).
  static void enabled_choices(const Program& program, const State& state,
                              std::vector<uint16_t>& out);
  // Runs thread t from its scheduling point to its next one.
  void run_transition(ThreadId t, uint8_t alt = 0);
  // Checks at a state where no thread can move: deadlock, quiescence.
  void check_terminal();
  // A dry run of thread t's next step (the state is changed): how many
  // allocations in it could trigger an automatic collection (G1-G3).
  uint16_t count_allocations(ThreadId t);

 private:
  friend class MachineAccess;

  // -------------------------------------------------------------- Threads.cpp
  Thread& thread() { return state_.threads[current_]; }
  Frame& top() { return thread().frames.back(); }
  bool at_boundary(const Frame& f);
  void step_top();
  void frames_empty();
  void start_threads();
  void end_of_threads();
  void push_frame(const Frame& f);
  void pop_frame();
  void push_auto_collection(uint8_t generation);
  // An allocation of o (G1): counted towards an automatic collection, and
  // the one chosen for this step triggers it; may defer tracking (P311).
  void count_allocation(ObjId o, bool& track_now);
  // TC1: deposit o in the thread's trashcan instead of deallocating it now;
  // returns false when the nesting is below the limit (the caller enters).
  bool trashcan_begin(Frame& f);
  void trashcan_end(const Frame& f);
  void step_trash_drain(Frame& f);

  // ----------------------------------------------------------------- Heap.cpp
  ObjId alloc(ClassId type, LabelId label, bool track_now = true);
  void free_object(ObjId o);
  void release_slot(ObjId o);
  // The last stage of a built-in type's dealloc frame: the end event, the
  // frame popped, the object's slot given back (Dealloc.cpp).
  void end_dealloc(ObjId o);
  Object& obj(ObjId o) { return state_.objects[o]; }
  void incref(Value v);
  // Py_DECREF. Returns true when the count reached zero and a Dealloc frame
  // was pushed on the current thread (R1.1: synchronously, on this thread).
  bool decref(Value v);
  // Pushes the Dealloc (or CDealloc) frame of o on this thread; true.
  bool push_dealloc(ObjId o);
  void emit_refcount(EventKind kind, ObjId o);  // Incref/Decref with the new count
  void track(ObjId o);
  void untrack(ObjId o);
  void list_append(uint8_t list, ObjId o);
  void list_remove(ObjId o);
  void list_move(ObjId o, uint8_t list);
  void list_merge(uint8_t from, uint8_t to);
  ObjId list_head(uint8_t list) const { return state_.gc.lists[list].head; }
  ObjList list_items(uint8_t list) const;
  // Pushes a Release frame for `values` (in order) if any is an object.
  void release_values(const ValueList& values);
  // release_values, the first `any_order` of them in an order the search
  // chooses (C1: a set's members, SetOrder.cpp)
  void release_in_any_order(const ValueList& values, size_t any_order);
  // A Release frame's step inside its any-order part: stops to choose or
  // places the chosen member first; false when the front member goes now.
  bool step_release_order(Frame& f);
  bool is_gc_type(ClassId t) const { return program_.types[t].gc; }

  // -------------------------------------------------- RefcountFreeThreaded.cpp
  void incref_biased(ObjId o);
  bool decref_biased(ObjId o);
  bool brc_queue_object(ObjId o);
  int merge_refcount(ObjId o, int extra);  // _Py_ExplicitMergeRefcount; the new count
  void brc_check_eval_breaker();           // the owner's merge at its eval breaker
  void step_brc_merge(Frame& f);
  // STW: every queue merged; objects to decref once the world restarts.
  void brc_merge_all_queues(std::vector<ObjId>& to_decref);
  // _Py_TryIncref (W3, F8): a new reference unless o is dead (or dying).
  bool try_incref(ObjId o);
  void set_maybe_weakref(ObjId o);  // F8
  // F9a: a new module object, or a function made by code that is not
  // nested, gets a deferred count where the profile says so (immortal
  // instead once F9b has run).
  void defer_new_object(ObjId o);
  bool defers_function_of(FuncId code) const;
  // F9b: _PyGC_ImmortalizeDeferredObjects, when the first non-main thread
  // is made (3.13t).
  void immortalize_deferred_objects();
  bool deferred_objects_immortal() const;
  void resurrect_start(ObjId o);  // R1.6 step 2, F7
  bool resurrect_end(ObjId o);    // R1.6 step 5, F7: true when still alive

  // ---------------------------------------------------------- Interpreter.cpp
  void step_body(Frame& f);
  // One op of the body on top; `at` is its index (the pc already points
  // past it).
  void execute(const Op& op, uint16_t at);
  // The innermost Body frame of the current thread.
  Frame& top_body();
  // The body's operand stack (Thread::stack; a Body frame's starts at aux).
  void push(Value v);
  Value pop();
  ValueList pop_n(size_t n);
  void enter_event(const Frame& f);
  // Whether an automatic collection an allocation scheduled is due on this
  // thread (G3); with `consume`, clears it and pushes it when it may run.
  bool collection_due(bool consume);
  // ---------------------------------------------------------- RuntimeCalls.cpp
  [[noreturn]] void raise(const std::string& name);
  // Pushes a Body frame running `func` with `args` (new references taken).
  // closure: a function object whose cells the frame gets (FN3)
  void call_python(FuncId func, const ValueList& args, ObjId closure = kNoObj);
  // The runtime calling Python code: a pending exception is saved in the
  // caller frame and restored by return_from_python (slot_tp_finalize,
  // PyObject_ClearWeakRefs and gc.callbacks all do this).
  void call_python_from_c(FuncId func, const ValueList& args, ObjId closure = kNoObj);
  // The runtime calling something that is not callable (or with the wrong
  // arity): TypeError, as return_from_python will report.
  void call_fails_from_c(FuncId callable);
  void save_pending_exception(Frame& caller);
  PyCallResult return_from_python(Frame& caller);
  // The runtime has reported the callee's exception (unraisable hook or
  // threading.excepthook) and now drops it, and with it the traceback that
  // kept the unwound frames' locals alive: those locals are released.
  // True when a Release frame was pushed; with `resume`, the caller's
  // current stage runs again afterwards and return_from_python then says
  // `reported`. Reported as unraisable, the exception goes before its
  // traceback; by threading.excepthook or sys.excepthook (in an except
  // clause), as any handled exception.
  bool drop_traceback(Frame& caller, bool resume, bool unraisable = true);
  // End of the values owned by live frames; above it lie the locals kept
  // by a pending exception's traceback.
  uint16_t owned_values_top() const;

  // ----------------------------------------------------------- Exceptions.cpp
  bool clause_matches(StrId raised, Value names) const;
  bool catch_in_body(uint16_t at, StrId name);
  // The running body's frame object (its hidden local), made if needed.
  Value handler_frame_object(Frame& f);
  Value new_exception_object(Frame& f, StrId name);
  // A tracked exception object holding `items` (references taken over):
  // its traceback's frame objects, innermost first, then its __context__.
  Value new_exception(Value name, const ValueList& items);
  void frame_object_takes_locals(Frame& f);
  // X5: f_back, when the frame object outlives the frame.
  void link_f_back(const Frame& f, Value fo);
  void frame_object_takes_function(const Frame& f, Value fo);
  bool has_f_back(Value fo) const;
  // ----------------------------------------------------------- Tracebacks.cpp
  // What a body's area (above its locals) keeps: blocks of unwound frames
  // (what their own areas kept, their function and locals, a marker),
  // exception objects, and the markers between the exceptions of a chain
  // (context) or after a handled exception's group (seal).
  struct TbItem {
    enum Kind : uint8_t { Block, Exception, Context, Seal, Other };
    Kind kind;
    size_t first, end;  // [first, end) of the thread's values
    size_t area_end;    // a block: its own area is [first, area_end)
    uint16_t depth;     // a seal: the handled exception's operand stack depth
  };
  struct Segment {  // a block's function and locals: [first, end), then the marker
    size_t first, end;
    bool generator;
  };
  TbItem tb_item(size_t lo, size_t end) const;  // the item of [lo, end) ending at end
  std::vector<std::vector<TbItem>> tb_parts(size_t lo, size_t hi) const;
  Segment tb_segment(const TbItem& block) const;
  void tb_release_order(size_t lo, size_t hi, ValueList& out) const;
  void tb_item_order(const TbItem& it, ValueList& out) const;
  void tb_unraisable_order(size_t lo, size_t hi, ValueList& out) const;
  bool release_traceback_from(size_t lo, bool unraisable);
  size_t below_last_seal(size_t lo, size_t end) const;
  void tidy_contexts(size_t lo);
  // X8: handled exceptions from depth `depth` up stop being handled (the
  // exception in flight holds them as its context); a handler caught the
  // exception in flight; the handled exception at `depth` is dropped.
  void end_handling(size_t lo, uint16_t depth);
  void seal_handled(size_t lo, uint16_t depth);
  void drop_handled_traceback(size_t lo, uint16_t depth);
  // The block an unwound frame leaves above owned_values_top (its locals
  // were moved there above what its area kept; this adds their marker), and
  // the function a caller adds below them.
  void mark_unwound_frame(uint16_t base, uint16_t count, bool generator);
  void unwound_frame_keeps_function(Value callee);
  // Whether the values from `from` up hold a reference (a segment of an
  // unwound frame with no object in it keeps nothing alive).
  bool traceback_keeps_objects(size_t from) const;
  static Value seal_marker(uint16_t depth);
  static Value context_marker();
  // ------------------------------------------------------ ExceptionChains.cpp
  // `except ... as`: the exception object, with the frame objects and the
  // __context__ chain (X4, X8) the blocks above the body's locals stand for.
  struct ChainRead {
    ValueList frames;  // the traceback's frame objects below the area's frame
    Value context;     // its __context__ (a new reference), or unset
    bool holds_frame;  // a frame of it outlives its entry: its callers' f_back matter
    bool exception;    // an exception object already (frames holds it alone)
    Value frame;       // a block's frame object
  };
  void bind_exception_op(Frame& f);
  void with_enter_op(const Op& op, Frame& f);  // With.cpp (WT1-WT6)
  void with_except_args_op(Frame& f);
  void jump_if_lock_op(const Op& op, Frame& f);
  ChainRead read_chain(size_t lo, size_t hi, Value frame, Value context);
  ChainRead read_unit(const std::vector<TbItem>& part, Value context);
  Value frame_object_of(const Segment& s);
  Value handled_exception_object(Frame& f, size_t lo, size_t seal_from_top, Value frame);
  bool callers_handle_chains() const;
  static bool owns_values(const Frame& f);
  std::string unraisable_text(StrId exc, UnraisableSite site, FuncId callable) const;
  FuncId not_callable_tag(Value v) const;

  // ----------------------------------------------------------- Generators.cpp
  bool is_generator(Value v) const;
  int32_t gen_state(ObjId g) const;
  void set_gen_state(ObjId g, int32_t s);
  void gen_new_op(const Op& op);
  void resume_generator(ObjId g, bool closing);
  void gen_next_op();
  // What the frame that just ended left pending goes on in this body.
  void raise_pending_in_body();
  void gen_next_end_op();
  void gen_close_op();
  void gen_close_end_op();
  void gen_close(ObjId g);
  void gen_clear_frame(ObjId g);
  void gen_yield_op();
  bool gen_frame_ends(Frame& f);
  void gen_finalize(ObjId g);
  // GeneratorsFreeThreaded.cpp (Y7)
  bool gen_state_read_pauses(Frame& caller, ObjId g);
  bool gen_state_set_after_read(Frame& caller, ObjId g);
  bool gen_yield_read_lost(const Frame& caller, ObjId g) const;
  void step_generator_dealloc(Frame& f);

  // ------------------------------------------------------------ Functions.cpp
  // Function objects of nested defs and lambdas, closure cells (FN1-FN5).
  bool is_function_object(Value v) const;
  FuncId function_code(Value v) const;
  ObjId new_cell(Value contents);
  void function_op(const Op& op, Frame& f);
  bool is_free_slot(FuncId func, uint16_t slot) const;
  void copy_free_vars(ObjId function, uint16_t base);

  // -------------------------------------------------------- FunctionCalls.cpp
  // Calls from scenario code, return values, defaults, function attributes
  // (FN7-FN10).
  bool accepts(FuncId code, ObjId function, size_t nargs) const;
  void fill_defaults(ObjId function, uint16_t base);
  bool call_op(uint16_t at, uint16_t nargs, uint16_t keywords = 0);
  void new_init_op(uint16_t at, const Op& op);  // FN13: a class call with __init__
  void deoptimize_class_calls(ClassId type);    // FN13a (ClassDel.cpp)
  // The byte of State::warm for call site `site` of the op at `at` of body
  // frame `f` of the running thread: its own body's site at that place
  // when the thread runs a symmetric class mate's body (Symmetry.h).
  uint8_t& warm_byte(const Frame& f, uint16_t at, uint16_t site);
  // T1a: a list.append, len or gc.callbacks.append call site has run:
  // from its second run on, no check follows the call (kSkipCheck).
  void warm_call_site(Frame& f, uint16_t at, uint16_t site);
  // FN12: where each argument of a call with keywords goes among the
  // callee's parameters; false: TypeError.
  bool bind_keywords(FuncId code, ObjId function, size_t nargs, uint16_t keywords,
                     std::vector<uint8_t>& slots) const;
  void return_value_op();
  void function_frame_returns(Frame& f);
  void function_attr_op(const Op& op);

  // ---------------------------------------------------------- MethodCalls.cpp
  // obj.NAME(args) (FN14, FN15): LOAD_ATTR with the method flag, then CALL.
  FuncId type_method(ClassId type, StrId name) const;
  Value instance_dict_entry(ObjId o, uint16_t field) const;
  Value method_attribute(Value owner, const Op& op);  // LOAD_ATTR of the name: a new reference
  void load_method_op(const Op& op);
  void call_py_method_op(uint16_t at, const Op& op);

  // ------------------------------------------------------------------ Super.cpp
  // super().NAME(args) (SU1-SU4): the call of `super` (3.11), then
  // LOAD_METHOD on it, or LOAD_SUPER_ATTR (3.12+); CallPyMethod follows.
  bool instance_of(Value v, ClassId cls) const;
  ObjId new_super_object(Value self);  // the reference to self moves into it
  void super_new_op(const Op& op);
  void load_super_method_op(uint16_t at, const Op& op);
  void call_object_init_op(uint16_t at, const Op& op);

  // ------------------------------------------------------------ Iteration.cpp
  // for x in v (IT1-IT6): GET_ITER, FOR_ITER, a generator's yield taken,
  // break.
  void get_iter_op();
  void for_iter_op(const Op& op, Frame& f);
  void for_iter_end_op(const Op& op, Frame& f);
  void pop_loop_op(const Op& op, Frame& f);
  void leave_loop(const Op& op, Frame& f);
  [[noreturn]] static void too_many_items(const Op& op);

  // ----------------------------------------------------------- Containers.cpp
  TypeKind container_of(Value v) const;
  void check_hashable(Value key);
  int find_key(const Object& x, TypeKind kind, Value key) const;
  int sequence_index(Value key, uint8_t length);
  void dict_store(ObjId o, Value key, Value v, ValueList& released, bool maintain_tracking = true);
  void dict_store_at(ObjId o, int i, Value key, Value v, ValueList& released,
                     bool maintain_tracking);
  void set_add(ObjId o, Value v, ValueList& released);
  Value remove_item(Object& x, TypeKind kind, uint8_t i, Value* out);
  void delete_slice(Value container, Value start, Value stop, ValueList& released);
  void build_container(const Op& op);
  Value new_deque(Value source, LabelId label);
  Value call_method(const Op& op, Value receiver, const ValueList& args, ValueList& released);
  ValueList take_items(ObjId o, TypeKind kind);
  void container_traverse(const Object& x, TypeKind kind, ObjList& out) const;
  // container[key] (borrowed); gc.callbacks info dicts too.
  Value item_slot(Value container, Value key, bool for_store);
  // len(x) (Containers.cpp): a container's length, a string's; TypeError else
  int32_t length_of(Value x);
  void store_item(Value container, Value key, Value v, ValueList& released);
  void delete_item(Value container, Value key, ValueList& released);

  // --------------------------------------------------------------- Values.cpp
  // `a == b` as Python computes it for the values of the language.
  bool py_equal(Value a, Value b, int depth) const;
  // The items of a tuple, built or constant; false for anything else.
  bool tuple_items(Value v, ValueList& out) const;
  bool may_be_tracked(Value v) const;
  bool truth(Value v) const { return model::truth(program_, state_, v); }
  bool is_finalized(Value v) const;
  bool is_tracked(Value v) const;
  ObjId instance_for_attribute(Value v, FieldId field, bool store);
  Value load_attr(Value base, FieldId field);
  void store_attr(ObjId o, FieldId field, Value v, ValueList& released);
  // vars(x), or x.__dict__ (`attribute`: AttributeError where vars()
  // raises TypeError, DA2): the instance's own dict (R1.15c, R1.15d).
  Value instance_dict(Value x, LabelId label, bool attribute = false);
  // DA3: x.__weakref__ on a type that has the read-only descriptor
  bool weakref_descriptor(ObjId o) const;
  Value load_own_attr(Value base, FieldId field);
  // ----------------------------------------------------------- ClassAttrs.cpp
  // CA2: NAME in the dict of class t or of its nearest base that has it
  bool class_attr_lookup(ClassId t, FieldId field, Value& out) const;
  void load_class_attr_op(const Op& op);
  Value load_attr_or_class(Value base, FieldId field);  // CA3
  // R1.15c (InstanceDict.cpp): an instance whose dict is a dict object
  bool in_dict_object(ObjId o, FieldId field) const;
  FieldId dict_member(ObjId o) const;
  ObjId materialize_instance_dict(ObjId o, LabelId label);
  void detach_instance_dict(FieldId field, Value v);
  void traverse_member(Value v, ObjList& out) const;
  ObjId dict_object(ObjId o, bool create);
  int dict_entry(ObjId o, FieldId field, ObjId& d);
  void delete_attr(ObjId o, FieldId field, ValueList& released);
  std::string render(Value v) const;
  std::string render(Value v, ObjList& open) const;

  // -------------------------------------------------------------- Dealloc.cpp
  void step_dealloc(Frame& f);
  void step_subtype_dealloc(Frame& f);
  void step_weakref_dealloc(Frame& f);
  void step_method_dealloc(Frame& f);
  void dealloc_untrack_clear_weakrefs(Frame& f);
  void step_container_dealloc(Frame& f);  // Containers.cpp
  void step_finalize_from_dealloc(Frame& f);
  void dealloc_destruction_step(ObjId o, const char* step);

  // ------------------------------------------------------------- Weakrefs.cpp
  // weakref.ref, or weakref.proxy with `type` = Program::proxy_type.
  Value new_weakref(Value referent, Value callback, LabelId label, ClassId type = kWeakrefType);
  Value deref_weakref(Value wr);
  // The weakref objects pointing at o, in list order (W1).
  ObjList weakref_list(ObjId o) const;
  void clear_weakref_link(ObjId wr);  // _PyWeakref_ClearRef: callback kept
  void clear_weakrefs_no_callbacks(ObjId o);
  void step_clear_weakrefs(Frame& f);
  void call_weakref_callback(ObjId wr, Value callback, ObjId referent, bool gc_path);
  // After a callback returns: reports its exception. Pending: the caller
  // returns and runs the same stage again (drop_traceback).
  enum class CallbackEnd { Returned, Raised, Pending };
  CallbackEnd end_weakref_callback(ObjId wr, bool gc_path);

  // ------------------------------------------------------------- GcModule.cpp
  // sys.getrefcount(x) as the profile shows it (RC1-RC3); `local_load`: x
  // was pushed by a load of a local.
  Value refcount_of(Value x, bool local_load) const;
  bool immortal(Value x) const;
  void refcount_op(const Op& op);   // OpCode::IsTracked with a = 1
  void set_gc_debug(bool saveall);  // G16a
  void clear_gc_garbage();          // gc.garbage.clear()
  void gc_garbage_item();           // gc.garbage[i]: index -> item
  void gc_freeze();                 // G7a
  void gc_unfreeze();
  void save_garbage(ObjId o);  // gc.garbage.append(o) by the collector (G16a, G17)

  // ------------------------------------------------------------- ClassDel.cpp
  // A type's tp_finalize as the run has left it (R1.14): its __del__, or
  // kNoFunc.
  FuncId finalizer_of(ClassId type) const;
  bool has_finalizer(ClassId type) const { return finalizer_of(type) != kNoFunc; }
  void set_class_del(ClassId type, FuncId func);  // OpCode::SetClassDel

  // -------------------------------------------------------------- Proxies.cpp
  bool is_proxy(Value v) const;
  // What an operation on v works on: v itself, or the referent of a proxy
  // (borrowed; ReferenceError when it is gone).
  Value through_proxy(Value v);

  // ------------------------------------------------------- WeakContainers.cpp
  // weakref.WeakValueDictionary, WeakKeyDictionary, WeakSet (WC1-WC9): the hooks
  // the container operations call first (true: handled), and the removal
  // their entries' weakref callbacks do.
  bool is_weak_container(Value v) const;
  Value weak_container_new(ClassId type, LabelId label);
  bool weak_item_get(Value container, Value key, Value& out);
  bool weak_store_item(Value container, Value key, Value v, ValueList& released);
  bool weak_delete_item(Value container, Value key, ValueList& released);
  bool weak_method(Value receiver, const std::string& name, const ValueList& args,
                   ValueList& released, Value& out);
  bool is_weak_remove(Value callback) const;
  Value weak_probe(Value key);
  void weak_remove_call(Value callback, ObjId wr);
  // ------------------------------------------------------------ WeakMethod.cpp (WM1-WM8)
  bool is_weak_method(Value v) const;
  Value weak_method_new(Value meth, Value callback, LabelId label);
  Value weak_method_bind(Value wm, Value referent);
  Value weak_method_target(ObjId wr, Value cb);
  bool weak_method_release_self(ObjId wr);
  bool weak_method_clear_step(ObjId o);
  void step_weak_method_dealloc(Frame& f);

  // ----------------------------------------------------------- ThreadLocal.cpp
  // threading.local (TL1-TL6): the local object, the calling thread's dict
  // of it (made on first use; kNoObj without `create`), attribute access
  // through that dict, and the release of a finishing thread's dicts (true
  // when it pushed one).
  bool is_thread_local(Value v) const;
  // ----------------------------------------------------------------- Locks.cpp
  bool is_lock(Value v) const;
  Value lock_method(ObjId o, const std::string& name, const ValueList& args);
  void step_lock_dealloc(Frame& f);
  Value thread_local_new(LabelId label);
  ObjId thread_local_dict(ObjId local, bool create);
  ObjId thread_local_checked(Value base);
  Value thread_local_load(Value base, FieldId field);
  void thread_local_store(Value base, FieldId field, Value v, ValueList& released);
  void thread_local_delete(Value base, FieldId field, ValueList& released);
  bool release_thread_locals();

  // -------------------------------------------------------------- Partial.cpp
  // functools.partial (PT1-PT6): the object, its call from a body (CALL
  // keeps the callable and the arguments until the callee returned; the op
  // runs again then), its tp_dealloc and one Py_CLEAR step of partial_clear
  // (false once every member is cleared).
  bool is_partial(Value v) const;
  void partial_new_op(const Op& op);
  bool partial_call_op(uint16_t at, uint16_t nargs, uint16_t keywords);
  void step_partial_dealloc(Frame& f);
  bool partial_clear_step(ObjId o);
  // p.func, p.args, p.keywords (read-only members); another name is
  // AttributeError (the __dict__ stays empty). False when base is no partial.
  bool partial_attr(Value base, FieldId field, Value& out);
  // The function object whose code python_callee returns (its closure and
  // defaults), through a partial's fn; kNoObj for a module-level def.
  ObjId callee_function(Value func) const;

  // ------------------------------------------------------------- Finalize.cpp
  bool is_finalize(Value v) const;
  // The code func(*argv) runs, self prepended for a bound method; kNoFunc
  // when func is not Python code.
  FuncId python_callee(Value func, ValueList& argv) const;
  // weakref.finalize(referent, func, *args): a new finalizer, registered.
  Value new_finalize(Value referent, Value func, Value args, LabelId label);
  void finalize_new_op(const Op& op);  // OpCode::FinalizeNew
  // finalize.__call__ on fin: from a weakref's callback (wr), explicitly from
  // a body (kPushResult) or from the exit function (kFinal).
  void push_finalize_call(ObjId fin, ObjId wr, uint32_t flags);
  void step_finalize_call(Frame& f);
  void step_finalize_exit(Frame& f);
  // The entry's position in the registry dict, -1 when not registered.
  int finalize_entry(ObjId fin) const;
  // f.alive / f.atexit; f.atexit = v; f.detach() / f.peek().
  bool finalize_attr(Value base, FieldId field, Value& out);
  void finalize_set_attr(ObjId fin, FieldId field, Value v);
  Value finalize_method(ObjId fin, const std::string& name, size_t nargs, ValueList& released);
  // The explicit call f() of the op at `at` (OpCode::Deref): true when it
  // was a finalizer (started, or finished and its result taken).
  bool finalize_call_op(uint16_t at);
  void check_finalize_referents();  // finalize-keeps-referent

  // --------------------------------------------------------------- Atexit.cpp
  // atexit.register(func, *args) (AX1): returns func; atexit.unregister
  // (AX2); weakref.finalize's first finalizer registers its exit function.
  void atexit_register_op();
  void atexit_unregister_op();
  void atexit_register_finalize_exit();
  // AX3: Py_FinalizeEx's _PyAtExit_Call once the threads are joined: a
  // FinalizeExit frame whose stages are the atexit ones (kAtexitStages).
  void push_atexit_run();
  void step_atexit_run(Frame& f);
  // The hidden list of registered functions (made on first use with
  // `make`), and a new entry at its end.
  ObjId atexit_list_obj(bool make);
  void atexit_append(Value func, Value args);

  // ------------------------------------------------------- GcModule.cpp (G6a)
  // gc.callbacks as a list of values (function objects): the hidden list
  // (made on first use with `make`), append and remove of a popped value.
  ObjId gc_callbacks_list_obj(bool make);
  void gc_callbacks_append(Value func);
  void gc_callbacks_remove(Value func);
  // G6b: whether gc.callbacks holds a function at shutdown (it keeps
  // __main__'s dict alive through the function's __globals__).
  bool gc_callbacks_hold_module() const;

  // ------------------------------------------------------------- Shutdown.cpp
  // `shutdown modules` (SD1-SD5): the stages of Py_FinalizeEx past the
  // atexit functions, counted by GcState::final_rounds; each pushes one
  // collection or ends the run.
  void shutdown_stage();
  bool is_module_dict(ObjId o) const;
  // tp_traverse and tp_clear of the __main__ module's dict (SD3, SD4).
  void module_dict_traverse(ObjId o, ObjList& out) const;
  void module_dict_clear(ObjId o);
  bool hidden_global(size_t g) const;  // G6b: gc.callbacks' list (G6a)

  // ------------------------------------------------------------ Collector.cpp
  void step_collect(Frame& f);
  void begin_collection(Frame& f);           // G5, G6 "start"; may push a frame
  void return_from_collect(int32_t result);  // pops the Collect frame
  void step_finalize_gc(Frame& f);
  void step_clear(Frame& f);
  // A C base's tp_clear on o, called by the derived type's tp_dealloc or
  // tp_clear: its steps only, no tp_clear events.
  void push_base_clear(ObjId o, ClassId base);
  void step_gc_callbacks(Frame& f);
  void deduce_unreachable(uint8_t base, uint8_t unreachable);
  void update_refs(uint8_t list);
  void subtract_refs(uint8_t list);
  void move_unreachable(uint8_t young, uint8_t unreachable);
  // tp_traverse of o: strong references, in the type's visiting order.
  void traverse(ObjId o, ObjList& out);
  void move_legacy_finalizers();
  // After a final collection's deduction: GcState::final_idle.
  void note_final_deduction(const Frame& f);
  void untrack_atomic_containers(uint8_t survivors, bool full);
  bool atomic_container(ObjId o, bool dicts) const;
  void handle_weakrefs_pass1();
  bool has_tp_clear(ObjId o) const;
  void clear_weakrefs_of_list(uint8_t list);
  void phase(const char* name);
  uint8_t old_list(const Frame& collect) const;
  // Stops the run when the collector's current weakref or member (f.obj)
  // was freed while the collector held a reference to it.
  void require_held_member(const Frame& collect);
  // Stops the run when a merge queue's or the trashcan's entry was freed
  // while queued (release_slot made it kNoObj).
  void require_queued(ObjId o);
  // Incremental collector (G-I1..G-I4): the visited and pending old spaces.
  uint8_t visited_list() const { return static_cast<uint8_t>(kGen1 + state_.gc.visited_space); }
  uint8_t pending_list() const {
    return static_cast<uint8_t>(kGen1 + (1 - state_.gc.visited_space));
  }
  void mark_at_start();
  void build_increment();
  void completed_scavenge();

  // -------------------------------------------------- CollectorFreeThreaded.cpp
  void step_collect_ft(Frame& f);
  bool wait_for_parked_world(Frame& f);  // true: f yields until it can stop the world
  void stop_the_world();
  void start_the_world();
  void update_refs_ft();
  bool heap_order_quiet() const;  // F-G3b
  void scan_unreachable_ft();
  void clear_weakrefs_ft(bool enqueue_callbacks);
  void handle_resurrected_ft();
  void to_worklist(ObjId o);          // kFtOrder: o goes next in the heap order
  ObjList untracked_members() const;  // off the list but on the worklist, in its order
  // A member tracked again goes back to its place on the list (track()).
  void relink_worklist_member(ObjId o);
  // The worklist member after place `after`, tracked or not (kNoObj: none).
  ObjId next_worklist_member(uint16_t after) const;
  // F-G3a: the heap a new object's memory comes from (Object::heap).
  ThreadId heap_of_new(ClassId type) const;
  // F-G3a: thread t exits: its heaps are abandoned (Object::heap).
  void abandon_heaps(ThreadId t);

  // --------------------------------------------------------------- CTypes.cpp
  void step_construct(Frame& f);
  // CTypeInit.cpp (TI1-TI5): type_call's tp_init; __init__ calls reaching it
  void construct_op(uint16_t at, const Op& op);
  bool construct_ends(Frame& f);  // false: tp_init runs first
  void init_call_op(uint16_t at, const Op& op);
  void step_c_dealloc(Frame& f);
  // One step of a C tp_clear on f.obj; false when the step list is done.
  bool step_c_clear(Frame& f);
  void c_traverse(ObjId o, ClassId ctype, ObjList& out);
  // The traverse: steps of ctype (a C base's too); true if it visited the type.
  bool c_traverse_steps(ObjId o, ClassId ctype, ObjList& out);
  // Py_TRASHCAN_BEGIN in a C dealloc (TC1): postpones it when too deep.
  void trashcan_begin_step(Frame& f);
  // Executes a field step (Py_CLEAR, decref, null) of a slot on o.
  void field_step(Frame& f, const SlotStep& st, bool in_dealloc);
  // A Construct frame's C type, and the argument `init F` (or `setref F`)
  // stores in F.
  const TypeInfo& constructed_type(const Frame& f) const;
  Value constructor_arg(const Frame& f, FieldId field) const;
  void store_self(ObjId o, uint16_t global);
  void release_resource(ObjId o, bool if_held = false);
  Value read_c_field(ObjId o, FieldId field);
  void write_c_field(ObjId o, FieldId field, Value v, ValueList& released);
  void require_attached(const char* what);
  // memory-safety: `what` touches o after tp_free released it.
  void require_not_freed(ObjId o, const char* what);
  const TypeInfo& c_type_of(ObjId o) const;  // the C type (or C base) of o
  // A C step of o's slot begins: its C origin, if any, goes to the trace
  // (C_STEP) and to the message of a violation it causes.
  void c_step_begin(ObjId o, const SlotStep& st);
  void raise_system_error();  // a C API call fails (SystemError)

  // ----------------------------------------------------- CApiFreeThreaded.cpp
  // The free-threaded C API steps; false when st is not one of them.
  bool step_capi(Frame& f, const SlotStep& st);
  void before_c_step(Frame& f, const SlotStep& st);
  ObjId critical_section_target(const Frame& f, const SlotStep& st) const;
  // data-race: an access to o->field; `in_critical_section` accesses are
  // not recorded, unprotected ones are recorded on the current frame.
  void check_data_race(ObjId o, FieldId field, bool write, bool in_critical_section);
  void c_field_access(const Frame& f, FieldId field, bool write);
  void release_critical_sections(Frame& f);
  bool ref_alive(const Frame& f) const;
  bool ref_alive_id(ObjId r, uint16_t serial) const;
  void drop_ref_if_strong(Frame& f);

  // ------------------------------------------------------------- Monitors.cpp
  void emit(Event e);
  Event event(EventKind kind, ObjId o = kNoObj);
  // Throws ViolationFound unless every property named is ignored by the
  // scenario (memory-safety cannot be ignored).
  void violation(std::vector<std::string> properties, const std::string& message);
  void check(bool ok, const char* property, const std::string& message);
  void observe_expectations(const Event& e);
  bool matches(const EventPattern& p, const Event& e) const;
  void check_expectations_at_end();
  void check_gc_finalize_begin(ObjId o);
  void check_finalize_begin(ObjId o, bool gc_path);
  void check_clear_begin(ObjId o);
  void check_cleared_neighbours(ObjId o, bool clear_done);
  void check_dealloc_begin(ObjId o);
  void check_callback_begin(ObjId wr, ObjId referent, bool gc_path, uint16_t& last_key);
  void check_garbage_set();
  // P7.26: nothing reachable from an uncollectable tp_del object is touched.
  void check_not_legacy_reachable(ObjId o, const char* what);
  void check_free(ObjId o);
  void check_quiescence();
  // Live objects unreachable from globals, frames and gc.garbage: none;
  // some, all finalized (or without a finalizer); some with code still to
  // run (a finalizer not run yet, or a weakref callback).
  enum class Leftover { None, Finalized, Unfinalized };
  Leftover unreachable_leftover() const;
  std::string name_of(ObjId o) const;

  const Program& program_;
  State& state_;
  std::vector<Event>* trace_;
  uint64_t* kinds_;
  StatementTracker* statements_;
  std::atomic<uint8_t>* expect_seen_ = nullptr;  // see note_expect_events
  ThreadId current_ = 0;
  // Automatic collections (G1-G3) within this transition: the allocation
  // chosen to trigger one (1-based, 0: none) and its generation, the
  // allocations counted so far, and a collection to run right after the
  // current op (P311: inside the allocation), tracking `deferred_track_`
  // when it ends.
  uint16_t trigger_alloc_ = 0;
  uint8_t trigger_generation_ = 0;
  uint16_t alloc_count_ = 0;
  bool collect_after_op_ = false;
  ObjId deferred_track_ = kNoObj;
  bool dry_run_ = false;           // counting allocations only (enabled_choices)
  uint8_t choice_ = 0;             // the transition's alternative, for an order choice (F-G3a, C1)
  size_t released_any_order_ = 0;  // set.clear(): its members lead `released` (C1)
  uint16_t origin_ = 0;            // Program::origins of the C step being executed
  struct OriginScope {             // clears origin_ when the step's function returns
    Machine& m;
    ~OriginScope() { m.origin_ = 0; }
  };
};

}  // namespace lifecheck::model
