#!/usr/bin/env bash
# Install (once) and start Label Studio 1.23.2 for gkml, headless, on 127.0.0.1.
#
#   scripts/labelstudio.sh                 # install if needed, then run in the foreground (Ctrl-C stops it)
#   scripts/labelstudio.sh --install-only  # only make sure it is installed
#
# Label Studio pins its own Django, pandas, numpy…, so it lives in its own venv (LS_VENV,
# default .venv-ls next to this repo), installed with uv (17 s cold, against ~3 min with pip).
#
# Settings (environment variables):
#   LS_PORT                     port (default 8080); the server binds 127.0.0.1 only
#   LS_VENV                     the server's venv (default <repo>/.venv-ls)
#   LABEL_STUDIO_BASE_DATA_DIR  its database and uploads (default <repo>/.labelstudio)
#   LABEL_STUDIO_API_KEY        if set at the FIRST start (fresh data dir): an admin user is created
#                               with this API token (a legacy token: 40 hex characters is a good
#                               choice), together with LABEL_STUDIO_USERNAME (an e-mail address)
#                               and LABEL_STUDIO_PASSWORD. gkml ls push/pull read the same variable.
#                               Without it, sign up in the browser and copy the token from
#                               Account & Settings.
# Nothing here prints the token. The version check against PyPI, analytics and Sentry are off.
# ML_BLOCK_LOCAL_IP=false and SSRF_PROTECTION_ENABLED=false let a project connect to an ML
# backend on this machine (`gkml ls serve`): Label Studio 1.23 refuses 127.0.0.1 otherwise.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LS_VERSION=1.23.2
LS_VENV="${LS_VENV:-$REPO/.venv-ls}"
LS_PORT="${LS_PORT:-8080}"
export LABEL_STUDIO_BASE_DATA_DIR="${LABEL_STUDIO_BASE_DATA_DIR:-$REPO/.labelstudio}"

install() {
    if [ -x "$LS_VENV/bin/label-studio" ] &&
        "$LS_VENV/bin/python" -c "import label_studio, sys; sys.exit(label_studio.__version__ != '$LS_VERSION')" 2>/dev/null; then
        return 0
    fi
    local uv
    uv="$(command -v uv || true)"
    [ -n "$uv" ] || uv="$REPO/.venv/bin/uv"
    if [ ! -x "$uv" ]; then
        echo "labelstudio.sh: uv not found; installing it into $REPO/.venv (make install-dev does too)" >&2
        "$REPO/.venv/bin/python" -m pip install --quiet uv
    fi
    local python
    python="$(command -v python3.11 || command -v python3)"
    echo "labelstudio.sh: installing label-studio==$LS_VERSION into $LS_VENV" >&2
    "$uv" venv --quiet --allow-existing --python "$python" --python-preference only-system "$LS_VENV"
    "$uv" pip install --quiet --python "$LS_VENV/bin/python" "label-studio==$LS_VERSION"
}

install
if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi

mkdir -p "$LABEL_STUDIO_BASE_DATA_DIR"
export LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false SENTRY_DSN= FRONTEND_SENTRY_DSN=
export ML_BLOCK_LOCAL_IP="${ML_BLOCK_LOCAL_IP:-false}" SSRF_PROTECTION_ENABLED="${SSRF_PROTECTION_ENABLED:-false}"
if [ -n "${LABEL_STUDIO_API_KEY:-}" ]; then
    : "${LABEL_STUDIO_USERNAME:?set LABEL_STUDIO_USERNAME (an e-mail address) for the admin user}"
    : "${LABEL_STUDIO_PASSWORD:?set LABEL_STUDIO_PASSWORD for the admin user}"
    export LABEL_STUDIO_USER_TOKEN="$LABEL_STUDIO_API_KEY"
    # Legacy tokens are off by default for a new organisation in 1.23; this only acts at the first start.
    export LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true
    export LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK=true
fi
echo "labelstudio.sh: Label Studio $LS_VERSION on http://127.0.0.1:$LS_PORT (data: $LABEL_STUDIO_BASE_DATA_DIR)" >&2
exec "$LS_VENV/bin/label-studio" start --no-browser --internal-host 127.0.0.1 --port "$LS_PORT"
