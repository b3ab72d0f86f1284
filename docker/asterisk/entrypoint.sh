#!/bin/sh
# Renders the configs that carry secrets (templates mounted in /etc/binalert-asterisk) into
# /etc/asterisk, substituting only the variables named below, then runs the command given.
# ASTERISK_TEMPLATES and ASTERISK_ETC move both folders (the tests render into a temp dir).
set -eu

TEMPLATES=${ASTERISK_TEMPLATES:-/etc/binalert-asterisk}
TARGET=${ASTERISK_ETC:-/etc/asterisk}
VARIABLES='BINALERT_AMI_SECRET AMI_PERMIT TRUNK_HOST TRUNK_USERNAME TRUNK_PASSWORD
TRUNK_NUMBER EXTERNAL_ADDRESS'

for name in $VARIABLES; do
    value=$(printenv "$name" || true)
    if [ -z "$value" ]; then
        echo "binalert-asterisk: $name is not set (see docker/binalert.env.example)" >&2
        exit 2
    fi
    case "$value" in
        *';'*|*'
'*) echo "binalert-asterisk: $name must not contain ';' or a newline" >&2; exit 2 ;;
    esac
done

shell_format=$(for name in $VARIABLES; do printf '${%s} ' "$name"; done)
for file in manager.conf pjsip.conf; do
    envsubst "$shell_format" < "$TEMPLATES/$file" > "$TARGET/$file"
    chmod 0640 "$TARGET/$file"
    if getent group asterisk > /dev/null; then chown root:asterisk "$TARGET/$file"; fi
done

exec "$@"
