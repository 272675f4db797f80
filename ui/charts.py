"""Plotly figures built once per data version: plotly.express spends 0.1–0.5 s validating each
figure on every rerun (half a page's time at national size); the figure's dict is kept and drawn
as is, so a rerun with the same data, scope and filters builds nothing."""

from __future__ import annotations

from typing import Callable

import streamlit as st


@st.cache_data(max_entries=128, show_spinner=False)
def _figure(key: str, _build: Callable) -> dict:
    return _build().to_dict()


def figure(store, user, build: Callable, *parts) -> dict:
    """build() → a plotly figure, cached under the database, its data version, the account's scope
    and `parts` (everything else the figure depends on: chart name, profile, filters...)."""
    key = repr((store.path, store.data_version(), user.username, user.role, user.area_code, *parts))
    return _figure(key, build)
