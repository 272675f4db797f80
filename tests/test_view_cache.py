"""The result pages' views kept per data version (dcmetrics.dashboard._VIEWS, issue 19): the
access check still runs on every call, before anything kept is handed out; a kept view equals a
fresh one; a commit is seen at once."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from dcmetrics import access, dashboard, scoring
from dcmetrics.dashboard import Filters
from dcmetrics.store import bump_data_version


@pytest.fixture
def profile(profiles):
    return profiles["chung"]


@pytest.fixture
def leaders(fresh_sample_store):
    store = fresh_sample_store
    access.create_account(store, access.SYSTEM, "lanhdao.991", "Mật-khẩu-dài-1", access.LEADER, "991")
    access.create_account(store, access.SYSTEM, "lanhdao.992", "Mật-khẩu-dài-1", access.LEADER, "992")
    return store


@pytest.mark.parametrize("view", ["ranking", "overview", "awaiting_review"])
def test_a_kept_view_is_refused_to_an_account_outside_its_area(leaders, profile, view):
    store, f = leaders, Filters(year=2024, area="991")
    getattr(dashboard, view)(store, profile, f, "lanhdao.991")  # kept now
    with pytest.raises(access.AccessDenied):
        getattr(dashboard, view)(store, profile, f, "lanhdao.992")
    access.set_active(store, access.SYSTEM, "lanhdao.991", False)
    with pytest.raises(access.AccessDenied, match="vô hiệu hóa"):
        getattr(dashboard, view)(store, profile, f, "lanhdao.991")


def test_a_kept_view_equals_a_fresh_one_and_a_commit_is_seen(leaders, profile):
    store, f = leaders, Filters(year=2024, basis="self")
    kept = dashboard.ranking(store, profile, f, "lanhdao.991")
    assert kept.height > 10
    assert dashboard.ranking(store, profile, f, "lanhdao.991") is kept  # the same frame, not rebuilt
    assert set(kept["unit_code"]) <= set(access.allowed_areas(store, access.get_account(store, "lanhdao.991")))
    dashboard._VIEWS.clear()
    scoring._CACHE.clear()
    assert_frame_equal(dashboard.ranking(store, profile, f, "lanhdao.991"), kept)
    with store.transaction() as cur:
        bump_data_version(cur, 2024, [kept["unit_code"][0]])
    assert dashboard.ranking(store, profile, f, "lanhdao.991") is not kept
    # the leader's own area and the same area named in the filters are one scope
    assert_frame_equal(dashboard.ranking(store, profile, Filters(year=2024, area="991", basis="self"), "lanhdao.991"),
                       dashboard.ranking(store, profile, f, "lanhdao.991"))


def test_a_kept_unit_detail_is_refused_outside_the_area_and_equals_a_fresh_one(leaders, profile):
    store, f = leaders, Filters(year=2024, basis="self")
    code = dashboard.ranking(store, profile, Filters(year=2024, area="991", basis="self"), "lanhdao.991")["unit_code"][0]
    kept = dashboard.unit_detail(store, profile, code, f, "lanhdao.991")
    assert dashboard.unit_detail(store, profile, code, f, "lanhdao.991") is kept
    with pytest.raises(access.AccessDenied, match="không được xem kết quả"):
        dashboard.unit_detail(store, profile, code, f, "lanhdao.992")
    dashboard._VIEWS.clear()
    scoring._CACHE.clear()
    fresh = dashboard.unit_detail(store, profile, code, f, "lanhdao.991")
    assert fresh is not kept and fresh.unit == kept.unit
    for part in ("groups", "items", "history", "sources", "bases"):
        assert_frame_equal(getattr(fresh, part), getattr(kept, part))
    with store.transaction() as cur:
        bump_data_version(cur, 2024, [code])
    assert dashboard.unit_detail(store, profile, code, f, "lanhdao.991") is not fresh
    access.set_active(store, access.SYSTEM, "lanhdao.991", False)
    with pytest.raises(access.AccessDenied, match="vô hiệu hóa"):
        dashboard.unit_detail(store, profile, code, f, "lanhdao.991")
