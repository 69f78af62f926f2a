#!/bin/sh
# symbols.sh PROGRAM PREFIX: fails when PROGRAM defines a function whose
# name starts with PREFIX (patrold must not carry patrolctl's ctl_*).
prog=$1
prefix=$2
found=$(nm "$prog" | awk -v p="$prefix" '$2 ~ /^[Tt]$/ && index($3, p) == 1 {print $3}')
if [ -n "$found" ]; then
	echo "symbols.sh: $prog defines:" $found >&2
	exit 1
fi
echo "$prog defines no $prefix* function"
