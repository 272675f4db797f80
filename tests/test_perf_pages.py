"""Page-side speed changes (issue 19) in AppTest: what the page shows stays the same."""

from __future__ import annotations

from test_pages import _admin_credentials, _navigation_not_pages_dir, app_env, run_app, sample_db  # noqa: F401

from dcmetrics import proposal

DOWNLOADS = {"Tải danh sách (Excel)", "Tải bản in (HTML)"}


def _downloads(at) -> set[str]:
    return {b.proto.label for b in at.get("download_button")}


def test_commendation_files_at_once_for_a_small_list_on_demand_for_a_large_one(app_env, monkeypatch):
    at = run_app("commendation")
    assert _downloads(at) == DOWNLOADS  # the sample's list: built on the first view, as before
    assert not [b for b in at.button if b.label == "Chuẩn bị tệp tải về"]
    monkeypatch.setattr(proposal, "ON_DEMAND_UNITS", 10)  # as if the list were the nation's
    at = run_app("commendation")
    assert _downloads(at) == set()
    prepare = [b for b in at.button if b.label == "Chuẩn bị tệp tải về"]
    assert len(prepare) == 1
    prepare[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _downloads(at) == DOWNLOADS
