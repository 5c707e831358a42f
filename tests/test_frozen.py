"""samlscan.frozen makes classes that behave as dataclass(frozen=True) does, with a faster __init__;
every class of the model is made with it and keeps its fields through construction, replace() and pickle."""
import dataclasses
import inspect
import pickle

import pytest

from samlscan import model
from samlscan.frozen import frozen


@frozen
class Ours:
    a: int
    b: str = "x"
    c: tuple = ()


@frozen(slots=True)
class OursSlots:
    a: int
    b: str = "x"
    c: tuple = ()


@dataclasses.dataclass(frozen=True)
class Theirs:
    a: int
    b: str = "x"
    c: tuple = ()


@dataclasses.dataclass(frozen=True, slots=True)
class TheirsSlots:
    a: int
    b: str = "x"
    c: tuple = ()


@pytest.mark.parametrize("slots", [False, True])
def test_behaves_as_a_frozen_dataclass(slots):
    ours, theirs = (OursSlots, TheirsSlots) if slots else (Ours, Theirs)
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs)) == "(a: int, b: str = 'x', c: tuple = ()) -> None"
    for args, kw in (((1,), {}), ((1, "y"), {}), ((), {"a": 2, "c": (3,)}), ((1,), {"c": (4,), "b": "z"})):
        o, t = ours(*args, **kw), theirs(*args, **kw)
        assert dataclasses.astuple(o) == dataclasses.astuple(t)
        assert repr(o).replace(ours.__name__, "X") == repr(t).replace(theirs.__name__, "X")
        assert o == ours(*args, **kw) and hash(o) == hash(ours(*args, **kw))
        assert o != ours(9) and dataclasses.replace(o, a=9) == ours(9, o.b, o.c)
        assert pickle.loads(pickle.dumps(o)) == o
        with pytest.raises(dataclasses.FrozenInstanceError):
            o.a = 5
        with pytest.raises(dataclasses.FrozenInstanceError):
            del o.b
        assert hasattr(o, "__dict__") is not slots
    for bad_args, bad_kw in (((), {}), ((1, "y", (), 4), {}), ((1,), {"d": 2}), ((1,), {"a": 2})):
        with pytest.raises(TypeError):
            ours(*bad_args, **bad_kw)
        with pytest.raises(TypeError):
            theirs(*bad_args, **bad_kw)


def test_refuses_what_its_init_does_not_do():
    for extra in ({"d": dataclasses.field(default_factory=list)}, {"d": dataclasses.field(default=1, init=False)},
                  {"__post_init__": lambda self: None}):
        ns = {"__annotations__": {"a": "int", **({"d": "list"} if "d" in extra else {})}, **extra}
        with pytest.raises(TypeError, match="frozen"):
            frozen(type("Bad", (), ns))


@pytest.mark.parametrize("cls", [c for c in vars(model).values()
                                 if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == model.__name__])
def test_model_classes_keep_every_field(cls):
    values = {f.name: ("v", i) for i, f in enumerate(dataclasses.fields(cls))}  # unlike any default or other field
    obj = cls(**values)
    assert {f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)} == values
    assert cls(*values.values()) == obj
    again = pickle.loads(pickle.dumps(obj))
    assert {f.name: getattr(again, f.name) for f in dataclasses.fields(cls)} == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, dataclasses.fields(cls)[0].name, None)
