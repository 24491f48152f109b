#!/bin/bash
# Sign ClusterTrust.app with a Developer ID, notarize it with Apple and staple the ticket, so
# Gatekeeper opens it without a warning. Run on a Mac after `python packaging/build.py`.
# Not run in this repository's CI (it needs the project's Apple Developer account).
#
# Environment (nothing is read from files in the repository):
#   CODESIGN_IDENTITY   required, e.g. "Developer ID Application: Example Ltd (ABCDE12345)";
#                       must be in the login keychain (`security find-identity -v -p codesigning`)
#   NOTARY_PROFILE      a stored notarytool profile (`xcrun notarytool store-credentials NAME`), or
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   an app-specific password instead of a profile
#   APP_PATH            default dist/ClusterTrust.app
#   SKIP_NOTARIZE=1     sign only (for a local test of the hardened runtime)
#
# Steps: sign every Mach-O inside the bundle (innermost first, as Apple asks instead of --deep),
# then the bundle with the hardened runtime and packaging/macos/entitlements.plist; verify; zip
# with ditto; submit to the notary service and wait; staple; assess with Gatekeeper.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
app=${APP_PATH:-$root/dist/ClusterTrust.app}
entitlements=$here/entitlements.plist

fail() { echo "sign_and_notarize.sh: $1" >&2; exit "${2:-2}"; }

[ "$(uname -s)" = Darwin ] || fail "this needs macOS (codesign, notarytool and stapler are Apple tools)."
[ -d "$app" ] || fail "no app at $app: run 'python packaging/build.py' first or set APP_PATH."
[ -n "${CODESIGN_IDENTITY:-}" ] || fail "set CODESIGN_IDENTITY to your 'Developer ID Application: …' identity."
if [ "${SKIP_NOTARIZE:-0}" != 1 ] && [ -z "${NOTARY_PROFILE:-}" ]; then
  [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ] \
    || fail "set NOTARY_PROFILE, or APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD (or SKIP_NOTARIZE=1)."
fi

sign() {
  codesign --force --timestamp --options runtime --entitlements "$entitlements" \
    --sign "$CODESIGN_IDENTITY" "$@"
}

echo "Signing the libraries and frameworks inside $app"
# Deepest paths first, so each container is signed after what it contains.
find "$app/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -u+x \) -print0 \
  | xargs -0 file | grep "Mach-O" | cut -d: -f1 | awk '{ print length, $0 }' | sort -rn | cut -d" " -f2- \
  | while IFS= read -r binary; do sign "$binary"; done
find "$app/Contents" -type d -name "*.framework" -print0 | while IFS= read -r -d '' framework; do
  sign "$framework"
done
echo "Signing the app bundle"
sign "$app"
codesign --verify --deep --strict --verbose=2 "$app"

[ "${SKIP_NOTARIZE:-0}" = 1 ] && { echo "Signed (notarization skipped)."; exit 0; }

zip_path="${app%.app}-notarize.zip"
ditto -c -k --keepParent "$app" "$zip_path"
echo "Submitting to Apple's notary service (this usually takes a few minutes)"
if [ -n "${NOTARY_PROFILE:-}" ]; then
  credentials=(--keychain-profile "$NOTARY_PROFILE")
else
  credentials=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
fi
# notarytool can exit 0 for a rejected submission, so the status line decides.
result=$(xcrun notarytool submit "$zip_path" "${credentials[@]}" --wait 2>&1) || true
echo "$result"
echo "$result" | grep -q "status: Accepted" \
  || fail "Apple did not accept the app; read why with: xcrun notarytool log <submission id> ${credentials[*]:0:2}" 1
xcrun stapler staple "$app"
spctl --assess --type execute --verbose=2 "$app"
rm -f "$zip_path"
echo "Signed, notarized and stapled: $app"
