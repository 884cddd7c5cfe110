#!/usr/bin/env bash
# Add tlgui to the desktop's application menu (per user, no root needed), or remove it again.
#
#   packaging/install-desktop.sh              install the launcher, icon and .tlgui file type
#   packaging/install-desktop.sh PROGRAM      the same, launching PROGRAM (e.g. dist/tlgui/tlgui)
#   packaging/install-desktop.sh --uninstall  remove them
#
# Install tlgui first (pip install .), so that the `tlgui` command exists, or build the app folder
# (packaging/build-bundle.sh) and name its program: the launcher runs it by its absolute path,
# because desktop sessions often lack the PATH of an interactive shell.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data_home/applications"
icons="$data_home/icons/hicolor/scalable/apps"
mime="$data_home/mime/packages"

refresh() {
    # Optional helpers: menus pick changes up without them too, only later.
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
    command -v update-mime-database >/dev/null && update-mime-database "$data_home/mime" >/dev/null || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
}

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    -h|--help)
        usage
        exit 0
        ;;
    --uninstall|-u)
        rm -f "$apps/tlgui.desktop" "$icons/tlgui.svg" "$mime/tlgui.xml"
        refresh
        echo "tlgui removed from the application menu."
        exit 0
        ;;
    -*)
        echo "unknown option: $1" >&2
        usage >&2
        exit 2
        ;;
esac

if [ -n "${1:-}" ]; then
    exe="$1"
    if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then
        echo "$exe is not a program; name the tlgui program, for instance dist/tlgui/tlgui." >&2
        exit 1
    fi
else
    exe="$(command -v tlgui || true)"
    if [ -z "$exe" ]; then
        echo "The tlgui command was not found. Install tlgui first (pip install .), then run this again." >&2
        exit 1
    fi
fi
# A pyenv shim needs the shell set-up a launcher lacks: use the script it points to.
if [ -z "${1:-}" ] && grep -qs "pyenv" "$exe" && command -v pyenv >/dev/null; then
    real="$(pyenv which tlgui 2>/dev/null || true)"
    [ -n "$real" ] && exe="$real"
fi
exe="$(readlink -f "$exe")"

mkdir -p "$apps" "$icons" "$mime"
install -m 644 "$here/../resources/tlgui.svg" "$icons/tlgui.svg"
install -m 644 "$here/tlgui-mime.xml" "$mime/tlgui.xml"
# Exec and TryExec get the absolute path. Exec quotes it (it may hold spaces): per the Desktop Entry
# spec " ` $ \ are escaped inside the quotes, % is doubled, then every \ is doubled as in any string.
exec_arg="$(printf '%s' "$exe" | sed -e 's/[\\"`$]/\\&/g' -e 's/%/%%/g' -e 's/\\/\\\\/g')"
try_exec="$(printf '%s' "$exe" | sed -e 's/\\/\\\\/g')"
while IFS= read -r line; do
    case "$line" in
        "Exec=tlgui "*) printf 'Exec="%s" %s\n' "$exec_arg" "${line#Exec=tlgui }" ;;
        "TryExec=tlgui") printf 'TryExec=%s\n' "$try_exec" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$here/tlgui.desktop" > "$apps/tlgui.desktop"
chmod 644 "$apps/tlgui.desktop"
refresh
echo "tlgui added to the application menu (launcher runs $exe)."
