"""Documents built from the warehouse for people who do not open the dashboard: the monthly review
pack (`python -m reports.monthly`) and the Overview's button that downloads it.

Above ui/ in the layers: a report writes its numbers with ui.formatting, as the tiles do, and
computes nothing of its own beyond the summary's ranking (its formulas are analytics/ and models/).
"""
