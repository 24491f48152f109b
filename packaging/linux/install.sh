#!/bin/sh
# Install the ClusterTrust app from this unpacked tarball for the current user (no root needed):
#   ./install.sh                 app in ~/.local/lib/clustertrust, command ~/.local/bin/clustertrust,
#                                menu entry and icons under ~/.local/share (or $XDG_DATA_HOME)
#   ./install.sh --prefix DIR    the same under DIR (e.g. sudo ./install.sh --prefix /usr/local)
#   ./install.sh --uninstall     remove exactly what an install put there
# Installed by root with --prefix, it also adds a polkit action, so that pkexec names ClusterTrust
# and what it changes when a system-wide install asks for the administrator password.
# Certificates you trusted with ClusterTrust are not touched by either: remove them first with
# `clustertrust uninstall --all` if that is what you want.
set -eu

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0"
}

fail() {  # what is wrong, then what to do; exit 2 means nothing was changed
  echo "install.sh: $1" >&2
  exit "${2:-2}"
}

prefix=""
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder, e.g. --prefix /usr/local."
              prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option '$1'. Run ./install.sh --help for the options." ;;
  esac
done

if [ -n "$prefix" ]; then
  case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
  lib_dir="$prefix/lib/clustertrust"; bin_dir="$prefix/bin"; data_home="$prefix/share"
else
  [ -n "${HOME:-}" ] || fail "HOME is not set; pass --prefix to say where to install."
  lib_dir="$HOME/.local/lib/clustertrust"; bin_dir="$HOME/.local/bin"
  data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
# Checked before anything changes: the menu entry's Exec line and the polkit file carry the path,
# quoted or escaped below; these few characters cannot be carried safely, so they are refused.
case "$lib_dir" in
  *[\"\`\$\\%]*|*"
"*) fail "the install folder $lib_dir contains a character (\" \` \$ \\ % or a line break) the menu entry cannot carry. Choose a folder without it (--prefix)." ;;
esac
desktop_file="$data_home/applications/clustertrust.desktop"
polkit_actions=${CLUSTERTRUST_POLKIT_ACTIONS:-/usr/share/polkit-1/actions}  # tests point it elsewhere
polkit_file="$polkit_actions/org.clustertrust.privileged.policy"
icon_root="$data_home/icons/hicolor"
here=$(cd "$(dirname "$0")" && pwd)
app_source="$here/clustertrust"
resources="$app_source/_internal/clustertrust/resources"

refresh_icon_cache() {  # only where the user already keeps a cache; desktops rescan otherwise
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icon_root/index.theme" ]; then
    gtk-update-icon-cache -q -f -t "$icon_root" 2>/dev/null || true
  fi
}

install_icons() {
  for png in "$resources"/clustertrust-*.png; do
    size=${png##*/clustertrust-}; size=${size%.png}
    mkdir -p "$icon_root/${size}x${size}/apps"
    cp "$png" "$icon_root/${size}x${size}/apps/clustertrust.png"
  done
  mkdir -p "$icon_root/scalable/apps"
  cp "$resources/clustertrust.svg" "$icon_root/scalable/apps/clustertrust.svg"
}

sed_text() {  # $1 as literal text on the replacement side of sed's s|…|…|
  printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

xml_text() {  # $1 as XML character data
  printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

install_desktop_entry() {
  mkdir -p "$data_home/applications"
  # Absolute paths: ~/.local/bin is not on every desktop session's PATH. Exec is a command
  # line, so the path is quoted there (a HOME with a space); TryExec is a plain path.
  app=$(sed_text "$lib_dir/clustertrust")
  sed -e "s|^Exec=clustertrust|Exec=\"$app\"|" \
      -e "s|^TryExec=clustertrust|TryExec=$app|" \
      "$resources/clustertrust.desktop" > "$desktop_file.tmp"
  mv "$desktop_file.tmp" "$desktop_file"
}

system_wide() {  # root installing under a prefix: the polkit action can be installed
  [ -n "$prefix" ] && [ "$(id -u)" -eq 0 ]
}

install_polkit_action() {
  system_wide || return 0
  mkdir -p "$polkit_actions"
  sed "s|@APP@|$(sed_text "$(xml_text "$lib_dir/clustertrust")")|" \
    "$here/org.clustertrust.privileged.policy" > "$polkit_file.tmp"
  chmod 644 "$polkit_file.tmp"
  mv "$polkit_file.tmp" "$polkit_file"
  echo "Administrator prompt: $polkit_file"
}

install_app() {
  [ -x "$app_source/clustertrust" ] && [ -f "$resources/clustertrust.desktop" ] \
    || fail "no ClusterTrust app next to this script (expected $app_source/clustertrust). Run it from the unpacked tarball."
  mkdir -p "$(dirname "$lib_dir")" "$bin_dir"
  # Copy beside the old version, then swap, so a failed copy never leaves a half app behind.
  rm -rf "$lib_dir.new" "$lib_dir.old"
  cp -R "$app_source" "$lib_dir.new" || { rm -rf "$lib_dir.new"; fail "could not copy the app to $lib_dir.new: check free space and permissions." 1; }
  [ ! -e "$lib_dir" ] || mv "$lib_dir" "$lib_dir.old"
  mv "$lib_dir.new" "$lib_dir"
  rm -rf "$lib_dir.old"
  ln -sfn "$lib_dir/clustertrust" "$bin_dir/clustertrust"
  install_icons
  install_desktop_entry
  refresh_icon_cache
  install_polkit_action
  echo "Installed ClusterTrust $("$lib_dir/clustertrust" --version | sed 's/^clustertrust //') in $lib_dir"
  echo "Menu entry: $desktop_file"
  case ":${PATH:-}:" in
    *":$bin_dir:"*) echo "Command: clustertrust" ;;
    *) echo "Command: $bin_dir/clustertrust ($bin_dir is not on your PATH; add it to use 'clustertrust')" ;;
  esac
}

uninstall_app() {
  if [ -L "$bin_dir/clustertrust" ] && [ "$(readlink "$bin_dir/clustertrust")" = "$lib_dir/clustertrust" ]; then
    rm -f "$bin_dir/clustertrust"
  fi
  rm -rf "$lib_dir"
  rm -f "$desktop_file"
  if system_wide && grep -qsF "$(xml_text "$lib_dir/clustertrust")<" "$polkit_file"; then
    rm -f "$polkit_file"
  fi
  rm -f "$icon_root"/*/apps/clustertrust.png "$icon_root/scalable/apps/clustertrust.svg"
  refresh_icon_cache
  echo "Removed ClusterTrust from $lib_dir (trusted certificates and your ClusterTrust data stay)."
}

if [ "$action" = install ]; then install_app; else uninstall_app; fi
