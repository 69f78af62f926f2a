#!/bin/sh
# needed.sh PROGRAM PATTERN...: fails when PROGRAM's dynamic section names a
# library (DT_NEEDED) matching one of the patterns, or when it names none at
# all (then we read the wrong thing). Used for the domain core's link check.
prog=$1
shift
needed=$(readelf -d "$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if [ -z "$needed" ]; then
	echo "needed.sh: no DT_NEEDED in $prog" >&2
	exit 1
fi
echo "$prog needs:" $needed
rc=0
for pat in "$@"; do
	if echo "$needed" | grep -q -- "$pat"; then
		echo "needed.sh: $prog links $pat" >&2
		rc=1
	fi
done
exit $rc
