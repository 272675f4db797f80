"""Frameworks edited in the app (issue 15): draft → check → preview → publish; the published
version immutable; the version in force archived unchanged; audited."""

from __future__ import annotations

import tomllib

import pytest

from dcmetrics import access, config, drafts, framework
from dcmetrics.errors import DcmetricsError, ValidationError

DECISION = {"number": "15/QĐ-UBND", "date": "10/01/2026", "issuer": "UBND tỉnh Mẫu An Hòa"}


@pytest.fixture
def folder(frameworks_copy):
    return frameworks_copy


def test_draft_preview_publish(fresh_sample_store, folder):
    store = fresh_sample_store
    head = framework.load_profiles(folder)["vinh-linh"]
    draft_id = drafts.new_draft(store, access.SYSTEM, "vinh-linh", folder)
    d = drafts.get_draft(store, draft_id)
    assert d.text == (folder / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8") and d.state == "draft"

    # the top band asks 95 instead of 90 points, by the province's decision
    text = drafts.with_numbers(d.text, {}, {"Tốt": (95, 0.7)}, DECISION)
    assert drafts.save(store, access.SYSTEM, draft_id, text) == []
    raw = tomllib.loads(text)
    assert raw["bands"][0]["min_total"] == 95 and raw["bands"][0]["source"] == "qd-15-q-ubnd"
    assert raw["sources"]["qd-15-q-ubnd"]["number"] == "15/QĐ-UBND"
    assert "# Bộ tiêu chí theo dự thảo Nghị quyết" in text  # the file's comments kept

    changes = drafts.preview(store, access.SYSTEM, draft_id, 2025, folder=folder)
    moved = changes.filter(changes["changed"])
    assert moved.height > 0
    assert set(moved["level_now"]) == {"Tốt"} and set(moved["level_draft"]) - {"Tốt"}
    assert (moved["total_now"] < 95).all()

    published = drafts.publish(store, access.SYSTEM, draft_id, "2026.1", 2026, "Quyết định 15/QĐ-UBND", folder)
    assert (published.version, published.effective_from, published.levels[0].min_total) == ("2026.1", 2026, 95)
    assert published.levels[0].source.label() == "Quyết định số 15/QĐ-UBND ngày 10/01/2026 của UBND tỉnh Mẫu An Hòa"
    again = framework.load_profiles(folder)["vinh-linh"]
    assert [v.version for v in again.versions()] == ["2024.1", "2025.1", "2026.1"]
    assert again.in_force(2025).sha256 == head.sha256  # the version in force before, archived unchanged
    assert store.rows("SELECT count(*) FROM frameworks WHERE id = 'vinh-linh' AND version = '2026.1'") == [(1,)]
    assert store.rows("SELECT action, object FROM audit WHERE action IN ('framework_draft', 'framework_publish') "
                      "OR object = 'framework:vinh-linh:2026.1' ORDER BY id") == [
        ("framework_draft", "framework:vinh-linh:2025.1"), ("framework_register", "framework:vinh-linh:2026.1"),
        ("framework_publish", "framework:vinh-linh:2026.1")]

    # a published version is never edited, nor published twice
    with pytest.raises(DcmetricsError, match="phiên bản đã ban hành không sửa được"):
        drafts.save(store, access.SYSTEM, draft_id, text)
    with pytest.raises(DcmetricsError, match="đã ban hành thành phiên bản 2026.1"):
        drafts.publish(store, access.SYSTEM, draft_id, "2026.2", 2027, "x", folder)


def test_the_loader_s_messages_as_the_methodologist_types(store, folder):
    draft_id = drafts.new_draft(store, access.SYSTEM, "ca-mau", folder)
    d = drafts.get_draft(store, draft_id)
    text = drafts.with_numbers(d.text, {"G1": 30}, {}, None)  # the groups no longer add up to 100
    problems = [str(p) for p in drafts.save(store, access.SYSTEM, draft_id, text)]
    assert problems == ["bản nháp ca-mau: tổng điểm các nhóm là 115, phải bằng 100"]
    with pytest.raises(ValidationError):
        drafts.publish(store, access.SYSTEM, draft_id, "2026.1", 2026, "thử", folder)
    assert not (folder / "profiles" / "archive" / "ca-mau" / "2025.1.toml").exists()  # nothing half-published


@pytest.mark.parametrize(("version", "year", "reason", "message"), [
    ("2025.1", 2026, "x", "Phiên bản «2025.1» đã có"),
    ("2026.1", 2025, "x", r"Năm áp dụng 2025 phải sau năm áp dụng của phiên bản hiện hành \(2025\)"),
    ("2026.1", 2026, " ", "Cần ghi lý do ban hành"),
])
def test_publish_refusals(store, folder, version, year, reason, message):
    draft_id = drafts.new_draft(store, access.SYSTEM, "ca-mau", folder)
    with pytest.raises(DcmetricsError, match=message):
        drafts.publish(store, access.SYSTEM, draft_id, version, year, reason, folder)


def test_only_a_methodologist_or_administrator_drafts(store, folder):
    from dcmetrics.errors import AccessDenied

    leader = access.Account("lanhdao.x", access.LEADER, access.ALL_AREAS, "Lãnh đạo")
    with pytest.raises(AccessDenied):
        drafts.new_draft(store, leader, "ca-mau", folder)
