#!/usr/bin/env bash
# Refresh every translation from the code, then compile it. Run from anywhere; needs PySide6's
# pyside6-lupdate/pyside6-lrelease and GNU gettext (xgettext, msgmerge, msgfmt).
#
#   window:  tlgui/gui/**.py --lupdate--> resources/i18n/tlgui_<lang>.ts --lrelease--> .qm
#            (tlgui_en.ts holds only the English plural forms of the %n messages)
#   engine:  tlgui/core/**.py --xgettext--> (template) --msgmerge--> tlgui/locale/<lang>/LC_MESSAGES/tlgui.po
#            --msgfmt--> tlgui.mo
#
# Translate in the .ts (Qt Linguist or any editor) and the .po, then run this again; commit all of it.
# In tlgui/gui a "#:" comment is a note to the translators (lupdate puts it on the next tr() message):
# document code there with "#".
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t gui_sources < <(find tlgui/gui -name '*.py' | sort)
common=(-no-obsolete -locations none -source-language en)
pyside6-lupdate "${common[@]}" -target-language zh_CN "${gui_sources[@]}" -ts resources/i18n/tlgui_zh_CN.ts
pyside6-lupdate "${common[@]}" -target-language en -pluralonly "${gui_sources[@]}" -ts resources/i18n/tlgui_en.ts
for ts in resources/i18n/tlgui_*.ts; do
    pyside6-lrelease -removeidentical -nounfinished "$ts" -qm "${ts%.ts}.qm"
done

template=$(mktemp --suffix=.pot)
trap 'rm -f "$template"' EXIT
mapfile -t core_sources < <(find tlgui/core -name '*.py' | sort)
xgettext --language=Python --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
    --add-comments=TRANSLATORS: --no-location --sort-output --package-name=tlgui \
    --output="$template" "${core_sources[@]}"
for po in tlgui/locale/*/LC_MESSAGES/tlgui.po; do
    msgmerge --quiet --update --backup=none --no-location --sort-output --no-fuzzy-matching "$po" "$template"
    # The date changes on every run; without it the catalogue only changes when its messages do.
    sed -i '/^"POT-Creation-Date: /d' "$po"
    msgfmt --check --output-file="${po%.po}.mo" "$po"
done
