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
def _figure(key: str, _build: Callable) -> go.Figure | str:
    return _build()


def figure(store, user, build: Callable, *parts) -> go.Figure | str:
    """build() → a plotly figure (or a chart's SVG text), cached under the database, its data version, the account's scope
    and `parts` (everything else the figure depends on: chart name, profile, filters...)."""
    key = repr((store.path, store.data_version(), user.username, user.role, user.area_code, *parts))
    return _figure(key, build)


def svg(chart: str, max_width: int = 760) -> None:
    """A chart the core drew as SVG (dcmetrics.display.charts): no chart library in the browser.
    Through markdown, which keeps inline SVG and its tooltips (st.html's sanitiser drops SVG);
    every text in it from data was escaped by the core."""
    chart = chart.replace("<figure>", '<figure style="margin:0 0 0.75rem 0">', 1).replace(
        "<figcaption>", '<figcaption style="font-size:0.875rem;opacity:0.7;margin-bottom:0.25rem">', 1)
    st.markdown(f'<div class="dcm-chart" style="max-width:{max_width}px">{chart}</div>', unsafe_allow_html=True)
