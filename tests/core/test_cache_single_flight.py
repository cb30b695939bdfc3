"""One process works out a missing cached value at a time; the others wait for it (core/cache.py).

Real threads, each with its own database connection, against the database cache (the default), as
gunicorn's processes share it: the claim and the value must be seen across connections."""

import threading
import time

import pytest
from django.db import connections

from core import cache as page_cache
from improvement.models import Action

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def caching_on(settings):
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_WAIT_SECONDS = 2
    page_cache.cache.clear()


class Reader(threading.Thread):
    """A request asking for one memoised value, in a thread of its own (its own connection)."""

    def __init__(self, compute):
        super().__init__()
        self.compute, self.value, self.error = compute, None, None

    def run(self):
        try:
            self.value = page_cache.memo("slow-figure", self.compute, reads=[Action])
        except Exception as error:  # noqa: BLE001 (the test reads what the reader raised)
            self.error = error
        finally:
            connections.close_all()


def the_first_inside_its_computation(compute, started):
    """A reader started, once it is inside its computation (it has set `started`)."""
    reader = Reader(compute)
    reader.start()
    assert started.wait(5), reader.join(1) or reader.error  # what stopped it, if it never got there
    return reader


def started_reader(compute):
    reader = Reader(compute)
    reader.start()
    return reader


def test_a_second_reader_waits_for_the_first_ones_value_instead_of_computing_it_again():
    started, release, calls = threading.Event(), threading.Event(), []

    def compute():
        calls.append(1)
        started.set()
        release.wait(5)
        return {"on track": 7}

    first = the_first_inside_its_computation(compute, started)
    second = started_reader(compute)
    second.join(0.3)
    assert second.is_alive(), "the second reader should be waiting for the first one's value"
    release.set()
    first.join(5)
    second.join(5)
    assert (first.value, second.value) == ({"on track": 7}, {"on track": 7})
    assert len(calls) == 1
    # And it is cached: a third reader neither computes nor waits.
    third = started_reader(compute)
    third.join(5)
    assert third.value == {"on track": 7} and len(calls) == 1


def test_a_reader_waits_no_longer_than_the_setting_then_computes_itself(settings):
    settings.PAGE_CACHE_WAIT_SECONDS = 1
    started, release, calls = threading.Event(), threading.Event(), []

    def stuck_then_quick():
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(10)  # a process stuck in its computation
        return "worked out"

    first = the_first_inside_its_computation(stuck_then_quick, started)
    began = time.monotonic()
    second = started_reader(stuck_then_quick)
    second.join(5)
    waited = time.monotonic() - began
    assert second.value == "worked out" and first.is_alive()
    assert 0.9 <= waited < 3
    release.set()
    first.join(5)
    assert len(calls) == 2


def test_when_the_first_computation_fails_a_waiting_reader_computes_at_once():
    started, release, calls = threading.Event(), threading.Event(), []

    def fails_first():
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(5)
            raise RuntimeError("the first computation failed")
        return "second try"

    first = the_first_inside_its_computation(fails_first, started)
    second = started_reader(fails_first)
    time.sleep(0.2)
    began = time.monotonic()
    release.set()
    first.join(5)
    second.join(5)
    assert str(first.error) == "the first computation failed"
    assert second.value == "second try" and second.error is None
    # Well inside the 2 s wait (caching_on), with room for a busy machine.
    assert time.monotonic() - began < 1.5, "the waiter should not sit out the whole wait once the claim is gone"
