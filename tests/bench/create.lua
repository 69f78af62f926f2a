-- wrk script: creates requests through POST /api/v1/requests, spread over
-- a few square kilometres of Tama ward. BENCH_TOKEN is a dispatcher's API
-- token; BENCH_DELAY_MS paces each connection (0: as fast as it goes).
local token = os.getenv("BENCH_TOKEN")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local n = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function request()
	n = n + 1
	local lat = 35.600 + (n * 7 % 100) * 0.0003
	local lon = 139.530 + (n * 13 % 100) * 0.0003
	local body = string.format(
		'{"category":"road_pothole","channel":"phone","lat":%.6f,' ..
		'"lon":%.6f,"answers":{"depth":"shallow"},"description":' ..
		'"bench %d","caller":{"name":"Bench","phone":"000-0000"}}',
		lat, lon, n)
	return wrk.format(nil, nil, nil, body)
end

function delay()
	return pause
end
