"""Story: the store of kept pages loses its counter (evicted, deleted) or goes back in time (restored from a
snapshot, a replica promoted): a page kept before must never be answered again as if nothing had changed since
(issue 32, hole 6)."""
import threading

from portal.core import data_versions, session_pages
from portal.extensions import cache
from tests.core.test_session_pages import agreements_of, asked, kept


def test_a_counter_lost_and_counted_again_does_not_bring_back_the_page_kept_before(pks, login_as):
    head = login_as(pks.head)
    kept(head, agreements_of(pks.facility))
    kept_at = cache.get(session_pages.DATA_VERSION_KEY)
    cache.delete(session_pages.DATA_VERSION_KEY)  # evicted, or deleted by hand
    for _ in range(100):  # writes go on, until the counter is where it was (or would have been)
        session_pages.move_on()
        if cache.get(session_pages.DATA_VERSION_KEY) >= kept_at:
            break
    statements, page = asked(head, agreements_of(pks.facility))
    assert page.status_code == 200 and statements > 0, "drawn anew, not the page kept under the lost counter"


def test_a_store_restored_from_a_snapshot_does_not_answer_the_pages_it_held(pks, login_as):
    head = login_as(pks.head)
    kept(head, agreements_of(pks.facility))
    snapshot = dict(cache.cache._cache)  # the store as a backup (or a lagging replica) holds it
    session_pages.move_on()  # a write after the snapshot
    asked(head, agreements_of(pks.facility))  # this process reads the newer version
    cache.cache._cache.clear()
    cache.cache._cache.update(snapshot)  # the store comes back from the snapshot
    statements, page = asked(head, agreements_of(pks.facility))
    assert page.status_code == 200 and statements > 0, "drawn anew, not the page the snapshot held"


def test_a_version_is_never_below_the_floor_nor_behind_what_this_thread_read(app):
    version = data_versions.DataVersion("test:version", "test")
    with app.app_context():
        cache.delete("test:version")
        assert version.move_on()
        first = version.checked(cache.get("test:version"))
        assert first >= data_versions.FLOOR, "a counter made again by an increment starts at a random number"
        cache.set("test:version", first - 5, timeout=0)
        moved = version.checked(cache.get("test:version"))
        assert moved > first and cache.get("test:version") == moved


def test_an_older_read_of_another_thread_is_not_the_store_going_back(app):
    """Threads of one worker read the version one after another's write: no repair, no warning."""
    version = data_versions.DataVersion("test:version", "test")
    with app.app_context():
        cache.set("test:version", data_versions.FLOOR + 10, timeout=0)
        read_before_a_write = cache.get("test:version")

        def writer_then_reader():
            with app.app_context():
                version.move_on()
                version.checked(cache.get("test:version"))
        other = threading.Thread(target=writer_then_reader)
        other.start(), other.join()
        assert version.checked(read_before_a_write) == read_before_a_write
        assert cache.get("test:version") == data_versions.FLOOR + 11, "the store was left as it was"


def test_repairs_made_at_once_by_two_workers_never_land_on_the_same_number(app):
    """Each worker found the store behind what it read: both move it on, and their repairs add up."""
    workers = [data_versions.DataVersion("test:version", "test") for _ in range(2)]
    with app.app_context():
        cache.set("test:version", data_versions.FLOOR + 100, timeout=0)
        for worker in workers:
            worker.checked(cache.get("test:version"))
        cache.set("test:version", data_versions.FLOOR + 50, timeout=0)  # the store went back
        behind = cache.get("test:version")
        repaired = [worker.checked(behind) for worker in workers]
        assert len(set(repaired)) == 2 and cache.get("test:version") == max(repaired) > data_versions.FLOOR + 100
