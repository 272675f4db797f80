"""Plotly figures built once per data version: plotly.express spends 0.1–0.5 s validating each
figure on every rerun (half a page's time at national size), so a rerun with the same data,
scope and filters builds nothing. The figure object itself is kept (not its dict): handed a dict,
st.plotly_chart validates it again into a new Figure (28 ms for a 20-line chart), handed a
Figure it only copies it out (6 ms). Kept as a resource, never copied: nobody may change it."""

from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go
import streamlit as st


@st.cache_resource(max_entries=128, show_spinner=False)
def _figure(key: str, _build: Callable) -> go.Figure:
    return _build()


def figure(store, user, build: Callable, *parts) -> go.Figure:
    """build() → a plotly figure, cached under the database, its data version, the account's scope
    and `parts` (everything else the figure depends on: chart name, profile, filters...)."""
    key = repr((store.path, store.data_version(), user.username, user.role, user.area_code, *parts))
    return _figure(key, build)
