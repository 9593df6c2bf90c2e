#!/bin/sh
# Entry point of the container: run `python etl_process.py "$@"` as a
# non-root user whose files the host can use (docs/telemetry-tools.md).
#
# - Started with `docker run --user UID:GID`: already non-root, run as is.
# - Started as root (the default): run as the owner of /app/output, so a
#   mounted host folder gets files owned by the host user who owns it.
# - /app/output owned by root (Docker created a missing host folder, or
#   nothing is mounted): run as the image's user `etl` and give it the
#   folder (the folder itself only, never its contents).
# umask 0002: files are also group-writable, for a team sharing a folder.
set -eu
umask 0002
out=/app/output

if [ "$(id -u)" != "0" ]; then
    export MPLCONFIGDIR="/tmp/matplotlib-$(id -u)"
    exec python /app/etl_process.py "$@"
fi

mkdir -p "$out"
uid=$(stat -c %u "$out")
gid=$(stat -c %g "$out")
if [ "$uid" = "0" ]; then
    uid=$(id -u etl)
    gid=$(id -g etl)
    chown "$uid:$gid" "$out"
fi
# matplotlib keeps its font cache here; one folder per user, as the
# container may be run as different users.
export MPLCONFIGDIR="/tmp/matplotlib-$uid"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- python /app/etl_process.py "$@"
