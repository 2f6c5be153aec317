"""Which calls a Python recording keeps: the first few, then a sample of each shape of call (argument types, list
lengths, array shapes and dtypes, in classes of powers of two), so that a shape the program rarely passes is
represented beside the common one. Within a shape the sample is uniform (algorithm R); a shape below an equal share
of the calls takes calls from the largest one. The byte budget counts unique contents: a large value is stored once
by its content key and referenced from each call, so calls that pass the same array cost it once. The first call of
a shape is kept even past the budget, alone, up to a hard limit.

The same rules as extension/record/sampler.ts (CallSampler), which samples JavaScript calls; a change to one is made
to both. Standard library only; NumPy arrays are read through the buffer protocol.
"""

import hashlib
import json
import random

# Values at least this large are stored once per recording and referenced by content key.
STORED_ONCE_BYTES = 1024


def length_class(n):
    """0, 1, or the powers of two a length lies between ("512–1023")."""
    if n <= 1:
        return str(n)
    low = 1 << (n.bit_length() - 1)
    return "%d\u2013%d" % (low, 2 * low - 1)


def _type_text(t):
    return t.__name__ if t.__module__ == "builtins" else "%s.%s" % (t.__module__, t.__name__)


def value_shape(v):
    """One argument's shape, read without copying: list[8–15] of float, ndarray[float64, (512–1023, 2–3)], str[4–7], int."""
    t = type(v)
    if t is str:
        return "str[%s]" % length_class(len(v))
    if t in (list, tuple):
        of = " of %s" % _type_text(type(v[0])) if len(v) else ""
        return "%s[%s]%s" % (t.__name__, length_class(len(v)), of)
    shape = getattr(v, "shape", None)
    dtype = getattr(v, "dtype", None)
    if type(shape) is tuple and dtype is not None and t.__name__ == "ndarray":
        return "ndarray[%s, (%s)]" % (dtype.name, ", ".join(length_class(d) for d in shape))
    return _type_text(t)


def call_shape(args):
    return ", ".join(value_shape(a) for a in args) if args else "()"


def content_key(array=None, encoded=None):
    """Equal keys for equal contents, bit for bit: an array's dtype, shape and bytes (read where it is), or a value's
    exact encoding."""
    h = hashlib.sha256()
    if array is not None:
        h.update(("nd:%s:%r:" % (array.dtype.str, tuple(array.shape))).encode())
        flat = array.reshape(-1)
        if flat.size:
            h.update(flat.view("u1"))
    else:
        h.update(b"value:")
        h.update(json.dumps(encoded, separators=(",", ":")).encode())
    return h.hexdigest()[:32]


class _Shape:
    __slots__ = ("seen", "kept", "pinned", "allowance", "oversized", "refused", "refused_bytes", "observed", "written")

    def __init__(self):
        self.seen = self.kept = self.pinned = self.allowance = self.oversized = self.refused = self.refused_bytes = 0
        self.observed = False
        self.written = set()


class _Slot:
    __slots__ = ("value", "shape", "own", "keys", "pinned")

    def __init__(self, value, shape, own, keys, pinned):
        self.value, self.shape, self.own, self.keys, self.pinned = value, shape, own, keys, pinned


class Proposal:
    __slots__ = ("shape", "victim", "pinned", "held")

    def __init__(self, shape, victim, pinned):
        self.shape, self.victim, self.pinned, self.held = shape, victim, pinned, []


