"""Inputs the Vietnamese way: number boxes showing «90,5» (not Streamlit's printf «90.0»), and
file uploaders whose limit is stated once, in Vietnamese, from the core's own number."""

from __future__ import annotations

import math

import streamlit as st

from dcmetrics import config
from dcmetrics.errors import InputError
from dcmetrics.fmt import fmt_num, parse_vn_number, size_text


def vn_number(text: str, label: str, min_value: float | None = None, max_value: float | None = None) -> float:
    """The number in `text`, within [min_value, max_value]; InputError with a Vietnamese message otherwise."""
    number = parse_vn_number(text)
    low_ok = min_value is None or number >= min_value
    high_ok = max_value is None or number <= max_value
    if not (low_ok and high_ok):
        if min_value is not None and max_value is not None:
            bound = f"từ {fmt_num(min_value)} đến {fmt_num(max_value)}"
        elif min_value is not None:
            bound = f"từ {fmt_num(min_value)} trở lên"
        else:
            bound = f"không quá {fmt_num(max_value)}"
        raise InputError(f"«{label}» phải {bound}, đang là {text.strip()}.")  # as typed
    return number


def vn_number_input(label: str, *, key: str, value: float, min_value: float | None = None,
                    max_value: float | None = None, decimals: int = 2, help: str | None = None) -> float | None:
    """A text box showing `value` as «90,5»; reads «90,5», «90.5» and «90». Returns the number, or
    None after a Vietnamese message under the box when it is not a number in its range."""
    shown = fmt_num(value, decimals, group=False)  # no thousands dots: «1.500» would read as 1,5 or 1500
    text = st.text_input(label, value=shown, key=key, help=help)
    try:
        return vn_number(text, label, min_value, max_value)
    except InputError as e:
        st.error(str(e), icon=":material/error:")
        return None


def upload_limit_mb() -> int:
    """Streamlit's own per-file limit (whole MB) for config.max_upload_bytes(): equal to it when the
    limit is a whole number of MB (10 MB by default), never below it."""
    return max(1, math.ceil(config.max_upload_bytes() / 1048576))


def vn_file_uploader(label: str, *, key: str, types: list[str]):
    """st.file_uploader with Streamlit's limit equal to the core's, the limit stated in Vietnamese
    under it («Tệp .xlsx hoặc .csv, tối đa 10 MB») from the same number the core checks."""
    upload = st.file_uploader(label, type=types, key=key, max_upload_size=upload_limit_mb(),
                              help=upload_help(types))
    st.caption(upload_help(types))
    return upload


def upload_help(types: list[str]) -> str:
    kinds = " hoặc ".join(f".{t}" for t in types)
    return f"Tệp {kinds}, tối đa {size_text(config.max_upload_bytes())} mỗi tệp."
