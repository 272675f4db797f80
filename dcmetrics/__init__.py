"""dcmetrics: đánh giá mức độ thực hiện dân chủ ở cơ sở (the scoring core; no streamlit here)."""

__version__ = "0.1.0"
