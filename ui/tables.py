"""Tables shown the Vietnamese way (85,50) while keeping numbers sortable underneath."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dcmetrics.fmt import EMPTY, fmt_num, fmt_points


def vn_dataframe(frame: pl.DataFrame, labels: dict[str, str], points: tuple[str, ...] = (),
                 numbers: tuple[str, ...] = (), key: str | None = None, alt: str = "", **kwargs):
    """Show `frame`'s columns in `labels` order under Vietnamese headers; points with two decimals,
    other numbers Vietnamese style. A Styler formats the display only, so sorting stays numeric."""
    dates = {c for c, t in frame.schema.items() if isinstance(t, pl.Datetime)}
    shown = frame.select([(pl.col(c).dt.strftime("%d/%m/%Y %H:%M") if c in dates else pl.col(c)).alias(label)
                          for c, label in labels.items()]).to_pandas()
    fmt = {labels[c]: fmt_points for c in points if c in labels}
    fmt |= {labels[c]: fmt_num for c in numbers if c in labels}
    styler = shown.style.format(fmt, na_rep=EMPTY)
    # The browser draws a cell whose data is missing with `placeholder` («None» by default),
    # whatever the Styler says: both must say EMPTY.
    return st.dataframe(styler, hide_index=True, key=key, placeholder=EMPTY, **kwargs)
