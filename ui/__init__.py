"""The Streamlit layer: loaders around analytics and models, widgets, figures and page parts.

One module per concern (cache, state, formatting, figures, widgets, auth) and one per page
family. No SQL and no KPI formula here: queries live in data/sql/, formulas in analytics/ and
models/. formatting, figures, palette and periods never import streamlit.
"""
