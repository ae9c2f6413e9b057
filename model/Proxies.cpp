// weakref.proxy (rules W15-W17): a weak reference of its own type
// (weakref.ProxyType) that forwards attribute access, method lookup,
// vars(), truth, == and subscription to its referent, and raises
// ReferenceError once the referent is gone. It lives in the referent's
// weakref list with the plain weakrefs, so clearing, callbacks and the
// collector's handle_weakrefs treat it exactly as a weakref.ref
// (Weakrefs.cpp, Collector.cpp); only its creation (the list position of
// the callback-less proxy, W15) and its uses differ.
#include "model/Machine.h"

namespace lifecheck::model {

bool Machine::is_proxy(Value v) const {
  return v.is_obj() && program_.proxy_type != kNoType &&
         state_.objects[v.obj()].type == program_.proxy_type;
}

// W16: Objects/weakrefobject.c UNWRAP (proxy_checkref): every forwarding
// slot of the proxy (proxy_getattr, proxy_setattr, proxy_bool,
// proxy_richcompare, proxy_getitem, ...) first checks that the referent is
// alive and raises ReferenceError("weakly-referenced object no longer
// exists") when it is not. A referent inside its tp_dealloc (refcount 0)
// counts as gone, as for a weakref call (W3: 3.13+ _PyWeakref_GET_REF);
// Python code reaches such a proxy only through a C type that runs code
// before clearing its weakrefs.
Value Machine::through_proxy(Value v) {
  if (!is_proxy(v)) return v;
  ObjId p = v.obj();
  if (obj(p).has(kFreed))
    violation({"memory-safety"}, "use of proxy " + name_of(p) + " after it was freed");
  Value r = obj(p).fields[kWeakrefReferent];
  if (r.kind() == ValueKind::Func) return r;  // module functions live for the whole run
  if (!r.is_obj()) raise("ReferenceError");
  if (obj(r.obj()).has(kFreed))
    violation({"memory-safety"},
              "proxy " + name_of(p) + " still points at " + name_of(r.obj()) + ", which was freed");
  if (obj(r.obj()).rc == 0) raise("ReferenceError");
  return r;
}

}  // namespace lifecheck::model
