"""Documents built from the core's results: the annual report to the People's Council (annual),
rendered as PDF (pdf) and as editable, printable HTML (html) from one report object."""
