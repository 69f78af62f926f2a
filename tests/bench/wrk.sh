# wrk output readers shared by the benchmark scripts (sourced).
# wrk's "99%" latency line, in ms.
wrk_p99() {
	printf '%s\n' "$1" | awk '$1 == "99%" { v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v)
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.1f", v }'
}
wrk_rps() { printf '%s\n' "$1" | awk '/^Requests\/sec:/ { print $2 }'; }