class Sampler:
    """propose(shape) before any copy (counted, and where the call would go), begin(p, held, bytes) with the cost of
    its contents at call time, put(...) after it ran."""

    def __init__(self, max_calls, first, max_bytes, hard_max_bytes, seed=1):
        self.max_calls, self.first, self.max_bytes, self.hard_max_bytes = max_calls, first, max_bytes, hard_max_bytes
        self.slots = []
        self.classes = {}
        self.stored = {}  # key -> [value, bytes, refs]
        self.total = 0
        self.bytes = 0
        self.too_large = 0
        self.random = random.Random(seed)

    @property
    def kept(self):
        return [s.value for s in self.slots]

    def count(self):
        self.total += 1

    def stored_value(self, key):
        s = self.stored.get(key)
        return None if s is None else s[0]

    def stored_values(self):
        return {k: s[0] for k, s in self.stored.items()}

    def may_write(self, shape, position):
        c = self.classes.get(shape)
        return c is None or not c.observed or position in c.written

    def propose(self, shape):
        self.total += 1
        c = self.classes.get(shape)
        if c is None:
            c = self.classes[shape] = _Shape()
        c.seen += 1
        pinned = self.total <= self.first
        if len(self.slots) < self.max_calls:
            return Proposal(shape, -1, pinned)
        if c.kept == 0 or c.kept * len(self.classes) < self.max_calls:
            victim = self._victim(c.kept + 1, not_shape=shape)
            if victim >= 0:
                return Proposal(shape, victim, False)
            if c.kept == 0:
                return None
        # Algorithm R within the shape, over its slots that are not pinned first calls (decided from the counts; the
        # slots are looked at only for a call that is kept).
        j = int(self.random.random() * (c.seen - c.pinned))
        if j >= c.kept - c.pinned:
            return None
        for i, s in enumerate(self.slots):
            if s.shape == shape and not s.pinned:
                if j == 0:
                    return Proposal(shape, i, False)
                j -= 1
        return None

    def begin(self, p, held, cost):
        c = self.classes[p.shape]
        for k in held:
            self.stored[k][2] += 1
        p.held = list(held)
        fresh = c.kept == 0
        freed = self._freed_by(self.slots[p.victim]) if p.victim >= 0 else 0
        if cost <= self._room() + freed:
            if p.victim >= 0:
                self._remove(p.victim)
            return True
        if fresh:
            if p.victim >= 0:
                self._remove(p.victim)
            if cost <= self.max_bytes:
                v = self._victim(1)
                while cost > self._room() and v >= 0:
                    self._remove(v)
                    v = self._victim(1)
            if cost <= self._room() or self.bytes + cost <= self.hard_max_bytes:
                return True
            c.refused += 1
            c.refused_bytes = max(c.refused_bytes, cost)
        self._release(held)
        p.held = []
        self.too_large += 1
        return False

    def put(self, p, value, own, keys, added, written):
        """added: {key: (value, bytes)} for the contents not stored yet; False when the call was too large after all."""
        c = self.classes[p.shape]
        for k, (v, b) in added.items():
            if k not in self.stored:
                self.stored[k] = [v, b, 0]
                self.bytes += b
        distinct = list(dict.fromkeys(keys))
        held = set(p.held)
        for k in distinct:
            if k not in held:
                self.stored[k][2] += 1
        self._release([k for k in p.held if k not in distinct])
        slot = _Slot(value, p.shape, own, distinct, p.pinned)
        self.slots.append(slot)
        self.bytes += own
        c.kept += 1
        if slot.pinned:
            c.pinned += 1
        c.observed = True
        c.written.update(written)
        v = self._victim(1, except_slot=slot)
        while self.bytes > self._budget() and v >= 0:
            self._remove(v)
            v = self._victim(1, except_slot=slot)
        if self.bytes <= self._budget():
            return True
        if c.kept == 1 and self.bytes <= self.hard_max_bytes:
            c.oversized = self._bytes_of(slot)
            c.allowance += max(c.oversized, self.bytes - self._budget())
            return True
        if c.kept == 1:
            c.refused += 1
            c.refused_bytes = max(c.refused_bytes, self._bytes_of(slot))
        self._remove(self.slots.index(slot))
        self.too_large += 1
        return False

    def shapes(self):
        out = []
        for shape, c in self.classes.items():
            s = {"shape": shape, "calls": c.seen, "kept": c.kept}
            if c.kept > 0 and c.allowance > 0:
                s["oversizedBytes"] = c.oversized
            if c.refused:
                s["refused"], s["refusedBytes"] = c.refused, c.refused_bytes
            out.append(s)
        return out

    def _budget(self):
        return self.max_bytes + sum(c.allowance for c in self.classes.values())

    def _room(self):
        return self._budget() - self.bytes

    def _freed_by(self, s):
        return s.own + sum(self.stored[k][1] for k in s.keys if self.stored[k][2] == 1)

    def _bytes_of(self, s):
        return s.own + sum(self.stored[k][1] for k in s.keys)

    def _release(self, keys):
        for k in keys:
            st = self.stored[k]
            st[2] -= 1
            if st[2] == 0:
                del self.stored[k]
                self.bytes -= st[1]

    def _remove(self, index):
        s = self.slots.pop(index)
        c = self.classes[s.shape]
        c.kept -= 1
        if s.pinned:
            c.pinned -= 1
        if c.kept == 0:
            c.allowance = 0
        self.bytes -= s.own
        self._release(s.keys)

    def _victim(self, more_than, not_shape=None, except_slot=None):
        """A random slot (not a pinned first call) of the shape with the most kept calls, when it has more than
        more_than; -1 when there is none."""
        free = {}
        for i, s in enumerate(self.slots):
            if not s.pinned and s is not except_slot and s.shape != not_shape:
                free.setdefault(s.shape, []).append(i)
        best = None
        for shape in free:
            kept = self.classes[shape].kept
            if kept > more_than and (best is None or kept > self.classes[best].kept):
                best = shape
        if best is None:
            return -1
        lst = free[best]
        return lst[int(self.random.random() * len(lst))]
