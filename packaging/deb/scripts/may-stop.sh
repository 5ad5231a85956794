# Shared by the maintainer scripts (build.sh pastes it where "#MAYSTOP#" stands).
# Ask the installed kiosk whether it may stop now (no journey, no unresolved money), as the
# kiosk's user so that root never creates journal files the kiosk could not write. The kiosk
# itself honours ZHUNONG_KIOSK_FORCE=1 and says what to do; exit 1 makes dpkg keep the old
# version installed and running.
KIOSK=/opt/zhunong-kiosk/venv/bin/kiosk
may_stop() {
    [ -x "$KIOSK" ] || return 0
    "$KIOSK" service --help >/dev/null 2>&1 || return 0  # an old build without the check
    if getent passwd zhunong-kiosk >/dev/null; then
        runuser -u zhunong-kiosk -- "$KIOSK" service may-stop --maintainer || exit 1
    else
        "$KIOSK" service may-stop --maintainer || exit 1
    fi
}
