"""Country names and codes, for reading addresses from imports and vCards."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """ISO 3166 two-letter codes by English country name (and by the codes themselves).

    The names come from phonenumbers' locale data, imported here on first use only: it takes
    half a second, which every command would otherwise pay at start-up.
    """
    from phonenumbers.geodata.locale import LOCALE_DATA

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        if len(code) != 2 or not code.isalpha():
            continue
        names[code.casefold()] = code
        # English is stored under "aa" when other languages refer to it ("*aa").
        for english in (by_language.get("en"), by_language.get("aa")):
            if english and not english.startswith("*"):
                names[english.casefold()] = code
    for alias, code in {"usa": "US", "u.s.a.": "US", "u.s.": "US", "uk": "GB"}.items():
        names[alias] = code
    return names
