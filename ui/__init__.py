"""What several pages share and that needs streamlit (the core, dcmetrics, never does)."""
