"""Downloads built once and kept for the session, handed to st.download_button as bytes.

A download button given a function (Streamlit's deferred data) builds the file only when clicked,
from a file id the server may already have dropped after a rerun ("Deferred file … not found").
Here the bytes are built once for what they depend on (page, filters, data version, the rows
shown), kept in st.session_state, and every rerun renders the same bytes: the link stays valid.
Expensive files are built only on a click («Chuẩn bị tệp»), then offered."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HELD = "_downloads"  # session_state: key -> (fingerprint, tuple of bytes)


@dataclass(frozen=True)
class File:
    label: str
    file_name: str
    mime: str
    key: str  # the download button's key (browser and AppTest tests find it by this)
    icon: str | None = None


def fingerprint(*parts) -> str:
    """A digest of what a file depends on; a Polars frame counts by its shape and rows' hashes."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pl.DataFrame):
            h.update(repr((part.shape, part.columns)).encode())
            if part.height:
                h.update(part.hash_rows(seed=0).to_numpy().tobytes())
        else:
            h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def held(key: str, depends: str) -> tuple[bytes, ...] | None:
    """The files kept under `key` if they were built for `depends`."""
    kept = st.session_state.get(_HELD, {}).get(key)
    return kept[1] if kept and kept[0] == depends else None


def offer(key: str, files: Sequence[File], build: Callable[[], Sequence[bytes]], *, depends: str,
          on_click: bool = False, prepare_label: str = "Chuẩn bị tệp tải về") -> tuple[bytes, ...] | None:
    """Download buttons for `files`, the bytes from `build()` (one per file, in order), built once
    for `depends` (a fingerprint()). on_click: built only when the user asks (a button first);
    otherwise on the first render. Returns the bytes offered, or None while waiting for the click."""
    data = held(key, depends)
    asked = f"_{key}_asked"
    if data is None and on_click and st.session_state.get(asked) != depends:
        # the click is recorded before the rerun (a callback), so that run builds the files and
        # shows the download buttons in the prepare button's place
        st.button(prepare_label, key=f"{key}_prepare", icon=":material/file_download:",
                  on_click=lambda: st.session_state.__setitem__(asked, depends))
        return None
    if data is None:
        with st.spinner("Đang chuẩn bị tệp…"):
            data = tuple(build())
        if len(data) != len(files):
            raise ValueError(f"{key}: {len(files)} files, {len(data)} built")
        # one entry per key: a new filter replaces the old file instead of piling up
        st.session_state.setdefault(_HELD, {})[key] = (depends, data)
    for f, content in zip(files, data):
        st.download_button(f.label, data=content, file_name=f.file_name, mime=f.mime, key=f.key, icon=f.icon,
                           on_click="ignore")  # downloading needs no rerun
    return data


def csv_choice(key: str) -> str:
    """The CSV dialect the user picks (radio), with the note on codes' leading zeros; returns its key."""
    from dcmetrics.reports import csv_dialects

    choice = st.radio("Kiểu tệp CSV", list(csv_dialects.DIALECTS), key=key, horizontal=True,
                      format_func=lambda k: csv_dialects.DIALECTS[k].label,
                      help="«Excel tiếng Việt»: dấu chấm phẩy, dấu phẩy thập phân, mở đúng trong Excel và LibreOffice "
                           "cài tiếng Việt. «Chuẩn»: dấu phẩy, dấu chấm thập phân, cho phần mềm khác đọc.")
    st.caption(csv_dialects.CODES_NOTE)
    return choice
