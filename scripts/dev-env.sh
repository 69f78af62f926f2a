# Sourced (". scripts/dev-env.sh") by the scripts that run patrold and
# patrolctl from a checkout: the built-in defaults are the installed layout
# (/usr/share/patrol, /var/lib/patrol, /etc/patrol/patrold.conf), so a
# checkout names its own files, keeps state under var/, and reads no
# installed configuration. Values already set in the environment win.
# Needs $top: the checkout's absolute path.
: "${PATROL_CONFIG=}"
: "${PATROL_SCHEMA_DIR:=$top/schema}"
: "${PATROL_DATA_DIR:=$top/data}"
: "${PATROL_CONSOLE_DIR:=$top/server/console}"
: "${PATROL_VENDOR_DIR:=$top/node_modules}"
: "${PATROL_API_DOC:=$top/server/openapi.yaml}"
: "${PATROL_PHOTO_DIR:=$top/var/photos}"
export PATROL_CONFIG PATROL_SCHEMA_DIR PATROL_DATA_DIR PATROL_CONSOLE_DIR \
	PATROL_VENDOR_DIR PATROL_API_DOC PATROL_PHOTO_DIR
