"""Which language a session reads, Thai or English, and the sidebar's switch between them.

A session's first run picks, in order: the link's `?lang=` (a shared link opens in the sender's
language), a signed-in user's saved choice, the browser's language (st.context.locale), English.
The switch then rules, writes itself into the link and, when sign-in is on, into the user's
preferences. core.i18n asks this module for the language of the run in progress.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import i18n
from core.i18n import _
from data import sessions
from ui.cache import connection

LANGUAGE_KEY = "language"  # the switch's widget key: the session's language
PARAM = "lang"             # its name in the link


def _session_language() -> str:
    """The language of the session whose run is in progress (English outside a run)."""
    if get_script_run_ctx() is None:
        return i18n.DEFAULT
    return st.session_state.get(LANGUAGE_KEY) or i18n.DEFAULT


i18n.set_source(_session_language)  # a fragment's rerun runs in a thread of its own: ask the session


def _signed_in_claims() -> dict | None:
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") else None


def settle(signed_in: bool) -> str:
    """The session's language, chosen on its first run (see the module's docstring)."""
    if st.session_state.get(LANGUAGE_KEY) not in i18n.LANGUAGES:
        claims = _signed_in_claims() if signed_in else None
        saved = sessions.language_of(connection(), claims) if claims else None
        st.session_state[LANGUAGE_KEY] = (i18n.known(st.query_params.get(PARAM)) or saved
                                          or i18n.known(st.context.locale) or i18n.DEFAULT)
    language = st.session_state[LANGUAGE_KEY]
    if st.query_params.get(PARAM) != language:
        st.query_params[PARAM] = language  # the link names its language, so a shared link keeps it
    return language


def _chosen(signed_in: bool) -> None:
    language = st.session_state.get(LANGUAGE_KEY)
    if language not in i18n.LANGUAGES:  # the switch clicked off: keep what was chosen
        st.session_state[LANGUAGE_KEY] = st.query_params.get(PARAM) or i18n.DEFAULT
        return
    st.query_params[PARAM] = language
    claims = _signed_in_claims() if signed_in else None
    if claims:
        sessions.save_language(connection(), claims, language)


def switch(signed_in: bool) -> None:
    """The sidebar's language switch (each language named in itself)."""
    st.segmented_control(_("Language"), options=list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                         key=LANGUAGE_KEY, on_change=_chosen, args=(signed_in,),
                         label_visibility="collapsed", width="stretch")
