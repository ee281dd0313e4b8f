# shellcheck shell=bash
# Helpers for tests/stress/s*.sh (on top of tests/integration/lib.sh).
# STRESS_SECONDS: how long each stress phase runs (default 60).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
SECS=${STRESS_SECONDS:-60}
SYNTH=$TOOLS/set_synth
[ -x "$SYNTH" ] || fail "tests/tools/set_synth not built"

# stress_image: the image plus every container's "dropped" binary
# (/tmp/dropped in its upper layer: never in a set).
stress_image() {
	img_create
	mapfile -t IMG_FILES < <(find "$IMG" -type f)
}
stress_ct() { # NAME: container with a dropped binary
	ct_create "$1"
	ct_sh "$1" 'cp /bin/nop /tmp/dropped && echo >>/tmp/dropped' || fail "dropped binary in $1"
}
# load_img SET [EXTRA]: the image's files + EXTRA synthetic entries
load_img() {
	"$SYNTH" "$1" $(( ${#IMG_FILES[@]} + ${2:-0} )) "${IMG_FILES[@]}" >/dev/null
}
deadline() { echo $(( $(date +%s) + $1 )); }
before() { [ "$(date +%s)" -lt "$1" ]; }
# loop_result FILE: the exec_loop summary line of a worker's output
loop_field() { # FILE FIELD
	sed -n "s/.*exec_loop: .*\\b$2=\\([0-9.]*\\).*/\\1/p" "$1" | tail -n1
}
