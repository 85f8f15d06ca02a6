#!/usr/bin/env bash
# Refreshes the Spanish catalog after customer-facing texts change: extracts every marked text
# (babel.cfg: `_()`, `_l()`, `{% trans %}`) and merges it into
# wizard/translations/es/LC_MESSAGES/messages.po, where new texts wait with an empty
# translation (tests/test_translations.py fails until each has one). Texts no longer used are
# dropped. The app compiles the catalog itself when it starts (wizard/core/i18n.py); nothing
# compiled is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
pot="$(mktemp --suffix=.pot)"
trap 'rm -f "$pot"' EXIT
python3 -m babel.messages.frontend extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
    --no-location --sort-output -o "$pot" .
po=wizard/translations/es/LC_MESSAGES/messages.po
if [[ -f "$po" ]]; then
    python3 -m babel.messages.frontend update --no-fuzzy-matching --ignore-obsolete \
        -i "$pot" -d wizard/translations -l es
    # Dates of the last run: noise in every diff, and a merge conflict between any two branches.
    # Babel's placeholders for a translation team's addresses: this catalog has none.
    sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d; /^"Report-Msgid-Bugs-To: /d;
            /^"Last-Translator: /d; /^"Language-Team: /d' "$po"
else
    python3 -m babel.messages.frontend init -i "$pot" -d wizard/translations -l es
fi
