"""Plotly figures built once per data version: plotly.express spends 0.1–0.5 s validating each
figure on every rerun (half a page's time at national size). The validated Figure itself is kept
(a resource, not pickled) and handed to st.plotly_chart, which then only copies it to a dict:
1 ms against 15 ms for validating a kept dict again on every rerun."""

from __future__ import annotations

from typing import Callable

import streamlit as st


@st.cache_resource(max_entries=128, show_spinner=False)
def _figure(key: str, _build: Callable):
    return _build()


def figure(store, user, build: Callable, *parts):
    """build() → a plotly figure, kept under the database, its data version, the account's scope
    and `parts` (everything else the figure depends on: chart name, profile, filters...). Shared
    by every session: draw it, never change it."""
    key = repr((store.path, store.data_version(), user.username, user.role, user.area_code, *parts))
    return _figure(key, build)
