"""opsplan: `streamlit run app.py` serves the st.App defined here.

The page script every session runs is shell/main.py (navigation, sign-in gate, sidebar, then the
page); this module is the server around it: the HTTP routes (shell/api.py: /healthz, the scorecard
and imports for other tools) and security headers on every response.
"""
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from shell.api import ROUTES
from shell.headers import SecurityHeaders

app = st.App(Path(__file__).resolve().parent / "shell" / "main.py", routes=ROUTES,
             middleware=[Middleware(SecurityHeaders)])
